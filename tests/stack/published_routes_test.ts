import assert from "node:assert/strict";
import { loadTopology, simulate, tableAt } from "../../mod.ts";
import { formatRoute, PublishedRoutes, type Route, RoutingTable } from "../../src/stack/routing.ts";
import { scaleTopology } from "../../bench/scale_topology.ts";

const host = (n: number): Route => ({
  network: 0x0a640000 + n,
  prefixLength: 32,
  iface: `ppp${n}`,
  metric: 0,
  origin: "ppp",
});

/** Applies rows to a table the way tableAt does, as a list of texts by key. */
function apply(table: Map<string, string>, rows: ReturnType<PublishedRoutes["changes"]>): void {
  for (const row of rows) {
    if (row.value === null) table.delete(row.key);
    else table.set(row.key, row.value.route);
  }
}

Deno.test("published routes: a host route added after its kind changes only the rows from it on", () => {
  const table = new RoutingTable();
  table.add({ network: 0x0a0a0000, prefixLength: 24, iface: "lan0", metric: 0, origin: "connected" });
  table.add({ network: 0, prefixLength: 0, via: 0xcb007101, iface: "wan0", metric: 0, origin: "default" });
  const published = new PublishedRoutes();
  const shown = new Map<string, string>();
  apply(shown, published.changes(table.routes));
  assert.equal(shown.size, 2);
  for (let n = 0; n < 50; n++) {
    table.add(host(n));
    const rows = published.changes(table.routes);
    // The new /32 lands after the earlier ones: its row and the two it pushed down, nothing else.
    assert.deepEqual(rows.map((r) => r.key), [n, n + 1, n + 2].map((i) => String(i).padStart(2, "0")));
    apply(shown, rows);
  }
  table.remove((r) => r.iface === "ppp7" || r.iface === "ppp30");
  apply(shown, published.changes(table.routes));
  assert.deepEqual([...shown.keys()].sort().map((k) => shown.get(k)), table.routes.map(formatRoute));
  assert.equal(published.changes(table.routes).length, 0, "nothing changed, nothing to record");
});

Deno.test("published routes: an LNS with 40 sessions records a few rows per session, and its table is right", () => {
  const loaded = loadTopology(scaleTopology({ clients: 40, perNat: 10, ipsec: false }), "scale.yaml");
  assert.ok(loaded.ok);
  const run = simulate(loaded.model);
  const lns = run.network.devices.get("lns")!;
  const live = lns.ip.routes.routes.map(formatRoute);
  assert.equal(live.filter((text) => text.includes("(ppp)")).length, 40);
  const rows = tableAt(run.records, "lns", "routes")!;
  assert.deepEqual([...rows.keys()].sort().map((k) => rows.get(k)!.route), live);
  const records = run.records.filter((r) => r.kind === "state" && r.node === "lns" && r.table === "routes");
  // Each session: its host route's row and the three rows (two LANs, default) it pushes down. Republishing
  // the whole table each time would take 40·41/2 + 3·40 rows.
  assert.ok(records.length <= 4 * 40 + 3, `${records.length} routes records for 40 sessions`);
});
