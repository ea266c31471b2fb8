import assert from "node:assert/strict";
import { MS, SECOND } from "../../../src/engine/time.ts";
import { MAX_RTO, RttEstimator } from "../../../src/stack/tcp/rtt.ts";
import { Congestion, initialWindow } from "../../../src/stack/tcp/congestion.ts";
import { seqGt, seqLt } from "../../../src/stack/tcp/seq.ts";

Deno.test("RFC 6298: initial RTO 1 s; first sample sets SRTT = R, RTTVAR = R/2; RTO has a 1 s floor", () => {
  const rtt = new RttEstimator();
  assert.equal(rtt.rto, SECOND);
  rtt.sample(100 * MS);
  assert.equal(rtt.srtt, 100 * MS);
  assert.equal(rtt.rttvar, 50 * MS);
  assert.equal(rtt.rto, SECOND, "100 ms + 4·50 ms = 300 ms, rounded up to 1 s");
  const slow = new RttEstimator();
  slow.sample(2 * SECOND);
  assert.equal(slow.rto, 6 * SECOND, "2 s + 4·1 s");
});

Deno.test("RFC 6298 §2.3: later samples smooth with alpha 1/8 and beta 1/4", () => {
  const rtt = new RttEstimator();
  rtt.sample(800 * MS);
  rtt.sample(1600 * MS);
  // RTTVAR = 3/4·400 + 1/4·|800 − 1600| = 500 ms; SRTT = 7/8·800 + 1/8·1600 = 900 ms.
  assert.equal(rtt.rttvar, 500 * MS);
  assert.equal(rtt.srtt, 900 * MS);
  assert.equal(rtt.rto, 2900 * MS);
});

Deno.test("RFC 6298 §5.5: back-off doubles the RTO up to the maximum; a new sample resets it", () => {
  const rtt = new RttEstimator();
  const seen = [];
  for (let i = 0; i < 9; i++) {
    rtt.backOff();
    seen.push(rtt.rto / SECOND);
  }
  assert.deepEqual(seen, [2, 4, 8, 16, 32, 64, 120, 120, 120]);
  assert.equal(rtt.rto, MAX_RTO);
  rtt.sample(10 * MS);
  assert.equal(rtt.rto, SECOND);
  assert.equal(rtt.backoffs, 0);
});

Deno.test("RFC 5681 §3.1: the initial window is 2, 3 or 4 segments by segment size", () => {
  assert.equal(initialWindow(536), 4 * 536);
  assert.equal(initialWindow(1460), 3 * 1460);
  assert.equal(initialWindow(8960), 2 * 8960);
});

Deno.test("slow start adds one MSS per ACK of a full segment; congestion avoidance about one MSS per window", () => {
  const cc = new Congestion(1000, 0);
  cc.cwnd = 4000;
  cc.ssthresh = 8000;
  cc.onNewAck(1000, 1000, 4000);
  assert.equal(cc.cwnd, 5000);
  cc.onNewAck(1300, 300, 4000);
  assert.equal(cc.cwnd, 5300, "grows by what was acknowledged, at most one MSS");
  cc.cwnd = 10_000;
  cc.ssthresh = 5000;
  for (let i = 0; i < 10; i++) cc.onNewAck(1000 * (i + 2), 1000, 10_000);
  assert.ok(cc.cwnd >= 10_900 && cc.cwnd <= 11_000, `one window of ACKs adds about one MSS (${cc.cwnd})`);
  const idle = new Congestion(1000, 0);
  const before = idle.cwnd;
  idle.onNewAck(1000, 1000, 1000);
  assert.equal(idle.cwnd, before, "a sender using less than half its window does not grow it");
});

Deno.test("third duplicate ACK: ssthresh = max(flight/2, 2 MSS), cwnd = ssthresh + 3 MSS, then +1 MSS each", () => {
  const cc = new Congestion(1000, 0);
  cc.cwnd = 20_000;
  assert.equal(cc.onDuplicateAck(5000, 20_000, 25_000), "none");
  assert.equal(cc.onDuplicateAck(5000, 20_000, 25_000), "none");
  assert.equal(cc.onDuplicateAck(5000, 20_000, 25_000), "fast-retransmit");
  assert.equal(cc.ssthresh, 10_000);
  assert.equal(cc.cwnd, 13_000);
  cc.onDuplicateAck(5000, 20_000, 25_000);
  assert.equal(cc.cwnd, 14_000);
  assert.equal(cc.onNewAck(8000, 3000, 20_000), "partial-retransmit");
  assert.equal(cc.cwnd, 14_000 - 3000 + 1000, "deflated by the new data, one MSS added back");
  assert.equal(cc.onNewAck(25_000, 17_000, 17_000), "none");
  assert.ok(!cc.inRecovery);
  assert.equal(cc.cwnd, 2000, "min(ssthresh, max(FlightSize, SMSS) + SMSS) with nothing left in flight");
  // A new loss reported by ACKs below `recover` does not start a second recovery.
  cc.onDuplicateAck(20_000, 5000, 25_000);
  cc.onDuplicateAck(20_000, 5000, 25_000);
  assert.equal(cc.onDuplicateAck(20_000, 5000, 25_000), "none");
});

Deno.test("timeout: ssthresh from the flight, cwnd one segment; a repeated expiry keeps ssthresh", () => {
  const cc = new Congestion(1000, 0);
  cc.onTimeout(30_000, 40_000, true);
  assert.equal(cc.ssthresh, 15_000);
  assert.equal(cc.cwnd, 1000);
  cc.onTimeout(1000, 40_000, false);
  assert.equal(cc.ssthresh, 15_000);
});

Deno.test("sequence comparisons hold across the 2^32 wrap", () => {
  assert.ok(seqLt(0xfffffff0, 0x10));
  assert.ok(seqGt(0x10, 0xfffffff0));
  assert.ok(!seqLt(5, 5));
});
