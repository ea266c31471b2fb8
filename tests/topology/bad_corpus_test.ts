/**
 * Every file in tests/topology/bad/ ends with `# expect: LINE:COL fragment` comments, written by hand
 * from the file's text: the loader must report exactly those mistakes, at those positions.
 */
import assert from "node:assert/strict";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";

const dir = new URL("./bad/", import.meta.url);
const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();

Deno.test("bad corpus has at least 15 files", () => {
  assert.ok(files.length >= 15, `only ${files.length} bad topologies`);
});

for (const name of files) {
  Deno.test(`bad topology ${name} reports every mistake at its line:col`, () => {
    const text = Deno.readTextFileSync(new URL(name, dir));
    const expected = [...text.matchAll(/^# expect: (\d+):(\d+) (.+)$/gm)].map((m) => ({
      line: Number(m[1]),
      col: Number(m[2]),
      fragment: m[3],
    }));
    assert.ok(expected.length > 0, `${name} has no # expect: lines`);
    const result = loadTopology(text, `bad/${name}`);
    assert.equal(result.ok, false, `${name} loaded without errors`);
    if (result.ok) return;
    const got = result.errors.map(formatTopologyError);
    for (const e of expected) {
      const hit = result.errors.find((r) =>
        r.line === e.line && r.col === e.col && r.message.includes(e.fragment)
      );
      assert.ok(hit, `${name}: expected ${e.line}:${e.col} "${e.fragment}", got:\n${got.join("\n")}`);
    }
    assert.equal(
      result.errors.length,
      expected.length,
      `${name}: unexpected extra errors:\n${got.join("\n")}`,
    );
    for (const e of result.errors) assert.equal(e.file, `bad/${name}`);
  });
}
