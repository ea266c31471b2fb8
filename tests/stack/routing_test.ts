import assert from "node:assert/strict";
import { Prng } from "../../src/engine/prng.ts";
import { inSubnet, type Ip4, networkOf } from "../../src/wire/addr.ts";
import { type Route, RoutingTable } from "../../src/stack/routing.ts";

/** The table as it was first written: one list, a stable sort, a first-match scan. Checked against the index. */
class ReferenceTable {
  routes: Route[] = [];
  add(route: Route): void {
    const r = { ...route, network: networkOf(route.network, route.prefixLength) };
    let i = 0;
    const precedes = (a: Route) =>
      a.prefixLength !== r.prefixLength ? a.prefixLength > r.prefixLength : a.metric <= r.metric;
    while (i < this.routes.length && precedes(this.routes[i])) i++;
    this.routes.splice(i, 0, r);
  }
  remove(predicate: (route: Route) => boolean): void {
    this.routes = this.routes.filter((route) => !predicate(route));
  }
  lookup(dst: Ip4, usable: (iface: string) => boolean): Route | undefined {
    return this.routes.find((r) => inSubnet(dst, r.network, r.prefixLength) && usable(r.iface));
  }
}

const describe = (r: Route | undefined) =>
  r ? `${r.network}/${r.prefixLength} m${r.metric} ${r.iface} ${r.via ?? "-"}` : "none";

Deno.test("routing: the indexed table decides exactly as a first-match scan over random tables", () => {
  const rng = new Prng(12);
  // A small address space (10.0.0.0/20) so prefixes overlap, collide and tie often.
  const randomIp = () => (0x0a000000 + rng.int(0, 4095)) >>> 0;
  const lengths = [0, 8, 16, 20, 24, 28, 30, 32];
  const ifaces = ["eth0", "eth1", "ppp0", "ppp1", "ppp2"];
  for (let table = 0; table < 40; table++) {
    const indexed = new RoutingTable();
    const reference = new ReferenceTable();
    for (let step = 0; step < 120; step++) {
      if (rng.chance(0.15)) {
        const gone = ifaces[rng.int(0, ifaces.length - 1)];
        const metric = rng.int(0, 2);
        const predicate = (r: Route) => r.iface === gone && r.metric === metric;
        indexed.remove(predicate);
        reference.remove(predicate);
      } else {
        const route: Route = {
          network: randomIp(),
          prefixLength: lengths[rng.int(0, lengths.length - 1)],
          via: step, // tells otherwise equal routes apart, so the tie order is checked too
          iface: ifaces[rng.int(0, ifaces.length - 1)],
          metric: rng.int(0, 2),
          origin: "static",
        };
        indexed.add(route);
        reference.add(route);
      }
      assert.deepEqual(indexed.routes.map(describe), reference.routes.map(describe));
      const down = new Set(ifaces.filter(() => rng.chance(0.3)));
      const usable = (name: string) => !down.has(name);
      for (let probe = 0; probe < 20; probe++) {
        const dst = rng.chance(0.1) ? 0xc0000201 : randomIp();
        assert.equal(describe(indexed.lookup(dst, usable)), describe(reference.lookup(dst, usable)));
        assert.equal(describe(indexed.lookup(dst)), describe(reference.lookup(dst, () => true)));
      }
    }
  }
});

Deno.test("routing: a removed route is no longer found, and the longer prefix behind it takes over", () => {
  const table = new RoutingTable();
  table.add({ network: 0, prefixLength: 0, via: 1, iface: "eth0", metric: 0, origin: "default" });
  table.add({ network: 0x0a0a6364, prefixLength: 32, iface: "ppp0", metric: 0, origin: "ppp" });
  assert.equal(table.lookup(0x0a0a6364)?.iface, "ppp0");
  table.remove((r) => r.iface === "ppp0");
  assert.equal(table.lookup(0x0a0a6364)?.iface, "eth0");
  assert.equal(table.routes.length, 1);
});
