/**
 * `look-for` items: a plain string, `{text, check}` with an expectation's condition, or
 * `{text, unchecked}`; mistakes in a check are reported at their position like any expectation's, and
 * checkLookFor gives each checked item a verdict against the run.
 */
import assert from "node:assert/strict";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import { simulate } from "../../src/sim.ts";
import { checkLookFor } from "../../src/trace/expect.ts";

const topology = (lookFor: string) =>
  `name: look-for
duration: 5s
lesson:
  title: Look for
  look-for:
${lookFor}
nodes:
  a: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }
  b: { kind: host, interfaces: { eth0: 10.0.0.2/24 } }
links:
  - { name: lan, endpoints: [a:eth0, b:eth0] }
script:
  - { at: 1s, node: a, do: ping 10.0.0.2 count 1 }
`;

function errors(lookFor: string): string[] {
  const loaded = loadTopology(topology(lookFor), "t.yaml");
  assert.ok(!loaded.ok, "expected the file to be refused");
  return loaded.errors.map(formatTopologyError);
}

Deno.test("look-for: checks are read as expectations and judged against the run, in order", () => {
  const loaded = loadTopology(
    topology(`    - just a sentence
    - { text: "b answers", check: { node: a, log: "1 received", by: 3s } }
    - { text: "a reply at b's door", check: { link: lan, carries: "echo reply", after: 2s } }
    - { text: "what the class thinks", unchecked: "an opinion, not an event" }`),
    "t.yaml",
  );
  assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map(formatTopologyError).join("\n"));
  const lookFor = loaded.model.lesson!.lookFor;
  assert.deepEqual(lookFor.map((l) => [l.text, l.check?.what.kind, l.unchecked]), [
    ["just a sentence", undefined, undefined],
    ["b answers", "log", undefined],
    ["a reply at b's door", "carries", undefined],
    ["what the class thinks", undefined, "an opinion, not an event"],
  ]);
  const verdicts = checkLookFor(lookFor, simulate(loaded.model).records);
  assert.equal(verdicts[0], undefined);
  assert.equal(verdicts[3], undefined);
  assert.equal(verdicts[1]?.say, "b answers");
  assert.equal(verdicts[1]?.met, true);
  assert.ok(verdicts[1]?.seq !== undefined && verdicts[1]?.t !== undefined);
  // The reply crosses the link at about 1 s, so a window from 2 s finds nothing.
  assert.equal(verdicts[2]?.met, false);
});

Deno.test("look-for: mistakes in an item are reported where they were written", () => {
  assert.deepEqual(errors(`    - { text: "x", check: { node: c, log: "1 received" } }`), [
    't.yaml:6:35: look-for[0].check: no node "c" (did you mean "a"?)',
  ]);
  assert.deepEqual(errors(`    - { text: "x" }`), [
    "t.yaml:6:7: look-for[0]: a look-for item needs exactly one of check or unchecked",
  ]);
  assert.deepEqual(errors(`    - { text: "x", check: { log: "1 received" }, unchecked: "no" }`), [
    "t.yaml:6:7: look-for[0]: a look-for item needs exactly one of check or unchecked",
  ]);
  assert.ok(
    errors(`    - { text: "x", check: { node: a, lgo: "1" } }`).includes(
      't.yaml:6:38: unknown key "lgo" in look-for[0].check (did you mean "log"?)',
    ),
  );
  // The item's text is the check's sentence; a second one would only disagree with it.
  assert.deepEqual(errors(`    - { text: "x", check: { say: "y", node: a, log: "1" } }`), [
    't.yaml:6:29: unknown key "say" in look-for[0].check',
  ]);
});
