/**
 * `deno task bench`: engine throughput, each figure printed next to a baseline measured in the same
 * run on the same machine, so the ratio (not the absolute number) is what to compare across machines.
 */
import { Scheduler } from "../src/engine/scheduler.ts";
import { simulate } from "../src/sim.ts";
import { FLOOD_HOPS, type FloodFigures, floodModel, type ScaleFigures } from "./run_case.ts";

/**
 * `deno task bench` runs every part; `deno task bench scale` (or `scheduler`, `flood`, `view`) only
 * those named.
 */
const parts = new Set(Deno.args.length > 0 ? Deno.args : ["scheduler", "flood", "scale", "view"]);

const EVENTS = 1_000_000;

/**
 * The baseline for the goal: the same binary heap as the scheduler's, over plain {time, seq} records,
 * with none of the scheduler's features (no callbacks, no cancellation, no clock, no budget). The ratio
 * to it is the price of the scheduler abstraction itself.
 */
function bareObjectHeapLoop(n: number): number {
  interface Item {
    time: number;
    seq: number;
  }
  const heap: Item[] = [];
  let sink = 0;
  const less = (a: Item, b: Item) => a.time < b.time || (a.time === b.time && a.seq < b.seq);
  const push = (item: Item) => {
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  };
  const pop = (): Item => {
    const top = heap[0];
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        const child = left + 1 < size && less(heap[left + 1], heap[left]) ? left + 1 : left;
        if (!less(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  };
  let seq = 0;
  for (let i = 0; i < 1000; i++) push({ time: i, seq: seq++ });
  for (let done = 0; done < n; done++) {
    const item = pop();
    sink += item.time;
    push({ time: item.time + 1000, seq: seq++ });
  }
  return sink;
}

/**
 * A second, stricter reference: the tightest heap we could write for this job — keys packed into one Float64Array
 * (time * 2^21 + sequence), sifting a hole instead of swapping, no closures, no objects.
 */
function bareHeapLoop(n: number): number {
  const heap = new Float64Array(4096);
  let size = 0;
  let sink = 0;
  const push = (key: number) => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= key) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap[--size];
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const child = left + 1 < size && heap[left + 1] < heap[left] ? left + 1 : left;
      if (heap[child] >= last) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  };
  // Same workload as the scheduler run: 1000 pending events, each one executed schedules the next.
  const SEQ = 2 ** 21;
  let seq = 0;
  for (let i = 0; i < 1000; i++) push(i * SEQ + (seq++ % SEQ));
  for (let done = 0; done < n; done++) {
    const key = pop();
    const time = Math.floor(key / SEQ);
    sink += time;
    push((time + 1000) * SEQ + (seq++ % SEQ));
  }
  return sink;
}

function schedulerLoop(n: number): number {
  const sched = new Scheduler();
  let done = 0;
  const tick = () => {
    if (++done < n) sched.after(1000, tick);
  };
  for (let i = 0; i < 1000; i++) sched.at(i, tick);
  sched.runUntil(Number.MAX_SAFE_INTEGER, n);
  return done;
}

function timeIt(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function best(fn: () => unknown, runs = 5): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, timeIt(fn));
  return min;
}

// Warm up the JIT on all three before measuring.
bareObjectHeapLoop(EVENTS / 10);
bareHeapLoop(EVENTS / 10);
schedulerLoop(EVENTS / 10);
// The bare heap loop is every other figure's yardstick, so it is measured whatever part runs.
const bare = best(() => bareObjectHeapLoop(EVENTS));
const format = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`bare binary heap loop ({time, seq} records): ${format(EVENTS / bare)} events/s`);
if (parts.has("scheduler")) {
  const packed = best(() => bareHeapLoop(EVENTS));
  const scheduler = best(() => schedulerLoop(EVENTS));
  console.log(`packed Float64Array heap (stricter bound) : ${format(EVENTS / packed)} events/s`);
  console.log(`scheduler, trivial event                  : ${format(EVENTS / scheduler)} events/s`);
  console.log(`ratio scheduler / bare heap: ${(bare / scheduler).toFixed(2)} (goal >= 0.5)`);
  console.log(`ratio scheduler / packed heap: ${(packed / scheduler).toFixed(2)}`);
}

