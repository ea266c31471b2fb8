import assert from "node:assert/strict";
import type { TraceRecord } from "../../src/trace/record.ts";
import { cellText, TableFolder } from "../../web/app/tables.ts";

function state(
  seq: number,
  node: string,
  table: string,
  key: string,
  value: Record<string, unknown> | null,
): TraceRecord {
  return { seq, t: seq * 10, kind: "state", node, table, key, value, summary: "" };
}

const records: TraceRecord[] = [
  state(0, "r", "routes", "00", { route: "10.0.0.0/24 dev eth0" }),
  state(1, "h", "routes", "00", { route: "default via 10.0.0.1" }),
  state(2, "r", "nat", "udp 10.0.0.2:500", { public: "203.0.113.1:500", ttl: 120 }),
  { seq: 3, t: 30, kind: "app", node: "r", summary: "hello" },
  state(4, "r", "nat", "udp 10.0.0.3:500", { public: "203.0.113.1:1024", state: "new" }),
  state(5, "r", "nat", "udp 10.0.0.2:500", null),
];

Deno.test("folding stops at the cursor record, and a null value removes the row", () => {
  const folder = new TableFolder(records);
  const at = (seq: number) => folder.at("r", seq).map((t) => [t.name, t.rows.map((r) => r.key)]);
  assert.deepEqual(at(0), [["routes", ["00"]]]);
  assert.deepEqual(at(2), [["routes", ["00"]], ["nat", ["udp 10.0.0.2:500"]]]);
  assert.deepEqual(at(4), [["routes", ["00"]], ["nat", ["udp 10.0.0.2:500", "udp 10.0.0.3:500"]]]);
  assert.deepEqual(at(5), [["routes", ["00"]], ["nat", ["udp 10.0.0.3:500"]]]);
  // Other nodes' records never leak in.
  assert.deepEqual(folder.at("h", 5).map((t) => t.rows.length), [1]);
  assert.deepEqual(folder.at("nobody", 5), []);
});

Deno.test("columns are the union of row keys in first-seen order; changedAt is the setting record", () => {
  const nat = new TableFolder(records).at("r", 4).find((t) => t.name === "nat")!;
  assert.deepEqual(nat.columns, ["public", "ttl", "state"]);
  assert.deepEqual(nat.rows.map((r) => r.changedAt), [2, 4]);
});

Deno.test("cells: strings as they are, other values in words (never JSON), nothing for missing", () => {
  assert.equal(cellText("a b"), "a b");
  assert.equal(cellText(3), "3");
  assert.equal(cellText(false), "false");
  assert.equal(cellText(undefined), "");
  assert.equal(cellText({ a: [1, 2], b: "x" }), "a 1, 2, b x");
});
