/**
 * NAT rows, NAT rewrites and ESP encap/decap records write their text when read (stack/nat/row_record.ts,
 * stack/nat/record.ts, stack/ipsec/esp_records.ts). Read at emission and read again after the whole
 * run, every such record must give the same JSON line: the mappings, SAs and packets they point at
 * keep changing in between (expiries move, remotes and cookies are added, SPIs are learnt).
 */
import assert from "node:assert/strict";
import { loadTopology, simulate } from "../../../mod.ts";
import { LazyRecord, plainRecord } from "../../../src/trace/lazy_record.ts";
import { formatJsonRecord } from "../../../src/trace/format.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";

const LESSONS = [
  "ipsec-two-clients-one-nat.yaml", // NAT-T: UDP 500 and 4500 mappings, IKE cookies, ESP in UDP
  "ipsec-nat-breaks-esp.yaml", // plain ESP through the NAT's passthrough: SPIs learnt later
  "nat-symmetric.yaml", // per-remote mappings, several remotes
  "tcp-nat-tracks-connections.yaml", // TCP rows that change with the connection's state
];

for (const lesson of LESSONS) {
  Deno.test(`lazy NAT and ESP records read the same at emission and after the run: ${lesson}`, () => {
    const text = Deno.readTextFileSync(new URL(`../../../topologies/${lesson}`, import.meta.url));
    const loaded = loadTopology(text, lesson);
    if (!loaded.ok) throw new Error(loaded.errors[0].message);
    const atEmission = new Map<TraceRecord, string>();
    const run = simulate(loaded.model, {
      keep: (r) => {
        if (r instanceof LazyRecord && (r.kind === "state" || r.kind === "nat" || r.proto === "ESP")) {
          atEmission.set(r, formatJsonRecord(r));
        }
        return true;
      },
    });
    const kinds = new Set<string>();
    for (const [record, line] of atEmission) {
      assert.equal(formatJsonRecord(record), line);
      // What the browser's worker posts: every field its own data, the same line.
      assert.equal(formatJsonRecord(plainRecord(record)), line);
      kinds.add(`${record.kind} ${record.table ?? ""}`.trim());
    }
    assert.ok(kinds.has("state nat") && kinds.has("nat"), `${lesson}: ${[...kinds]}`);
    assert.ok(run.records.length > atEmission.size);
  });
}
