/**
 * `sim run` writes as the run goes: the header before the network is built, each record from inside
 * the run the moment it is emitted (not after the run or its slice), in the order of the trace even
 * when a tap answers a record with one of its own, and in a bounded run only what was kept.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { formatJsonRecord } from "../../src/trace/format.ts";
import { keepTest } from "../../src/trace/keep.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Runs the CLI in process; for every line, notes how many flushes came before it and who wrote it. */
async function watched(args: string[]) {
  const lines: { text: string; flushes: number; stack: string }[] = [];
  let flushes = 0;
  const io: CliIo = {
    out: (text) => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Infinity; // the scheduler sits deep below a record's writer
      lines.push({ text, flushes, stack: new Error().stack ?? "" });
      Error.stackTraceLimit = limit;
    },
    err: () => {},
    color: false,
    flush: () => flushes++,
  };
  const code = await runCli(args, io);
  return { code, lines };
}

function records(file: string, keep?: Parameters<typeof keepTest>[0]) {
  const loaded = loadTopology(Deno.readTextFileSync(`${root}topologies/${file}`), file);
  assert.ok(loaded.ok);
  return simulate(loaded.model, keep ? { keep: keepTest(keep) } : {}).records.map(formatJsonRecord);
}

Deno.test("sim run: the header is out before the run starts, and each record is written inside the run", async () => {
  const { code, lines } = await watched(["run", `${root}topologies/basics-ping.yaml`]);
  assert.equal(code, 0);
  assert.match(lines[0].text, /^# basics-ping: /);
  assert.equal(lines[0].flushes, 0);
  // Nothing else was written before that first flush: the header went out alone.
  assert.ok(lines.slice(1).every((l) => l.flushes >= 1));
  // A record written while the simulation advances has the scheduler on its call stack; one written
  // after a slice or after the run would not.
  const later = lines.slice(1).filter((l) => /^\s*\d+\.\d{6} /.test(l.text));
  assert.ok(later.length > 10);
  const inside = later.filter((l) => /\brunUntil\b/.test(l.stack));
  assert.ok(inside.length > later.length / 2, `${inside.length} of ${later.length} written inside the run`);
});

Deno.test("sim run --format json: records come in trace order with a tap answering records", async () => {
  const file = "firewall-blocks-ipsec.yaml";
  const { code, lines } = await watched(["run", `${root}topologies/${file}`, "--format", "json"]);
  assert.equal(code, 0);
  const written = lines.map((l) => l.text).filter((t) => t.startsWith('{"type":"record"'));
  const expected = records(file);
  assert.ok(expected.some((r) => r.includes('"tool":"tap"')), "the lesson's tap reports what it sees");
  assert.deepEqual(written, expected);
});

Deno.test("sim run --keep: only the kept records are written, as they come", async () => {
  const file = "basics-ping.yaml";
  const { code, lines } = await watched([
    "run",
    `${root}topologies/${file}`,
    "--format",
    "json",
    "--keep",
    "node=laptop",
  ]);
  assert.equal(code, 0);
  const written = lines.map((l) => l.text).filter((t) => t.startsWith('{"type":"record"'));
  const kept = records(file, { nodes: ["laptop"] });
  assert.ok(kept.length < records(file).length, "the bound leaves records out");
  assert.deepEqual(written, kept);
});
