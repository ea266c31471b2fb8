/**
 * Running a topology: `simulate` runs it to the end in one call; `startSimulation` gives the same run
 * in slices, so the CLI can print records as they come and stop cleanly on Ctrl+C. Slicing never
 * changes the trace: the scheduler resumes exactly where a slice ended, and the run ceilings are
 * counts of events and records, checked per event.
 */
import type { SimContext } from "./engine/context.ts";
import { Prng } from "./engine/prng.ts";
import { Scheduler } from "./engine/scheduler.ts";
import { formatDuration, formatTime, type Micros } from "./engine/time.ts";
import { RUN_LIMITS } from "./engine/limits.ts";
import { buildNetwork, type Network } from "./topology/build.ts";
import type { TopologyModel } from "./topology/model.ts";
import type { TraceRecord } from "./trace/record.ts";
import { type KeepTest, Tracer } from "./trace/tracer.ts";
import { formatIp } from "./wire/addr.ts";
import { protoLabel, summarize } from "./wire/dissect.ts";
import { lowerTtl } from "./wire/ipv4.ts";

/** How to run: another seed, another end time, or lower ceilings (tests use those). */
export interface SimOptions {
  /** Overrides the topology's seed. */
  seed?: number;
  /** Overrides the topology's duration; clamped to `RUN_LIMITS.duration`. */
  until?: Micros;
  /** Stop after this many scheduler events (default and maximum `RUN_LIMITS.events`). */
  maxEvents?: number;
  /** Stop once this many trace records exist (default and maximum `RUN_LIMITS.records`). */
  maxRecords?: number;
  /**
   * Called about every 2% of simulated time with the time reached, so a browser worker can show
   * progress. Running in time slices executes the same events in the same order as one run.
   */
  onProgress?: (now: Micros, until: Micros) => void;
  /**
   * A bounded run: store only the records that pass this test (see src/trace/keep.ts). The run itself
   * is the same; the record ceiling then counts stored records.
   */
  keep?: KeepTest;
}

/** What a bounded run left out. */
export interface BoundedFacts {
  /** Records the run emitted, stored or not (the stored ones are `records`). */
  emitted: number;
  /** Every protocol label the run's records carried. */
  labels: string[];
}

/** One link as built: its name and who sits on it. */
export interface LinkInfo {
  name: string;
  endpoints: { node: string; iface: string; ip: string }[];
}

/** Why a run ended before its end time: which ceiling, when, and a sentence naming what to change. */
export interface RunStop {
  limit: "events" | "records" | "duration";
  /** Simulated time of the last event run. */
  at: Micros;
  message: string;
}

/** Everything a finished (or stopped) run produced. */
export interface SimResult {
  model: TopologyModel;
  records: TraceRecord[];
  links: LinkInfo[];
  /** Simulated time when the run stopped. */
  end: Micros;
  /** Scheduler events executed. */
  events: number;
  /** Set when a ceiling stopped the run early. */
  stopped?: RunStop;
  /** Set for a bounded run (`SimOptions.keep`). */
  bounded?: BoundedFacts;
  /** The live network as it stands at `end`, for tests and tools that inspect devices directly. */
  network: Network;
}

/** A run in progress: `advance` it until it reports done, then take its `result`. */
export interface Simulation {
  /** Every record so far (the array grows as the run advances). */
  readonly records: readonly TraceRecord[];
  /** Simulated time of the run so far. */
  readonly now: Micros;
  /** Scheduler events run so far. */
  readonly events: number;
  /** Whether the run reached its end time or a ceiling. */
  readonly done: boolean;
  /** The simulated time the run ends at (the duration or `until`, within the ceiling). */
  readonly until: Micros;
  /** Runs up to `maxEvents` more events, and no further than time `upTo`; returns whether the run is done. */
  advance(maxEvents?: number, upTo?: Micros): boolean;
  /** The run as it stands (call once it is done, or after an interruption). */
  result(): SimResult;
  /**
   * Calls `listener` with every record emitted from now on, stored or not, the moment it is emitted
   * (the CLI writes records as they come). Records emitted while the network was built are already
   * in `records`.
   */
  subscribe(listener: (record: TraceRecord) => void): void;
}

