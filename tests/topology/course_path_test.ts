/**
 * The course path: every lesson has a group and a level, every `after:` names a lesson of the library, the
 * prerequisites never loop, and `sim validate` refuses an `after:` that names no lesson, at its position.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { LESSON_GROUPS, type LessonSpec } from "../../src/topology/model.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".yaml")).sort();
const lessons = new Map<string, LessonSpec>();
for (const file of files) {
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}${file}`), file);
  if (loaded.ok && loaded.model.lesson) lessons.set(loaded.model.name, loaded.model.lesson);
}

Deno.test("every lesson has a group, a level and prerequisites that exist", () => {
  assert.equal(lessons.size, files.length, "every file loads as a lesson");
  for (const [name, lesson] of lessons) {
    const how = "every lesson needs lesson.group, level and after (docs/exercises.md)";
    assert.ok(lesson.group && LESSON_GROUPS.includes(lesson.group), `${name}: group; ${how}`);
    assert.ok(lesson.level !== undefined, `${name}: level; ${how}`);
    for (const before of lesson.after ?? []) assert.ok(lessons.has(before), `${name}: after ${before}`);
  }
});

Deno.test("the prerequisites never loop, and a prerequisite in the same group is never at a higher level", () => {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]) => {
    assert.ok(!visiting.has(name), `loop: ${[...path, name].join(" → ")}`);
    if (done.has(name)) return;
    visiting.add(name);
    for (const before of lessons.get(name)?.after ?? []) visit(before, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of lessons.keys()) visit(name, []);
  for (const [name, lesson] of lessons) {
    for (const before of lesson.after ?? []) {
      const other = lessons.get(before)!;
      if (other.group === lesson.group) assert.ok(other.level! <= lesson.level!, `${name} after ${before}`);
    }
  }
});

Deno.test("sim validate refuses an after: that names no lesson in the folder, at the name", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const base = "name: first\nnodes: { a: { kind: host, interfaces: { eth0: 10.0.0.1/24 } } }\n";
    await Deno.writeTextFile(`${tmp}/first.yaml`, `${base}lesson: { title: First }\n`);
    const second = base.replace("first", "second") + "lesson:\n  title: Second\n  after: [first, frist]\n";
    await Deno.writeTextFile(`${tmp}/second.yaml`, second);
    const err: string[] = [];
    const out: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), color: false };
    assert.equal(await runCli(["validate", `${tmp}/second.yaml`], io), 2);
    assert.deepEqual(err, [
      `${tmp}/second.yaml:5:18: lesson.after: no lesson named "frist" in this folder (did you mean "first"?)`,
    ]);
    assert.equal(await runCli(["validate", `${tmp}/first.yaml`], io), 0);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
