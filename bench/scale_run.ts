/**
 * One scale run in its own process, so its peak memory is its own: loads the generated topology through
 * the library API, simulates it, counts the clients whose tunnel came up and whose pings all came back,
 * and prints one JSON line. `engine_bench.ts` starts one of these per case.
 *
 *   deno run --allow-read --allow-env bench/scale_run.ts CLIENTS PER_NAT l2tp|ipsec
 */
import process from "node:process";
import { loadTopology, simulate } from "../mod.ts";
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

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Runs one case and returns its figures. */
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
    peakMiB: process.resourceUsage().maxRSS / 1024,
    up,
    pinged,
  };
}

if (import.meta.main) {
  const [clients, perNat, mode] = Deno.args;
  console.log(JSON.stringify(runScale(Number(clients), Number(perNat), mode === "ipsec")));
}