function stopMessage(limit: RunStop["limit"], at: Micros, count: number): string {
  const when = `at ${formatTime(at)}s`;
  if (limit === "duration") {
    return `stopped ${when}: runs are limited to ${
      formatDuration(RUN_LIMITS.duration)
    } of simulated time; shorten duration or --until`;
  }
  const what = limit === "events" ? "events" : "trace records";
  return `stopped ${when} after ${count} ${what} (the run's ceiling): shorten duration or --until, ` +
    `or send fewer packets (a lower ping count, a longer interval)`;
}

/**
 * Builds the network and schedules the script, without running anything yet. A pure function of
 * (model, options), like `simulate`.
 */
export function startSimulation(model: TopologyModel, options: SimOptions = {}): Simulation {
  const sched = new Scheduler();
  const trace = new Tracer(sched, options.keep);
  let packetIds = 0;
  const ctx: SimContext = {
    sched,
    trace,
    rng: new Prng(options.seed ?? model.seed),
    nextPacketId: () => ++packetIds,
    frames: { label: protoLabel, summarize, lowered: lowerTtl },
  };
  const maxEvents = Math.min(options.maxEvents ?? RUN_LIMITS.events, RUN_LIMITS.events);
  const maxRecords = Math.min(options.maxRecords ?? RUN_LIMITS.records, RUN_LIMITS.records);
  const wanted = options.until ?? model.duration;
  const until = Math.min(wanted, RUN_LIMITS.duration);
  let stopped: RunStop | undefined;
  let done = false;

  trace.ceiling(maxRecords, () => {
    if (!sched.halted) sched.halt();
  });
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

  const finish = (limit?: RunStop["limit"]) => {
    done = true;
    if (!limit) return;
    const count = limit === "events" ? sched.executed : trace.stored;
    stopped = { limit, at: sched.now, message: stopMessage(limit, sched.now, count) };
    trace.emit({ kind: "app", node: "simulator", proto: "APP", summary: stopped.message });
  };

  const simulation: Simulation = {
    get records() {
      return trace.records;
    },
    get now() {
      return sched.now;
    },
    get events() {
      return sched.executed;
    },
    get done() {
      return done;
    },
    until,
    advance(slice = Number.POSITIVE_INFINITY, upTo = until) {
      if (done) return true;
      const budget = Math.min(slice, maxEvents - sched.executed);
      sched.runUntil(Math.min(upTo, until), budget);
      if (sched.halted) finish("records");
      else if (sched.executed >= maxEvents && sched.now < until) finish("events");
      else if (sched.now >= until) finish(wanted > until ? "duration" : undefined);
      return done;
    },
    subscribe(listener) {
      trace.subscribe(listener);
    },
    result() {
      const links: LinkInfo[] = [...network.links.values()].map((link) => ({
        name: link.name,
        endpoints: link.ports.map((port) => ({ node: port.node, iface: port.name, ip: formatIp(port.ip) })),
      }));
      const result: SimResult = {
        model,
        records: trace.records,
        links,
        end: sched.now,
        events: sched.executed,
        network,
      };
      if (stopped) result.stopped = stopped;
      if (options.keep) result.bounded = { emitted: trace.emitted, labels: [...trace.labels].sort() };
      return result;
    },
  };
  return simulation;
}

/**
 * Runs a topology from time 0 to its end (or a ceiling): a pure function of (model, seed), so the same
 * inputs always produce the same records, in the CLI and in the browser alike.
 */
export function simulate(model: TopologyModel, options: SimOptions = {}): SimResult {
  const simulation = startSimulation(model, options);
  const until = simulation.until;
  const slices = options.onProgress ? 50 : 1;
  for (let i = 1; i <= slices && !simulation.done; i++) {
    const sliceEnd = i === slices ? until : Math.floor((until * i) / slices);
    simulation.advance(Number.POSITIVE_INFINITY, sliceEnd);
    options.onProgress?.(sliceEnd, until);
  }
  return simulation.result();
}
