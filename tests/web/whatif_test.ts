import assert from "node:assert/strict";
import { parse } from "yaml";
import { loadTopology } from "../../src/topology/load.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { applySetting, compareRuns, listSettings } from "../../web/app/whatif.ts";
import { fastRun } from "../helpers/fast_run.ts";

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
    // A router's schema has no "mapping" choice (a NAT router's has): the word is plain text here.
    ["r", "mapping", "text", "endpoint-independent"],
    ["r", "timeout", "number", 30],
  ]);
  assert.equal(nodes[2].options, undefined);
});

Deno.test("applying a setting changes that value only and keeps the comments", () => {
  const down = applySetting(TEXT, { path: ["links", 1, "up"], type: "bool" }, false);
  assert.match(down, /# A router between two hosts\./);
  assert.match(down, /# towards a/);
  assert.match(down, /# unnamed: r_b/);
  const doc = parse(down);
  assert.equal(doc.links[1].up, false);
  assert.equal(doc.links[1].mtu, 1400);
  assert.equal(doc.links[0].loss, "2%");
  const lossy = parse(applySetting(TEXT, { path: ["links", 0, "loss"], type: "percent" }, 0.125));
  assert.equal(lossy.links[0].loss, "12.5%");
  // The edited text still loads, with the new value.
  const reloaded = loadTopology(
    applySetting(TEXT, { path: ["links", 0, "loss"], type: "percent" }, 0.125),
    "x.yaml",
  );
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
  // A shorter new run parts where it ends (its last record is where to look).
  assert.equal(compareRuns(before, before.slice(0, 2)).firstDifference, 1);
});

Deno.test("table rows that differ at the start do not hide the first packet that behaves differently", () => {
  const table = (seq: number, value: string): TraceRecord => ({
    seq,
    t: 0,
    kind: "state",
    node: "r",
    table: "settings",
    key: "passthrough",
    value: { v: value },
    summary: `passthrough ${value}`,
  });
  const before = [table(0, "on"), rec(1, "tx", "a", "p"), rec(2, "forward", "r", "p")];
  const after = [table(0, "off"), rec(1, "tx", "a", "p"), rec(2, "drop", "r", "p", "passthrough off")];
  const c = compareRuns(before, after);
  assert.equal(c.firstDifference, 2);
  assert.equal(c.before?.kind, "forward");
  assert.equal(c.after?.kind, "drop");
  // When only tables differ, the table row is the difference.
  const onlyTables = compareRuns([table(0, "on")], [table(0, "off")]);
  assert.equal(onlyTables.firstDifference, 0);
});

const NAT_TEXT = `name: nat
nodes:
  laptop:
    kind: host
    interfaces: {eth0: 192.168.1.10/24}
    gateway: 192.168.1.1
  home:
    kind: nat-router
    preset: symmetric
    interfaces: {lan0: 192.168.1.1/24, wan0: 203.0.113.2/24}
    outside: wan0
    l2tp-passthrough: off   # the switch under test
links:
  - {name: lan, endpoints: [laptop:eth0, home:lan0]}
`;

Deno.test("a NAT router offers its switches with effective values, and on/off is written as words", () => {
  const loaded = loadTopology(NAT_TEXT, "nat.yaml");
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  const settings = listSettings(NAT_TEXT, loaded.model).filter((s) => s.owner === "home");
  const byLabel = new Map(settings.map((s) => [s.label, s]));
  assert.equal(byLabel.get("preset")?.value, "symmetric");
  // A symmetric NAT (RFC 3489) maps per destination address and port.
  assert.equal(byLabel.get("nat › mapping")?.value, "address-and-port-dependent");
  assert.deepEqual(byLabel.get("nat › mapping")?.options, [
    "endpoint-independent",
    "address-dependent",
    "address-and-port-dependent",
  ]);
  const l2tp = byLabel.get("l2tp-passthrough")!;
  assert.equal(l2tp.type, "onoff");
  assert.equal(l2tp.value, false);
  // Each path appears once even though the file also sets it.
  assert.equal(settings.filter((s) => s.path.join(".") === "nodes.home.l2tp-passthrough").length, 1);

  const on = applySetting(NAT_TEXT, l2tp, true);
  assert.match(on, /l2tp-passthrough: on +# the switch under test/);
  const reloaded = loadTopology(on, "nat.yaml");
  assert.ok(reloaded.ok);
  assert.equal(reloaded.ok && reloaded.model.nodes[1].config["l2tp-passthrough"], true);
  const filtering = applySetting(NAT_TEXT, byLabel.get("nat › filtering")!, "endpoint-independent");
  assert.equal(parse(filtering).nodes.home.nat.filtering, "endpoint-independent");
});

Deno.test("IPsec nodes offer on/off and NAT-T; turning NAT-T off behind the NAT breaks the tunnel", async () => {
  const { simulate } = await import("../../src/sim.ts");
  const { checkExpectations } = await import("../../src/trace/expect.ts");
  const file = new URL("../../topologies/ipsec-nat-t-fixes-it.yaml", import.meta.url);
  const text = Deno.readTextFileSync(file);
  const loaded = loadTopology(text, "ipsec-nat-t-fixes-it.yaml");
  assert.ok(loaded.ok);
  const settings = listSettings(text, loaded.model);
  const natT = settings.find((s) => s.owner === "laptop" && s.label === "ipsec › nat-t")!;
  assert.equal(natT.value, "auto");
  assert.ok(settings.some((s) => s.owner === "lns" && s.label === "ipsec › enabled" && s.value === true));

  const edited = applySetting(text, natT, "off");
  assert.match(edited, /nat-t: off/);
  const reloaded = loadTopology(edited, "edited.yaml");
  assert.ok(reloaded.ok, reloaded.ok ? "" : JSON.stringify(reloaded.errors));
  const records = simulate(reloaded.model).records;
  const verdicts = checkExpectations(reloaded.model.expectations!, records);
  assert.equal(
    verdicts.find((v) => v.say === "the pings come back")?.met,
    false,
    "plain ESP cannot cross the NAT",
  );
  assert.ok(
    records.some((r) => r.kind === "drop" && r.proto === "ESP"),
    "an ESP packet is dropped on the way",
  );
});

Deno.test("what-if choices come from the kind schemas, and every offered word loads", async () => {
  const { KINDS, settingChoices } = await import("../../src/kinds/index.ts");
  const { choicesFor } = await import("../../web/app/whatif.ts");
  for (const kind of KINDS) {
    for (const c of settingChoices(kind.name)) {
      assert.deepEqual(choicesFor(kind.name, c.path), [...c.options]);
    }
  }
  const dir = new URL("../../topologies/", import.meta.url);
  let offered = 0;
  // The inner loop (fast_run.ts) tries each kind's word once, in the first lesson that offers it; the
  // full suite tries every word in every lesson, where other settings might clash with it.
  const tried = new Set<string>();
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.name.endsWith(".yaml")) continue;
    const text = Deno.readTextFileSync(new URL(entry.name, dir));
    const loaded = loadTopology(text, entry.name);
    assert.ok(loaded.ok, entry.name);
    for (const s of listSettings(text, loaded.model).filter((s) => s.type === "enum")) {
      const kind: string = loaded.model.nodes.find((n) => n.name === s.owner)!.kind;
      assert.deepEqual(s.options, choicesFor(kind, s.path.slice(2)), `${entry.name} ${s.label}`);
      for (const word of s.options ?? []) {
        const once = `${kind} ${s.path.slice(2).join(".")} ${word}`;
        if (fastRun && tried.has(once)) continue;
        tried.add(once);
        const edited = loadTopology(applySetting(text, s, word), entry.name);
        assert.ok(edited.ok, `${entry.name}: ${s.owner} ${s.label} = ${word} is refused`);
        offered++;
      }
    }
  }
  assert.ok(offered > 50, `${offered} choices tried`);
});
