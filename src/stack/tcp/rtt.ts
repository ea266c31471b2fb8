/**
 * The retransmission timer's value (RFC 6298): an initial RTO of 1 s, then SRTT and RTTVAR smoothed
 * from samples (alpha 1/8, beta 1/4, K 4), RTO = SRTT + max(G, 4·RTTVAR) kept at 1 s or more, and
 * doubled on every expiry (back-off) until a fresh sample computes it again. Callers apply Karn's rule:
 * a retransmitted segment gives no sample.
 */
import { type Micros, SECOND } from "../../engine/time.ts";

/** RFC 6298 §2.4: "whenever RTO is computed, if it is less than 1 second, then it SHOULD be rounded up". */
export const MIN_RTO: Micros = SECOND;
/** RFC 6298 §2.5 allows a maximum of at least 60 s; Linux caps at 120 s (TCP_RTO_MAX). */
export const MAX_RTO: Micros = 120 * SECOND;
export const INITIAL_RTO: Micros = SECOND;
/** Clock granularity G: simulated time is exact to the microsecond. */
const GRANULARITY: Micros = 1;

/** SRTT, RTTVAR and the current RTO of one connection. */
export class RttEstimator {
  srtt: Micros | undefined;
  rttvar: Micros = 0;
  rto: Micros = INITIAL_RTO;
  /** How many times the current RTO has been doubled since the last sample. */
  backoffs = 0;

  /** Folds in a measured round trip (RFC 6298 §2.2 for the first, §2.3 for the rest). */
  sample(rtt: Micros): void {
    if (this.srtt === undefined) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.backoffs = 0;
    this.rto = Math.min(
      MAX_RTO,
      Math.max(MIN_RTO, Math.round(this.srtt + Math.max(GRANULARITY, 4 * this.rttvar))),
    );
  }

  /** The timer expired: RFC 6298 §5.5, RTO ← 2·RTO (bounded by the maximum). */
  backOff(): void {
    this.backoffs++;
    this.rto = Math.min(MAX_RTO, this.rto * 2);
  }
}

/** "1.5s" or "200ms", as the tcp table words a timer. */
export function formatDuration(t: Micros): string {
  return t >= SECOND ? `${(t / SECOND).toFixed(t % SECOND ? 1 : 0)}s` : `${Math.round(t / 1000)}ms`;
}
