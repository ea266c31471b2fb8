/**
 * docs/trace-format.md says which fields each JSON record carries; the records of every lesson, as the
 * CLI prints them, are checked against that table field by field: no undocumented field, no documented
 * field that never appears, a field "always" present on every record of its kinds and on no other kind.
 * The CLI's line types and their order are checked on one run, and the summary's fields on its table.
 */
import assert from "node:assert/strict";
import { loadTopology } from "../../src/topology/load.ts";
import { simulate } from "../../src/sim.ts";
import { recordToJson } from "../../src/trace/format.ts";
import { runCli } from "../../src/cli/cli.ts";
import { fastRun } from "../helpers/fast_run.ts";

const root = new URL("../../", import.meta.url).pathname;
const doc = Deno.readTextFileSync(`${root}docs/trace-format.md`);

/** The rows of the Markdown table that follows `heading`, as cells. */
function tableAfter(heading: string): string[][] {
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, `trace-format.md has no "${heading}"`);
  const lines = doc.slice(start).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.split("|").slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

const KINDS = ["tx", "rx", "forward", "deliver", "drop", "nat", "encap", "decap", "state", "app", "link"];
const ticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** Field → the kinds that always carry it and those that sometimes do, as the doc states. */
const documented = new Map(
  tableAfter('### `{"type":"record", ...}`').map(([field, , presentFor]) => {
    const [always, sometimes = ""] = presentFor.split("sometimes");
    return [ticked(field)[0], {
      always: always.trim() === "all" ? KINDS : ticked(always),
      sometimes: ticked(sometimes),
    }];
  }),
);

/**
 * The fast inner loop leaves out the 116k-record goodput lesson (it has no record field the other TCP
 * lessons lack) and reads a lesson's first 3,000 records, then every 20th; the full run reads all.
 */
const skipped = fastRun ? new Set(["tcp-overhead-goodput.yaml"]) : new Set<string>();
const read = (index: number) => !fastRun || index < 3000 || index % 20 === 0;

function lessonRecords(): Record<string, unknown>[] {
  const dir = `${root}topologies/`;
  const out: Record<string, unknown>[] = [];
  for (const entry of [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml"))) {
    if (skipped.has(entry.name)) continue;
    const loaded = loadTopology(Deno.readTextFileSync(dir + entry.name), entry.name);
    assert.ok(loaded.ok, entry.name);
    const records = simulate(loaded.model).records;
    for (let i = 0; i < records.length; i++) if (read(i)) out.push(recordToJson(records[i]));
  }
  return out;
}

Deno.test("trace-format.md: every record field of every lesson, by kind, as the table says", () => {
  assert.ok(documented.size >= 15, "the record table was not found");
  const records = lessonRecords();
  const seen = new Map<string, Map<string, number>>();
  const perKind = new Map<string, number>();
  for (const r of records) {
    const kind = r.kind as string;
    perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    for (const field of Object.keys(r)) {
      const kinds = seen.get(field) ?? new Map<string, number>();
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      seen.set(field, kinds);
    }
  }
  assert.deepEqual([...perKind.keys()].sort(), [...KINDS].sort(), "the lessons produce every kind");
  const problems: string[] = [];
  for (const [field, kinds] of seen) {
    const doc = documented.get(field);
    if (!doc) {
      problems.push(`${field}: in the records, not in the table`);
      continue;
    }
    for (const [kind, n] of kinds) {
      const always = doc.always.includes(kind);
      if (!always && !doc.sometimes.includes(kind)) {
        problems.push(`${field}: on ${kind} records, not documented`);
      }
      if (always && n !== perKind.get(kind)) {
        problems.push(`${field}: documented on every ${kind}, on ${n} of ${perKind.get(kind)}`);
      }
    }
    for (const kind of [...doc.always, ...doc.sometimes]) {
      if (!kinds.has(kind)) problems.push(`${field}: documented for ${kind}, never seen there`);
    }
  }
  for (const field of documented.keys()) {
    if (!seen.has(field)) problems.push(`${field}: documented, never seen`);
  }
  // "never null, except value of a removed row"
  for (const r of records) {
    for (const [field, value] of Object.entries(r)) {
      if (value === null && field !== "value") problems.push(`${field}: null in record ${r.seq}`);
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("trace-format.md: the CLI prints records, then tables, then expectations, and the summary last", async () => {
  const out: string[] = [];
  const code = await runCli(
    ["run", `${root}topologies/basics-ping.yaml`, "--format", "json", "--show", "routes@r1"],
    { out: (line) => out.push(line), err: () => {}, color: false },
  );
  assert.equal(code, 0);
  const lines = out.join("\n").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  const order = lines.map((l) => l.type).filter((t, i, all) => all[i - 1] !== t);
  assert.deepEqual(order, ["record", "table", "expectation", "summary"]);
  const table = lines.find((l) => l.type === "table");
  assert.deepEqual(Object.keys(table), ["type", "node", "table", "t", "rows"]);
  assert.equal(table.t, null);
  const expectation = lines.find((l) => l.type === "expectation");
  assert.deepEqual(Object.keys(expectation), ["type", "say", "met", "seq", "t", "detail"]);
  const summary = lines.at(-1);
  // Fields documented as "only in" some runs (a bounded run's) are not in this plain run's summary.
  const summaryFields = tableAfter('### `{"type":"summary", ...}`')
    .filter(([, meaning]) => !meaning.startsWith("only in"))
    .flatMap(([field]) => ticked(field));
  assert.deepEqual(Object.keys(summary).filter((k) => k !== "type").sort(), summaryFields.sort());
});
