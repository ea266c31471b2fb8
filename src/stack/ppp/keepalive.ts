/**
 * LCP Echo keepalive (RFC 1661 §5.8, as pppd's lcp-echo-interval and lcp-echo-failure): an
 * Echo-Request every interval, and the link declared dead after so many go unanswered. Apart from
 * the session because it is the one LCP job that runs on its own clock once the link is up.
 */
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import type { CpPacket, LcpOption } from "../../wire/lcp.ts";

/** What the keepalive needs from its PPP session. */
export interface KeepaliveHost {
  sched: Scheduler;
  /** Echo period; 0 = no keepalive. */
  interval: Micros;
  /** Unanswered echoes that end the link; 0 = never. */
  failures: number;
  /** Our negotiated Magic-Number (0 when none was negotiated). */
  magic(): number;
  send(packet: CpPacket<LcpOption>): void;
  log(message: string): void;
  /** The peer stopped answering: `unanswered` Echo-Requests went without a reply. */
  dead(unanswered: number): void;
}

/** The keepalive of one LCP link. */
export class LcpKeepalive {
  #timer?: Timer;
  #pending = 0;
  #id = 0;

  constructor(readonly host: KeepaliveHost) {}

  /** LCP went up: (re)start echoing. */
  start(): void {
    this.stop();
    if (this.host.interval <= 0) return;
    this.#pending = 0;
    this.#timer = this.host.sched.after(this.host.interval, () => this.#tick());
  }

  /** LCP went down, or the peer rejected Echo: nothing more to send. */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** An Echo-Request is answered; an Echo-Reply clears the count unless it is our own looped back. */
  onPacket(packet: CpPacket<LcpOption>): void {
    if (packet.kind === "echo-req") {
      this.host.send({ kind: "echo-reply", id: packet.id, magic: this.host.magic(), data: packet.data });
    } else if (packet.kind === "echo-reply") {
      if (this.host.magic() !== 0 && packet.magic === this.host.magic()) {
        this.host.log("appear to have received our own echo-reply!");
        return;
      }
      this.#pending = 0;
    }
  }

  #tick(): void {
    this.#timer = undefined;
    const failures = this.host.failures;
    if (failures > 0 && this.#pending >= failures) {
      this.host.dead(this.#pending);
      return;
    }
    this.#id = (this.#id + 1) & 0xff;
    this.host.send({ kind: "echo-req", id: this.#id, magic: this.host.magic(), data: new Uint8Array(0) });
    this.#pending++;
    this.#timer = this.host.sched.after(this.host.interval, () => this.#tick());
  }
}
