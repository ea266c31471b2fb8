/**
 * Every YAML block in README.md and docs/*.md loads: a whole topology as it stands, a fragment once
 * completed by the topology its `<!-- fragment of FILE[, node NODE] -->` comment names (its keys replace
 * that file's nodes or top-level keys, or with `node`, that node's settings), and then runs for a few
 * simulated seconds, since whatever validates must run; a whole topology's expectations and look-for checks
 * must also hold. A block that is neither whole nor marked fails.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import { simulate } from "../../src/sim.ts";
import { checkExpectations, checkLookFor } from "../../src/trace/expect.ts";
import { type Block, docFiles, fencedBlocks } from "./markdown.ts";

const root = new URL("../../", import.meta.url).pathname;
const TOP_KEYS = ["name", "description", "seed", "duration", "lesson", "nodes", "links", "script", "expect"];

type Doc = Record<string, unknown> & { nodes: Record<string, Record<string, unknown>> };

/** The YAML text the block stands for: itself, or its base with the block merged in. */
function completed(block: Block): string {
  if (!block.fragment) return block.text;
  const base = parse(Deno.readTextFileSync(`${root}${block.fragment.base}`)) as Doc;
  // The base's own promises are about the base; the fragment is what is being checked.
  delete base.expect;
  delete base.lesson;
  const fragment = parse(block.text) as Record<string, unknown>;
  const node = block.fragment.node;
  if (node) {
    assert.ok(base.nodes[node], `${block.fragment.base} has no node ${node}`);
    base.nodes[node] = { ...base.nodes[node], ...fragment };
  } else {
    for (const [key, value] of Object.entries(fragment)) {
      if (TOP_KEYS.includes(key)) base[key] = value;
      else base.nodes[key] = value as Record<string, unknown>;
    }
  }
  return stringify(base);
}

const blocks = docFiles(root).flatMap((file) =>
  fencedBlocks(file, Deno.readTextFileSync(`${root}${file}`)).filter((b) => b.lang === "yaml")
);

Deno.test("the docs have YAML examples to check", () => {
  assert.ok(blocks.length >= 10, `only ${blocks.length} YAML blocks found`);
});

for (const block of blocks) {
  Deno.test(`${block.file}:${block.line}: the YAML block loads${block.fragment ? " once completed" : ""} and runs`, () => {
    const text = completed(block);
    const parsed = parse(text) as Record<string, unknown>;
    assert.ok(
      block.fragment || ("name" in parsed && "nodes" in parsed),
      "neither a whole topology nor marked <!-- fragment of FILE --> with the file that completes it",
    );
    const loaded = loadTopology(text, `${block.file}:${block.line}`);
    assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map(formatTopologyError).join("\n"));
    const model = loaded.model;
    const run = simulate(model, block.fragment ? { until: 5_000_000 } : {});
    assert.ok(run.records.length > 0);
    if (block.fragment) return;
    // A whole example is a promise too: what it says it shows, it shows.
    const unmet = [
      ...checkExpectations(model.expectations ?? [], run.records),
      ...checkLookFor(model.lesson?.lookFor ?? [], run.records),
    ].filter((v) => v && !v.met).map((v) => `${v!.say}: ${v!.detail}`);
    assert.deepEqual(unmet, []);
  });
}
