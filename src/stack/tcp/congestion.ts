/**
 * Congestion control as RFC 5681 describes it with RFC 6582's NewReno fast recovery: slow start below
 * ssthresh, congestion avoidance above it, fast retransmit on the third duplicate ACK, and a recovery
 * that ends only when everything outstanding at its start is acknowledged, retransmitting one hole per
 * partial ACK. It only decides numbers; the connection sends what these numbers allow.
 */
import { seqGe } from "./seq.ts";

/** What an ACK asks the connection to do. */
export type AckAction = "none" | "fast-retransmit" | "partial-retransmit";

/** cwnd, ssthresh and the recovery state of one sender, all in bytes. */
export class Congestion {
  cwnd: number;
  ssthresh = 0x7fffffff;
  dupAcks = 0;
  inRecovery = false;
  /** RFC 6582's `recover`, kept as one past the highest sequence number sent when loss was detected. */
  recover: number;
  /** Fast retransmits and timeouts so far, for the `tcp` table. */
  fastRetransmits = 0;
  timeouts = 0;

  constructor(public mss: number, iss: number) {
    this.cwnd = initialWindow(mss);
    this.recover = iss;
  }

  /** A new ACK covered `acked` bytes; `flight` is what was outstanding before it. */
  onNewAck(ack: number, acked: number, flight: number): AckAction {
    if (this.inRecovery) {
      if (seqGe(ack, this.recover)) {
        // Full acknowledgment (RFC 6582 §3.2 step 3): deflate to ssthresh, never above what is in flight.
        this.inRecovery = false;
        this.dupAcks = 0;
        this.cwnd = Math.min(this.ssthresh, Math.max(flight - acked, this.mss) + this.mss);
        return "none";
      }
      // Partial acknowledgment (step 4): the next hole is lost too; deflate by what was acknowledged.
      this.cwnd = Math.max(this.mss, this.cwnd - acked + (acked >= this.mss ? this.mss : 0));
      return "partial-retransmit";
    }
    this.dupAcks = 0;
    // Grow only while the window is what limits sending (RFC 7661's idea; Linux's tcp_is_cwnd_limited),
    // else a receiver-limited sender would inflate cwnd without ever testing the path.
    if (2 * flight < this.cwnd) return "none";
    if (this.cwnd < this.ssthresh) this.cwnd += Math.min(acked, this.mss); // slow start (RFC 5681 §3.1)
    else this.cwnd += Math.max(1, Math.floor((this.mss * this.mss) / this.cwnd)); // congestion avoidance
    return "none";
  }

  /** A duplicate ACK while `flight` bytes are outstanding and `highestSent` is one past the last sent. */
  onDuplicateAck(ack: number, flight: number, highestSent: number): AckAction {
    if (this.inRecovery) {
      this.cwnd += this.mss; // each duplicate means one more segment has left the network
      return "none";
    }
    this.dupAcks++;
    // RFC 6582 §3.2 step 1: a third duplicate starts recovery only if it is past the last recovery point,
    // so one window's losses cause one reduction.
    if (this.dupAcks !== 3 || !seqGe(ack, this.recover)) return "none";
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.ssthresh + 3 * this.mss;
    this.recover = highestSent;
    this.inRecovery = true;
    this.fastRetransmits++;
    return "fast-retransmit";
  }

  /** The retransmission timer expired (RFC 5681 §3.1, equation 4; cwnd to the loss window). */
  onTimeout(flight: number, highestSent: number, firstExpiry: boolean): void {
    if (firstExpiry) this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.dupAcks = 0;
    this.inRecovery = false;
    this.recover = highestSent;
    this.timeouts++;
  }

  /** PMTUD lowered the segment size: keep the window in segments, not bytes. */
  setMss(mss: number): void {
    const segments = Math.max(1, Math.floor(this.cwnd / this.mss));
    this.mss = mss;
    this.cwnd = segments * mss;
  }
}

/** RFC 5681 §3.1 initial window: 2, 3 or 4 segments depending on the segment size. */
export function initialWindow(mss: number): number {
  if (mss > 2190) return 2 * mss;
  if (mss > 1095) return 3 * mss;
  return 4 * mss;
}
