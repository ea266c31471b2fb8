import { runFlood, floodModel } from "../bench/run_case.ts";
import { simulate } from "../src/sim.ts";
const run = simulate(floodModel());
const gc = (globalThis as any).gc; gc(); gc();
const mu = Deno.memoryUsage();
console.log("records", run.records.length, "heapUsed MiB", (mu.heapUsed/2**20).toFixed(0), "external", (mu.external/2**20).toFixed(0), "rss", (mu.rss/2**20).toFixed(0));
const kinds = new Map<string, number>();
for (const r of run.records) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
console.log([...kinds]);


const what = Deno.args[0];
if (what === "summ") for (const r of run.records) (r as any).summary = "";
if (what === "detail") for (const r of run.records) delete (r as any).detail;
if (what === "bytes") for (const r of run.records) delete (r as any).bytes;
gc(); gc();
console.log(what, "heapUsed MiB", (Deno.memoryUsage().heapUsed/2**20).toFixed(0));
console.log(run.records.length);
