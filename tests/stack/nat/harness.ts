/**
 * A small lab for NAT tests: inside hosts on a LAN behind `nat` (a nat-router), an Internet router, and
 * servers on a shared outside segment. Tests drive traffic from code at chosen times.
 */
import type { SimContext } from "../../../src/engine/context.ts";
import { Prng } from "../../../src/engine/prng.ts";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { SECOND } from "../../../src/engine/time.ts";
import type { Device } from "../../../src/devices/device.ts";
import { buildNetwork, type Network } from "../../../src/topology/build.ts";
import type { TopologyModel } from "../../../src/topology/model.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";
import { Tracer } from "../../../src/trace/tracer.ts";
import { formatIp, type Ip4, parseIp } from "../../../src/wire/addr.ts";
import { decodeIcmp } from "../../../src/wire/icmp.ts";
import { decodeIpv4, PROTO_ICMP, PROTO_UDP } from "../../../src/wire/ipv4.ts";
import { decodeUdp } from "../../../src/wire/udp.ts";
import { link, model, node } from "../../helpers/model.ts";
import { protoLabel, summarize } from "../../../src/wire/dissect.ts";

const frames = { label: protoLabel, summarize };

export const ip = (text: string): Ip4 => parseIp(text)!;
export const EXT = "203.0.113.2";
export const SERVER = "198.51.100.10";
export const SERVER2 = "198.51.100.20";
export const STRANGER = "198.51.100.30";

/** laptop .10, phone .11 (and more with `insideHosts`) behind `nat`; servers on the outside segment. */
export function natLab(config: Record<string, unknown>, insideHosts = 2): TopologyModel {
  const names = ["laptop", "phone", "tablet"].slice(0, insideHosts);
  const nodes = names.map((name, i) =>
    node(name, "host", { eth0: `192.168.1.${10 + i}/24` }, ["default via 192.168.1.1"])
  );
  nodes.push(
    node("nat", "nat-router", { lan0: "192.168.1.1/24", wan0: `${EXT}/24` }, ["default via 203.0.113.1"], {
      outside: "wan0",
      ...config,
    }),
    node("internet", "router", { eth0: "203.0.113.1/24", eth1: "198.51.100.1/24" }),
    node("server", "host", { eth0: `${SERVER}/24` }, ["default via 198.51.100.1"]),
    node("server2", "host", { eth0: `${SERVER2}/24` }, ["default via 198.51.100.1"]),
    node("stranger", "host", { eth0: `${STRANGER}/24` }, ["default via 198.51.100.1"]),
  );
  return model(
    nodes,
    [
      link("lan", [...names.map((n) => `${n}:eth0`), "nat:lan0"]),
      link("wan", ["nat:wan0", "internet:eth0"]),
      link("dmz", ["internet:eth1", "server:eth0", "server2:eth0", "stranger:eth0"]),
    ],
    [],
    { duration: 600 * SECOND },
  );
}

export interface Lab {
  net: Network;
  ctx: SimContext;
  records: TraceRecord[];
  dev(name: string): Device;
  /** Runs `fn` at simulated time `at` (microseconds). */
  at(at: number, fn: () => void): void;
  run(until: number): void;
}

/** Builds the network like `simulate` does, but lets the test schedule its own actions. */
export function lab(m: TopologyModel, seed = 1): Lab {
  const sched = new Scheduler();
  const trace = new Tracer(sched);
  let ids = 0;
  const ctx: SimContext = { sched, trace, rng: new Prng(seed), nextPacketId: () => ++ids, frames };
  const net = buildNetwork(m, ctx);
  for (const d of net.devices.values()) d.start();
  return {
    net,
    ctx,
    records: trace.records,
    dev: (name) => net.devices.get(name)!,
    at: (t, fn) => void sched.at(t, fn),
    run: (until) => sched.runUntil(until),
  };
}

export interface Seen {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  t: number;
}

/** Binds `port` on `device` and collects what arrives (optionally echoing it back). */
export function listen(l: Lab, name: string, port: number, echo = false): Seen[] {
  const seen: Seen[] = [];
  const d = l.dev(name);
  d.ip.bindUdp(port, {
    onMessage(m) {
      seen.push({
        src: formatIp(m.src),
        dst: formatIp(m.dst),
        srcPort: m.srcPort,
        dstPort: m.dstPort,
        payload: m.payload.slice(),
        t: l.ctx.sched.now,
      });
      if (echo) d.ip.sendUdp(m.src, port, m.srcPort, m.payload, { src: m.dst });
    },
  });
  return seen;
}

/** Sends one UDP datagram from `name`. */
export function send(l: Lab, name: string, dst: string, srcPort: number, dstPort: number, text = "hi"): void {
  l.dev(name).ip.sendUdp(ip(dst), srcPort, dstPort, new TextEncoder().encode(text));
}

export const drops = (l: Lab, node?: string) =>
  l.records.filter((r) => r.kind === "drop" && (node === undefined || r.node === node));
export const natStates = (l: Lab) => l.records.filter((r) => r.kind === "state" && r.table === "nat");

/** Every datagram put on `link`, decoded, with each checksum verified independently. */
export function wireCheck(l: Lab, linkName: string): { src: string; dst: string; proto: number }[] {
  const out: { src: string; dst: string; proto: number }[] = [];
  for (const r of l.records) {
    if (r.kind !== "tx" || r.link !== linkName || !r.bytes) continue;
    const d = decodeIpv4(r.bytes);
    if (!d.ok) throw new Error(`bad IPv4 on ${linkName}: ${d.error} (${r.summary})`);
    const fragment = d.value.moreFragments || d.value.fragmentOffset > 0;
    if (d.value.protocol === PROTO_UDP && !fragment) {
      const u = decodeUdp(d.value.payload, d.value.src, d.value.dst);
      if (!u.ok) throw new Error(`bad UDP on ${linkName}: ${u.error} (${r.summary})`);
    }
    if (d.value.protocol === PROTO_ICMP && !fragment) {
      const c = decodeIcmp(d.value.payload);
      if (!c.ok) throw new Error(`bad ICMP on ${linkName}: ${c.error} (${r.summary})`);
    }
    out.push({ src: formatIp(d.value.src), dst: formatIp(d.value.dst), proto: d.value.protocol });
  }
  return out;
}
