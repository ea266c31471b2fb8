/**
 * Set by `deno task test:fast`, the inner loop: it skips every test that needs an external program
 * (tshark, Chromium, xl2tpd), even under CI, and the exhaustive sweeps (fuzzing, every what-if word,
 * the comparison's repeat run) try a fixed sample instead of everything; `npm test` and CI run them all.
 */
export const fastRun = Deno.env.get("TUNNEL_LAB_FAST") === "1";

/** Every `n`-th item of `items` in a fast run (starting with the first), all of them otherwise. */
export function sampleInFastRun<T>(items: readonly T[], n: number): T[] {
  return fastRun ? items.filter((_, i) => i % n === 0) : [...items];
}
