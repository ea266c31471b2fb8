/**
 * A two-node network (LAC — optional router — LNS) with an L2TP endpoint on each end, driven directly
 * by a scheduler, for tests of the control connection without PPP or devices on top.
 */
import type { SimContext } from "../../../src/engine/context.ts";
import { Prng } from "../../../src/engine/prng.ts";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import type { LinkSpec } from "../../../src/topology/model.ts";
import { buildNetwork, type Network } from "../../../src/topology/build.ts";
import { Tracer } from "../../../src/trace/tracer.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";
import { DEFAULT_TIMERS } from "../../../src/stack/l2tp/config.ts";
import { type EndpointConfig, L2tpEndpoint } from "../../../src/stack/l2tp/endpoint.ts";
import { decodeL2tp, messageTypeOf } from "../../../src/wire/l2tp.ts";
import { MESSAGE_TYPE_NAMES } from "../../../src/wire/l2tp_names.ts";
import { link, model, node } from "../../helpers/model.ts";
import "../../../src/wire/l2tp.ts";
import { protoLabel, summarize } from "../../../src/wire/dissect.ts";

const frames = { label: protoLabel, summarize };

export interface Pair {
  sched: Scheduler;
  trace: Tracer;
  network: Network;
  lac: L2tpEndpoint;
  lns: L2tpEndpoint;
  records: TraceRecord[];
}

export const LAC_IP = "192.0.2.10";
export const LNS_IP = "198.51.100.1";

export function endpointConfig(overrides: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    hostname: "node",
    port: 1701,
    timers: { ...DEFAULT_TIMERS },
    security: { challenge: false, hideAvps: false },
    acceptTunnels: false,
    tieBreaker: false,
    connectSpeed: 100_000_000,
    ...overrides,
  };
}

/** lac (192.0.2.10) — r — lns (198.51.100.1), both links with the given parameters. */
export function pair(
  lacConfig: Partial<EndpointConfig>,
  lnsConfig: Partial<EndpointConfig>,
  linkParams: Partial<LinkSpec> = {},
  seed = 1,
): Pair {
  const m = model(
    [
      node("lac", "host", { eth0: `${LAC_IP}/24` }, ["default via 192.0.2.1"]),
      node("r", "router", { a: "192.0.2.1/24", b: "198.51.100.254/24" }),
      node("lns", "host", { eth0: `${LNS_IP}/24` }, ["default via 198.51.100.254"]),
    ],
    [link("left", ["lac:eth0", "r:a"], linkParams), link("right", ["r:b", "lns:eth0"], linkParams)],
    [],
    { seed },
  );
  const sched = new Scheduler();
  const trace = new Tracer(sched);
  let ids = 0;
  const ctx: SimContext = { sched, trace, rng: new Prng(seed), nextPacketId: () => ++ids, frames };
  const network = buildNetwork(m, ctx);
  for (const device of network.devices.values()) device.start();
  const lac = new L2tpEndpoint(
    network.devices.get("lac")!,
    endpointConfig({ hostname: "lac", ...lacConfig }),
  );
  const lns = new L2tpEndpoint(
    network.devices.get("lns")!,
    endpointConfig({ hostname: "lns", acceptTunnels: true, ...lnsConfig }),
  );
  lac.start();
  lns.start();
  return { sched, trace, network, lac, lns, records: trace.records };
}

/** Control message names seen on the wire (`tx` on `link`), in order: "SCCRQ", "ZLB", ... */
export function controlSequence(records: TraceRecord[], linkName: string, from?: string): string[] {
  const out: string[] = [];
  for (const r of records) {
    if (r.kind !== "tx" || r.link !== linkName || !r.bytes) continue;
    if (from !== undefined && r.node !== from) continue;
    const l2tp = l2tpOf(r.bytes);
    if (!l2tp || l2tp.kind !== "control") continue;
    const type = messageTypeOf(l2tp);
    out.push(type === undefined ? "ZLB" : MESSAGE_TYPE_NAMES[type]);
  }
  return out;
}

/** The L2TP message in an IPv4/UDP datagram, if it is one. */
export function l2tpOf(bytes: Uint8Array) {
  if (bytes[9] !== 17) return undefined;
  const ihl = (bytes[0] & 0x0f) * 4;
  const decoded = decodeL2tp(bytes.subarray(ihl + 8));
  return decoded.ok ? decoded.value : undefined;
}

/** App records of a node, as text. */
export function logs(records: TraceRecord[], nodeName: string): string[] {
  return records.filter((r) => r.kind === "app" && r.node === nodeName).map((r) => r.summary);
}