if (parts.has("flood")) {
  // Packet hops/s: a ping flood across 10 routers. A hop is one `rx` on a device.
  const flood = floodModel();
  simulate(flood, { until: 1_000_000 }); // warm-up
  let hops = 0;
  let events = 0;
  const floodTime = best(() => {
    const result = simulate(flood);
    hops = result.records.filter((r) => r.kind === "rx").length;
    events = result.events;
  }, 3);
  console.log(
    `ping flood over 10 routers: ${format(hops)} hops, ${format(events)} events in ${floodTime.toFixed(2)} s`,
  );
  console.log(
    `packet hops/s: ${format(hops / floodTime)}  (${
      format(events / floodTime)
    } events/s, ratio to bare heap ${((events / floodTime) / (EVENTS / bare)).toFixed(3)})`,
  );
  const cold = runCase<FloodFigures>(["flood"]);
  console.log(
    `ping flood, one cold process: ${cold.cpu.toFixed(2)} s CPU (${
      (cold.cpu / bare).toFixed(1)
    }× the bare heap loop's 1M events), ${format(cold.hops / cold.cpu)} hops per CPU second, peak ${
      Math.round(cold.peakMiB)
    } MiB (goal < 200 MiB)`,
  );
  if (cold.hops !== FLOOD_HOPS) throw new Error(`the flood made ${cold.hops} hops, not ${FLOOD_HOPS}`);
  const bounded = runCase<FloodFigures>(["flood-bounded"]);
  console.log(
    `ping flood bounded (--keep node=laptop, ${format(bounded.records)} records kept): ${
      bounded.cpu.toFixed(2)
    } s CPU (${(bounded.cpu / bare).toFixed(1)}× the bare heap loop), peak ${
      Math.round(bounded.peakMiB)
    } MiB`,
  );
  const ns3 = runNs3();
  if (ns3 === undefined) console.log("ns-3 not found (bench/ns3/run.sh needs libns3-dev): no ns-3 ratio");
  else {
    console.log(
      `ns-3 ping flood (bench/ns3, same hops): ${
        ns3.cpu.toFixed(2)
      } s CPU, peak ${ns3.peakMiB} MiB; CPU ratio to ns-3: full trace ${
        (cold.cpu / ns3.cpu).toFixed(2)
      }, bounded ${(bounded.cpu / ns3.cpu).toFixed(2)} (goal <= 1.0, < 200 MiB)`,
    );
  }
}

/** The same flood in ns-3 (bench/ns3/run.sh builds it), when ns-3 is installed; run right after ours. */
function runNs3(): { hops: number; cpu: number; peakMiB: number } | undefined {
  try {
    const output = new Deno.Command("sh", {
      args: [new URL("./ns3/run.sh", import.meta.url).pathname],
      stderr: "null",
    }).outputSync();
    if (!output.success) return undefined;
    const figures = JSON.parse(new TextDecoder().decode(output.stdout));
    if (figures.hops !== FLOOD_HOPS) throw new Error(`ns-3 made ${figures.hops} hops, not ${FLOOD_HOPS}`);
    return figures;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Runs `bench/run_case.ts ARGS` in a fresh process and parses the JSON line it prints. All permissions,
 * since the case reads its own peak from /proc/self/status, which Deno grants no narrower flag.
 */
function runCase<T>(args: string[]): T {
  const output = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL("./run_case.ts", import.meta.url).pathname, ...args],
    stderr: "inherit",
  }).outputSync();
  if (!output.success) throw new Error(`bench/run_case.ts ${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout)) as T;
}

if (parts.has("scale")) {
  // 10 clients per NAT router, as the goal's layout: 1,000 clients behind 100 NATs.
  const sizes = [100, 1000];
  console.log(
    "scale (10 clients per NAT)   load s   sim s   CPU s  CPU/bare    records  peak MiB  up    pinged",
  );
  for (const mode of ["l2tp", "ipsec"]) {
    const cpu: number[] = [];
    for (const clients of sizes) {
      const f = runCase<ScaleFigures>(["scale", String(clients), "10", mode]);
      cpu.push(f.cpu);
      const label = `${mode === "ipsec" ? "L2TP/IPsec" : "L2TP"} N=${clients}`.padEnd(28);
      console.log(
        `${label} ${f.loadWall.toFixed(2).padStart(6)} ${f.simWall.toFixed(2).padStart(7)} ${
          f.cpu.toFixed(2).padStart(7)
        } ${(f.cpu / bare).toFixed(0).padStart(9)} ${format(f.records).padStart(10)} ${
          Math.round(f.peakMiB).toString().padStart(9)
        }  ${f.up}/${clients} ${f.pinged}/${clients}`,
      );
    }
    console.log(
      `  ${mode} CPU ratio N=${sizes[1]} / N=${sizes[0]}: ${
        (cpu[1] / cpu[0]).toFixed(1)
      } (goal <= 11, linear = 10)`,
    );
  }
  console.log("  goal: L2TP/IPsec N=1000 all up and pinging in < 10 s wall, < 500 MiB peak");
}

if (parts.has("view")) {
  // The browser's step time on a 100k-record trace is measured in Chromium by bench/view_bench.ts, in a
  // process of its own (it starts the server and the browser); its lines go straight to this output.
  console.log("browser view (bench/view_bench.ts, Chromium):");
  const view = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL("./view_bench.ts", import.meta.url).pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).outputSync();
  if (!view.success) {
    console.log(
      "  not measured: bench/view_bench.ts failed (above); it needs /usr/bin/chromium. Alone: " +
        "./node_modules/.bin/deno run --allow-all bench/view_bench.ts",
    );
  }
}
