import assert from "node:assert/strict";
import { simulate } from "../../../src/sim.ts";
import { loadTopology } from "../../../src/topology/load.ts";

const text = Deno.readTextFileSync(new URL("../../../topologies/nat-symmetric.yaml", import.meta.url));

/**
 * The outside ports the laptop's port 5000 got, in order, for a seed and an allocation mode (each once:
 * the lesson sends through the mapping towards the peer twice).
 */
function ports(seed: number, allocation: "sequential" | "random"): number[] {
  const edited = text.replace("port-allocation: sequential", `port-allocation: ${allocation}`);
  const loaded = loadTopology(edited, "nat-symmetric.yaml");
  assert.ok(loaded.ok);
  return [
    ...new Set(
      simulate(loaded.model, { seed }).records
        .filter((r) => r.kind === "nat" && /^SNAT 192\.168\.1\.10:5000 /.test(r.summary))
        .map((r) => Number(/→ 203\.0\.113\.2:(\d+)/.exec(r.summary)![1])),
    ),
  ];
}

Deno.test("sequential port allocation: each new mapping takes the next free port, whatever the seed", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const got = ports(seed, "sequential");
    assert.equal(got.length, 2);
    assert.equal(got[1], got[0] + 1, `seed ${seed}: ${got}`);
    assert.deepEqual(got, ports(1, "sequential"), "the same ports for every seed");
  }
});

Deno.test("random port allocation: ports differ between seeds and are not simply consecutive", () => {
  const runs = [1, 2, 3, 4, 5].map((seed) => ports(seed, "random"));
  assert.ok(new Set(runs.map((r) => r.join(","))).size >= 4, JSON.stringify(runs));
  assert.ok(runs.some((r) => r[1] !== r[0] + 1));
  for (const r of runs) assert.ok(r.every((p) => p >= 20000 && p <= 20999), "within the port range");
});
