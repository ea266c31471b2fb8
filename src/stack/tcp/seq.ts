/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): comparisons look at the signed distance, so
 * they stay right when the numbers wrap past 2^32 - 1 back to 0.
 */
import { TCP_FIN, TCP_SYN, type TcpSegment } from "../../wire/tcp.ts";

/** `a + n` modulo 2^32. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The distance from `b` to `a` (`a - b`), as a signed 32-bit number. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** `a < b` in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

/** `a <= b` in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

/** `a > b` in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** `a >= b` in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/** Sequence space a segment occupies: its data plus one each for SYN and FIN. */
export function segmentLength(segment: TcpSegment): number {
  return segment.payload.length + (segment.flags & TCP_SYN ? 1 : 0) + (segment.flags & TCP_FIN ? 1 : 0);
}
