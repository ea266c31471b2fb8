/**
 * Dead Peer Detection for IKEv1 (RFC 3706): when nothing has come from the peer for `dpd.delay`, an
 * encrypted Informational exchange carries R-U-THERE with a sequence number, and the peer answers
 * R-U-THERE-ACK with the same number. Anything authenticated from the peer (IKE or ESP) counts as
 * a sign of life. Without an answer for `dpd.timeout` the peer is declared dead.
 */
import type { Micros } from "../../engine/time.ts";
import { formatDuration } from "../../engine/time.ts";
import type { Timer } from "../../engine/scheduler.ts";
import { formatIp } from "../../wire/addr.ts";
import { NOTIFY } from "../../wire/isakmp.ts";
import { be32 } from "./derive.ts";
import type { IkeSa } from "./ike_sa.ts";
import { sendInformational } from "./informational.ts";

/** DPD state of one IKE SA. */
export class DeadPeerDetection {
  #seq?: number;
  #lastHeard: Micros;
  /** When the first unanswered R-U-THERE went out, and the last sequence number sent. */
  #pending?: { since: Micros; seq: number };
  #timer?: Timer;

  constructor(readonly sa: IkeSa) {
    this.#lastHeard = sa.host.sched.now;
  }

  /** Starts checking, if `dpd.delay` asks for it. */
  start(): void {
    this.#lastHeard = this.sa.host.sched.now;
    if (this.sa.config.dpd.delay > 0) this.#arm(this.sa.config.dpd.delay);
  }

  /** The peer showed it is alive. */
  heard(): void {
    this.#lastHeard = this.sa.host.sched.now;
  }

  /** Answers a peer's R-U-THERE. */
  answer(data: Uint8Array): void {
    const seq = data.length === 4 ? ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0 : 0;
    this.sa.host.log(`received DPD request (R_U_THERE ${seq}), sending R_U_THERE_ACK`);
    sendInformational(this.sa, [this.#notify(NOTIFY.R_U_THERE_ACK, data)]);
  }

  /** The peer's R-U-THERE-ACK. */
  acknowledged(data: Uint8Array): void {
    const seq = data.length === 4 ? ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0 : -1;
    if (this.#pending && seq === this.#pending.seq) {
      this.sa.host.log(`received DPD response (R_U_THERE_ACK ${seq})`);
      this.#pending = undefined;
    } else {
      this.sa.host.log(`ignoring R_U_THERE_ACK ${seq}: no request with that sequence number`);
    }
  }

  dispose(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #notify(type: number, data: Uint8Array) {
    return {
      kind: "notify" as const,
      doi: 1,
      protocol: 1,
      spi: new Uint8Array([...this.sa.icookie, ...this.sa.rcookie]),
      notifyType: type,
      data,
    };
  }

  #arm(after: Micros): void {
    this.#timer = this.sa.host.sched.after(Math.max(1, after), () => this.#check());
  }

  #check(): void {
    this.#timer = undefined;
    if (!this.sa.established) return;
    const { delay, timeout, action } = this.sa.config.dpd;
    const now = this.sa.host.sched.now;
    if (this.#pending && this.#lastHeard > this.#pending.since) this.#pending = undefined;
    if (this.#pending && now - this.#pending.since >= timeout) {
      return this.sa.dead(
        `peer ${formatIp(this.sa.remote.ip)} did not answer DPD for ${
          formatDuration(timeout)
        } (dpd action ${action})`,
      );
    }
    const idle = now - this.#lastHeard;
    if (idle < delay && !this.#pending) return this.#arm(delay - idle);
    // RFC 3706 §7: the first sequence number is random; keeping it below 2^31 leaves room to count.
    this.#seq = this.#seq === undefined ? this.sa.host.rng.nextU32() & 0x7fffffff : (this.#seq + 1) >>> 0;
    this.#pending = { since: this.#pending?.since ?? now, seq: this.#seq };
    this.sa.host.log(`sending DPD request (R_U_THERE ${this.#seq})`);
    sendInformational(this.sa, [this.#notify(NOTIFY.R_U_THERE, be32(this.#seq))]);
    this.#arm(Math.min(delay, this.#pending.since + timeout - now));
  }
}
