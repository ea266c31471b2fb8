/**
 * Reliable delivery of L2TP control messages (RFC 2661 §5.8): Ns/Nr sequence numbers modulo 2^16, a
 * send window set by the peer's Receive Window Size, retransmission with a doubling timeout, and
 * acknowledgements piggybacked on the next message or sent as a ZLB. Knows nothing of message types:
 * the tunnel hands it AVP lists and gets in-order messages back.
 */
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import type { L2tpControl } from "../../wire/l2tp.ts";
import type { Avp } from "../../wire/l2tp_avp.ts";
import { DEFAULT_PEER_WINDOW, type L2tpTimers } from "./config.ts";

/** True when sequence number `a` comes before `b` in modulo-2^16 arithmetic (RFC 1982 style). */
export function seqBefore(a: number, b: number): boolean {
  const diff = (b - a) & 0xffff;
  return diff !== 0 && diff < 0x8000;
}

/** A control message waiting for its acknowledgement. */
export interface Outgoing {
  ns: number;
  sessionId: number;
  avps: Avp[];
  /** Retransmissions so far (0 until the first timeout). */
  retries: number;
  /** Whether it has been put on the wire at least once (the window may hold it back). */
  sent: boolean;
  timer?: Timer;
}

/** What the channel needs from its tunnel. */
export interface ReliableIo {
  sched: Scheduler;
  /** The peer's Tunnel ID for the header (0 until the peer has assigned one). */
  peerTunnelId(): number;
  /** Puts one control message on the wire. `retry` counts retransmissions (0 = first send). */
  transmit(message: L2tpControl, retry: number): void;
  /** A new message arrived in order (never a ZLB, never a duplicate). */
  deliver(message: L2tpControl): void;
  /** `message` went unacknowledged through every retransmission. */
  giveUp(message: Outgoing): void;
}

/** What became of a received control message. */
export type Receipt = "delivered" | "zlb" | "duplicate" | "out-of-order";

/**
 * One control connection's sequencing. Sending assigns Ns and queues; at most `peerWindow` messages
 * are unacknowledged at once. Receiving acknowledges our messages up to Nr, delivers a message whose
 * Ns is the one expected, answers a duplicate with an immediate ZLB (its acknowledgement was lost),
 * and discards one from the future, as xl2tpd does (the RFC allows queueing it; the peer resends).
 */
export class ReliableChannel {
  /** Ns of the next new message. */
  ns = 0;
  /** Nr: the Ns expected next from the peer. */
  nr = 0;
  peerWindow = DEFAULT_PEER_WINDOW;
  /** Retransmissions over the channel's life, for the tunnel table. */
  retransmissions = 0;
  #queue: Outgoing[] = [];
  #ackPending = false;
  #ackTimer?: Timer;
  #closed = false;

  constructor(private io: ReliableIo, private timers: L2tpTimers) {}

  /** Messages sent but not yet acknowledged, plus those the window holds back. */
  get unacknowledged(): number {
    return this.#queue.length;
  }

  /** Queues a message; it goes out now unless the peer's window is full. */
  send(sessionId: number, avps: Avp[]): Outgoing {
    const outgoing: Outgoing = { ns: this.ns, sessionId, avps, retries: 0, sent: false };
    this.ns = (this.ns + 1) & 0xffff;
    this.#queue.push(outgoing);
    this.#pump();
    return outgoing;
  }

  /** Handles a received control message: acknowledgement first, then sequencing. */
  receive(message: L2tpControl): Receipt {
    if (this.#closed) return "duplicate";
    this.#acknowledge(message.nr);
    if (message.avps.length === 0) return "zlb";
    if (message.ns !== this.nr) {
      if (seqBefore(message.ns, this.nr)) {
        this.#sendZlb();
        return "duplicate";
      }
      return "out-of-order";
    }
    this.nr = (this.nr + 1) & 0xffff;
    this.#ackPending = true;
    this.io.deliver(message);
    if (this.#ackPending && !this.#closed) this.#scheduleAck();
    return "delivered";
  }

  /** Acknowledges what has been received right away (before clearing on a StopCCN, say). */
  flushAck(): void {
    if (this.#ackPending && !this.#closed) this.#sendZlb();
  }

  /** Stops retransmitting what we sent, but still acknowledges what the peer repeats. */
  abandonOutgoing(): void {
    for (const outgoing of this.#queue) outgoing.timer?.cancel();
    this.#queue = [];
  }

  /** Stops every timer; nothing more is sent or retransmitted. */
  close(): void {
    this.#closed = true;
    this.#ackTimer?.cancel();
    for (const outgoing of this.#queue) outgoing.timer?.cancel();
    this.#queue = [];
  }

  #acknowledge(nr: number): void {
    let acked = false;
    while (this.#queue.length > 0 && this.#queue[0].sent && seqBefore(this.#queue[0].ns, nr)) {
      this.#queue.shift()!.timer?.cancel();
      acked = true;
    }
    if (acked) this.#pump();
  }

  /** Sends queued messages the window allows: the first `peerWindow` of the queue may be in flight. */
  #pump(): void {
    const limit = Math.min(this.#queue.length, Math.max(1, this.peerWindow));
    for (let i = 0; i < limit; i++) {
      const outgoing = this.#queue[i];
      if (outgoing.sent) continue;
      outgoing.sent = true;
      this.#transmit(outgoing);
      this.#arm(outgoing, this.timers.retransmit);
    }
  }

  #arm(outgoing: Outgoing, timeout: Micros): void {
    outgoing.timer = this.io.sched.after(timeout, () => {
      if (this.#closed || !this.#queue.includes(outgoing)) return;
      if (outgoing.retries >= this.timers.maxRetries) {
        this.io.giveUp(outgoing);
        return;
      }
      outgoing.retries++;
      this.retransmissions++;
      this.#transmit(outgoing);
      this.#arm(outgoing, Math.min(timeout * 2, this.timers.retransmitCap));
    });
  }

  /** Every transmission carries the current Nr, so it also acknowledges what we have received. */
  #transmit(outgoing: Outgoing): void {
    this.#clearAck();
    this.io.transmit({
      kind: "control",
      tunnelId: this.io.peerTunnelId(),
      sessionId: outgoing.sessionId,
      ns: outgoing.ns,
      nr: this.nr,
      avps: outgoing.avps,
    }, outgoing.retries);
  }

  #scheduleAck(): void {
    if (this.timers.ackDelay <= 0) return this.#sendZlb();
    this.#ackTimer ??= this.io.sched.after(this.timers.ackDelay, () => {
      this.#ackTimer = undefined;
      if (this.#ackPending && !this.#closed) this.#sendZlb();
    });
  }

  #clearAck(): void {
    this.#ackPending = false;
    this.#ackTimer?.cancel();
    this.#ackTimer = undefined;
  }

  /** A ZLB carries the Ns of the next message to go out, without consuming it (§5.8). */
  #sendZlb(): void {
    this.#clearAck();
    const waiting = this.#queue.find((outgoing) => !outgoing.sent);
    this.io.transmit({
      kind: "control",
      tunnelId: this.io.peerTunnelId(),
      sessionId: 0,
      ns: waiting?.ns ?? this.ns,
      nr: this.nr,
      avps: [],
    }, 0);
  }
}
