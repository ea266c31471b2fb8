import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { parseIp } from "../../src/wire/addr.ts";
import { decodeIpv4 } from "../../src/wire/ipv4.ts";
import { RoutingTable } from "../../src/stack/routing.ts";
import { action, chain, link, model, node } from "../helpers/model.ts";

const apps = (records: { kind: string; node: string; summary: string }[], name: string) =>
  records.filter((r) => r.kind === "app" && r.node === name).map((r) => r.summary);

Deno.test("routing: longest prefix wins, then the lower metric", () => {
  const table = new RoutingTable();
  table.add({
    network: parseIp("0.0.0.0")!,
    prefixLength: 0,
    via: 1,
    iface: "default",
    metric: 0,
    origin: "default",
  });
  table.add({ network: parseIp("10.0.0.0")!, prefixLength: 8, iface: "wide", metric: 0, origin: "static" });
  table.add({
    network: parseIp("10.1.0.0")!,
    prefixLength: 16,
    iface: "narrow-slow",
    metric: 10,
    origin: "static",
  });
  table.add({
    network: parseIp("10.1.0.0")!,
    prefixLength: 16,
    iface: "narrow-fast",
    metric: 1,
    origin: "static",
  });
  assert.equal(table.lookup(parseIp("10.1.2.3")!)?.iface, "narrow-fast");
  assert.equal(table.lookup(parseIp("10.2.0.1")!)?.iface, "wide");
  assert.equal(table.lookup(parseIp("192.0.2.1")!)?.iface, "default");
  assert.equal(table.lookup(parseIp("10.1.2.3")!, (name) => name !== "narrow-fast")?.iface, "narrow-slow");
});

Deno.test("ping across a chain of routers: replies arrive, TTL is lowered once per router", () => {
  const m = chain(3);
  m.script = [action(1_000_000, { node: "laptop" }, "ping", { dst: "10.0.0.14", count: 3 })];
  const { records } = simulate(m);
  const lines = apps(records, "laptop");
  assert.equal(
    lines.filter((l) => /bytes from 10\.0\.0\.14: icmp_seq=\d ttl=61 time=8\.00 ms/.test(l)).length,
    3,
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => l === "3 packets transmitted, 3 received, 0% packet loss, time 2008ms"),
    lines.join("\n"),
  );
  // Each router forwarded each request and reply once.
  assert.equal(records.filter((r) => r.kind === "forward" && r.node === "r2").length, 6);
});

Deno.test("TTL too small: the router where it expires answers Time Exceeded, ping reports it", () => {
  const m = chain(3);
  m.script = [action(1_000_000, { node: "laptop" }, "ping", { dst: "10.0.0.14", count: 1, ttl: 2 })];
  const { records } = simulate(m);
  const drop = records.find((r) => r.kind === "drop")!;
  assert.equal(drop.node, "r2");
  assert.match(drop.reason!, /TTL expired at r2/);
  assert.ok(apps(records, "laptop").some((l) => /From 10\.0\.0\.6 icmp_seq=1 Time to live exceeded/.test(l)));
});

Deno.test("DF set and a smaller MTU downstream: fragmentation needed with the next-hop MTU", () => {
  const m = chain(2, {});
  m.links[1].mtu = 1000;
  m.script = [
    action(1_000_000, { node: "laptop" }, "ping", { dst: "10.0.0.10", count: 1, size: 1400, df: true }),
  ];
  const { records } = simulate(m);
  const drop = records.find((r) => r.kind === "drop")!;
  assert.equal(drop.node, "r1");
  assert.match(drop.reason!, /DF set does not fit the MTU 1000/);
  assert.ok(apps(records, "laptop").some((l) => /Frag needed and DF set \(mtu = 1000\)/.test(l)));
});

