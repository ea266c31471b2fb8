import assert from "node:assert/strict";

/** The static site reads topologies/index.json, so it must list exactly the lessons in the folder. */
Deno.test("topologies/index.json lists every lesson, and its default exists", () => {
  const dir = new URL("../../topologies/", import.meta.url).pathname;
  const index = JSON.parse(Deno.readTextFileSync(`${dir}index.json`));
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".yaml")).sort();
  assert.deepEqual(
    index.lessons.map((l: { file: string }) => l.file).sort(),
    files,
    "regenerate with: deno run --allow-read --allow-env src/server/main.ts --print-index",
  );
  assert.ok(files.includes(index.default), `default ${index.default} is not a lesson`);
});
