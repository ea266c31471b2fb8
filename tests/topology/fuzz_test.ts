/**
 * Seeded, bounded fuzzing of every lesson: each is mutated (lines dropped, doubled or swapped, values
 * replaced by hostile ones, tabs, truncation) and loaded. Whatever validates must run to its end (or
 * its ceiling) without an internal error; whatever is refused must point inside the file, and a YAML
 * syntax error must sit exactly where the yaml package's own error offset says, counted here from the
 * text independently of the loader.
 */
import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { Prng } from "../../src/engine/prng.ts";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { fastRun } from "../helpers/fast_run.ts";

const dir = new URL("../../topologies/", import.meta.url);
const lessons = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();
/** The inner loop (fast_run.ts) tries a few mutants of each lesson; the full suite ten. */
const MUTANTS_PER_LESSON = fastRun ? 3 : 10;

const HOSTILE = [
  "0",
  "-1",
  "99999999999999",
  "1e300",
  ".inf",
  "abc",
  '""',
  "x".repeat(1100),
  "[",
  "{a: 1}",
  "255.255.255.255/33",
  "0.0.0.0/0",
  "10.0.0.1",
  "1us",
  "null",
  "~",
  "*anchor",
  "'é\u2028'",
];

function mutate(text: string, rng: Prng): string {
  const lines = text.split("\n");
  const i = rng.int(0, lines.length - 1);
  switch (rng.int(0, 6)) {
    case 0:
      lines.splice(i, 1);
      break;
    case 1:
      lines.splice(i, 0, lines[i]);
      break;
    case 2:
      if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
      break;
    case 3:
      lines[i] = lines[i].replace(/^( +)/, (s) => "\t".repeat(Math.max(1, s.length / 2)));
      break;
    case 4:
      return text.slice(0, rng.int(0, text.length));
    default: {
      // Replace one value after a colon (or in a list) with a hostile one.
      const spots = [...lines[i].matchAll(/(?<=: |\[|, )[^,\]}\s][^,\]}]*/g)];
      if (spots.length === 0) break;
      const spot = spots[rng.int(0, spots.length - 1)];
      const value = HOSTILE[rng.int(0, HOSTILE.length - 1)];
      lines[i] = lines[i].slice(0, spot.index) + value + lines[i].slice(spot.index! + spot[0].length);
    }
  }
  return lines.join("\n");
}

/** 1-based line and column of an offset, counted from the text alone. */
function position(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return [line, offset - (before.lastIndexOf("\n") + 1) + 1];
}

Deno.test(`fuzz: ${MUTANTS_PER_LESSON} mutants of every lesson validate-and-run or fail at a true position`, () => {
  const rng = new Prng(20261201);
  let ran = 0;
  let refused = 0;
  for (const lesson of lessons) {
    const original = Deno.readTextFileSync(new URL(lesson, dir));
    for (let n = 0; n < MUTANTS_PER_LESSON; n++) {
      let text = mutate(original, rng);
      if (rng.chance(0.3)) text = mutate(text, rng);
      const what = `${lesson} mutant ${n}`;
      const loaded = loadTopology(text, lesson);
      if (loaded.ok) {
        const result = simulate(loaded.model, { maxEvents: 200_000 });
        assert.ok(result.end >= 0, what);
        ran++;
        continue;
      }
      refused++;
      const lines = text.split("\n");
      for (const e of loaded.errors) {
        assert.doesNotMatch(e.message, /internal error/, `${what}: ${e.message}\n${text}`);
        assert.ok(e.line >= 1 && e.line <= lines.length, `${what}: line ${e.line} of ${lines.length}`);
        assert.ok(
          e.col >= 1 && e.col <= lines[e.line - 1].length + 1,
          `${what}: ${e.line}:${e.col} ${e.message}`,
        );
      }
      const syntax = loaded.errors.filter((e) => e.message.startsWith("YAML syntax:"));
      if (syntax.length === 0) continue;
      const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
      const expected = doc.errors.map((e) => position(text, e.pos[0]).join(":")).sort();
      const got = syntax.filter((e) => !/Map keys must be unique/.test(e.message)).map((e) =>
        `${e.line}:${e.col}`
      )
        .sort();
      if (got.length > 0) assert.deepEqual(got, expected, `${what}: YAML syntax positions`);
    }
  }
  assert.ok(ran > 30 && refused > 30, `ran ${ran}, refused ${refused}: the mutations should do both`);
});

Deno.test("a long hostname is refused at validation instead of failing the run", () => {
  const text = Deno.readTextFileSync(new URL("l2tp-voluntary.yaml", dir));
  const long = "h".repeat(1018);
  const r = loadTopology(text.replace("hostname: lns.office.example", `hostname: ${long}`), "v.yaml");
  assert.ok(!r.ok);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0].message, /hostname: a text of 1018 bytes is too long \(at most 255/);
  const line = text.split("\n").findIndex((l) => l.includes("hostname: lns.office.example")) + 1;
  assert.equal(r.errors[0].line, line);
  const fits = loadTopology(
    text.replace("hostname: lns.office.example", `hostname: ${"h".repeat(255)}`),
    "v",
  );
  assert.ok(fits.ok);
  simulate(fits.model);
});
