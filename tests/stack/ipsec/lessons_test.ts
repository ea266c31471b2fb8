/**
 * The IPsec lessons load, run and meet every expectation they state. They live in
 * tests/stack/ipsec/lessons/ until the device base class attaches IPsec on its own (then they move
 * to topologies/ and tests/scenarios/lessons_test.ts runs them too); `topologies/ipsec-*.yaml` are
 * picked up here as well.
 */
import assert from "node:assert/strict";
import "../../../src/plugins.ts";
import "../../../src/topology/kinds_ipsec.ts";
import "./harness.ts";
import { simulate } from "../../../src/sim.ts";
import { formatTopologyError, loadTopology } from "../../../src/topology/load.ts";
import { checkExpectations } from "../../../src/trace/expect.ts";

const dirs = [new URL("./lessons/", import.meta.url), new URL("../../../topologies/", import.meta.url)];
const files = dirs.flatMap((dir) =>
  [...Deno.readDirSync(dir)].filter((e) => /^ipsec-.*\.yaml$/.test(e.name)).map((e) => new URL(e.name, dir))
);

Deno.test("there are IPsec lessons", () => assert.ok(files.length >= 4, `${files.length} lessons`));

for (const file of files) {
  const name = file.pathname.split("/").at(-1)!;
  Deno.test(`IPsec lesson ${name}: loads, runs and meets every expectation`, () => {
    const loaded = loadTopology(Deno.readTextFileSync(file), name);
    assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map(formatTopologyError).join("\n"));
    assert.ok(loaded.model.lesson && (loaded.model.expectations ?? []).length > 0);
    const verdicts = checkExpectations(loaded.model.expectations!, simulate(loaded.model).records);
    assert.deepEqual(verdicts.filter((v) => !v.met).map((v) => `${v.say}: ${v.detail}`), []);
  });
}
