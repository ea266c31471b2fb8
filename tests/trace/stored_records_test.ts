/**
 * The per-hop records are rows in the record store, read back as objects when read (record_store.ts).
 * For every lesson, each record must read the same, bytes included, when handed to a listener at
 * emission, when read back from the stored trace after the run, when that emission-time object is
 * read again after the run, and as the plain object the browser's worker posts. A bounded run stores
 * some of the rows: each kept record must read as the full run's record with the same `seq`.
 */
import assert from "node:assert/strict";
import { loadTopology } from "../../src/topology/load.ts";
import { startSimulation } from "../../src/sim.ts";
import type { TopologyModel } from "../../src/topology/model.ts";
import { formatJsonRecord } from "../../src/trace/format.ts";
import { LazyRecord, plainRecord } from "../../src/trace/lazy_record.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { fastRun } from "../helpers/fast_run.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const lessons = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();

/**
 * Which records a run checks: all of them, or in the fast inner loop the first 3,000 and every 50th
 * after (two TCP lessons have over 100,000).
 */
const checked = (seq: number) => !fastRun || seq < 3000 || seq % 50 === 0;

function run(model: TopologyModel, keep?: (r: TraceRecord) => boolean) {
  const simulation = startSimulation(model, keep ? { keep } : {});
  const emitted: { record: TraceRecord; line: string }[] = [];
  let count = 0;
  simulation.subscribe((record) => {
    count++;
    if (checked(record.seq)) emitted.push({ record, line: formatJsonRecord(record) });
  });
  while (!simulation.advance());
  return { records: simulation.result().records, emitted, count };
}

const kinds = new Set<string>();

for (const lesson of lessons) {
  Deno.test(`stored records read as emitted, full and bounded: ${lesson}`, () => {
    const loaded = loadTopology(Deno.readTextFileSync(`${dir}${lesson}`), `topologies/${lesson}`);
    if (!loaded.ok) throw new Error(loaded.errors[0].message);
    const full = run(loaded.model);
    assert.ok(full.emitted.length > 0);
    for (const { record, line } of full.emitted) {
      const stored = full.records[record.seq];
      assert.equal(stored.seq, record.seq);
      assert.equal(formatJsonRecord(stored), line, `${lesson}: seq ${record.seq} read back`);
      assert.equal(formatJsonRecord(record), line, `${lesson}: seq ${record.seq} read again`);
      assert.equal(formatJsonRecord(plainRecord(stored)), line, `${lesson}: seq ${record.seq} made plain`);
      if (stored instanceof LazyRecord) kinds.add(stored.kind);
    }
    // Every third record left out, so each kept row sits at a new distance from its seq.
    const bounded = run(loaded.model, (r) => r.seq % 3 !== 1);
    const wanted = full.records.filter((r) => r.seq % 3 !== 1);
    assert.equal(bounded.records.length, wanted.length);
    for (let i = 0; i < wanted.length; i++) {
      if (!checked(wanted[i].seq)) continue;
      assert.equal(
        formatJsonRecord(bounded.records[i]),
        formatJsonRecord(wanted[i]),
        `${lesson}: kept #${i}`,
      );
    }
    assert.equal(bounded.count, full.count, "a bounded run emits every record");
  });
}

Deno.test("the lessons cover every per-hop row kind", () => {
  for (const kind of ["tx", "rx", "forward"]) assert.ok(kinds.has(kind), `no ${kind} rows read`);
});
