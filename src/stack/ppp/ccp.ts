/**
 * CCP negotiating MPPE (RFC 1962, RFC 3078 §2) and, once it is open, the MPPE ciphers of both
 * directions. Both ends ask for 128-bit stateless MPPE and accept nothing else (pppd's
 * `require-mppe-128`, Windows' "maximum strength"), so a peer that offers less, or rejects CCP, ends the
 * link: a PPTP link that cannot encrypt must not carry data. The keys come from MS-CHAPv2 (RFC 3079).
 */
import { mppeStartKey } from "../../crypto/mppe_keys.ts";
import type { Scheduler } from "../../engine/scheduler.ts";
import { CCP, type CcpOption, MPPE_128, MPPE_STATELESS, mppeBitsText, PPP_CCP } from "../../wire/ccp.ts";
import { hexNum } from "../../wire/octets.ts";
import { PPP_IP } from "../../wire/ppp.ts";
import { type Decoded, fail } from "../../wire/field.ts";
import { decodeCp, encodeCp, summarizeCp } from "../../wire/lcp.ts";
import { encodePpp } from "../../wire/ppp.ts";
import type { PppTrace } from "./session_trace.ts";
import {
  Automaton,
  type FsmState,
  type FsmTimers,
  type Judgement,
  type OptionStrategy,
} from "./automaton.ts";
import { MppeDecryptor, MppeEncryptor } from "./mppe.ts";

const WANT = MPPE_STATELESS | MPPE_128;

/** MPPE option judged against the one set of bits we run. */
class CcpNegotiation implements OptionStrategy<CcpOption> {
  reset(): void {}
  request(): CcpOption[] {
    return [{ type: "mppe", bits: WANT }];
  }
  judge(options: CcpOption[]): Judgement<CcpOption> {
    return {
      options: options.map((option) =>
        option.type !== "mppe"
          ? { option, verdict: "rej" as const }
          : option.bits === WANT
          ? { option, verdict: "ack" as const }
          : { option, verdict: "nak" as const, suggest: { type: "mppe" as const, bits: WANT } }
      ),
      wanted: options.some((o) => o.type === "mppe") ? [] : [{ type: "mppe", bits: WANT }],
    };
  }
  peerAcked(): void {}
  acked(): void {}
  nak(options: CcpOption[]): string | undefined {
    const offer = options.find((o) => o.type === "mppe");
    if (offer?.type === "mppe" && offer.bits === WANT) return undefined;
    return `the peer offers MPPE ${offer?.type === "mppe" ? mppeBitsText(offer.bits) : "nothing"}, ` +
      `we require ${mppeBitsText(WANT)}`;
  }
  rejected(): string | undefined {
    return "the peer rejected MPPE (CCP option 18), which this link requires";
  }
}

/** What CCP needs from its PPP session. */
export interface MppeHost {
  sched: Scheduler;
  timers: FsmTimers;
  role: "client" | "server";
  trace: PppTrace;
  /** Sends a PPP frame. */
  send(frame: Uint8Array): void;
  /** CCP is open: encrypted data may flow. */
  opened(): void;
  /** MPPE cannot be had: the session must end (pppd: "MPPE required but not available"). */
  failed(reason: string): void;
  stateChanged(): void;
}

/** CCP and the MPPE ciphers of one PPP session. */
export class MppeLayer {
  readonly #host: MppeHost;
  readonly #automaton: Automaton<CcpOption>;
  #master?: Uint8Array;
  #send?: MppeEncryptor;
  #receive?: MppeDecryptor;
  #stopping = false;

  constructor(host: MppeHost) {
    this.#host = host;
    this.#automaton = new Automaton(
      CCP,
      new CcpNegotiation(),
      {
        send: (packet) => host.send(encodePpp({ protocol: PPP_CCP, payload: encodeCp(CCP, packet) })),
        up: () => this.#up(),
        down: () => {
          this.#send = undefined;
          this.#receive = undefined;
        },
        started: () => {},
        finished: (reason) => {
          if (!this.#stopping) host.failed(`CCP: ${reason}`);
        },
        stateChanged: () => host.stateChanged(),
        discard: (reason, packet) => this.#discard(reason, encodeCp(CCP, packet)),
        log: (message) => host.trace.log(message),
      },
      host.sched,
      host.timers,
    );
  }

  get state(): FsmState {
    return this.#automaton.state;
  }

  /** Encrypted data can flow. */
  get opened(): boolean {
    return this.#automaton.state === "opened" && this.#send !== undefined;
  }

  /** The network phase began; `master` is MS-CHAPv2's MPPE master key, if that was the method. */
  start(master: Uint8Array | undefined): void {
    if (!master) {
      this.#host.trace.log("MPPE required, but MS-CHAPv2 authentication was not performed.");
      return this.#host.failed("MPPE is required but the peer did not authenticate with MS-CHAPv2 (no keys)");
    }
    this.#master = master;
    this.#stopping = false;
    this.#automaton.open();
    this.#automaton.up();
  }

  input(payload: Uint8Array): void {
    const decoded = decodeCp(CCP, payload);
    if (!decoded.ok) return this.#discard(decoded.error, payload);
    this.#automaton.receive(decoded.value, payload.subarray(0, (payload[2] << 8) | payload[3]));
  }

  /**
   * A CCP or MPPE frame's payload: an IPv4 datagram to deliver, undefined when CCP took it, or why it
   * is dropped.
   */
  receive(protocol: number, payload: Uint8Array, phase: string): Uint8Array | string | undefined {
    if (protocol === PPP_CCP) {
      if (phase !== "network" && phase !== "open") {
        return `CCP packet in the ${phase} phase: CCP runs only in the network phase`;
      }
      this.input(payload);
      return undefined;
    }
    const inner = this.decrypt(payload);
    if (!inner.ok) return inner.error;
    if (inner.value.protocol !== PPP_IP) {
      return `MPPE carried protocol ${hexNum(inner.value.protocol, 4)}: only IPv4 is run here`;
    }
    return inner.value.payload;
  }

  /** The 0x00FD payload for an inner packet. */
  encrypt(protocol: number, payload: Uint8Array): Uint8Array {
    return this.#send!.encrypt(protocol, payload);
  }

  decrypt(payload: Uint8Array): Decoded<{ protocol: number; payload: Uint8Array; count: number }> {
    if (!this.#receive) return fail(`MPPE packet while CCP is ${this.#automaton.state}: discarded`);
    return this.#receive.decrypt(payload);
  }

  /** LCP went down or the session ended. */
  stop(reason: string): void {
    this.#stopping = true;
    this.#automaton.down(reason);
    this.#automaton.stop();
  }

  #discard(reason: string, payload: Uint8Array): void {
    this.#host.trace.drop(reason, summarizeCp(CCP, payload));
  }

  #up(): void {
    const master = this.#master!;
    const server = this.#host.role === "server";
    this.#send = new MppeEncryptor(mppeStartKey(master, 16, true, server));
    this.#receive = new MppeDecryptor(mppeStartKey(master, 16, false, server));
    this.#host.trace.log("MPPE 128-bit stateless compression enabled");
    this.#host.opened();
  }
}
