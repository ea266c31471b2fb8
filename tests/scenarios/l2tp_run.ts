/**
 * Runs an L2TP lesson (optionally edited) and reads its trace back through the wire decoders, so the
 * scenario tests check bytes on the wire rather than our own summaries.
 */
import { type SimResult, simulate } from "../../src/sim.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import type { NodeSpec, TopologyModel } from "../../src/topology/model.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { decodeIcmp, type IcmpMessage } from "../../src/wire/icmp.ts";
import { decodeIpv4, type Ipv4Packet } from "../../src/wire/ipv4.ts";
import { decodeL2tp, type L2tpMessage, messageTypeOf } from "../../src/wire/l2tp.ts";
import { MESSAGE_TYPE_NAMES } from "../../src/wire/l2tp_names.ts";
import { decodePpp } from "../../src/wire/ppp.ts";
import { decodeUdp, type UdpDatagram } from "../../src/wire/udp.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;

/** Loads `topologies/NAME.yaml`, lets `edit` change the model, and runs it. */
export function runLesson(name: string, edit?: (model: TopologyModel) => void): SimResult {
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}${name}.yaml`), `${name}.yaml`);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  edit?.(loaded.model);
  return simulate(loaded.model);
}

/** The node called `name` in a model. */
export function nodeOf(model: TopologyModel, name: string): NodeSpec {
  const node = model.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  return node;
}

/** A datagram taken apart: IPv4, then UDP and L2TP, then the PPP frame and an inner IPv4/ICMP. */
export interface Dissected {
  ip: Ipv4Packet;
  udp?: UdpDatagram;
  l2tp?: L2tpMessage;
  pppProtocol?: number;
  inner?: Ipv4Packet;
  icmp?: IcmpMessage;
}

export function dissect(bytes: Uint8Array): Dissected | undefined {
  const ip = decodeIpv4(bytes);
  if (!ip.ok) return undefined;
  const out: Dissected = { ip: ip.value };
  if (ip.value.protocol === 1) {
    const icmp = decodeIcmp(ip.value.payload);
    if (icmp.ok) out.icmp = icmp.value;
    return out;
  }
  if (ip.value.protocol !== 17) return out;
  const udp = decodeUdp(ip.value.payload, ip.value.src, ip.value.dst);
  if (!udp.ok) return out;
  out.udp = udp.value;
  if (
    udp.value.srcPort !== 1701 && udp.value.dstPort !== 1701 && udp.value.dstPort !== 1702 &&
    udp.value.srcPort !== 1702
  ) return out;
  const l2tp = decodeL2tp(udp.value.payload);
  if (!l2tp.ok) return out;
  out.l2tp = l2tp.value;
  if (l2tp.value.kind !== "data") return out;
  const ppp = decodePpp(l2tp.value.payload);
  if (!ppp.ok) return out;
  out.pppProtocol = ppp.value.protocol;
  if (ppp.value.protocol !== 0x0021) return out;
  const inner = decodeIpv4(ppp.value.payload);
  if (!inner.ok) return out;
  out.inner = inner.value;
  if (inner.value.protocol === 1) {
    const icmp = decodeIcmp(inner.value.payload);
    if (icmp.ok) out.icmp = icmp.value;
  }
  return out;
}

/** `tx` records on a link (from one node, when given). */
export function sent(records: readonly TraceRecord[], link: string, from?: string): TraceRecord[] {
  return records.filter((r) => r.kind === "tx" && r.link === link && r.bytes && (!from || r.node === from));
}

/** Names of the L2TP control messages on a link, in order ("ZLB" for an acknowledgement). */
export function controlNames(records: readonly TraceRecord[], link: string, from?: string): string[] {
  const names: string[] = [];
  for (const r of sent(records, link, from)) {
    const l2tp = dissect(r.bytes!)?.l2tp;
    if (l2tp?.kind !== "control") continue;
    const type = messageTypeOf(l2tp);
    names.push(type === undefined ? "ZLB" : MESSAGE_TYPE_NAMES[type]);
  }
  return names;
}

/** Application output of a node. */
export function logsOf(records: readonly TraceRecord[], node: string): string[] {
  return records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);
}

/** The last value of each key of a table at a node. */
export function table(records: readonly TraceRecord[], node: string, name: string) {
  const rows = new Map<string, Record<string, unknown> | null>();
  for (const r of records) {
    if (r.kind === "state" && r.node === node && r.table === name) rows.set(r.key!, r.value ?? null);
  }
  return rows;
}
