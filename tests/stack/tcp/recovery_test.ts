import assert from "node:assert/strict";
import { MS, SECOND } from "../../../src/engine/time.ts";
import type { TcpConnection } from "../../../src/stack/tcp/connection.ts";
import { A, B, Harness, type Sent, stream } from "./harness.ts";

/** a sends `length` bytes to b's port 80; returns what b received and a's connection. */
function transfer(h: Harness, length: number) {
  const received: number[] = [];
  h.b.listen(80, () => ({ onData: (d) => received.push(...d) }));
  const c = h.a.connect(B, 80, { onConnected: () => c.write(stream(length)) }) as TcpConnection;
  return { c, received };
}

const isData = (s: Sent) => s.from === "a" && s.segment.payload.length > 0;

/** Drops the first transmission of the data segments whose ordinal (among a's data segments) is listed. */
function dropDataSegments(ordinals: number[]) {
  const seen = new Set<number>();
  let count = 0;
  return (s: Sent) => {
    if (!isData(s) || seen.has(s.segment.seq)) return true;
    seen.add(s.segment.seq);
    return !ordinals.includes(count++);
  };
}

Deno.test("fast retransmit: one lost segment is resent after three duplicate ACKs, long before the RTO", () => {
  const h = new Harness({ delay: 10 * MS, bandwidth: 10e6, filter: dropDataSegments([20]) });
  const { c, received } = transfer(h, 100_000);
  h.run(10 * SECOND);
  assert.deepEqual(received, [...stream(100_000)], "every byte arrives once, in order");
  const lostSeq = h.log.filter(isData)[20].segment.seq;
  const sends = h.log.filter((s) => isData(s) && s.segment.seq === lostSeq);
  assert.equal(sends.length, 2);
  const dupAcks = h.from("b").filter((s) => s.segment.ack === lostSeq && s.at < sends[1].at);
  assert.ok(dupAcks.length >= 4, `the original ACK plus three duplicates (${dupAcks.length})`);
  assert.ok(sends[1].at - sends[0].at < 200 * MS, `resent after ${(sends[1].at - sends[0].at) / MS} ms`);
  assert.equal(c.congestion.fastRetransmits, 1);
  assert.equal(c.congestion.timeouts, 0);
  assert.equal(c.retransmittedSegments, 1);
});

Deno.test("fast recovery halves the window: ssthresh = flight/2 and cwnd = ssthresh + 3 MSS at entry", () => {
  const h = new Harness({ delay: 10 * MS, bandwidth: 10e6, filter: dropDataSegments([30]) });
  const { c } = transfer(h, 200_000);
  let entry: { cwnd: number; ssthresh: number; flight: number } | undefined;
  let flightBefore = 0;
  const step = () => {
    if (!entry && c.congestion.inRecovery) {
      entry = { cwnd: c.congestion.cwnd, ssthresh: c.congestion.ssthresh, flight: flightBefore };
    }
    flightBefore = (c.sndMax - c.sndUna) >>> 0;
    if (h.sched.now < 5 * SECOND) h.sched.after(10, step);
  };
  h.sched.after(10, step);
  h.run(5 * SECOND);
  assert.ok(entry, "recovery happened");
  assert.equal(entry.ssthresh, Math.max(Math.floor(entry.flight / 2), 2 * c.mss));
  assert.ok(entry.cwnd >= entry.ssthresh + 3 * c.mss, `cwnd ${entry.cwnd} vs ssthresh ${entry.ssthresh}`);
  assert.ok(!c.congestion.inRecovery, "recovery ended with the full ACK");
  assert.ok(c.congestion.cwnd <= entry.ssthresh + 10 * c.mss, "deflated after recovery");
});

Deno.test("NewReno: two losses in one window are repaired in one recovery, the second by a partial ACK", () => {
  const h = new Harness({ delay: 10 * MS, bandwidth: 10e6, filter: dropDataSegments([25, 28]) });
  const { c, received } = transfer(h, 150_000);
  h.run(10 * SECOND);
  assert.deepEqual(received, [...stream(150_000)]);
  assert.equal(c.congestion.fastRetransmits, 1, "one window, one reduction (RFC 6582)");
  assert.equal(c.congestion.timeouts, 0, "no timeout: the partial ACK triggered the second retransmission");
  assert.equal(c.retransmittedSegments, 2);
});

