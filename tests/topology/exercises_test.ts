/**
 * Every exercise in the library can be failed and can be solved: the file as written scores below full,
 * its solution scores full, and the solution changes only knobs (applyChanges refuses anything else).
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { applyChanges } from "../../src/topology/changes.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { gradeExercise } from "../../src/trace/grade.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".yaml")).sort();
const exercises = files.filter((f) => /^\s+exercise:/m.test(Deno.readTextFileSync(`${dir}${f}`)));

for (const file of exercises) {
  Deno.test(`${file}: unsolved scores below full, the solution scores full`, () => {
    const text = Deno.readTextFileSync(`${dir}${file}`);
    const loaded = loadTopology(text, file);
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
    const exercise = loaded.model.lesson?.exercise;
    assert.ok(exercise, "exercise read");
    assert.ok(exercise.solution.length > 0, "a solution is given");
    assert.ok(exercise.hints.length > 0, "hints are given");
    const unsolved = gradeExercise(exercise, simulate(loaded.model).records);
    assert.ok(unsolved.score < unsolved.total, `unsolved already scores ${unsolved.score}/${unsolved.total}`);
    const applied = applyChanges(text, loaded.model, exercise.solution, file, exercise.knobs);
    assert.ok(applied.ok, JSON.stringify(!applied.ok && applied.errors));
    const solved = gradeExercise(exercise, simulate(applied.model).records);
    const failing = solved.goals.filter((g) => !g.met).map((g) => `${g.say}: ${g.detail}`);
    assert.deepEqual(failing, [], "the solution meets every goal");
    assert.ok(solved.solved);
  });
}
