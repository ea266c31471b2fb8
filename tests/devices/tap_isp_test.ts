import assert from "node:assert/strict";
import { SECOND } from "../../src/engine/time.ts";
import type { SimContext } from "../../src/engine/context.ts";
import { Prng } from "../../src/engine/prng.ts";
import { Scheduler } from "../../src/engine/scheduler.ts";
import type { Isp, IspExtension } from "../../src/devices/isp.ts";
import { simulate } from "../../src/sim.ts";
import { buildNetwork } from "../../src/topology/build.ts";
import type { TopologyModel } from "../../src/topology/model.ts";
import { Tracer } from "../../src/trace/tracer.ts";
import { protoLabel, summarize } from "../../src/wire/dissect.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { action, link, model, node } from "../helpers/model.ts";

/** laptop — home (nat-router) — isp (optional CGNAT) — server, with an optional tap on the access link. */
function scene(opts: { tap?: boolean; cgnat?: boolean; isp?: Record<string, unknown> } = {}) {
  const nodes = [
    node("laptop", "host", { eth0: "192.168.1.10/24" }, ["default via 192.168.1.1"]),
    node(
      "home",
      "nat-router",
      { lan0: "192.168.1.1/24", wan0: "100.64.0.2/24" },
      ["default via 100.64.0.1"],
      {
        outside: "wan0",
        preset: "home-router",
      },
    ),
    node("isp", "isp", { sub0: "100.64.0.1/24", up0: "203.0.113.2/24" }, ["default via 203.0.113.1"], {
      upstream: "up0",
      ...(opts.cgnat ? { cgnat: true } : {}),
      ...opts.isp,
    }),
    node("core", "router", { eth0: "203.0.113.1/24", eth1: "198.51.100.1/24" }, [
      "100.64.0.0/24 via 203.0.113.2",
    ]),
    node("server", "host", { eth0: "198.51.100.10/24" }, ["default via 198.51.100.1"]),
  ];
  if (opts.tap) nodes.push(node("spy", "tap", {}, [], { link: "access" }));
  return model(nodes, [
    link("lan", ["laptop:eth0", "home:lan0"]),
    link("access", ["home:wan0", "isp:sub0"]),
    link("upstream", ["isp:up0", "core:eth0"]),
    link("dmz", ["core:eth1", "server:eth0"]),
  ], [
    action(SECOND / 2, { node: "server" }, "udp-echo", { port: 7 }),
    action(SECOND, { node: "laptop" }, "ping", {
      dst: "198.51.100.10",
      count: 2,
      interval: SECOND,
      size: 56,
      ttl: 64,
      df: false,
    }),
    action(SECOND, { node: "laptop" }, "udp-send", {
      dst: "198.51.100.10",
      port: 7,
      from: 40000,
      count: 1,
      interval: SECOND,
      size: 5,
      text: "hello",
    }),
  ], { duration: 10 * SECOND });
}

const strip = (records: TraceRecord[]) =>
  records.filter((r) => r.node !== "spy").map((r) => ({
    ...r,
    seq: 0,
    bytes: r.bytes ? [...r.bytes].join(",") : undefined,
  }));

Deno.test("tap: one record per frame on its link, saying what it could read", () => {
  const { records } = simulate(scene({ tap: true }));
  const seen = records.filter((r) => r.node === "spy" && r.detail?.tool === "tap" && r.pkt !== undefined);
  const onLink = records.filter((r) => r.kind === "tx" && r.link === "access");
  assert.equal(seen.length, onLink.length);
  assert.ok(seen.length >= 6, "2 pings and a UDP exchange, both ways");
  assert.deepEqual(seen.map((r) => r.pkt), onLink.map((r) => r.pkt));
  const udp = seen.find((r) => /UDP len 5/.test(r.summary))!;
  assert.equal(udp.summary, "tap on access sees 100.64.0.2.40000 > 198.51.100.10.7: UDP len 5");
  assert.equal(udp.detail?.readable, true);
  assert.equal(udp.detail?.from, "home:wan0");
});

Deno.test("tap: forwarding is exactly the same with and without it", () => {
  const without = simulate(scene());
  const withTap = simulate(scene({ tap: true }));
  assert.deepEqual(strip(withTap.records), strip(without.records));
});

Deno.test("isp without CGNAT routes subscribers' addresses unchanged", () => {
  const { records } = simulate(scene());
  const atServer = records.filter((r) => r.kind === "deliver" && r.node === "server");
  assert.ok(atServer.length > 0);
  for (const r of atServer) assert.match(r.summary, /^100\.64\.0\.2/);
  assert.equal(records.filter((r) => r.kind === "nat" && r.node === "isp").length, 0);
});

Deno.test("isp with CGNAT: double NAT, the server sees the ISP's address, replies find their way back", () => {
  const { records } = simulate(scene({ cgnat: true }));
  const atServer = records.filter((r) => r.kind === "deliver" && r.node === "server");
  for (const r of atServer) assert.match(r.summary, /^203\.0\.113\.2/);
  const app = records.filter((r) => r.kind === "app" && r.node === "laptop").map((r) => r.summary);
  assert.ok(
    app.some((l) => l.startsWith("2 packets transmitted, 2 received, 0% packet loss")),
    app.join("\n"),
  );
  assert.ok(app.some((l) => l.startsWith("udp reply from 198.51.100.10:7 len 5")));
  const settings = records.filter((r) => r.node === "isp" && r.table === "nat-settings");
  assert.equal(settings.find((r) => r.key === "preset")?.value?.value, "carrier-grade");
  assert.ok(records.some((r) => r.node === "isp" && r.table === "subscribers" && r.key === "sub0"));
});

/** `simulate`, with `extend` adding services to the ISP once it is built and before the run starts. */
function simulateWith(m: TopologyModel, extend: (isp: Isp) => IspExtension): TraceRecord[] {
  const sched = new Scheduler();
  const trace = new Tracer(sched);
  let ids = 0;
  const ctx: SimContext = {
    sched,
    trace,
    rng: new Prng(m.seed),
    nextPacketId: () => ++ids,
    frames: { label: protoLabel, summarize },
  };
  const network = buildNetwork(m, ctx);
  const isp = network.devices.get("isp") as Isp;
  isp.extensions.push(extend(isp));
  for (const device of network.devices.values()) device.start();
  for (const a of m.script) sched.at(a.at, () => network.devices.get(a.node!)?.runCommand(a.command));
  sched.runUntil(m.duration, 1_000_000);
  return trace.records;
}

Deno.test("isp services: an extension sees subscriber traffic first and may take it", () => {
  const seen: string[] = [];
  const records = simulateWith(scene({ cgnat: true }), (isp) => ({
    start: () => isp.log("test-lac up"),
    prerouting: (_packet, ip, iface) => {
      if (iface.name !== "sub0") return undefined;
      seen.push(`${iface.name}:${ip.protocol}`);
      return ip.protocol === 1 ? { action: "consumed" } : undefined;
    },
  }));
  assert.ok(records.some((r) => r.node === "isp" && r.summary === "test-lac up"));
  assert.ok(seen.includes("sub0:1") && seen.includes("sub0:17"));
  // Pings were consumed by the extension: none reached the server; UDP went on through the CGNAT.
  assert.equal(
    records.filter((r) => r.kind === "deliver" && r.node === "server" && r.proto === "ICMP").length,
    0,
  );
  assert.ok(records.some((r) => r.kind === "nat" && r.node === "isp" && /UDP|40000/.test(r.summary)));
});
