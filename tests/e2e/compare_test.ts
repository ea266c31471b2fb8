/**
 * The Compare tab in Chromium: it computes the same table `compareProtocols` gives here (same lessons,
 * same seeds), in a worker, and a cell opens its run in the view at the event that shows the value: the
 * Source tab then holds that run's topology and the cursor sits on the reply. Screenshots of the tab at
 * three screen sizes go to test-output/e2e/ for a person to look at.
 */
import assert from "node:assert/strict";
import { compareProtocols } from "../../src/compare/measure.ts";
import { ROOT, screenshot, viewTest, waitReady } from "./browser.ts";

const read = (file: string) => Deno.readTextFileSync(`${ROOT}/topologies/${file}`);

viewTest(
  "compare tab: the CLI's table, each cell opening its run",
  async (page, url) => {
    const expected = compareProtocols(read);
    await page.goto(`${url}#lesson=l2tp-voluntary.yaml&compare=1`);
    await waitReady(page);
    await page.waitForSelector("#compare-table", { timeout: 180_000 });
    const shown = await page.$$eval(
      "#compare-table tr",
      (rows) => rows.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? "")),
    );
    assert.deepEqual(shown[0], ["", ...expected.protocols]);
    assert.deepEqual(
      shown.slice(1),
      expected.rows.map((r) => [r.label, ...r.cells.map((c) => c.text)]),
    );
    for (const [w, hgt] of [[1024, 768], [1400, 900], [1920, 1080]]) {
      await page.setViewportSize({ width: w, height: hgt });
      const overflow = await page.$eval("#panel-compare", (p) => p.scrollWidth - p.clientWidth);
      // A narrow screen scrolls the table sideways inside the tab; the page itself never widens.
      const pageOverflow = await page.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assert.ok(pageOverflow <= 0, `${w}x${hgt}: the page is ${pageOverflow} px too wide`);
      if (w >= 1920) assert.ok(overflow <= 0, `${w}x${hgt}: the table is ${overflow} px too wide`);
      await screenshot(page, `compare-${w}x${hgt}`);
    }
    // PPTP through the symmetric NAT: the cell names its run and opens it at the first reply.
    const row = expected.rows.find((r) => r.label === "crosses NAT preset symmetric")!;
    const cell = row.cells[expected.protocols.indexOf("PPTP")];
    assert.ok(cell.at !== undefined, "a crossing cell points at the reply");
    await page.click(`#compare-table button[data-run="${cell.run}"] >> nth=0`);
    await page.waitForFunction(
      (f) => document.getElementById("run-status")?.textContent?.startsWith(`${f}: `),
      cell.run,
      { timeout: 60_000 },
    );
    await waitReady(page);
    assert.equal(await page.locator("#tab-topology").getAttribute("aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.body.dataset.cursor), String(cell.at));
    const title = await page.locator("#lesson-title").textContent();
    assert.ok(title && title.length > 0);
    await page.click("#tab-source");
    const source = await page.locator("#panel-source textarea").inputValue();
    assert.equal(source, expected.runs[cell.run]);
    // Back on the tab, the table is still there and the opened run is marked.
    await page.click("#tab-compare");
    assert.ok(await page.locator(`#compare-table button.opened[data-run="${cell.run}"]`).count() > 0);
  },
  { viewport: { width: 1600, height: 1000 }, actionTimeout: 30_000 },
);
