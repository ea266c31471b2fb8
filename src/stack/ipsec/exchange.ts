/**
 * Retransmission of IKEv1 exchanges, one record per message ID (Main Mode is 0). IKEv1 has no
 * acknowledgements: the side that waits for an answer resends its last message on a timer that
 * grows by a factor (strongSwan: 4 s, ×1.8, 5 tries), and the side that already answered resends
 * its answer only when the very message it answered arrives again.
 */
import { bytesEqual } from "../../crypto/index.ts";
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import type { IpsecConfig } from "./config.ts";

/** Retransmission state of one exchange. */
export interface Exchange {
  lastSent?: Uint8Array;
  lastReceived?: Uint8Array;
  /** The received message `lastSent` answered: only its duplicates are answered again. */
  answered?: Uint8Array;
  timer?: Timer;
  tries: number;
}

/** What the exchanges need from the SA that owns them. */
export interface ExchangeOwner {
  readonly sched: Scheduler;
  readonly retransmit: IpsecConfig["retransmit"];
  /** Puts a message on the wire. */
  transmit(message: Uint8Array): void;
  log(summary: string): void;
  /** What message ID 0 is called in the log ("Main Mode", "Aggressive Mode"). */
  readonly phase1: string;
  /** False once the SA failed: pending timers then do nothing. */
  alive(): boolean;
  /** Every retransmit of exchange `mid` went unanswered. */
  giveUp(mid: number, tries: number): void;
}

/** The exchanges of one IKE SA, by message ID. */
export class Exchanges {
  #byId = new Map<number, Exchange>();

  constructor(readonly owner: ExchangeOwner) {}

  /** The record of message ID `mid`, created on first use. */
  of(mid: number): Exchange {
    let exchange = this.#byId.get(mid);
    if (!exchange) this.#byId.set(mid, exchange = { tries: 0 });
    return exchange;
  }

  has(mid: number): boolean {
    return this.#byId.has(mid);
  }

  /**
   * True when `message` repeats the last one received in its exchange; a peer that missed our
   * answer then gets it again, while a late copy of a reply we already processed needs nothing.
   */
  isDuplicate(mid: number, message: Uint8Array): boolean {
    const exchange = this.of(mid);
    if (!exchange.lastReceived || !bytesEqual(exchange.lastReceived, message)) return false;
    if (exchange.lastSent && !exchange.timer && exchange.answered && bytesEqual(exchange.answered, message)) {
      this.owner.log(`received retransmit of message ID ${mid}, retransmitting our reply`);
      this.owner.transmit(exchange.lastSent);
    }
    return true;
  }

  /** Remembers and sends a message; `retransmit` resends it until an answer stops the timer. */
  send(mid: number, bytes: Uint8Array, retransmit: boolean): void {
    const exchange = this.of(mid);
    exchange.lastSent = bytes;
    exchange.answered = exchange.lastReceived;
    exchange.timer?.cancel();
    exchange.timer = undefined;
    exchange.tries = 0;
    this.owner.transmit(bytes);
    if (retransmit) this.#arm(mid);
  }

  /** The answer arrived: no more retransmits of `mid`. */
  stop(mid: number): void {
    const exchange = this.of(mid);
    exchange.timer?.cancel();
    exchange.timer = undefined;
  }

  /** Cancels every timer. */
  dispose(): void {
    for (const exchange of this.#byId.values()) exchange.timer?.cancel();
  }

  #arm(mid: number): void {
    const exchange = this.of(mid);
    const { timeout, base, tries } = this.owner.retransmit;
    const delay = Math.round(timeout * Math.pow(base, exchange.tries));
    exchange.timer = this.owner.sched.after(delay, () => {
      exchange.timer = undefined;
      if (!this.owner.alive() || !exchange.lastSent) return;
      if (exchange.tries >= tries) {
        this.owner.log(`giving up after ${tries} retransmits`);
        return this.owner.giveUp(mid, tries);
      }
      exchange.tries++;
      this.owner.log(
        `sending retransmit ${exchange.tries} of ${mid === 0 ? this.owner.phase1 : `message ID ${mid}`}`,
      );
      this.owner.transmit(exchange.lastSent);
      this.#arm(mid);
    });
  }
}
