/**
 * Bounded runs: a run with `keep` is the same run, storing fewer records. The full run of the same
 * lesson is the reference: the bounded records must be exactly the full run's records that the rule
 * (spelled out again here, not taken from keep.ts) selects, with the same seq, time and text.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { keepTest } from "../../src/trace/keep.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { cliInProcess } from "../helpers/cli_in_process.ts";

const cli = (...args: string[]) => cliInProcess(args);

const lessonPath = new URL("../../topologies/ipsec-hides-l2tp.yaml", import.meta.url).pathname;

function lesson() {
  const loaded = loadTopology(Deno.readTextFileSync(lessonPath), lessonPath);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return loaded.model;
}

const packetKinds = ["tx", "rx", "forward", "deliver", "drop", "nat", "encap", "decap"];
const brief = (r: TraceRecord) => `${r.seq} ${r.t} ${r.kind} ${r.node} ${r.summary}`;

Deno.test("keep node=lns: the full run's records at the LNS, plus every table, app and link record", () => {
  const full = simulate(lesson()).records;
  const bounded = simulate(lesson(), { keep: keepTest({ nodes: ["lns"] }) });
  const expected = full.filter((r) => !packetKinds.includes(r.kind) || r.node === "lns");
  assert.deepEqual(bounded.records.map(brief), expected.map(brief));
  assert.ok(bounded.records.length < full.length / 2, "a bounded run keeps far fewer records");
  assert.equal(bounded.bounded?.emitted, full.length);
  assert.ok(bounded.bounded?.labels.includes("ESP"));
});

Deno.test("dimensions combine: node=lns with proto=ESP keeps only the LNS's ESP packet records", () => {
  const full = simulate(lesson()).records;
  const bounded = simulate(lesson(), { keep: keepTest({ nodes: ["lns"], protos: ["esp"] }) }).records;
  const packets = bounded.filter((r) => packetKinds.includes(r.kind));
  assert.ok(packets.length > 0);
  assert.ok(packets.every((r) => r.node === "lns" && r.proto === "ESP"));
  const expected = full.filter((r) => packetKinds.includes(r.kind) && r.node === "lns" && r.proto === "ESP");
  assert.deepEqual(packets.map(brief), expected.map(brief));
});

Deno.test("keep link=NAME keeps packet records on that link only; none of another link's", () => {
  const bounded = simulate(lesson(), { keep: keepTest({ links: ["backbone"] }) }).records;
  const packets = bounded.filter((r) => packetKinds.includes(r.kind));
  assert.ok(packets.some((r) => r.kind === "tx") && packets.some((r) => r.kind === "rx"));
  assert.ok(packets.every((r) => r.link === "backbone"));
});

Deno.test("keep link= and proto=: exactly the full run's packet records the rule selects, rows and objects alike", () => {
  // The tracer tests its per-hop rows (tx, rx, forward) on their fields, never making them objects;
  // other records it tests as objects. Both must select what the rule says of the full run's records.
  const full = simulate(lesson()).records;
  const filters = [{ links: ["backbone"] }, { protos: ["udp", "ICMP"] }, {
    nodes: ["isp", "lns"],
    links: ["backbone", "office-wan"],
  }];
  for (const filter of filters) {
    const bounded = simulate(lesson(), { keep: keepTest(filter) }).records;
    const protos = filter.protos?.map((p) => p.toUpperCase());
    const expected = full.filter((r) =>
      !packetKinds.includes(r.kind) ||
      ((!filter.nodes || filter.nodes.includes(r.node)) &&
        (!filter.links || (r.link !== undefined && filter.links.includes(r.link))) &&
        (!protos || (r.proto !== undefined && protos.includes(r.proto))))
    );
    assert.deepEqual(bounded.map(brief), expected.map(brief), JSON.stringify(filter));
    assert.ok(bounded.some((r) => r.kind === "tx" || r.kind === "forward"), JSON.stringify(filter));
  }
});

Deno.test("the record ceiling counts kept records, so a bounded run gets further", () => {
  const ceiling = 150;
  const full = simulate(lesson(), { maxRecords: ceiling });
  const bounded = simulate(lesson(), { maxRecords: ceiling, keep: keepTest({ nodes: ["server"] }) });
  assert.equal(full.stopped?.limit, "records");
  assert.ok(bounded.events > full.events, `${bounded.events} events bounded vs ${full.events}`);
});

Deno.test("CLI --keep: a note says what was kept; tables and the lesson block still work", async () => {
  const r = await cli(
    "run",
    lessonPath,
    "--keep",
    "node=lns",
    "--keep",
    "proto=ESP,GRE",
    "--show",
    "ipsec-sas@lns",
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  const text = r.out.join("\n");
  assert.match(text, /bounded run \(--keep node=lns proto=ESP,GRE\): kept \d+ of \d+ records/);
  assert.match(text, /no record of this run is labelled GRE; its labels are: .*ESP/);
  assert.match(text, /ipsec-sas/);
  assert.match(text, /questions:/);
});

Deno.test("CLI --keep: the JSON summary carries the bounded facts", async () => {
  const r = await cli("run", lessonPath, "--format", "json", "--keep", "node=laptop");
  assert.equal(r.code, 0, r.err.join("\n"));
  const summary = JSON.parse(r.out.filter((l) => l !== "").at(-1)!);
  assert.equal(summary.type, "summary");
  assert.equal(summary.bounded.keep, "node=laptop");
  const records = r.out.filter((l) => l.startsWith('{"type":"record"')).map((l) => JSON.parse(l));
  assert.equal(summary.bounded.kept, records.length);
  assert.ok(summary.bounded.emitted > records.length);
});

Deno.test("CLI --keep with a name the topology lacks: exit 2 before running, naming the choices", async () => {
  const r = await cli("run", lessonPath, "--keep", "node=lsn");
  assert.equal(r.code, 2);
  assert.match(r.err.join("\n"), /--keep node=lsn: no node named "lsn" \(the topology has: .*lns/);
  assert.equal(r.out.length, 0);
  const bad = await cli("run", lessonPath, "--keep", "host:lns");
  assert.equal(bad.code, 2);
  assert.match(bad.err.join("\n"), /expected node=NAME, link=NAME or proto=NAME/);
});
