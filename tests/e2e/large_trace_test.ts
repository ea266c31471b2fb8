/**
 * The view copes with a trace of over 100k records: the simulation runs in a worker, the list keeps only
 * the visible rows in the page, and stepping, jumping and the ladder work at this size (how fast a step
 * is, bench/view_bench.ts measures).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  launchBrowser,
  pageErrors,
  ROOT,
  screenshot,
  skipBrowser,
  startServer,
  waitReady,
} from "./browser.ts";

/** The e2e ping lesson with 5300 pings a millisecond apart: about 20 records each. */
function bigTopology(): string {
  return Deno.readTextFileSync(`${ROOT}/tests/e2e/fixtures/ping-lesson.yaml`)
    .replace("duration: 8s", "duration: 12s")
    .replace("ping 10.2.0.5 count 2", "ping 10.2.0.5 count 5300 interval 1ms");
}

Deno.test({
  name: "browser view: a 100k-record trace loads, scrolls and steps smoothly",
  ignore: skipBrowser,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startServer(["--topologies", `${ROOT}/tests/e2e/fixtures`]);
    const browser = await launchBrowser();
    const page = browser.page;
    try {
      await page.goto(server.url);
      await waitReady(page);
      await page.setInputFiles("#file-input", {
        name: "big.yaml",
        mimeType: "text/yaml",
        buffer: Buffer.from(bigTopology(), "utf8"),
      });
      await page.waitForFunction(
        () => /big\.yaml: [\d,]+ events/.test(document.getElementById("run-status")?.textContent ?? ""),
        null,
        {
          timeout: 120_000,
        },
      );
      await waitReady(page);
      // The fine-grained list: one row per record.
      await page.selectOption("#step-mode", "events");
      const total = Number(
        (await page.locator(".count").textContent())!.replace(/.* of ([\d,]+) events/, "$1").replace(
          /,/g,
          "",
        ),
      );
      assert.ok(total > 100_000, `only ${total} records`);

      // Only the rows in view (plus a small margin) exist in the DOM, wherever the list is scrolled.
      assert.ok(await page.locator(".event-row").count() < 120);
      await page.locator(".event-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
      await page.waitForFunction(() => {
        const rows = Array.from(document.querySelectorAll<HTMLElement>(".event-row"));
        return rows.length > 0 && Number(rows[0].dataset.seq) > 40_000;
      });
      assert.ok(await page.locator(".event-row").count() < 120);

      // Time 200 steps forward and back, measured inside the page (no round trips in the figure).
      const perStep = await page.evaluate(() => {
        const press = (key: string) =>
          document.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
        const started = performance.now();
        for (let i = 0; i < 100; i++) press("ArrowRight");
        for (let i = 0; i < 100; i++) press("ArrowLeft");
        return (performance.now() - started) / 200;
      });
      // A figure for a person, not a pass mark: speed is measured by bench/view_bench.ts.
      console.log(`one step redraws every pane in ${perStep.toFixed(1)} ms (100k-record trace)`);
      assert.ok(Number.isFinite(perStep));

      // Jumping to the end and into the middle by time works at this size too.
      await page.keyboard.press("End");
      assert.equal(Number(await page.evaluate(() => document.body.dataset.cursor)), total - 1);
      await page.fill("#jump-input", "4s");
      await page.press("#jump-input", "Enter");
      assert.match(await page.locator("#clock").textContent() ?? "", /^t = 4\.000000 s/);

      // The ladder of 5300 exchanges draws only what is on screen.
      await page.click("#tab-ladder");
      const controls = (await page.locator("#panel-ladder .ladder-controls").textContent()) ?? "";
      const messages = Number(/(\d+) messages/.exec(controls)?.[1]);
      assert.ok(messages > 30_000, `${messages} messages`);
      assert.ok(await page.locator("#panel-ladder .msg").count() < 80);
      assert.equal(await page.locator("#panel-ladder .msg.current").count(), 1);
      await screenshot(page, "10-large-trace");
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
