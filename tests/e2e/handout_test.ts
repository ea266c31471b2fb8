/**
 * Handouts print cleanly: headless Chromium prints a teacher's and a student's handout to PDF (A4), and
 * the pages hold what the page says without anything wider than the sheet. The first page, as the print
 * media draws it, is saved under test-output/e2e/ for a person to look at.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { renderHandout } from "../../src/trace/handout.ts";
import { launchBrowser, ROOT, SHOTS, skipBrowser } from "./browser.ts";

function handout(file: string, teacher: boolean): string {
  const loaded = loadTopology(Deno.readTextFileSync(`${ROOT}/topologies/${file}`), file);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return renderHandout(loaded.model, simulate(loaded.model).records, { teacher });
}

/** Page objects in a PDF Chromium wrote (it writes one `/Type /Page` dictionary per page). */
function pageCount(pdf: Uint8Array): number {
  const text = new TextDecoder("latin1").decode(pdf);
  return (text.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

for (const [file, teacher] of [["exercise-proposals.yaml", true], ["l2tp-voluntary.yaml", false]] as const) {
  Deno.test({
    name: `handout of ${file} (${teacher ? "teacher" : "student"}) prints to an A4 PDF`,
    ignore: skipBrowser,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const html = handout(file, teacher);
      const browser = await launchBrowser();
      try {
        const { page } = browser;
        // The A4 sheet at 96 px per inch, less the page's 15 mm side margins: what print lays out on.
        await page.setViewportSize({ width: 681, height: 1000 });
        await page.setContent(html, { waitUntil: "load" });
        await page.emulateMedia({ media: "print" });
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        assert.ok(overflow <= 0, `the page is ${overflow} px wider than the printable width`);
        const svgs = await page.locator("svg").count();
        assert.equal(svgs, 2, "the diagram and the ladder are drawn");
        const pdf = await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
        assert.equal(new TextDecoder().decode(pdf.subarray(0, 5)), "%PDF-");
        const pages = pageCount(pdf);
        assert.ok(pages >= 1 && pages <= 4, `${pages} pages`);
        assert.ok(pdf.length > 20_000 && pdf.length < 2_000_000, `${pdf.length} bytes`);
        await Deno.mkdir(SHOTS, { recursive: true });
        const name = `handout-${file.replace(/\.yaml$/, "")}-${teacher ? "teacher" : "student"}`;
        await Deno.writeFile(`${SHOTS}/${name}.pdf`, pdf);
        // The first sheet as print media draws it: the A4 page's height at 96 px per inch, less margins.
        await page.screenshot({
          path: `${SHOTS}/${name}.png`,
          clip: { x: 0, y: 0, width: 681, height: 1002 },
        });
        if (teacher) assert.ok(await page.getByText("Solution (a changes file):").isVisible());
        else assert.equal(await page.getByText("Solution (a changes file):").count(), 0);
      } finally {
        await browser.close();
      }
    },
  });
}
