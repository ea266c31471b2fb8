import assert from "node:assert/strict";
import {
  formatJsonRecord,
  formatJsonSummary,
  formatJsonTable,
  formatRecord,
  formatSummary,
  formatTable,
  formatTrace,
  layoutFor,
  recordToJson,
  toHex,
} from "../../src/trace/format.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { summarize } from "../../src/trace/summary.ts";

const echo = "10.0.0.2 > 10.0.1.5: ICMP echo request id 1 seq 1";
const records: TraceRecord[] = [
  {
    seq: 0,
    t: 0,
    kind: "state",
    node: "r1",
    table: "routes",
    key: "00",
    value: { route: "default via 10.0.1.1" },
    summary: "s",
  },
  {
    seq: 1,
    t: 2_000_123,
    kind: "tx",
    node: "laptop",
    iface: "eth0",
    link: "lan",
    pkt: 1,
    proto: "ICMP",
    summary: echo,
    bytes: new Uint8Array([0x45, 0x00, 0x0a, 0xff]),
  },
  { seq: 2, t: 2_001_000, kind: "rx", node: "r1", iface: "eth1", link: "wan", pkt: 1, summary: echo },
  { seq: 3, t: 3_000_000, kind: "app", node: "laptop", summary: "--- 10.0.1.5 ping statistics ---" },
  { seq: 4, t: 4_000_000, kind: "link", node: "laptop,r1", link: "wan", summary: "link wan down" },
  {
    seq: 5,
    t: 12_500_000,
    kind: "drop",
    node: "r1",
    iface: "eth1",
    pkt: 2,
    summary: echo,
    reason: "no route",
  },
  { seq: 6, t: 13_000_000, kind: "state", node: "r1", table: "routes", key: "00", value: null, summary: "s" },
];

Deno.test("text lines: time, node, kind, where, summary in aligned columns", () => {
  const layout = layoutFor(records, { nodes: ["laptop", "r1"] });
  assert.deepEqual(layout, { nodeWidth: 6, whereWidth: 10, color: false });
  const lines = records.map((r) => formatRecord(r, layout));
  assert.deepEqual(lines, [
    "  0.000000 r1     state   routes     00 route=default via 10.0.1.1",
    `  2.000123 laptop tx      eth0 → lan ${echo}`,
    `  2.001000 r1     rx      eth1 ← wan ${echo}`,
    "  3.000000 laptop » --- 10.0.1.5 ping statistics ---",
    "  4.000000        link    wan        link wan down",
    ` 12.500000 r1     DROP    eth1       ${echo} — no route`,
    " 13.000000 r1     state   routes     00 removed",
  ]);
  assert.deepEqual(formatTrace(records, { nodes: ["laptop", "r1"] }), lines);
});

Deno.test("colour marks drops red and leaves plain lines alone", () => {
  const layout = { ...layoutFor(records), color: true };
  assert.ok(formatRecord(records[5], layout).startsWith("\x1b[31m"));
  assert.ok(formatRecord(records[5], layout).endsWith("\x1b[0m"));
  assert.equal(formatRecord(records[1], layout).includes("\x1b"), false);
});

Deno.test("JSON records: type first, fixed field order, bytes as lowercase hex, no undefined fields", () => {
  assert.equal(toHex(new Uint8Array([0, 0x0f, 0xab, 0xff])), "000fabff");
  const line = formatJsonRecord(records[1]);
  assert.equal(
    line,
    `{"type":"record","seq":1,"t":2000123,"kind":"tx","node":"laptop","iface":"eth0","link":"lan","pkt":1,` +
      `"proto":"ICMP","summary":"${echo}","bytes":"45000aff"}`,
  );
  const removed = recordToJson(records[6]);
  assert.equal(removed.value, null);
  assert.equal("bytes" in removed, false);
  assert.deepEqual(JSON.parse(formatJsonRecord(records[5])).reason, "no route");
});

Deno.test("summary text and JSON", () => {
  const summary = summarize(records, ["lan", "wan", "idle"]);
  const lines = formatSummary(summary, { name: "demo", seed: 3, end: 20_000_000, events: 42 });
  assert.deepEqual(lines, [
    "",
    "--- summary ---",
    "demo: 7 records, ended at 20.000000s, 42 events, seed 3",
    "packets: 1 sent, 1 received, 0 forwarded, 0 delivered, 1 dropped",
    "drops:",
    "  1  no route",
    "links:",
    "  lan   1 packets, 4 bytes sent, 0 dropped",
    "  wan   0 packets, 0 bytes sent, 0 dropped",
    "  idle  0 packets, 0 bytes sent, 0 dropped",
    "results:",
    "  laptop  --- 10.0.1.5 ping statistics ---",
  ]);
  const json = JSON.parse(formatJsonSummary(summary, { name: "demo", end: 20_000_000 }));
  assert.equal(json.type, "summary");
  assert.equal(json.end, 20_000_000);
  assert.equal(json.records, 7);
  assert.deepEqual(json.links[0], { name: "lan", tx: 1, bytes: 4, drops: 0 });
});

Deno.test("tables as aligned columns and as JSON", () => {
  const rows = new Map<string, Record<string, unknown>>([
    ["eth0", { address: "10.0.0.1/24", mtu: 1500 }],
    ["ppp0", { address: "192.0.2.7/32", peer: "192.0.2.1" }],
  ]);
  assert.deepEqual(formatTable("r1", "interfaces", rows, 2_000_000), [
    "interfaces@r1 at 2.000000s:",
    "  key   address       mtu   peer",
    "  eth0  10.0.0.1/24   1500",
    "  ppp0  192.0.2.7/32        192.0.2.1",
  ]);
  assert.deepEqual(formatTable("r1", "nat", new Map(), undefined), ["nat@r1 at the end:", "  (empty)"]);
  assert.deepEqual(JSON.parse(formatJsonTable("r1", "interfaces", rows, undefined)), {
    type: "table",
    node: "r1",
    table: "interfaces",
    t: null,
    rows: {
      eth0: { address: "10.0.0.1/24", mtu: 1500 },
      ppp0: { address: "192.0.2.7/32", peer: "192.0.2.1" },
    },
  });
});
