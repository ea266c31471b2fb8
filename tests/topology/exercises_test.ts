/**
 * Every exercise in the library can be failed and can be solved: the file as written scores below full,
 * its solution scores full, and the solution changes only knobs (applyChanges refuses anything else).
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { applyChanges } from "../../src/topology/changes.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { gradeAnswers, gradeExercise } from "../../src/trace/grade.ts";
import { tableAt } from "../../src/trace/tables.ts";

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

Deno.test("the library has at least six exercises", () => {
  assert.ok(exercises.length >= 6, `only ${exercises.length}: ${exercises.join(", ")}`);
});

/** Loads a lesson and grades one answer to its first checkable question. */
function gradeOne(file: string, question: number, given: string): boolean {
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}${file}`), file);
  assert.ok(loaded.ok);
  const [result] = gradeAnswers(
    loaded.model.lesson!,
    new Map([[question, given]]),
    simulate(loaded.model).records,
  );
  assert.equal(result.question, question);
  return result.correct;
}

Deno.test("a checkable answer is graded by the run: the NAT's port for the second laptop", () => {
  // Alice holds 198.51.100.2:4500 first, so Bob cannot have it; a near miss (a digit short) must not pass.
  assert.equal(gradeOne("exercise-second-laptop.yaml", 1, "4500"), false);
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}exercise-second-laptop.yaml`), "x.yaml");
  assert.ok(loaded.ok);
  const rows = [...tableAt(simulate(loaded.model).records, "home-router", "nat")!.values()];
  const bob = rows.find((r) => r.inside === "192.168.2.10:4500");
  assert.ok(bob, "the nat table maps Bob's 4500");
  const port = String(bob.outside).split(":")[1];
  assert.notEqual(port, "4500");
  assert.equal(gradeOne("exercise-second-laptop.yaml", 1, port), true);
  assert.equal(gradeOne("exercise-second-laptop.yaml", 1, port.slice(0, -1)), false);
});

Deno.test("a checkable answer is graded by the run: the MSS both ends announce", () => {
  // Both hosts sit on MTU-1500 links and announce 1500 - 20 (IP) - 20 (TCP); the clamp's 1360 is not it.
  assert.equal(gradeOne("exercise-web-page.yaml", 1, "1460"), true);
  assert.equal(gradeOne("exercise-web-page.yaml", 1, "1360"), false);
  assert.equal(gradeOne("exercise-web-page.yaml", 1, ""), false);
});