Deno.test("RTO: a segment lost again and again is resent after 1, 2 and 4 s; cwnd falls to one segment", () => {
  let target: number | undefined;
  let losses = 0;
  const h = new Harness({
    delay: 10 * MS,
    filter: (s) => {
      if (!isData(s)) return true;
      // Keep only the first segment from arriving, four times; everything is then in one flight.
      target ??= s.segment.seq;
      if (s.segment.seq === target && losses < 4) {
        losses++;
        return false;
      }
      return true;
    },
  });
  const { c, received } = transfer(h, 1000);
  h.run(30 * SECOND);
  const sends = h.log.filter((s) => isData(s) && s.segment.seq === target).map((s) => s.at);
  const gaps = sends.slice(1).map((t, i) => (t - sends[i]) / SECOND);
  assert.deepEqual(gaps, [1, 2, 4, 8], "RFC 6298 §5.5: the timer doubles each time");
  assert.deepEqual(received, [...stream(1000)]);
  assert.equal(c.congestion.timeouts, 4);
  assert.equal(c.congestion.ssthresh, 2 * c.mss, "ssthresh = max(flight/2, 2 SMSS)");
  assert.equal(
    c.rtt.rto,
    16 * SECOND,
    "Karn: the ACK of a retransmission gives no sample, the RTO stays backed off",
  );
});

Deno.test("RTO back-off: after a timeout the sender restarts from one segment and slow-starts", () => {
  const h = new Harness({
    delay: 10 * MS,
    bandwidth: 10e6,
    // Lose every data segment sent between 200 and 400 ms: a whole window, so no duplicate ACK comes back.
    filter: (s) => !isData(s) || s.at < 200 * MS || s.at >= 400 * MS,
  });
  const { c, received } = transfer(h, 400_000);
  let cwndAfterTimeout: number | undefined;
  const watch = () => {
    if (c.congestion.timeouts > 0 && cwndAfterTimeout === undefined) cwndAfterTimeout = c.congestion.cwnd;
    h.sched.after(100, watch);
  };
  h.sched.after(100, watch);
  h.run(10 * SECOND);
  assert.deepEqual(received, [...stream(400_000)]);
  assert.equal(c.congestion.timeouts, 1);
  assert.equal(cwndAfterTimeout, c.mss, "loss window of one segment (RFC 5681 §3.1)");
});

Deno.test("sliding window: the sender never has more in flight than the receiver's buffer allows", () => {
  const h = new Harness({ delay: 10 * MS });
  let server: TcpConnection | undefined;
  h.b.listen(80, (c) => {
    server = c;
    return {}; // no onData: bytes wait in the receive buffer until consumed
  }, { receiveBuffer: 4096 });
  const c = h.a.connect(B, 80, { onConnected: () => c.write(stream(20_000)) }) as TcpConnection;
  h.run(SECOND);
  assert.equal(server!.bytesReceived, 4096, "exactly one buffer's worth arrived");
  assert.equal(server!.receiveWindow, 0);
  const lastAck = h.from("b").at(-1)!.segment;
  assert.equal(lastAck.window, 0, "the receiver closed its window");
  // The application reads; the window opens, the rest flows, zero-window probes included.
  const drain = () => {
    server!.consumed(4096);
    if (server!.bytesReceived < 20_000) h.sched.after(200 * MS, drain);
  };
  drain();
  h.run(60 * SECOND);
  assert.equal(server!.bytesReceived, 20_000);
  for (const s of h.from("a").filter(isData)) {
    const ackBefore = h.from("b").filter((r) => r.at + 10 * MS <= s.at).at(-1)?.segment;
    if (!ackBefore) continue;
    const edge = (ackBefore.ack + Math.max(ackBefore.window, 1)) >>> 0;
    const end = (s.segment.seq + s.segment.payload.length) >>> 0;
    assert.ok(((end - edge) | 0) <= 0, `segment ${s.segment.seq} ends past the offered window`);
  }
});

Deno.test("sequence numbers wrap past 2^32 without a hitch", () => {
  const h = new Harness({ delay: 5 * MS, random: (side) => side === "a" ? 0xffffff00 : 0xfffffff0 });
  const { c, received } = transfer(h, 50_000);
  h.run(5 * SECOND);
  assert.deepEqual(received, [...stream(50_000)]);
  assert.ok(c.sndUna < 0x10000, "the acknowledged edge wrapped");
  assert.equal(c.retransmittedSegments, 0);
});

Deno.test("PMTUD (RFC 1191): fragmentation-needed lowers the MSS, the data is resent smaller, no timeout", () => {
  const h = new Harness({ delay: 10 * MS, pathMtu: 1400 });
  const { c, received } = transfer(h, 30_000);
  h.run(10 * SECOND);
  assert.deepEqual(received, [...stream(30_000)]);
  assert.equal(c.pmtu, 1400);
  assert.equal(c.mss, 1360);
  assert.equal(c.congestion.timeouts, 0);
  const big = h.log.filter((s) => isData(s) && s.ipLength > 1400);
  assert.ok(big.length >= 1, "the first full-size segments were too big");
  assert.ok(big.every((s) => s.at < 100 * MS), "and none after the ICMP arrived");
  void A;
});
