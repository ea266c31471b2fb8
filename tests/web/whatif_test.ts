import assert from "node:assert/strict";
import { parse } from "yaml";
import "../../src/plugins.ts";
import { loadTopology } from "../../src/topology/load.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { applySetting, compareRuns, listSettings } from "../../web/app/whatif.ts";

const TEXT = `# A router between two hosts.
name: whatif
nodes:
  a:
    kind: host
    interfaces: {eth0: 10.0.0.2/24}
    gateway: 10.0.0.1
  r:
    kind: router
    interfaces:
      eth0: 10.0.0.1/24   # towards a
      eth1: 10.0.1.1/24
  b:
    kind: host
    interfaces: {eth0: 10.0.1.2/24}
    gateway: 10.0.1.1
links:
  - {name: left, endpoints: [a:eth0, r:eth0], loss: 2%}
  - endpoints: [r:eth1, b:eth0]   # unnamed: r_b
    mtu: 1400
`;

function model() {
  const loaded = loadTopology(TEXT, "whatif.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.model;
}

Deno.test("links offer up, loss and MTU with the model's values (defaults included)", () => {
  const settings = listSettings(TEXT, model()).map((
    s,
  ) => [s.owner, s.label, s.type, s.value, s.path.join(".")]);
  assert.deepEqual(settings, [
    ["left", "up", "bool", true, "links.0.up"],
    ["left", "loss", "percent", 0.02, "links.0.loss"],
    ["left", "MTU", "number", 1500, "links.0.mtu"],
    ["r_b", "up", "bool", true, "links.1.up"],
    ["r_b", "loss", "percent", 0, "links.1.loss"],
    ["r_b", "MTU", "number", 1400, "links.1.mtu"],
  ]);
});

Deno.test("node settings come from the kind's keys in the text: booleans, words, numbers, nested", () => {
  const text = TEXT.replace(
    "    kind: router\n",
    "    kind: router\n    passthrough: {ipsec: false, l2tp: true}\n    mapping: endpoint-independent\n    timeout: 30\n",
  );
  // The model is only used for links here, so the plain model is enough.
  const nodes = listSettings(text, model()).filter((s) => s.ownerType === "node");
  assert.deepEqual(nodes.map((s) => [s.owner, s.label, s.type, s.value]), [
    ["r", "passthrough › ipsec", "bool", false],
    ["r", "passthrough › l2tp", "bool", true],
    ["r", "mapping", "enum", "endpoint-independent"],
    ["r", "timeout", "number", 30],
  ]);
  assert.deepEqual(nodes[2].options, [
    "endpoint-independent",
    "address-dependent",
    "address-and-port-dependent",
  ]);
});

Deno.test("applying a setting changes that value only and keeps the comments", () => {
  const down = applySetting(TEXT, ["links", 1, "up"], false);
  assert.match(down, /# A router between two hosts\./);
  assert.match(down, /# towards a/);
  assert.match(down, /# unnamed: r_b/);
  const doc = parse(down);
  assert.equal(doc.links[1].up, false);
  assert.equal(doc.links[1].mtu, 1400);
  assert.equal(doc.links[0].loss, "2%");
  const lossy = parse(applySetting(TEXT, ["links", 0, "loss"], 0.125));
  assert.equal(lossy.links[0].loss, "12.5%");
  // The edited text still loads, with the new value.
  const reloaded = loadTopology(applySetting(TEXT, ["links", 0, "loss"], 0.125), "x.yaml");
  assert.ok(reloaded.ok);
  assert.equal(reloaded.ok && reloaded.model.links[0].loss, 0.125);
});

function rec(
  seq: number,
  kind: TraceRecord["kind"],
  node: string,
  summary: string,
  reason?: string,
): TraceRecord {
  return { seq, t: seq, kind, node, summary, ...(reason ? { reason } : {}) };
}

Deno.test("comparing runs finds the first differing record and the new and vanished drops", () => {
  const before = [
    rec(0, "tx", "a", "p1"),
    rec(1, "rx", "r", "p1"),
    rec(2, "drop", "r", "p1", "ttl"),
    rec(3, "app", "a", "x"),
  ];
  const after = [
    rec(0, "tx", "a", "p1"),
    rec(1, "drop", "a", "p1", "link down"),
    rec(2, "drop", "a", "p2", "link down"),
    rec(3, "app", "a", "y"),
  ];
  const c = compareRuns(before, after);
  assert.equal(c.firstDifference, 1);
  assert.equal(c.before?.kind, "rx");
  assert.equal(c.after?.reason, "link down");
  assert.equal(c.dropsBefore, 1);
  assert.equal(c.dropsAfter, 2);
  // Two drops with the same place and reason count as one new kind of drop.
  assert.deepEqual(c.newDrops.map((d) => d.seq), [1]);
  assert.deepEqual(c.goneDrops.map((d) => d.reason), ["ttl"]);
  assert.equal(compareRuns(before, before).firstDifference, -1);
  assert.equal(compareRuns(before, before.slice(0, 2)).firstDifference, 2);
});
