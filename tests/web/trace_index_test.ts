import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import {
  bytesFor,
  CATEGORIES,
  categoryOf,
  defaultFilter,
  filterRecords,
  indexTrace,
  inFlight,
  positionAtOrBefore,
  recordOfPacket,
} from "../../web/app/trace_index.ts";
import { action, chain } from "../helpers/model.ts";

const b = (n: number) => new Uint8Array([0x45, n]);

/** A hand-written trace: pkt 1 crosses two links, is lost on the third try; pkt 2 is encapsulated. */
function handTrace(): TraceRecord[] {
  const rows: Omit<TraceRecord, "seq">[] = [
    { t: 0, kind: "state", node: "a", table: "nat", key: "k", value: { x: 1 }, summary: "nat k" },
    { t: 10, kind: "tx", node: "a", link: "l1", pkt: 1, proto: "ICMP", summary: "ping", bytes: b(1) },
    { t: 20, kind: "rx", node: "r", link: "l1", pkt: 1, proto: "ICMP", summary: "ping" },
    { t: 20, kind: "forward", node: "r", pkt: 1, proto: "ICMP", summary: "ping fwd" },
    { t: 20, kind: "tx", node: "r", link: "l2", pkt: 1, proto: "ICMP", summary: "ping", bytes: b(2) },
    {
      t: 25,
      kind: "drop",
      node: "r",
      link: "l2",
      pkt: 1,
      proto: "ICMP",
      summary: "ping",
      reason: "lost on l2",
    },
    { t: 30, kind: "encap", node: "a", pkt: 3, parent: 2, proto: "L2TP", summary: "wrap" },
    { t: 30, kind: "tx", node: "a", link: "l1", pkt: 3, proto: "L2TP", summary: "outer", bytes: b(3) },
    { t: 40, kind: "rx", node: "r", link: "l1", pkt: 3, proto: "L2TP", summary: "outer" },
    { t: 40, kind: "decap", node: "r", pkt: 2, parent: 3, proto: "ICMP", summary: "unwrap" },
    { t: 41, kind: "nat", node: "r", pkt: 2, proto: "UDP", summary: "rewrite" },
    { t: 50, kind: "app", node: "a", proto: "APP", summary: "done" },
  ];
  return rows.map((r, seq) => ({ seq, ...r }) as TraceRecord);
}

Deno.test("an rx shows the bytes of the tx it received, and the tx knows where it arrived", () => {
  const index = indexTrace(handTrace());
  assert.equal(index.arrival[1], 2);
  assert.equal(index.departure[2], 1);
  assert.deepEqual(bytesFor(index, 2), b(1));
  // The forward at r is about the packet as r received it.
  assert.deepEqual(bytesFor(index, 3), b(1));
  // A loss on l2 ends the second transmission, not the first.
  assert.equal(index.arrival[4], 5);
  assert.equal(index.departure[5], 4);
  assert.equal(index.arrival[7], 8);
  assert.equal(bytesFor(index, 0), undefined);
});

Deno.test("encap and decap both say outer 3 carries inner 2, whichever way parent points", () => {
  const index = indexTrace(handTrace());
  assert.deepEqual(index.carriers.get(2), [3]);
  assert.deepEqual(index.contents.get(3), [2]);
  assert.equal(index.carriers.get(3), undefined);
});

Deno.test("categories: NAT for translations and NAT tables, OTHER for app output", () => {
  const records = handTrace();
  assert.equal(categoryOf(records[0]), "NAT");
  assert.equal(categoryOf(records[10]), "NAT");
  assert.equal(categoryOf(records[11]), "OTHER");
  assert.equal(categoryOf(records[6]), "L2TP");
  assert.deepEqual([...CATEGORIES], [
    "IP",
    "ICMP",
    "UDP",
    "TCP",
    "L2TP",
    "GRE",
    "PPP",
    "IKE",
    "ESP",
    "WG",
    "NAT",
    "OTHER",
  ]);
});

Deno.test("filters combine category, kind and every search word", () => {
  const index = indexTrace(handTrace());
  const all = filterRecords(index, defaultFilter());
  assert.equal(all.length, 12);
  const icmpOnly = filterRecords(index, { ...defaultFilter(), categories: new Set(["ICMP"]) });
  assert.deepEqual([...icmpOnly], [1, 2, 3, 4, 5, 9]);
  assert.deepEqual([...filterRecords(index, { ...defaultFilter(), kinds: "drops" })], [5]);
  assert.deepEqual([...filterRecords(index, { ...defaultFilter(), kinds: "wire" })], [1, 4, 7]);
  assert.deepEqual([...filterRecords(index, { ...defaultFilter(), text: "LOST l2" })], [5]);
  assert.deepEqual([...filterRecords(index, { ...defaultFilter(), text: "#3" })], [6, 7, 8]);
});

Deno.test("positionAtOrBefore is a binary search for the last entry <= seq", () => {
  const list = new Int32Array([2, 5, 9]);
  assert.equal(positionAtOrBefore(list, 1), -1);
  assert.equal(positionAtOrBefore(list, 2), 0);
  assert.equal(positionAtOrBefore(list, 8), 1);
  assert.equal(positionAtOrBefore(list, 100), 2);
});

Deno.test("lineage jumps land on the packet's first record at or after the cursor", () => {
  const index = indexTrace(handTrace());
  // Records about packet 2 (its own pkt id) are the decap (9) and the NAT rewrite (10).
  assert.equal(recordOfPacket(index, 2, 0), 9);
  assert.equal(recordOfPacket(index, 2, 10), 10);
  assert.equal(recordOfPacket(index, 2, 11), 10);
  assert.equal(recordOfPacket(index, 3, 9), 8);
  assert.equal(recordOfPacket(index, 3, 7), 7);
  assert.equal(recordOfPacket(index, 99, 0), undefined);
});

Deno.test("in flight: sent at or before the cursor, arriving after it", () => {
  const index = indexTrace(handTrace());
  assert.deepEqual(inFlight(index, 1), [1]);
  assert.deepEqual(inFlight(index, 2), []);
  assert.deepEqual(inFlight(index, 4), [4]);
});

Deno.test("on a real run every rx pairs with an earlier tx of the same packet on the same link", () => {
  const m = chain(2);
  m.script.push(
    action(1_000_000, { node: "laptop" }, "ping", {
      dst: "10.0.0.10",
      count: 2,
      interval: 500_000,
      size: 56,
      ttl: 64,
      df: false,
    }),
  );
  const { records } = simulate(m);
  const index = indexTrace(records);
  const rx = records.filter((r) => r.kind === "rx");
  assert.equal(rx.length, 12); // 2 requests + 2 replies, 3 links each
  for (const r of rx) {
    const tx = records[index.departure[r.seq]];
    assert.equal(tx.kind, "tx");
    assert.equal(tx.pkt, r.pkt);
    assert.equal(tx.link, r.link);
    assert.notEqual(tx.node, r.node);
    assert.ok(tx.t < r.t);
    assert.equal(index.arrival[tx.seq], r.seq);
  }
});
