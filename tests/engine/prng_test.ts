import assert from "node:assert/strict";
import { Prng } from "../../src/engine/prng.ts";
import { formatTime, parseDuration } from "../../src/engine/time.ts";

Deno.test("prng: same seed, same stream; different seed, different stream", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const seqA = Array.from({ length: 10 }, () => a.nextU32());
  const seqB = Array.from({ length: 10 }, () => b.nextU32());
  const seqC = Array.from({ length: 10 }, () => c.nextU32());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
});

Deno.test("prng: forks depend on seed and label only, not on draws made before", () => {
  const a = new Prng(7);
  const b = new Prng(7);
  b.nextU32();
  b.nextU32();
  assert.equal(a.fork("link:x").nextU32(), b.fork("link:x").nextU32());
  assert.notEqual(a.fork("link:x").nextU32(), a.fork("link:y").nextU32());
});

Deno.test("prng: uniform enough for loss decisions", () => {
  const rng = new Prng(1);
  let hits = 0;
  for (let i = 0; i < 100_000; i++) if (rng.chance(0.2)) hits++;
  assert.ok(hits > 19_000 && hits < 21_000, `hits ${hits}`);
  for (let i = 0; i < 1000; i++) {
    const v = rng.int(3, 7);
    assert.ok(v >= 3 && v <= 7 && Number.isInteger(v));
  }
});

Deno.test("durations parse to microseconds", () => {
  assert.equal(parseDuration("250ms"), 250_000);
  assert.equal(parseDuration("2s"), 2_000_000);
  assert.equal(parseDuration("1.5s"), 1_500_000);
  assert.equal(parseDuration("1m"), 60_000_000);
  assert.equal(parseDuration("100us"), 100);
  assert.equal(parseDuration("3"), 3_000_000);
  assert.equal(parseDuration("fast"), null);
  assert.equal(parseDuration("-1s"), null);
  assert.equal(formatTime(2_000_123), "2.000123");
});
