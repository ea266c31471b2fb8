/**
 * What a middlebox knows of a TCP connection from the segments it forwards, in the spirit of Linux's
 * nf_conntrack_proto_tcp: SYN_SENT after the first SYN, SYN_RECV after the SYN-ACK, ESTABLISHED after
 * the handshake's ACK, FIN_WAIT, CLOSE_WAIT and LAST_ACK as the FINs pass and are acknowledged, TIME_WAIT
 * after the last ACK, CLOSE after
 * a reset. Each state has its own idle timeout, Linux's defaults. NAT and the firewall both use it to
 * decide how long to remember a connection.
 */
import { type Micros, SECOND } from "../../engine/time.ts";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../../wire/tcp.ts";

export type TrackedTcpState =
  | "SYN_SENT"
  | "SYN_RECV"
  | "ESTABLISHED"
  | "FIN_WAIT"
  | "CLOSE_WAIT"
  | "LAST_ACK"
  | "TIME_WAIT"
  | "CLOSE";

/** Linux's nf_conntrack_tcp_timeout_* defaults. */
export const TCP_TRACK_TIMEOUTS: Record<TrackedTcpState, Micros> = {
  SYN_SENT: 120 * SECOND,
  SYN_RECV: 60 * SECOND,
  ESTABLISHED: 5 * 24 * 3600 * SECOND,
  FIN_WAIT: 120 * SECOND,
  CLOSE_WAIT: 60 * SECOND,
  LAST_ACK: 30 * SECOND,
  TIME_WAIT: 120 * SECOND,
  CLOSE: 10 * SECOND,
};

/** One tracked connection: its state and which directions have sent a FIN. */
export class TcpTrack {
  state: TrackedTcpState = "SYN_SENT";
  #finFromOriginal = false;
  #finFromReply = false;

  /** `established`: the idle timeout of an established connection, which routers often shorten. */
  constructor(readonly established: Micros = TCP_TRACK_TIMEOUTS.ESTABLISHED) {}

  /**
   * Follows one forwarded segment. `original` is true for the direction of the first SYN. Returns
   * whether the segment fits the connection (a SYN-ACK from the originator does not, for example).
   */
  update(flags: number, original: boolean): boolean {
    if (flags & TCP_RST) {
      this.state = "CLOSE";
      return true;
    }
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    switch (this.state) {
      case "SYN_SENT":
        if (syn && ack && !original) this.state = "SYN_RECV";
        return original ? syn && !ack : syn && ack;
      case "SYN_RECV":
        if (original && ack && !syn) this.state = "ESTABLISHED";
        return true;
      case "CLOSE":
      case "TIME_WAIT":
        if (syn && !ack && original) {
          this.#reopen(); // the same ports, a new connection
          return true;
        }
        if (this.state === "CLOSE") return syn;
        break;
      default:
        break;
    }
    if (flags & TCP_FIN) {
      if (original) this.#finFromOriginal = true;
      else this.#finFromReply = true;
      if (this.state === "TIME_WAIT") return true; // a FIN repeated because the last ACK was lost
      if (this.#finFromOriginal && this.#finFromReply) this.state = "LAST_ACK";
      else this.state = this.state === "ESTABLISHED" ? "FIN_WAIT" : this.state;
      return true;
    }
    if (ack && this.state === "LAST_ACK") this.state = "TIME_WAIT";
    else if (ack && this.state === "FIN_WAIT" && (original ? this.#finFromReply : this.#finFromOriginal)) {
      this.state = "CLOSE_WAIT"; // the other side acknowledged the first FIN and may still send
    }
    return true;
  }

  #reopen(): void {
    this.state = "SYN_SENT";
    this.#finFromOriginal = false;
    this.#finFromReply = false;
  }

  /** How long the connection may stay idle in its current state. */
  get timeout(): Micros {
    return this.state === "ESTABLISHED" ? this.established : TCP_TRACK_TIMEOUTS[this.state];
  }
}