Deno.test("without DF a router fragments and the destination reassembles", () => {
  const m = chain(2);
  m.links[1].mtu = 576;
  m.script = [action(1_000_000, { node: "laptop" }, "ping", { dst: "10.0.0.10", count: 1, size: 1400 })];
  const { records } = simulate(m);
  const fragments = records.filter((r) => r.kind === "tx" && r.link === "l1" && r.node === "r1");
  assert.equal(fragments.length, 3);
  for (const fragment of fragments) {
    assert.ok(fragment.bytes!.length <= 576);
    assert.ok(decodeIpv4(fragment.bytes!).ok);
  }
  assert.ok(
    records.some((r) =>
      r.kind === "decap" && r.node === "server" && /reassembled 3 fragments/.test(r.summary)
    ),
  );
  assert.ok(apps(records, "laptop").some((l) => /1408 bytes from 10\.0\.0\.10/.test(l)));
});

Deno.test("a lost fragment: reassembly times out after 30 s with a reason", () => {
  // r fragments onto a slow link l1 (1 Mbit/s: 4608 µs per 576-byte fragment). The ping reaches r at
  // 2000 µs; the first fragment is in flight until 7608 µs, so taking l1 down at 7000 µs loses it
  // while the later fragments, serialised after l1 is back up at 8000 µs, still arrive.
  const m = model(
    [
      node("a", "host", { eth0: "10.0.0.1/24" }, ["default via 10.0.0.254"]),
      node("r", "router", { eth0: "10.0.0.254/24", eth1: "10.0.1.254/24" }),
      node("b", "host", { eth0: "10.0.1.1/24" }, ["default via 10.0.1.254"]),
    ],
    [link("l0", ["a:eth0", "r:eth0"]), link("l1", ["r:eth1", "b:eth0"], { mtu: 576, bandwidth: 1_000_000 })],
    [
      action(1000, { node: "a" }, "ping", { dst: "10.0.1.1", count: 1, size: 1400 }),
      action(7000, { link: "l1" }, "link-down"),
      action(8000, { link: "l1" }, "link-up"),
    ],
    { duration: 40_000_000 },
  );
  const { records } = simulate(m);
  assert.match(records.find((r) => r.kind === "drop")!.reason!, /went down in flight/);
  const timeouts = records.filter((r) =>
    r.kind === "drop" && /reassembly timed out after 30s/.test(r.reason ?? "")
  );
  assert.equal(timeouts.length, 1);
  assert.equal(timeouts[0].node, "b");
  const firstArrival = records.find((r) => r.kind === "rx" && r.node === "b")!;
  assert.equal(timeouts[0].t - firstArrival.t, 30_000_000);
  assert.ok(!records.some((r) => r.kind === "decap"), "never reassembled");
});

Deno.test("UDP to a closed port: port unreachable goes back and the sender hears it", () => {
  const m = chain(1);
  m.script = [action(1_000_000, { node: "laptop" }, "udp-send", { dst: "10.0.0.6", port: 5000, text: "hi" })];
  const { records } = simulate(m);
  assert.match(records.find((r) => r.kind === "drop")!.reason!, /nothing listens on UDP port 5000/);
  assert.ok(apps(records, "laptop").some((l) => /ICMP type 3 code 3 from 10\.0\.0\.6/.test(l)));
});

Deno.test("malformed datagrams are dropped with a reason, never thrown", () => {
  const m = model(
    [node("a", "host", { eth0: "10.0.0.1/24" }), node("b", "host", { eth0: "10.0.0.2/24" })],
    [link("ab", ["a:eth0", "b:eth0"])],
  );
  const result = simulate(m, { until: 1 });
  const a = result.network.devices.get("a")!;
  const b = result.network.devices.get("b")!;
  const bad = new Uint8Array([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0x12, 0x34, 10, 0, 0, 1, 10, 0, 0, 2]);
  a.physicalInterface("eth0")!.output({ id: 999, bytes: bad }, parseIp("10.0.0.2")!);
  result.network.devices.get("a")!.ctx.sched.runUntil(1_000_000);
  const drop = a.ctx.trace.records.find((r) => r.kind === "drop" && r.node === b.name)!;
  assert.match(drop.reason!, /malformed IPv4: bad IPv4 header checksum/);
});
