/**
 * Runs are bounded and stream: the ceilings of src/limits.ts stop a run at the same event however it
 * is sliced, with a message naming what to change; the CLI prints records while the run goes and says
 * where it stopped on Ctrl+C.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../src/engine/time.ts";
import { RUN_LIMITS } from "../../src/engine/limits.ts";
import { simulate, startSimulation } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { formatJsonRecord } from "../../src/trace/format.ts";

const root = new URL("../../", import.meta.url).pathname;
const pingLesson = Deno.readTextFileSync(`${root}topologies/basics-ping.yaml`);
/** The ping lesson with a flood: far more records than any ceiling a test sets. */
const flood = pingLesson.replace("ping 10.2.0.5 count 3", "ping 10.2.0.5 count 1000000 interval 10us");

function model(text: string) {
  const loaded = loadTopology(text, "flood.yaml");
  assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map((e) => e.message).join("\n"));
  return loaded.model;
}

Deno.test("a record ceiling stops the run at the same record however the run is sliced", () => {
  assert.notEqual(flood, pingLesson);
  const whole = simulate(model(flood), { maxRecords: 3000 });
  assert.equal(whole.stopped?.limit, "records");
  assert.match(whole.stopped!.message, /after 3000 trace records .*shorten duration or --until/);
  // The stop is announced in the trace itself, as its last record.
  const last = whole.records.at(-1)!;
  assert.equal(last.node, "simulator");
  assert.equal(last.summary, whole.stopped!.message);
  assert.equal(whole.records.length, 3001);
  for (const slice of [1, 7, 1000]) {
    const sliced = startSimulation(model(flood), { maxRecords: 3000 });
    while (!sliced.advance(slice));
    const r = sliced.result();
    assert.equal(r.end, whole.end, `slice ${slice}`);
    assert.equal(r.events, whole.events);
    assert.deepEqual(r.records.map(formatJsonRecord), whole.records.map(formatJsonRecord));
  }
});

Deno.test("an event ceiling stops the run with a message; options cannot raise the ceilings", () => {
  const r = simulate(model(flood), { maxEvents: 500 });
  assert.equal(r.stopped?.limit, "events");
  assert.equal(r.events, 500);
  assert.match(r.stopped!.message, /after 500 events/);
  const unbounded = startSimulation(model(pingLesson), { maxEvents: 1e18, maxRecords: 1e18 });
  assert.ok(unbounded.advance());
  assert.equal(unbounded.result().stopped, undefined, "a lesson runs to its end untouched");
});

Deno.test("simulated time is capped: durations and --until past the ceiling are refused or clamped", async () => {
  const long = pingLesson.replace("duration: 12s", "duration: 1000000000s");
  const loaded = loadTopology(long, "long.yaml");
  assert.ok(!loaded.ok);
  assert.equal(loaded.errors.length, 1);
  assert.match(loaded.errors[0].message, /duration: 1000000000s is too long \(at most 86400s/);
  assert.equal(loaded.errors[0].line, 4);
  assert.equal(loaded.errors[0].col, 11);
  const huge = loadTopology(pingLesson.replace("duration: 12s", "duration: 1e300"), "huge.yaml");
  assert.ok(!huge.ok && /too long/.test(huge.errors[0].message));
  // The library clamps an `until` it is given, and says so.
  const quiet = model(pingLesson.replace(/script:[\s\S]*?expect:/, "expect:"));
  const clamped = simulate(quiet, { until: RUN_LIMITS.duration + SECOND });
  assert.equal(clamped.end, RUN_LIMITS.duration);
  assert.equal(clamped.stopped?.limit, "duration");
  const cli = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}src/cli/main.ts`,
      "run",
      `${root}topologies/basics-ping.yaml`,
      "--until",
      "25h",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(cli.code, 2);
  assert.equal(cli.stdout.length, 0);
  assert.match(new TextDecoder().decode(cli.stderr), /--until 25h: at most 86400s/);
});

Deno.test("the CLI streams records while it runs and reports where Ctrl+C stopped it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/flood.yaml`, flood);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}src/cli/main.ts`, "run", `${dir}/flood.yaml`, "--format", "json"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.getReader();
    // Records arrive long before the run could finish: that is the streaming.
    let first = "";
    while (!first.includes("\n")) {
      const chunk = await reader.read();
      assert.ok(!chunk.done, "stdout ended before any record");
      first += new TextDecoder().decode(chunk.value);
    }
    assert.match(first, /^\{"type":"record","seq":0,/);
    child.kill("SIGINT");
    const drain = (async () => {
      while (!(await reader.read()).done) { /* keep the pipe flowing */ }
    })();
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
      drain,
    ]);
    assert.equal(status.code, 130, stderr);
    assert.match(stderr, /^interrupted at \d+\.\d{6}s of 12s simulated, after \d+ events and \d+ records/m);
    assert.doesNotMatch(stderr, /^\s+at /m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
