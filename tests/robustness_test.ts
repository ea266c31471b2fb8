/**
 * A malformed packet is dropped with a reason, never an exception that stops the run. Real packets
 * from the lessons (L2TP, PPP, IKE, IKEv2, ESP, STUN, ICMP, TCP, PPTP, GRE, WireGuard) are mutated deterministically and fed to every
 * kind of device and to every decoder; nothing may throw.
 */
import assert from "node:assert/strict";
import { Prng } from "../src/engine/prng.ts";
import { simulate } from "../src/sim.ts";
import { loadTopology } from "../src/topology/load.ts";
import type { TraceRecord } from "../src/trace/record.ts";
import { describe, summarize } from "../src/wire/dissect.ts";
import { readIp } from "../src/wire/addr.ts";
import { refreshIpv4Checksum } from "../src/wire/ipv4.ts";
import { refreshUdpChecksum } from "../src/wire/udp.ts";
import { refreshTcpChecksum } from "../src/wire/tcp.ts";

const dir = new URL("../topologies/", import.meta.url).pathname;
const LESSONS = [
  "l2tp-voluntary.yaml",
  "l2tp-compulsory.yaml",
  "ipsec-nat-t-fixes-it.yaml",
  "nat-home-router.yaml",
  "tcp-mss-clamp-fixes-it.yaml",
  // TCP through a NAT's connection tracking and a port forward.
  "tcp-nat-tracks-connections.yaml",
  // IKEv2 (IKE_SA_INIT, IKE_AUTH, ESP in UDP 4500) from a road warrior behind a home router.
  "ikev2-road-warrior.yaml",
  // PPTP: the control connection on TCP 1723, GRE with PPP and MPPE, through the NAT's PPTP helper.
  "pptp-broken.yaml",
  "wireguard-home-router.yaml",
];

function load(file: string) {
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}${file}`), file);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return loaded.model;
}

/** A mutation a broken or hostile sender might produce; the IPv4 checksum is sometimes repaired. */
function mutate(bytes: Uint8Array, rng: Prng): Uint8Array {
  const out = bytes.slice();
  switch (rng.int(0, 3)) {
    case 0:
      return out.subarray(0, rng.int(0, out.length));
    case 1:
      for (let i = rng.int(1, 4); i > 0; i--) {
        out[rng.int(20, Math.max(20, out.length - 1))] ^= 1 << rng.int(0, 7);
      }
      break;
    case 2:
      out.fill(rng.int(0, 255), rng.int(20, out.length), out.length);
      break;
    default:
      out[rng.int(0, out.length - 1)] = rng.int(0, 255);
  }
  if (out.length < 20) return out;
  // Repair the checksums most of the time, so the damage reaches L2TP, PPP, IKE, ESP and STUN.
  const headerLength = (out[0] & 0x0f) * 4;
  if (out[9] === 17 && out.length >= headerLength + 8 && headerLength >= 20 && rng.chance(0.7)) {
    const segment = out.subarray(headerLength);
    if (((segment[4] << 8) | segment[5]) <= segment.length) {
      refreshUdpChecksum(segment, readIp(out, 12), readIp(out, 16));
    }
  }
  if (out[9] === 6 && headerLength >= 20 && out.length >= headerLength + 20 && rng.chance(0.7)) {
    // So the damage reaches TCP's options, state machine and the MSS clamp, not only its checksum check.
    refreshTcpChecksum(out.subarray(headerLength), readIp(out, 12), readIp(out, 16));
  }
  if (rng.chance(0.8)) refreshIpv4Checksum(out);
  return out;
}

function packetsOf(records: TraceRecord[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const r of records) {
    if (r.kind !== "tx" || !r.bytes) continue;
    const kind = `${r.proto}:${r.summary.split(":")[1]?.trim().split(" ").slice(0, 3).join(" ")}`;
    if (seen.has(kind)) continue;
    seen.add(kind);
    out.push(r.bytes);
  }
  return out;
}

for (const lesson of LESSONS) {
  Deno.test(`robustness: mutated packets from ${lesson} never make a device or decoder throw`, () => {
    const model = load(lesson);
    const samples = packetsOf(simulate(model).records);
    assert.ok(samples.length >= 5, `${lesson}: only ${samples.length} kinds of packet`);
    const rng = new Prng(2026);
    // Inject into a network that has run for a while, so tunnels and mappings exist to confuse.
    const run = simulate(model, { until: model.duration / 2 });
    const sched = run.network.devices.values().next().value!.ctx.sched;
    const targets = [...run.network.devices.values()].flatMap((device) =>
      device.ip.interfaces.map((iface) => ({ device, iface: device.physicalInterface(iface.name) }))
    ).filter((t) => t.iface !== undefined);
    let injected = 0;
    for (let round = 0; round < 40; round++) {
      for (const sample of samples) {
        const bytes = mutate(sample, rng);
        summarize(bytes);
        describe(bytes);
        const target = targets[rng.int(0, targets.length - 1)];
        target.iface!.receiveFromLink({ id: 1_000_000 + injected++, bytes });
      }
      sched.runUntil(sched.now + 200_000);
    }
    sched.runUntil(model.duration);
    const drops = run.records.filter((r) => r.kind === "drop" && (r.pkt ?? 0) >= 1_000_000);
    assert.ok(
      drops.length > injected / 4,
      `${drops.length} of ${injected} mutated packets dropped with a reason`,
    );
    assert.ok(drops.every((d) => (d.reason ?? "").length > 0));
  });
}
