/**
 * Compares two runs' traces for the editor's tests. A network rebuilt in the editor differs from the
 * lesson file in what never reaches the engine (comments, key order, the lesson text, expectations,
 * drawing positions, the description); so every record must be equal: same kind, time, node, link,
 * packet id, summary, reason and, for every packet on a wire, the same bytes.
 */
import type { TraceRecord } from "../../src/trace/record.ts";

function hex(bytes: Uint8Array | undefined): string | undefined {
  return bytes && Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A record as comparable JSON (bytes as hex). */
export function comparable(r: TraceRecord): string {
  return JSON.stringify({ ...r, bytes: hex(r.bytes) });
}

/** The first difference between two traces in words, or null when they are the same. */
export function traceDifference(a: readonly TraceRecord[], b: readonly TraceRecord[]): string | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = comparable(a[i]);
    const y = comparable(b[i]);
    if (x !== y) return `record ${i} differs:\n  ${x}\n  ${y}`;
  }
  return a.length === b.length ? null : `lengths differ: ${a.length} and ${b.length} records`;
}
