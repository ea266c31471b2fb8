/**
 * Simulated time is an integer count of microseconds: integers keep runs exactly reproducible
 * (no float drift between platforms) and map directly onto pcap's microsecond timestamps.
 */
export type Micros = number;

export const MS: Micros = 1_000;
export const SECOND: Micros = 1_000_000;

const UNIT_MICROS: Record<string, number> = { us: 1, ms: MS, s: SECOND, m: 60 * SECOND, h: 3600 * SECOND };

/** Parses `250ms`, `2s`, `1.5s`, `1m`, `100us`; a bare number means seconds. Returns null when malformed. */
export function parseDuration(text: string | number): Micros | null {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? Math.round(text * SECOND) : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?\s*$/.exec(text);
  if (!match) return null;
  return Math.round(Number(match[1]) * UNIT_MICROS[match[2] ?? "s"]);
}

/** `12.345678` seconds, fixed width of fraction so traces line up and diff cleanly. */
export function formatTime(t: Micros): string {
  const whole = Math.floor(t / SECOND);
  const frac = String(t % SECOND).padStart(6, "0");
  return `${whole}.${frac}`;
}

/** Short human form for messages: `250ms`, `2s`, `1.5s`. */
export function formatDuration(t: Micros): string {
  if (t % SECOND === 0) return `${t / SECOND}s`;
  if (t % MS === 0) return t < SECOND ? `${t / MS}ms` : `${t / SECOND}s`;
  return `${t}us`;
}
