/**
 * How long a key press takes to move the cursor in the browser view (every pane redrawn), on the
 * largest lesson and on a 100k-record trace, in a real Chromium. Prints medians and 90th percentiles
 * against two budgets: a key press shown within 50 ms on the largest lesson (what a class notices,
 * issue 11), and a view step (the handler with the style and layout it causes) within one 60 Hz frame,
 * 16 ms, on the 100k-record trace (issue 12); and the main thread's CPU time per press, which a busy
 * machine inflates less than wall time. A benchmark to read, not a test to pass.
 * Run: ./node_modules/.bin/deno run --allow-all bench/view_bench.ts
 */
import { launchBrowser, ROOT, startServer, waitReady } from "../tests/e2e/browser.ts";
import { Buffer } from "node:buffer";

/** A key press on the largest lesson, to the next frame drawn. */
const BUDGET_MS = 50;
/** A view step on the 100k-record trace: the handler and the layout it causes, one 60 Hz frame. */
const STEP_BUDGET_MS = 16;

/** The lesson with the most records, found by running the CLI's engine over every lesson. */
async function largestLesson(): Promise<string> {
  const { runText } = await import("../web/app/run.ts");
  let best = { file: "", records: -1 };
  for (const entry of Deno.readDirSync(`${ROOT}/topologies`)) {
    if (!entry.name.endsWith(".yaml")) continue;
    const outcome = runText(Deno.readTextFileSync(`${ROOT}/topologies/${entry.name}`), entry.name);
    if (outcome.ok && outcome.run.index.records.length > best.records) {
      best = { file: entry.name, records: outcome.run.index.records.length };
    }
  }
  return best.file;
}

function bigTopology(): string {
  return Deno.readTextFileSync(`${ROOT}/tests/e2e/fixtures/ping-lesson.yaml`)
    .replace("duration: 8s", "duration: 12s")
    .replace("ping 10.2.0.5 count 2", "ping 10.2.0.5 count 5300 interval 1ms");
}

const lesson = await largestLesson();
const server = await startServer([]);
const browser = await launchBrowser();
const page = browser.page;
await page.setViewportSize({ width: 1920, height: 1080 });

const cdp = await page.context().newCDPSession(page);
await cdp.send("Performance.enable");

/** Main-thread CPU seconds of the page so far (Chromium's ThreadTime), steadier than wall time on a busy machine. */
async function threadTime(): Promise<number> {
  const { metrics } = await cdp.send("Performance.getMetrics") as {
    metrics: { name: string; value: number }[];
  };
  return metrics.find((m) => m.name === "ThreadTime")?.value ?? NaN;
}

function stats(values: number[]): { median: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], p90: sorted[Math.floor(sorted.length * 0.9)] };
}

/**
 * Times `presses` key presses, one at a time. For each: the handler plus the style and layout it
 * causes (forced at once), the wall time until the next frame has been drawn (a task queued from the
 * frame's animation callback runs after its paint), and the main thread's CPU time for all of it.
 */
async function measure(
  label: string,
  mode: "hops" | "events",
  budget: "press" | "step",
  presses = 200,
  from: "Home" | "End" = "Home",
): Promise<void> {
  await page.selectOption("#step-mode", mode);
  await page.keyboard.press(from);
  const [there, back] = from === "Home" ? ["ArrowRight", "ArrowLeft"] : ["ArrowLeft", "ArrowRight"];
  const sync: number[] = [];
  const frame: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < presses; i++) {
    const key = i < presses / 2 ? there : back;
    const before = await threadTime();
    const t = await page.evaluate(async (key) => {
      const cursor = document.body.dataset.cursor;
      const started = performance.now();
      document.dispatchEvent(new KeyboardEvent("keydown", { key }));
      void document.body.offsetHeight;
      const handled = performance.now() - started;
      await new Promise((resolve) =>
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => resolve(null);
          channel.port2.postMessage(null);
        })
      );
      return document.body.dataset.cursor === cursor ? null : [handled, performance.now() - started];
    }, key);
    const spent = (await threadTime()) - before;
    if (!t) continue;
    sync.push(t[0]);
    frame.push(t[1]);
    cpu.push(spent * 1000);
  }
  const [s, f, c] = [stats(sync), stats(frame), stats(cpu)];
  const ms = (x: number) => `${x.toFixed(1).padStart(5)} ms`;
  const ratio = budget === "step"
    ? `step ${(s.median / STEP_BUDGET_MS).toFixed(2)} of ${STEP_BUDGET_MS} ms`
    : `press ${(f.median / BUDGET_MS).toFixed(2)} of ${BUDGET_MS} ms`;
  console.log(
    `${label.padEnd(40)} ${mode.padEnd(6)} handler+layout ${ms(s.median)} (p90 ${ms(s.p90)}) · ` +
      `to the next frame ${ms(f.median)} (p90 ${ms(f.p90)}) · ${ratio} · main-thread CPU ${
        ms(c.median)
      } · ${sync.length} moves`,
  );
}

try {
  await page.goto(`${server.url}#lesson=${lesson}&presenter=1`);
  await waitReady(page);
  await measure(`largest lesson (${lesson})`, "hops", "press");
  await measure(`largest lesson (${lesson})`, "events", "press");
  await page.setInputFiles("#file-input", {
    name: "big.yaml",
    mimeType: "text/yaml",
    buffer: Buffer.from(bigTopology(), "utf8"),
  });
  await page.waitForFunction(
    () => /big\.yaml: [\d,]+ events/.test(document.getElementById("run-status")?.textContent ?? ""),
    null,
    {
      timeout: 180_000,
    },
  );
  await waitReady(page);
  const records = Number(
    /big\.yaml: ([\d,]+) events/.exec(await page.locator("#run-status").textContent() ?? "")?.[1]
      .replaceAll(",", ""),
  );
  const big = `${Math.round(records / 1000)}k-record trace (5300 pings)`;
  // The step's budget is for the far end too, where a long trace used to cost most.
  await measure(big, "hops", "step");
  await measure(big, "events", "step");
  await measure(`${big}, from its end`, "events", "step", 100, "End");
} finally {
  await browser.close();
  await server.stop();
}
