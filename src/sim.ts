import type { SimContext } from "./engine/context.ts";
import { Prng } from "./engine/prng.ts";
import { Scheduler } from "./engine/scheduler.ts";
import type { Micros } from "./engine/time.ts";
import { buildNetwork, type Network } from "./topology/build.ts";
import type { TopologyModel } from "./topology/model.ts";
import type { TraceRecord } from "./trace/record.ts";
import { Tracer } from "./trace/tracer.ts";
import { formatIp } from "./wire/addr.ts";

export interface SimOptions {
  /** Overrides the topology's seed. */
  seed?: number;
  /** Overrides the topology's duration. */
  until?: Micros;
  /** Safety stop for runaway topologies (e.g. a routing loop with huge TTLs). */
  maxEvents?: number;
  /**
   * Called about every 2% of simulated time with the time reached, so a browser worker can show
   * progress. Running in time slices executes the same events in the same order as one run.
   */
  onProgress?: (now: Micros, until: Micros) => void;
}

export interface LinkInfo {
  name: string;
  endpoints: { node: string; iface: string; ip: string }[];
}

export interface SimResult {
  model: TopologyModel;
  records: TraceRecord[];
  links: LinkInfo[];
  /** Simulated time when the run stopped. */
  end: Micros;
  /** Scheduler events executed. */
  events: number;
  /** The live network as it stands at `end`, for tests and tools that inspect devices directly. */
  network: Network;
}

const DEFAULT_MAX_EVENTS = 20_000_000;

/**
 * Runs a topology from time 0: a pure function of (model, seed), so the same inputs always produce
 * the same records, in the CLI and in the browser alike.
 */
export function simulate(model: TopologyModel, options: SimOptions = {}): SimResult {
  const sched = new Scheduler();
  const trace = new Tracer(sched);
  let packetIds = 0;
  const ctx: SimContext = {
    sched,
    trace,
    rng: new Prng(options.seed ?? model.seed),
    nextPacketId: () => ++packetIds,
  };
  const network = buildNetwork(model, ctx);
  for (const device of network.devices.values()) device.start();
  for (const action of model.script) {
    sched.at(action.at, () => {
      if (action.link !== undefined) {
        network.links.get(action.link)?.setUp(action.command.name === "link-up");
      } else if (action.node !== undefined) {
        network.devices.get(action.node)?.runCommand(action.command);
      }
    });
  }
  const until = options.until ?? model.duration;
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const slices = options.onProgress ? 50 : 1;
  for (let i = 1; i <= slices && sched.executed < maxEvents; i++) {
    const sliceEnd = i === slices ? until : Math.floor((until * i) / slices);
    sched.runUntil(sliceEnd, maxEvents - sched.executed);
    options.onProgress?.(sliceEnd, until);
  }
  if (sched.executed >= maxEvents) {
    trace.emit({
      kind: "app",
      node: "simulator",
      proto: "APP",
      summary: `stopped after ${maxEvents} events (safety limit)`,
    });
  }
  const links: LinkInfo[] = [...network.links.values()].map((link) => ({
    name: link.name,
    endpoints: link.ports.map((port) => ({ node: port.node, iface: port.name, ip: formatIp(port.ip) })),
  }));
  return { model, records: trace.records, links, end: sched.now, events: sched.executed, network };
}
