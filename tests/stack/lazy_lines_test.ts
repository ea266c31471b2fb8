/**
 * The records whose line is written when read (deliver, ppp rows, default state rows) say what the
 * bytes and rows they stand for say. Each check relates a lazy record to another record that stores the
 * same datagram or row on its own (the `rx` of the frame, the ESP `decap` of the inner datagram), so a
 * line written from the wrong bytes, or at the wrong moment, shows up as a mismatch.
 */
import assert from "node:assert/strict";
import { loadTopology, simulate } from "../../mod.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { summarize } from "../../src/wire/dissect.ts";

function run(lesson: string): readonly TraceRecord[] {
  const text = Deno.readTextFileSync(new URL(`../../topologies/${lesson}`, import.meta.url));
  const loaded = loadTopology(text, lesson);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  return simulate(loaded.model).records;
}

Deno.test("deliver lines: from the frame that arrived, or from the datagram ESP decapsulated", () => {
  const records = [...run("ipsec-nat-t-fixes-it.yaml")];
  let fromFrame = 0;
  let fromDecap = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.kind !== "deliver") continue;
    // What came in last at this node carrying this packet: its frame, or the decapsulated datagram.
    let j = i - 1;
    const carries = (c: TraceRecord) =>
      c.node === r.node && c.pkt === r.pkt &&
      (c.kind === "rx" || (c.kind === "decap" && c.bytes !== undefined));
    while (j >= 0 && !carries(records[j])) j--;
    if (j < 0) continue; // came in over PPP (inside a tunnel): no frame of its own on a link
    const source = records[j];
    const line = source.kind === "rx" ? source.summary : summarize(source.bytes!);
    const port = / → UDP port (\d+)$/.exec(r.summary);
    assert.equal(r.summary, port ? `${line} → UDP port ${port[1]}` : line);
    if (source.kind === "rx") fromFrame++;
    else fromDecap++;
  }
  assert.ok(fromFrame > 10 && fromDecap > 10, `${fromFrame} from frames, ${fromDecap} from ESP`);
});

Deno.test("ppp rows: the line names the row's phase and states, and an unchanged row is not repeated", () => {
  const rows = run("l2tp-voluntary.yaml").filter((r) => r.kind === "state" && r.table === "ppp");
  assert.ok(rows.length >= 6, `${rows.length} ppp rows`);
  const last = new Map<string, string>();
  for (const r of rows) {
    const value = r.value as Record<string, string>;
    assert.equal(r.summary, `ppp ${r.key} ${value.phase} (LCP ${value.lcp}, IPCP ${value.ipcp})`);
    const text = JSON.stringify(value);
    assert.notEqual(last.get(`${r.node} ${r.key}`), text, `repeated row ${text}`);
    last.set(`${r.node} ${r.key}`, text);
  }
  assert.ok(rows.some((r) => (r.value as Record<string, string>).phase === "network"));
});

Deno.test("state rows: the default line is the table, the key and the row as it was published", () => {
  const records = run("l2tp-voluntary.yaml");
  const tables = new Set<string>();
  for (const r of records) {
    if (r.kind !== "state" || !["routes", "interfaces", "l2tp-tunnels", "l2tp-sessions"].includes(r.table!)) {
      continue;
    }
    tables.add(r.table!);
    assert.equal(r.summary, `${r.table} ${r.key} ${r.value === null ? "removed" : JSON.stringify(r.value)}`);
  }
  assert.deepEqual([...tables].sort(), ["interfaces", "l2tp-sessions", "l2tp-tunnels", "routes"]);
  // A tunnel's rows follow it through its states, each published as it then was.
  const states = records.filter((r) => r.kind === "state" && r.table === "l2tp-tunnels")
    .map((r) => (r.value as { state: string }).state);
  assert.ok(states.includes("established"), states.join(", "));
});
