import assert from "node:assert/strict";
import { SECOND } from "../../src/engine/time.ts";
import { simulate } from "../../src/sim.ts";
import { BEHAVIOURS } from "../../src/stack/nat/config.ts";
import type { NodeSpec } from "../../src/topology/model.ts";
import { action, link, model, node } from "../helpers/model.ts";

const CHECK = { server: "198.51.100.10", port: 3478, rto: 500_000, tries: 3 };

/** laptop — [home NAT] — [ISP, optionally with CGNAT] — internet — stun (two addresses). */
function world(home: Record<string, unknown> | null, cgnat: Record<string, unknown> | null = null) {
  const nodes: NodeSpec[] = [];
  const links = [];
  if (home) {
    nodes.push(
      node("laptop", "host", { eth0: "192.168.1.10/24" }, ["default via 192.168.1.1"]),
      node("home", "nat-router", { lan0: "192.168.1.1/24", wan0: "100.64.0.2/24" }, [
        "default via 100.64.0.1",
      ], {
        outside: "wan0",
        ...home,
      }),
    );
    links.push(link("lan", ["laptop:eth0", "home:lan0"]), link("access", ["home:wan0", "isp:sub0"]));
  } else {
    nodes.push(node("laptop", "host", { eth0: "100.64.0.2/24" }, ["default via 100.64.0.1"]));
    links.push(link("access", ["laptop:eth0", "isp:sub0"]));
  }
  nodes.push(
    node("isp", "isp", { sub0: "100.64.0.1/24", up0: "203.0.113.2/24" }, ["default via 203.0.113.1"], {
      upstream: "up0",
      ...(cgnat ? { cgnat } : {}),
    }),
    node("internet", "router", { eth0: "203.0.113.1/24", eth1: "198.51.100.1/24" }, [
      "100.64.0.0/24 via 203.0.113.2",
    ]),
    node("stun", "stun-server", { eth0: "198.51.100.10/24" }, ["default via 198.51.100.1"], {
      "alternate-address": "198.51.100.11",
    }),
  );
  links.push(
    link("upstream", ["isp:up0", "internet:eth0"]),
    link("stun-link", ["internet:eth1", "stun:eth0"]),
  );
  return model(nodes, links, [action(SECOND, { node: "laptop" }, "nat-check", CHECK)], {
    duration: 30 * SECOND,
  });
}

function verdict(m: ReturnType<typeof world>) {
  const { records } = simulate(m);
  const last = records.filter((r) =>
    r.kind === "app" && r.node === "laptop" && r.detail?.tool === "nat-check"
  ).at(-1);
  assert.ok(last, records.filter((r) => r.kind === "app").map((r) => r.summary).join("\n"));
  return last;
}

for (const mapping of BEHAVIOURS) {
  for (const filtering of BEHAVIOURS) {
    Deno.test(`nat-check recovers mapping ${mapping} with filtering ${filtering}`, () => {
      const r = verdict(
        world({ preset: "home-router", nat: { mapping, filtering, "port-preservation": false } }),
      );
      assert.equal(r.detail?.mapping, mapping);
      assert.equal(r.detail?.filtering, filtering);
      assert.equal(
        r.summary.startsWith(`NAT mapping: ${mapping}, filtering: ${filtering} (`),
        true,
        r.summary,
      );
    });
  }
}

const expected: Record<string, [string, string, string]> = {
  "home-router": ["endpoint-independent", "address-dependent", "restricted cone"],
  "linux-conntrack": ["endpoint-independent", "address-and-port-dependent", "port-restricted cone"],
  "full-cone": ["endpoint-independent", "endpoint-independent", "full cone"],
  symmetric: ["address-and-port-dependent", "address-and-port-dependent", "symmetric"],
  "carrier-grade": ["address-and-port-dependent", "address-and-port-dependent", "symmetric"],
};

for (const [preset, [mapping, filtering, classic]] of Object.entries(expected)) {
  Deno.test(`nat-check classifies the ${preset} preset`, () => {
    const r = verdict(world({ preset }));
    assert.equal(r.summary, `NAT mapping: ${mapping}, filtering: ${filtering} (${classic})`);
  });
}

Deno.test("nat-check through a CGNAT alone (the ISP's carrier-grade preset)", () => {
  const r = verdict(world(null, { preset: "carrier-grade" }));
  assert.equal(r.detail?.mapping, "address-and-port-dependent");
  assert.equal(r.detail?.nat, true);
});

Deno.test("nat-check through double NAT reports the strictest combination", () => {
  const r = verdict(world({ preset: "full-cone" }, { preset: "carrier-grade" }));
  assert.equal(
    r.summary,
    "NAT mapping: address-and-port-dependent, filtering: address-and-port-dependent (symmetric)",
  );
});

Deno.test("nat-check without any NAT says so", () => {
  const r = verdict(world(null));
  assert.equal(r.detail?.nat, false);
  assert.equal(r.detail?.mapping, "none");
  assert.match(
    r.summary,
    /^No NAT on the path \(the server sees 100\.64\.0\.2:\d+\); filtering: endpoint-independent$/,
  );
});

Deno.test("nat-check against nothing: no answer, a clear message", () => {
  const m = world({ preset: "home-router" });
  m.script = [action(SECOND, { node: "laptop" }, "nat-check", { ...CHECK, server: "198.51.100.99" })];
  const { records } = simulate(m);
  const lines = records.filter((r) => r.kind === "app" && r.node === "laptop").map((r) => r.summary);
  assert.ok(
    lines.includes("nat-check: test I: no answer from 198.51.100.99:3478 — UDP blocked, or no server there"),
  );
  assert.equal(lines.at(-1), "NAT mapping: unknown, filtering: unknown");
});
