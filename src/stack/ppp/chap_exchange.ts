/**
 * The packet exchange CHAP-MD5 (RFC 1994) and MS-CHAPv2 (RFC 2759) share on PPP protocol 0xC223,
 * whatever the algorithm behind the values: the authenticator's Challenge (retransmitted until a
 * Response with its Identifier comes, its verdict repeated when a Response repeats after a lost
 * Success, RFC 1994 §4.1) and the peer's Response (repeated until a verdict with its Identifier comes).
 * What the values mean and what a verdict says stay in auth.ts and mschapv2.ts.
 */
import type { Timer } from "../../engine/scheduler.ts";
import { type ChapPacket, decodeChap, encodeChap } from "../../wire/chap.ts";
import { PPP_CHAP } from "../../wire/ppp.ts";
import type { AuthHost } from "./auth.ts";

export type ChapResponsePacket = { kind: "response"; id: number; value: Uint8Array; name: string };
export type ChapVerdict = Extract<ChapPacket, { kind: "success" | "failure" }>;

/** The authenticator's side: our Challenge and, once judged, our verdict. */
export class ChapChallenge {
  id = 0;
  value: Uint8Array = new Uint8Array(0);
  #verdict?: ChapVerdict;
  #host: AuthHost;
  #name: string;
  #label: string;
  #sent = 0;
  #timer?: Timer;

  /** `label` names the method in logs and discards ("CHAP", "MS-CHAPv2"). */
  constructor(host: AuthHost, name: string, label: string) {
    this.#host = host;
    this.#name = name;
    this.#label = label;
  }

  /** A fresh Identifier and 16-byte challenge, sent now and retransmitted. */
  start(): void {
    this.id = this.#host.rng.int(0, 255);
    this.value = this.#host.rng.bytes(16);
    this.#sent = 0;
    this.#verdict = undefined;
    this.#send();
  }

  /** Takes over a Challenge another box sent (a LAC's, in proxy authentication). */
  adopt(id: number, value: Uint8Array): void {
    this.id = id;
    this.value = value;
  }

  #send(): void {
    if (this.#sent >= this.#host.maxTransmits) {
      this.#host.log(`Peer failed to respond to ${this.#label} challenge`);
      this.#host.done({
        ok: false,
        reason: `the peer never answered the ${this.#label} Challenge`,
        terminate: "Authentication failed",
      });
      return;
    }
    this.#sent++;
    this.#host.send(
      PPP_CHAP,
      encodeChap({ kind: "challenge", id: this.id, value: this.value, name: this.#name }),
    );
    this.#timer = this.#host.sched.after(this.#host.restartTimer, () => this.#send());
  }

  /**
   * The Response that answers our Challenge and is still to be judged; undefined when the packet was
   * discarded or repeated a Response we already judged (the verdict then goes out again).
   */
  response(payload: Uint8Array): ChapResponsePacket | undefined {
    const decoded = decodeChap(payload);
    if (!decoded.ok) return void this.#host.discard(decoded.error, PPP_CHAP);
    const packet = decoded.value;
    if (packet.kind !== "response") {
      return void this.#host.discard(
        `${this.#label} ${packet.kind} from the peer: we are the authenticator, not the peer`,
        PPP_CHAP,
      );
    }
    if (packet.id !== this.id || this.value.length === 0) {
      return void this.#host.discard(
        `${this.#label} Response id ${packet.id} does not answer our Challenge (id ${this.id})`,
        PPP_CHAP,
      );
    }
    if (this.#verdict) return void this.#sendVerdict();
    return { ...packet, kind: "response" };
  }

  /** Sends Success or Failure with `message`, and repeats it for a repeated Response. */
  judge(kind: ChapVerdict["kind"], message: string): void {
    this.#verdict = { kind, id: this.id, message };
    this.#sendVerdict();
  }

  #sendVerdict(): void {
    this.#host.send(PPP_CHAP, encodeChap(this.#verdict!));
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

/** The peer's side: our Response, repeated until the authenticator's verdict arrives. */
export class ChapAnswer {
  #host: AuthHost;
  #packet?: Uint8Array;
  #sent = 0;
  #timer?: Timer;

  constructor(host: AuthHost) {
    this.#host = host;
  }

  /** Sends a Response now and at each restart timer, replacing any earlier one. */
  send(response: ChapResponsePacket): void {
    this.stop();
    this.#packet = encodeChap(response);
    this.#sent = 0;
    this.#repeat();
  }

  // RFC 1994 §4.1 lets the authenticator see repeated Responses after a lost Success; repeating ours
  // until the verdict arrives keeps a lost Success from stalling the link.
  #repeat(): void {
    if (!this.#packet || this.#sent >= this.#host.maxTransmits) return;
    this.#sent++;
    this.#host.send(PPP_CHAP, this.#packet);
    this.#timer = this.#host.sched.after(this.#host.restartTimer, () => this.#repeat());
  }

  /** Whether a verdict with Identifier `id` answers the Response we sent. */
  answers(id: number): boolean {
    return this.#packet !== undefined && this.#packet[1] === id;
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
