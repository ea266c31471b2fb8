import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { applyChanges, formatChanges, parseChanges } from "../../src/topology/changes.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { gradeExercise } from "../../src/trace/grade.ts";
import { studentChanges } from "../../web/app/exercise_changes.ts";
import { applySetting } from "../../web/app/whatif.ts";

const FILE = new URL("../../topologies/exercise-passthrough.yaml", import.meta.url);

function lesson() {
  const text = Deno.readTextFileSync(FILE);
  const loaded = loadTopology(text, "exercise-passthrough.yaml");
  if (!loaded.ok || !loaded.model.lesson?.exercise) throw new Error("the exercise lesson does not load");
  return { text, model: loaded.model, exercise: loaded.model.lesson.exercise };
}

Deno.test("a what-if flip at a knob is the student's answer; graded as sim check --apply grades it", () => {
  const { text, model, exercise } = lesson();
  assert.deepEqual(studentChanges(text, text, model, exercise.knobs), { changes: [], outside: [] });
  // The student turns passthrough on in the what-if panel (a switch written as on/off).
  const flipped = applySetting(
    text,
    { path: ["nodes", "home-router", "l2tp-passthrough"], type: "onoff" },
    true,
  );
  const mine = studentChanges(text, flipped, model, exercise.knobs);
  assert.deepEqual(mine, {
    changes: [{ path: "nodes.home-router.l2tp-passthrough", value: "on" }],
    outside: [],
  });
  // The exported file reads back as the same changes, which grade full; the file as written does not.
  const file = formatChanges(mine.changes);
  const parsed = parseChanges(file, "CHANGES.yaml");
  assert.ok(parsed.ok);
  const applied = applyChanges(text, model, parsed.changes, "CHANGES.yaml", exercise.knobs);
  assert.ok(applied.ok);
  const solved = gradeExercise(exercise, simulate(applied.model).records);
  const unsolved = gradeExercise(exercise, simulate(model).records);
  assert.equal(solved.score, solved.total);
  assert.ok(unsolved.score < unsolved.total);
});

Deno.test("edits outside the knobs are named, and not part of the answer", () => {
  const { text, model, exercise } = lesson();
  const edited = applySetting(text, { path: ["links", 0, "mtu"], type: "number" }, 1400);
  const mine = studentChanges(text, edited, model, exercise.knobs);
  assert.deepEqual(mine.changes, []);
  assert.deepEqual(mine.outside, [`links.${model.links[0].name}.mtu`]);
  // Moving a node in the drawing is not an edit of the network.
  const moved = applySetting(text, { path: ["nodes", "laptop", "position", "x"], type: "number" }, 99);
  assert.deepEqual(studentChanges(text, moved, model, exercise.knobs), { changes: [], outside: [] });
});

Deno.test("a change under a knob is written as the knob's whole value", () => {
  const { text, model, exercise } = lesson();
  const edited = applySetting(
    text,
    { path: ["nodes", "home-router", "nat", "mapping"], type: "enum" },
    "address-dependent",
  );
  const mine = studentChanges(text, edited, model, exercise.knobs);
  assert.equal(mine.changes.length, 1);
  assert.equal(mine.changes[0].path, "nodes.home-router.nat");
  assert.equal((mine.changes[0].value as Record<string, unknown>).mapping, "address-dependent");
  assert.deepEqual(mine.outside, []);
});
