import assert from "node:assert/strict";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { SECOND } from "../../../src/engine/time.ts";
import { DEFAULT_TIMERS, retransmitCycle } from "../../../src/stack/l2tp/config.ts";
import { ReliableChannel, seqBefore } from "../../../src/stack/l2tp/reliable.ts";
import type { L2tpControl } from "../../../src/wire/l2tp.ts";
import type { Avp } from "../../../src/wire/l2tp_avp.ts";

function harness(timers = DEFAULT_TIMERS) {
  const sched = new Scheduler();
  const sent: { at: number; message: L2tpControl; retry: number }[] = [];
  const delivered: L2tpControl[] = [];
  const gaveUp: number[] = [];
  const channel = new ReliableChannel({
    sched,
    peerTunnelId: () => 7,
    transmit: (message, retry) => sent.push({ at: sched.now, message, retry }),
    deliver: (message) => delivered.push(message),
    giveUp: (outgoing) => gaveUp.push(outgoing.ns),
  }, timers);
  return { sched, sent, delivered, gaveUp, channel };
}

const hello: Avp[] = [{ type: "messageType", messageType: 6 }];
const incoming = (ns: number, nr: number, avps: Avp[] = hello): L2tpControl => ({
  kind: "control",
  tunnelId: 1,
  sessionId: 0,
  ns,
  nr,
  avps,
});

Deno.test("seqBefore compares modulo 2^16 (RFC 2661 §5.8)", () => {
  assert.ok(seqBefore(1, 2));
  assert.ok(!seqBefore(2, 1));
  assert.ok(!seqBefore(5, 5));
  assert.ok(seqBefore(0xffff, 0), "65535 comes just before 0 after the wrap");
  assert.ok(!seqBefore(0, 0xffff));
  assert.ok(seqBefore(0xfff0, 0x0010));
});

Deno.test("reliable: retransmits at 1, 3, 7, 15, 23 s and gives up at 31 s (doubling, capped at 8 s)", () => {
  const h = harness();
  h.channel.send(0, hello);
  h.sched.runUntil(60 * SECOND);
  assert.deepEqual(h.sent.map((s) => s.at / SECOND), [0, 1, 3, 7, 15, 23]);
  assert.deepEqual(h.sent.map((s) => s.retry), [0, 1, 2, 3, 4, 5]);
  assert.ok(h.sent.every((s) => s.message.ns === 0), "a retransmission keeps its Ns");
  assert.deepEqual(h.gaveUp, [0]);
  assert.equal(h.channel.retransmissions, 5);
  assert.equal(retransmitCycle(DEFAULT_TIMERS), 31 * SECOND);
});

Deno.test("reliable: an acknowledgement (Nr past the message) stops retransmission", () => {
  const h = harness();
  h.channel.send(0, hello);
  h.sched.runUntil(SECOND / 2);
  assert.equal(h.channel.receive(incoming(0, 1, [])), "zlb");
  h.sched.runUntil(60 * SECOND);
  assert.equal(h.sent.length, 1);
  assert.deepEqual(h.gaveUp, []);
  assert.equal(h.channel.unacknowledged, 0);
});

Deno.test("reliable: in-order message is delivered and acknowledged by a ZLB carrying Nr = Ns + 1", () => {
  const h = harness();
  assert.equal(h.channel.receive(incoming(0, 0)), "delivered");
  assert.equal(h.delivered.length, 1);
  assert.equal(h.sent.length, 1);
  const zlb = h.sent[0].message;
  assert.deepEqual(zlb.avps, []);
  assert.equal(zlb.nr, 1);
  assert.equal(zlb.ns, 0, "a ZLB does not consume a sequence number");
  assert.equal(zlb.tunnelId, 7);
  h.channel.send(0, hello);
  assert.equal(h.sent[1].message.ns, 0, "the next real message still has Ns 0");
});

Deno.test("reliable: a reply sent while handling a message carries the acknowledgement (no ZLB)", () => {
  const sched = new Scheduler();
  const sent: L2tpControl[] = [];
  const channel: ReliableChannel = new ReliableChannel({
    sched,
    peerTunnelId: () => 7,
    transmit: (message) => sent.push(message),
    deliver: () => channel.send(0, hello),
    giveUp: () => {},
  }, DEFAULT_TIMERS);
  channel.receive(incoming(0, 0));
  assert.equal(sent.length, 1);
  assert.equal(sent[0].avps.length, 1);
  assert.equal(sent[0].nr, 1);
});

Deno.test("reliable: a duplicate is answered with a ZLB and not delivered again; a future message is discarded", () => {
  const h = harness();
  h.channel.receive(incoming(0, 0));
  assert.equal(h.channel.receive(incoming(0, 0)), "duplicate");
  assert.equal(h.delivered.length, 1);
  assert.equal(h.sent.length, 2, "one ZLB per copy");
  assert.equal(h.channel.receive(incoming(5, 0)), "out-of-order");
  assert.equal(h.delivered.length, 1);
  assert.equal(h.channel.nr, 1);
});

Deno.test("reliable: no more than the peer's receive window is unacknowledged", () => {
  const h = harness();
  h.channel.peerWindow = 2;
  for (let i = 0; i < 4; i++) h.channel.send(0, hello);
  assert.deepEqual(h.sent.map((s) => s.message.ns), [0, 1]);
  h.channel.receive(incoming(0, 1, []));
  assert.deepEqual(h.sent.map((s) => s.message.ns), [0, 1, 2], "one acknowledged, one more may go");
  h.channel.receive(incoming(0, 4, []));
  assert.deepEqual(h.sent.map((s) => s.message.ns), [0, 1, 2, 3]);
});

Deno.test("reliable: sequence numbers wrap from 65535 to 0", () => {
  const h = harness();
  h.channel.ns = 0xffff;
  h.channel.send(0, hello);
  h.channel.send(0, hello);
  assert.deepEqual(h.sent.map((s) => s.message.ns), [0xffff, 0]);
  h.channel.receive(incoming(0, 1, []));
  assert.equal(h.channel.unacknowledged, 0, "Nr 1 acknowledges 65535 and 0");
  h.channel.nr = 0xffff;
  assert.equal(h.channel.receive(incoming(0xffff, 0)), "delivered");
  assert.equal(h.channel.nr, 0);
});

Deno.test("reliable: with an ack delay, a reply within the delay carries the acknowledgement", () => {
  const h = harness({ ...DEFAULT_TIMERS, ackDelay: SECOND / 4 });
  h.channel.receive(incoming(0, 0));
  assert.equal(h.sent.length, 0);
  h.sched.runUntil(SECOND / 10);
  h.channel.send(0, hello);
  h.sched.runUntil(SECOND);
  assert.equal(h.sent.length, 1, "no separate ZLB");
  h.channel.receive(incoming(1, 1));
  h.sched.runUntil(2 * SECOND);
  assert.equal(h.sent.length, 2);
  assert.equal(h.sent[1].at, SECOND + SECOND / 4, "ZLB after the delay when nothing else went out");
});
