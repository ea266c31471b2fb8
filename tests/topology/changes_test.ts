/** Changes files: parsing with positions, knobs refusing what they do not cover, and values the loader refuses. */
import assert from "node:assert/strict";
import {
  applyChanges,
  changePath,
  formatChanges,
  parseAnswers,
  parseChanges,
} from "../../src/topology/changes.ts";
import { loadTopology } from "../../src/topology/load.ts";
import type { Knob, TopologyModel } from "../../src/topology/model.ts";

const text = `# the lab
name: small
nodes:
  a: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }
  r: # the router
    kind: nat-router
    preset: home-router
    interfaces: { lan0: 10.0.0.254/24, wan0: 198.51.100.2/24 }
    inside: [lan0]
    outside: wan0
links:
  - { name: lan, endpoints: [a:eth0, r:lan0] }
`;

function model(): TopologyModel {
  const loaded = loadTopology(text, "small.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return loaded.model;
}

const knobs: Knob[] = [{ path: "nodes.r.nat", pos: { line: 1, col: 1 } }, {
  path: "links.lan.mtu",
  pos: { line: 1, col: 1 },
}];

Deno.test("a changes file is read with each change's line and column", () => {
  const parsed = parseChanges(
    "# answer\nnodes.r.nat.mapping: address-dependent\nlinks.lan.mtu: 1400\n",
    "a.yaml",
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.changes, [
    { path: "nodes.r.nat.mapping", value: "address-dependent", pos: { line: 2, col: 1 } },
    { path: "links.lan.mtu", value: 1400, pos: { line: 3, col: 1 } },
  ]);
  const bad = parseChanges("- just a list\n", "b.yaml");
  assert.ok(!bad.ok);
  assert.equal(bad.errors[0].line, 1);
  assert.match(bad.errors[0].message, /map of setting paths/);
});

Deno.test("changes under a knob are written and loaded; comments stay", () => {
  const m = model();
  const parsed = parseChanges("nodes.r.nat.mapping: address-dependent\nlinks.lan.mtu: 1400\n", "a.yaml");
  assert.ok(parsed.ok);
  const applied = applyChanges(text, m, parsed.changes, "a.yaml", knobs);
  assert.ok(applied.ok, JSON.stringify(!applied.ok && applied.errors));
  assert.match(applied.text, /# the router/);
  assert.equal(applied.model.links[0].mtu, 1400);
  assert.equal((applied.model.nodes[1].config.nat as Record<string, unknown>).mapping, "address-dependent");
});

Deno.test("a change outside the knobs is refused at its line, naming what may change", () => {
  const parsed = parseChanges("links.lan.mtu: 1400\nnodes.r.preset: carrier-grade\n", "a.yaml");
  assert.ok(parsed.ok);
  const applied = applyChanges(text, model(), parsed.changes, "a.yaml", knobs);
  assert.ok(!applied.ok);
  assert.equal(applied.errors.length, 1);
  assert.deepEqual([applied.errors[0].file, applied.errors[0].line, applied.errors[0].col], ["a.yaml", 2, 1]);
  assert.match(
    applied.errors[0].message,
    /nodes\.r\.preset is not a setting .* nodes\.r\.nat, links\.lan\.mtu/,
  );
});

Deno.test("a value the loader refuses is reported at the change, with the loader's words", () => {
  const parsed = parseChanges("links.lan.mtu: 1400\nnodes.r.nat.mapping: sideways\n", "a.yaml");
  assert.ok(parsed.ok);
  const applied = applyChanges(text, model(), parsed.changes, "a.yaml", knobs);
  assert.ok(!applied.ok);
  assert.equal(applied.errors.length, 1);
  assert.equal(applied.errors[0].line, 2);
  assert.match(applied.errors[0].message, /^nodes\.r\.nat\.mapping: .*sideways/);
});

Deno.test("paths that name nothing are refused with a suggestion", () => {
  const parsed = parseChanges("nodes.rr.preset: x\nlinks.lan.colour: red\nrouters.r: 1\n", "a.yaml");
  assert.ok(parsed.ok);
  const applied = applyChanges(text, model(), parsed.changes, "a.yaml");
  assert.ok(!applied.ok);
  assert.deepEqual(applied.errors.map((e) => e.line), [1, 2, 3]);
  assert.match(applied.errors[0].message, /no node "rr" \(did you mean "r"\?\)/);
  assert.match(applied.errors[1].message, /a link has no setting "colour"/);
  assert.match(applied.errors[2].message, /starts with nodes\. or links\./);
});

Deno.test("a what-if setting's path becomes a change path, and changes become a file that reads back", () => {
  const m = model();
  assert.equal(changePath(["links", 0, "mtu"], m), "links.lan.mtu");
  assert.equal(changePath(["nodes", "r", "nat", "mapping"], m), "nodes.r.nat.mapping");
  const written = formatChanges([{ path: "links.lan.mtu", value: 1400 }, {
    path: "nodes.r.l2tp-passthrough",
    value: "on",
  }]);
  const back = parseChanges(written, "x.yaml");
  assert.ok(back.ok);
  assert.deepEqual(back.changes.map((c) => [c.path, c.value]), [["links.lan.mtu", 1400], [
    "nodes.r.l2tp-passthrough",
    "on",
  ]]);
});

Deno.test("an answers file maps question numbers to answers; other numbers are refused", () => {
  const ok = parseAnswers("1: 4500\n2: UDP\n", "ans.yaml", 2);
  assert.ok(ok.ok);
  assert.deepEqual([...ok.answers], [[1, "4500"], [2, "UDP"]]);
  const bad = parseAnswers("1: x\n7: y\n", "ans.yaml", 2);
  assert.ok(!bad.ok);
  assert.equal(bad.errors[0].line, 2);
  assert.match(bad.errors[0].message, /not a question number \(the lesson has 2\)/);
});
