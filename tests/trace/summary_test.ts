import assert from "node:assert/strict";
import type { TraceRecord } from "../../src/trace/record.ts";
import { summarize } from "../../src/trace/summary.ts";

let seq = 0;
const r = (t: number, kind: TraceRecord["kind"], extra: Partial<TraceRecord> = {}): TraceRecord => ({
  seq: seq++,
  t,
  kind,
  node: "a",
  summary: "",
  ...extra,
});

const records: TraceRecord[] = [
  r(0, "tx", { link: "lan", bytes: new Uint8Array(84) }),
  r(1, "rx", { link: "lan" }),
  r(1, "forward"),
  r(1, "tx", { link: "wan", bytes: new Uint8Array(84) }),
  r(2, "drop", { link: "wan", reason: "lost on wan (random loss 10%)" }),
  r(3, "tx", { link: "lan", bytes: new Uint8Array(100) }),
  r(4, "drop", { reason: "r1 has no route to 10.9.9.9" }),
  r(5, "drop", { link: "wan", reason: "lost on wan (random loss 10%)" }),
  r(5, "deliver"),
  r(6, "app", { summary: "64 bytes from 10.0.0.5: icmp_seq=4" }),
  r(6, "app", { summary: "--- 10.0.0.5 ping statistics ---" }),
  r(6, "app", {
    summary: "4 packets transmitted, 2 received, 50% packet loss, time 3004ms",
    detail: { loss: 50 },
  }),
  r(6, "app", { summary: "rtt min/avg/max/mdev = 1/2/3/1 ms" }),
  r(7, "app", { summary: "udp reply from 10.0.0.5:7", detail: { tool: "udp" } }),
  r(9, "app", { node: "b", summary: "--- 10.0.0.6 ping statistics ---" }),
  r(9, "app", { node: "c", summary: "unrelated line from another node at the same time" }),
];

Deno.test("packet counts, drop reasons by frequency, per-link traffic", () => {
  const s = summarize(records, ["wan", "lan", "idle"]);
  assert.equal(s.records, records.length);
  assert.equal(s.end, 9);
  assert.deepEqual(s.packets, { sent: 3, received: 1, forwarded: 1, delivered: 1, dropped: 3 });
  assert.deepEqual(s.drops, [
    { reason: "lost on wan (random loss 10%)", count: 2 },
    { reason: "r1 has no route to 10.9.9.9", count: 1 },
  ]);
  assert.deepEqual(s.links, [
    { name: "wan", tx: 1, bytes: 84, drops: 2 },
    { name: "lan", tx: 2, bytes: 184, drops: 0 },
    { name: "idle", tx: 0, bytes: 0, drops: 0 },
  ]);
});

Deno.test("results are the closing blocks that start with '--- '", () => {
  const s = summarize(records);
  assert.deepEqual(s.results.map((x) => `${x.t} ${x.node} ${x.text}`), [
    "6 a --- 10.0.0.5 ping statistics ---",
    "6 a 4 packets transmitted, 2 received, 50% packet loss, time 3004ms",
    "6 a rtt min/avg/max/mdev = 1/2/3/1 ms",
    "9 b --- 10.0.0.6 ping statistics ---",
  ]);
});

Deno.test("an empty trace summarises to zeros", () => {
  const s = summarize([]);
  assert.deepEqual([s.records, s.end, s.drops, s.links, s.results], [0, 0, [], [], []]);
});
