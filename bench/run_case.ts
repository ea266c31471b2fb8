/**
 * One benchmark case in its own process, so its peak memory is its own; prints one JSON line.
 * `engine_bench.ts` starts one of these per case.
 *
 *   deno run --allow-all bench/run_case.ts scale CLIENTS PER_NAT l2tp|ipsec
 *   deno run --allow-all bench/run_case.ts flood | flood-bounded
 *
 * `--allow-all` because the peak is read from /proc/self/status, which Deno lets only a fully trusted
 * script read (see peakMiB).
 */
import process from "node:process";
import { loadTopology, simulate } from "../mod.ts";
import { action, chain } from "../tests/helpers/model.ts";
import { keepTest } from "../src/trace/keep.ts";
import { PINGS, scaleTopology } from "./scale_topology.ts";

/** What one run measured. Times in seconds, memory in MiB. */
export interface ScaleFigures {
  clients: number;
  perNat: number;
  ipsec: boolean;
  loadWall: number;
  simWall: number;
  wall: number;
  cpu: number;
  records: number;
  events: number;
  peakMiB: number;
  up: number;
  pinged: number;
}

/**
 * This process's peak resident memory. Linux carries getrusage's maxRSS across fork and exec (a spawned
 * child shares its parent's address space until exec, and exec keeps its high-water mark), so a case
 * started by the bench would report the bench's own peak, as it runs the flood in process first. The
 * address space's high-water mark (VmHWM) starts afresh at exec. Deno refuses /proc/self to a script
 * without --allow-all (its files can reach past the sandbox), and that refusal must not pass for "not
 * Linux": it once did, and every case the bench started printed the bench's peak.
 */
function peakMiB(): number {
  let status: string;
  try {
    status = Deno.readTextFileSync("/proc/self/status");
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error("bench/run_case.ts reads its peak from /proc/self/status: run it with --allow-all");
    }
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    // No /proc (not Linux): maxRSS is the best there is.
    return process.resourceUsage().maxRSS / 1024;
  }
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!hwm) throw new Error("no VmHWM line in /proc/self/status");
  return Number(hwm[1]) / 1024;
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Loads the generated topology through the library API, simulates it, and counts the clients whose
 * tunnel came up and whose pings all came back.
 */
export function runScale(clients: number, perNat: number, ipsec: boolean): ScaleFigures {
  const text = scaleTopology({ clients, perNat, ipsec });
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const loaded = loadTopology(text, "scale.yaml");
  if (!loaded.ok) throw new Error(`scale topology does not load: ${loaded.errors[0].message}`);
  const t1 = performance.now();
  const run = simulate(loaded.model);
  const t2 = performance.now();
  const cpu = cpuSeconds() - cpu0;
  let up = 0;
  let pinged = 0;
  const allBack = `${PINGS} packets transmitted, ${PINGS} received`;
  for (const record of run.records) {
    if (record.kind !== "app" || record.node[0] !== "c") continue;
    if (record.summary.startsWith("vpn office: connected")) up++;
    else if (record.summary.includes(allBack)) pinged++;
  }
  return {
    clients,
    perNat,
    ipsec,
    loadWall: (t1 - t0) / 1000,
    simWall: (t2 - t1) / 1000,
    wall: (t2 - t0) / 1000,
    cpu,
    records: run.records.length,
    events: run.events,
    peakMiB: peakMiB(),
    up,
    pinged,
  };
}

/** What the ping flood measured: a hop is one `rx` on a device. */
export interface FloodFigures {
  hops: number;
  events: number;
  wall: number;
  cpu: number;
  records: number;
  peakMiB: number;
}

const FLOOD_PINGS = 20_000;
const FLOOD_ROUTERS = 10;
/** Every ping crosses the chain's 11 links out and back; the full run's `rx` count (checked by the bench). */
export const FLOOD_HOPS = FLOOD_PINGS * 2 * (FLOOD_ROUTERS + 1);

/** The ping flood: 20,000 pings every 0.5 ms across a chain of 10 routers (ns-3's comparison run). */
export function floodModel() {
  const flood = chain(FLOOD_ROUTERS);
  flood.duration = 20_000_000;
  flood.script = [
    action(0, { node: "laptop" }, "ping", { dst: "10.0.0.42", count: FLOOD_PINGS, interval: 500 }),
  ];
  return flood;
}

/**
 * One flood run, from a cold start as a one-off simulator process would make it. `bounded` keeps only
 * the laptop's packet records (`--keep node=laptop`), as one would to watch one end of a huge run;
 * hops are then counted by the events, one per hop as in the full run.
 */
export function runFlood(bounded = false): FloodFigures {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const run = simulate(floodModel(), bounded ? { keep: keepTest({ nodes: ["laptop"] }) } : {});
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  // Counted without keeping what was read: a kept array of 440,000 records would be the bench's memory,
  // not the trace's (the per-hop records become objects only when read).
  let hops = 0;
  if (bounded) hops = FLOOD_HOPS;
  else for (const record of run.records) if (record.kind === "rx") hops++;
  return {
    hops,
    events: run.events,
    wall,
    cpu,
    records: run.records.length,
    peakMiB: peakMiB(),
  };
}

if (import.meta.main) {
  peakMiB(); // fails now, not after a long run, when the peak cannot be read
  const [what, clients, perNat, mode] = Deno.args;
  if (what === "flood") console.log(JSON.stringify(runFlood()));
  else if (what === "flood-bounded") console.log(JSON.stringify(runFlood(true)));
  else console.log(JSON.stringify(runScale(Number(clients), Number(perNat), mode === "ipsec")));
}
