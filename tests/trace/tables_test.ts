import assert from "node:assert/strict";
import type { TraceRecord } from "../../src/trace/record.ts";
import { tableAt, tablesAt } from "../../src/trace/tables.ts";

let seq = 0;
const state = (
  t: number,
  node: string,
  table: string,
  key: string,
  value: Record<string, unknown> | null,
): TraceRecord => ({
  seq: seq++,
  t,
  kind: "state",
  node,
  table,
  key,
  value,
  summary: "",
});

const records: TraceRecord[] = [
  state(0, "nat", "interfaces", "wan", { address: "203.0.113.2/24" }),
  state(1_000, "nat", "nat", "udp 192.168.1.2:500", { outside: "203.0.113.2:500" }),
  state(1_000, "other", "nat", "udp 10.0.0.9:1", { outside: "x" }),
  { seq: seq++, t: 1_500, kind: "tx", node: "nat", summary: "not a state record" },
  state(2_000, "nat", "nat", "udp 192.168.1.3:4500", { outside: "203.0.113.2:1024" }),
  state(3_000, "nat", "nat", "udp 192.168.1.2:500", { outside: "203.0.113.2:500", refreshed: true }),
  state(4_000, "nat", "nat", "udp 192.168.1.3:4500", null),
  state(5_000, "nat", "nat", "udp 192.168.1.2:500", null),
];

Deno.test("tables fold state records up to a time, including that instant", () => {
  assert.deepEqual([...tablesAt(records, "nat", 999).keys()], ["interfaces"]);
  assert.deepEqual([...tableAt(records, "nat", "nat", 1_000)!.keys()], ["udp 192.168.1.2:500"]);
  const at3 = tableAt(records, "nat", "nat", 3_000)!;
  assert.deepEqual([...at3.keys()], ["udp 192.168.1.2:500", "udp 192.168.1.3:4500"]);
  assert.deepEqual(at3.get("udp 192.168.1.2:500"), { outside: "203.0.113.2:500", refreshed: true });
  assert.deepEqual([...tableAt(records, "nat", "nat", 4_000)!.keys()], ["udp 192.168.1.2:500"]);
});

Deno.test("removed rows disappear; an emptied table stays known; other nodes do not leak in", () => {
  const end = tablesAt(records, "nat");
  assert.equal(end.get("nat")!.size, 0);
  assert.equal(end.get("interfaces")!.size, 1);
  assert.equal(tableAt(records, "nat", "routes"), undefined);
  assert.deepEqual([...tableAt(records, "other", "nat")!.keys()], ["udp 10.0.0.9:1"]);
  assert.equal(tablesAt(records, "nobody").size, 0);
});
