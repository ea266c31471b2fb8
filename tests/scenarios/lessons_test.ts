/**
 * Every lesson in topologies/ loads, runs, and does what it promises: each has expectations, every
 * expectation is met, and every `look-for` item carries the check that shows it in the run (or says why
 * no run can), and that check holds. A lesson that stops teaching what it says fails here first.
 */
import assert from "node:assert/strict";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import { simulate } from "../../src/sim.ts";
import { checkExpectations, checkLookFor } from "../../src/trace/expect.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const lessons = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();

for (const lesson of lessons) {
  Deno.test(`lesson ${lesson}: every expectation and every look-for check is met`, () => {
    const loaded = loadTopology(Deno.readTextFileSync(`${dir}${lesson}`), `topologies/${lesson}`);
    assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map(formatTopologyError).join("\n"));
    const model = loaded.model;
    assert.ok(model.lesson, `${lesson} has no lesson: block`);
    assert.ok((model.expectations ?? []).length > 0, `${lesson} has no expect: list`);
    const bare = model.lesson.lookFor.filter((item) => !item.check && !item.unchecked).map((item) =>
      item.text
    );
    assert.deepEqual(bare, [], "look-for items with neither a check nor the reason no run can show them");
    const records = simulate(model).records;
    const unmet = checkExpectations(model.expectations!, records).filter((v) => !v.met)
      .map((v) => `expect: ${v.say}: ${v.detail}`);
    const unseen = checkLookFor(model.lesson.lookFor, records).filter((v) => v && !v.met)
      .map((v) => `look-for: ${v!.say}: ${v!.detail}`);
    assert.deepEqual([...unmet, ...unseen], []);
  });
}
