/**
 * A frame's bytes change hands at each hop instead of being copied (the receiver lowers the TTL in
 * place), while each `tx` record keeps its own copy: what a record shows must be what was sent then.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { plainRecord } from "../../src/trace/lazy_record.ts";
import { decodeIpv4 } from "../../src/wire/ipv4.ts";
import { summarize } from "../../src/wire/dissect.ts";
import { action, chain } from "../helpers/model.ts";
import type { LinkSpec } from "../../src/topology/model.ts";

function pingAcross(routers: number, params: Partial<LinkSpec> = {}) {
  const m = chain(routers, params);
  const server = `10.0.0.${4 * routers + 2}`;
  m.script = [action(1_000_000, { node: "laptop" }, "ping", { dst: server, count: 2 })];
  return simulate(m).records;
}

Deno.test("each hop's tx record keeps the TTL it was sent with, though later routers rewrite the buffer", () => {
  const records = pingAcross(3);
  const firstRequest = records.find((r) => r.kind === "tx" && r.node === "laptop")!.pkt;
  const hops = records.filter((r) => r.kind === "tx" && r.pkt === firstRequest);
  assert.deepEqual(hops.map((r) => r.node), ["laptop", "r1", "r2", "r3"]);
  const ttls = hops.map((r) => {
    const ip = decodeIpv4(r.bytes!);
    assert.ok(ip.ok, "every stored copy still has a valid header checksum");
    return ip.value.ttl;
  });
  assert.deepEqual(ttls, [64, 63, 62, 61]);
});

Deno.test("duplicated frames: each copy is lowered once, never twice through a shared buffer", () => {
  // Every link duplicates: r1 receives two copies of each request and forwards both.
  const records = pingAcross(1, { duplicate: 1 });
  const fromR1 = records.filter((r) => r.kind === "tx" && r.node === "r1" && /echo request/.test(r.summary));
  assert.equal(fromR1.length, 4, "two requests, each arriving twice");
  for (const r of fromR1) {
    const ip = decodeIpv4(r.bytes!);
    assert.ok(ip.ok);
    assert.equal(ip.value.ttl, 63);
  }
  const duplicates = records.filter((r) => r.kind === "rx" && / \(duplicate\)$/.test(r.summary));
  assert.ok(duplicates.length >= 4);
});

Deno.test("a forward record names the datagram as it was forwarded, after the next hop changed the buffer", () => {
  const records = pingAcross(2);
  const forward = records.find((r) => r.kind === "forward" && r.node === "r1")!;
  const sent = records.find((r) => r.kind === "tx" && r.node === "r1" && r.pkt === forward.pkt)!;
  assert.equal(forward.summary, `${summarize(sent.bytes!)} → eth1 via 10.0.0.6`);
  assert.deepEqual(forward.detail, { in: "eth0", out: "eth1", nextHop: "10.0.0.6" });
  assert.equal(forward.proto, "ICMP");
});

Deno.test("plainRecord: a packet record becomes own data that survives a structured clone", () => {
  const records = pingAcross(1);
  for (const kind of ["tx", "rx", "forward"]) {
    const lazy = records.find((r) => r.kind === kind)!;
    const clone = structuredClone(plainRecord(lazy));
    for (const field of ["seq", "t", "kind", "node", "iface", "link", "pkt", "proto", "summary"] as const) {
      assert.equal(clone[field], lazy[field], `${kind}.${field}`);
    }
    assert.deepEqual(clone.detail, lazy.detail);
    if (kind === "tx") assert.deepEqual(clone.bytes, lazy.bytes);
  }
});
