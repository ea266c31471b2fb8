/**
 * The view as a class sees it on a projector: screenshots at three screen sizes in normal and
 * presenter mode (saved to test-output/e2e/ for a person to look at), word sizes measured on screen,
 * no two words of the diagram overlapping on any lesson, one step per hop, ESP on the IPsec ladder.
 * Expected numbers come from the lesson files (the path laptop, home-router, isp, internet, lns) and
 * from the thresholds, not from the view's own output.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { nextFrame, ROOT, screenshot, viewTest, waitReady } from "./browser.ts";

const VIEWPORTS = [[1024, 768], [1400, 900], [1920, 1080]] as const;

/**
 * Opens a lesson in the page that is already loaded: the picker runs it in the worker, as a teacher
 * switching lessons does, so the page (and its bundle) loads once for the whole test.
 */
async function open(page: Page, lesson: string): Promise<void> {
  await page.selectOption("#lesson-picker", lesson);
  await page.waitForFunction(
    (file) =>
      document.body.dataset.state === "ready" &&
      (document.getElementById("run-status")?.textContent ?? "").startsWith(`${file}:`) &&
      document.querySelectorAll("#topology .labels text").length > 0,
    lesson,
    { timeout: 90_000, polling: 100 },
  ).catch(async (e) => {
    // Say where the page got stuck: still simulating, another file's status, or nothing drawn.
    const seen = await page.evaluate(() => ({
      state: document.body.dataset.state,
      status: document.getElementById("run-status")?.textContent,
      picked: (document.getElementById("lesson-picker") as HTMLSelectElement | null)?.value,
      words: document.querySelectorAll("#topology .labels text").length,
    })).catch(() => "the page did not answer");
    throw new Error(`${lesson} did not open: ${JSON.stringify(seen)}\n${e}`);
  });
  await nextFrame(page);
}

/** Presenter mode on or off through its switch (the page re-measures every word). */
async function presenterMode(page: Page, on: boolean): Promise<void> {
  if ((await page.locator("#presenter").isChecked()) !== on) await page.locator("#presenter").setChecked(on);
}

/** The drawing at a new window size: waits until the words have been placed for it. */
async function resize(page: Page, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await nextFrame(page);
}

async function title(page: Page): Promise<string> {
  return (await page.locator("#insp-title").textContent()) ?? "";
}

/**
 * Every pair of things on the diagram whose on-screen boxes overlap: words with words, and envelopes
 * (by default the layout check's, at both ends and the middle of each link: #envelopes=rest; with
 * `g.packet`, also those drawn at this step) with words and with node shapes. Envelopes may meet each
 * other: two packets can share a spot for a moment.
 */
async function overlaps(page: Page, envelopes = "g.ghost"): Promise<string[]> {
  return await page.evaluate((envelopes) => {
    type Item = { what: string; box: DOMRect; envelope: boolean };
    const items: Item[] = [];
    for (const t of Array.from(document.querySelectorAll<SVGTextElement>("#topology .labels text"))) {
      items.push({ what: `"${t.textContent}"`, box: t.getBoundingClientRect(), envelope: false });
    }
    for (const g of Array.from(document.querySelectorAll<SVGGElement>(`#topology ${envelopes}`))) {
      items.push({
        what: `envelope "${g.querySelector("text")?.textContent}" on ${g.dataset.link ?? "the drawing"}`,
        box: g.querySelector("rect")!.getBoundingClientRect(),
        envelope: true,
      });
    }
    const shapes: Item[] = [];
    for (const n of Array.from(document.querySelectorAll<SVGGElement>("#topology g.node"))) {
      // The visible shape, not the highlight ring around it.
      const parts = Array.from(n.querySelectorAll<SVGGraphicsElement>(".icon > :not(.ring)"))
        .map((p) => p.getBoundingClientRect());
      const box = new DOMRect(
        Math.min(...parts.map((p) => p.left)),
        Math.min(...parts.map((p) => p.top)),
        Math.max(...parts.map((p) => p.right)) - Math.min(...parts.map((p) => p.left)),
        Math.max(...parts.map((p) => p.bottom)) - Math.min(...parts.map((p) => p.top)),
      );
      shapes.push({ what: `node ${n.dataset.node}`, box, envelope: false });
    }
    const hit = (a: DOMRect, b: DOMRect) =>
      a.right - 1 > b.left && b.right - 1 > a.left && a.bottom - 1 > b.top && b.bottom - 1 > a.top;
    const out: string[] = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        if (items[i].envelope && items[j].envelope) continue;
        if (hit(items[i].box, items[j].box)) out.push(`${items[i].what} / ${items[j].what}`);
      }
      if (!items[i].envelope) continue;
      for (const shape of shapes) {
        if (hit(items[i].box, shape.box)) out.push(`${items[i].what} / ${shape.what}`);
      }
    }
    return out;
  }, envelopes);
}

/** On-screen font sizes (font size times the SVG's screen scale) of the words with this class. */
/**
 * The anatomy bar's words that stick out of their block (and are cut off there), and the blocks left
 * without words that the note under their bar does not name: there should be none of either.
 */
async function clippedAnatomyWords(page: Page): Promise<string[]> {
  return await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>(".anatomy-block")).flatMap((block) => {
      const words = Array.from(block.querySelectorAll<HTMLElement>(".anatomy-label, .anatomy-bytes"))
        .filter((span) => !span.hidden && span.textContent !== "");
      const clipped = words.filter((span) => span.scrollWidth > block.clientWidth)
        .map((span) => `"${span.textContent}" in a ${block.clientWidth}px block (${block.dataset.label})`);
      const note = block.closest(".anatomy-row")?.querySelector(".anatomy-narrow")?.textContent ?? "";
      const unnamed = words.length === 0 && block.clientWidth > 0 && !note.includes(block.dataset.label!)
        ? [`${block.dataset.label}: no words in its block nor under the bar`]
        : [];
      return [...clipped, ...unnamed];
    })
  );
}

async function screenSizes(page: Page, selector: string): Promise<number[]> {
  return await page.evaluate(
    (sel) =>
      Array.from(document.querySelectorAll<SVGGraphicsElement>(sel)).map((t) => {
        const scale = t.getScreenCTM()?.a ?? 1;
        return parseFloat(getComputedStyle(t).fontSize) * scale;
      }),
    selector,
  );
}

/** Presses → until the inspector title matches, at most `limit` times; the number of presses. */
async function pressUntil(page: Page, pattern: RegExp, limit = 60): Promise<number> {
  for (let i = 1; i <= limit; i++) {
    await page.keyboard.press("ArrowRight");
    if (pattern.test(await title(page))) return i;
  }
  throw new Error(`no ${pattern} within ${limit} steps`);
}

viewTest(
  "the view in a classroom: sizes, overlaps, hops, presenter mode, ESP on the ladder",
  async (page, url, t) => {
    // The page loads once; every lesson below is opened from the picker.
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${url}#lesson=l2tp-voluntary.yaml&presenter=0`);
    await waitReady(page);
    await page.waitForFunction(() => document.querySelectorAll("#topology .labels text").length > 0);

    await t.step("screenshots at 1024×768, 1400×900 and 1920×1080, normal and presenter", async () => {
      assert.equal(await page.locator("#start-hint").isVisible(), true);
      for (const [width, height] of VIEWPORTS) {
        await resize(page, width, height);
        for (const presenter of [false, true]) {
          await presenterMode(page, presenter);
          await page.keyboard.press("Home");
          await pressUntil(page, /home-router received$/);
          await page.waitForTimeout(600); // the envelope's move
          await screenshot(page, `classroom-${width}x${height}-${presenter ? "presenter" : "normal"}`);
          // The envelopes drawn at this step too (the SCCRQ at the home router), not only the check's.
          assert.deepEqual(await overlaps(page, "g.packet"), [], `${width}×${height} presenter=${presenter}`);
          assert.deepEqual(await clippedAnatomyWords(page), [], `${width}×${height} presenter=${presenter}`);
          // The diagram fills its pane: the nodes span most of its width.
          const spread = await page.evaluate(() => {
            const svg = document.getElementById("topology")!.getBoundingClientRect();
            const xs = Array.from(document.querySelectorAll("#topology g.node")).map((n) => {
              const r = n.getBoundingClientRect();
              return (r.left + r.right) / 2;
            });
            return (Math.max(...xs) - Math.min(...xs)) / svg.width;
          });
          assert.ok(spread > 0.7, `nodes span ${Math.round(spread * 100)}% of the pane`);
        }
      }
    });

    await t.step("presenter mode at 1920×1080: words large enough for the back of the room", async () => {
      await resize(page, 1920, 1080);
      await presenterMode(page, true);
      await page.keyboard.press("Home");
      await pressUntil(page, /home-router received$/);
      const names = await screenSizes(page, "#topology .labels text.label");
      const addresses = await screenSizes(page, "#topology .labels text.addr");
      const envelopes = await screenSizes(page, "#topology g.packet text");
      assert.equal(names.length, 6);
      assert.ok(Math.min(...names) >= 18, `node names ${Math.min(...names)} px`);
      assert.ok(
        addresses.length >= 10 && Math.min(...addresses) >= 14,
        `addresses ${Math.min(...addresses)} px`,
      );
      assert.ok(
        envelopes.length >= 1 && Math.min(...envelopes) >= 20,
        `envelope ${Math.min(...envelopes)} px`,
      );
      // The envelope names its message and wears its protocol's colour (L2TP: Okabe-Ito orange).
      const envelope = page.locator("#topology g.packet.current");
      assert.equal(await envelope.locator("text").textContent(), "SCCRQ");
      assert.equal((await envelope.locator("rect").getAttribute("fill"))?.toLowerCase(), "#e69f00");
      // Each address sits at its own end of its link: nearer its own node than the far one.
      const misplaced = await page.evaluate(() => {
        const centre = (el: Element) => {
          const r = el.getBoundingClientRect();
          return { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 };
        };
        const nodes = new Map(
          Array.from(document.querySelectorAll<SVGGElement>("#topology g.node")).map((
            n,
          ) => [n.dataset.node!, centre(n.querySelector(".icon")!)]),
        );
        const out: string[] = [];
        for (const g of Array.from(document.querySelectorAll<SVGGElement>("#topology g.role-addr"))) {
          const [, link, node] = g.dataset.label!.split(":");
          const links = Array.from(
            document.querySelectorAll<SVGGElement>(`#topology g.label-group.role-addr`),
          )
            .filter((o) => o.dataset.label!.split(":")[1] === link && o !== g);
          const other = links.map((o) => o.dataset.label!.split(":")[2]).find((n) => n !== node);
          if (!other) continue;
          const c = centre(g);
          const d = (p: { x: number; y: number }) => Math.hypot(p.x - c.x, p.y - c.y);
          if (d(nodes.get(node)!) >= d(nodes.get(other)!)) out.push(`${link} ${node}`);
        }
        return out;
      });
      assert.deepEqual(misplaced, []);
      await screenshot(page, "classroom-presenter-envelope");
      // Clicking the envelope opens that packet where it arrives.
      await envelope.click();
      assert.match(await title(page), /home-router received$/);
      assert.match(await page.locator("#inspector .summary").textContent() ?? "", /^SCCRQ/);
    });

    await t.step("no two words, nor an envelope and a word or a node, overlap on any lesson", async () => {
      const index = await (await fetch(`${url}topologies/index.json`)).json() as {
        lessons: { file: string }[];
      };
      assert.ok(index.lessons.length >= 20);
      await page.evaluate(() => (location.hash = `${location.hash}&envelopes=rest`));
      const problems: string[] = [];
      // Each lesson runs once; the six layouts of it are only redrawn.
      for (const { file } of index.lessons) {
        await open(page, file);
        for (const presenter of [false, true]) {
          await presenterMode(page, presenter);
          for (const [width, height] of VIEWPORTS) {
            await resize(page, width, height);
            const where = `${file} ${width}x${height}${presenter ? " presenter" : ""}`;
            if (await page.locator("#topology g.ghost").count() === 0) {
              problems.push(`${where}: no envelopes drawn to check`);
            }
            for (const pair of await overlaps(page)) problems.push(`${where}: ${pair}`);
          }
        }
      }
      await page.evaluate(() => (location.hash = location.hash.replace("&envelopes=rest", "")));
      assert.deepEqual(problems, []);
    });

    await t.step("the laptop's SCCRQ reaches the LNS in as many steps as there are hops", async () => {
      await resize(page, 1400, 900);
      await presenterMode(page, false);
      await open(page, "l2tp-voluntary.yaml");
      await page.keyboard.press("Home");
      // The path in the lesson file: laptop, home-router, isp, internet, lns: four hops.
      await pressUntil(page, /home-router received$/);
      assert.match(await page.locator("#inspector .summary").textContent() ?? "", /^SCCRQ/);
      const presses = await pressUntil(page, /lns received$/);
      assert.equal(presses + 1, 4, "steps from the laptop's SCCRQ to its arrival at the LNS");
      assert.match(await page.locator("#inspector .summary").textContent() ?? "", /^SCCRQ/);
      // What the home router did is folded into the first hop, in words: no JSON anywhere in the list.
      const rows = await page.locator(".event-row .sum").allTextContents();
      assert.ok(rows.every((r) => !/[{}]|":/.test(r)), "no JSON in the event list");
    });

    await t.step(
      "the ladder of ipsec-hides-l2tp shows ESP; the pair resets on a lesson change",
      async () => {
        await open(page, "ipsec-hides-l2tp.yaml");
        // The tap (the file puts it on link backbone) is drawn joined to that link's middle.
        const tap = await page.evaluate(() => {
          const line = document.querySelector<SVGLineElement>(
            '#topology line.tap-line[data-tap="eavesdropper"]',
          );
          const node = document.querySelector<SVGGElement>('#topology g.node[data-node="eavesdropper"]');
          const link = document.querySelector<SVGLineElement>(
            '#topology g.link[data-link="backbone"] line',
          );
          if (!line || !node || !link) return null;
          const r = node.getBoundingClientRect();
          const [x1, y1, x2, y2] = ["x1", "y1", "x2", "y2"].map((a) => Number(line.getAttribute(a)));
          const mid = [
            (Number(link.getAttribute("x1")) + Number(link.getAttribute("x2"))) / 2,
            (Number(link.getAttribute("y1")) + Number(link.getAttribute("y2"))) / 2,
          ];
          const svg = document.getElementById("topology")!.getBoundingClientRect();
          const fromTap = Math.hypot(
            x1 + svg.left - (r.left + r.right) / 2,
            y1 + svg.top - (r.top + r.bottom) / 2,
          );
          return { fromTap, toLink: Math.hypot(x2 - mid[0], y2 - mid[1]), height: r.height };
        });
        assert.ok(tap, "a line from the tap to the link it listens on");
        assert.ok(tap.fromTap < tap.height, `the line starts at the tap (${tap.fromTap} px off)`);
        assert.ok(tap.toLink < 1, `the line ends at the link's middle (${tap.toLink} px off)`);
        await page.click("#tab-ladder");
        const esp = page.locator('#panel-ladder .msg[data-proto="ESP"]');
        await page.locator("#panel-ladder .ladder-scroll").evaluate((
          el,
        ) => (el.scrollTop = el.scrollHeight));
        await page.waitForTimeout(200);
        assert.ok(await esp.count() >= 1, "ESP arrows at the end of the ladder");
        await screenshot(page, "classroom-ladder-esp");
        const pair = [
          await page.locator("#ladder-a").inputValue(),
          await page.locator("#ladder-b").inputValue(),
        ];
        await page.selectOption("#ladder-a", "internet");
        await open(page, "l2tp-voluntary.yaml");
        await page.click("#tab-ladder");
        assert.notEqual(await page.locator("#ladder-a").inputValue(), "internet");
        assert.equal(await page.locator("#ladder-a").inputValue(), "laptop", `was ${pair.join("↔")}`);
      },
    );

    await t.step(
      "the keys exported from the view are the CLI's --keys file, so a pcap decrypts",
      async () => {
        await open(page, "ipsec-nat-t-fixes-it.yaml");
        await page.locator("#export-menu summary").click();
        const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-keys")]);
        assert.equal(download.suggestedFilename(), "ipsec-nat-t-fixes-it-keys.txt");
        const fromView = await Deno.readTextFile(await download.path());
        await page.keyboard.press("Escape");
        const dir = await Deno.makeTempDir();
        try {
          const cli = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "--allow-read",
              "--allow-write",
              "--allow-env",
              `${ROOT}/src/cli/main.ts`,
              "run",
              `${ROOT}/topologies/ipsec-nat-t-fixes-it.yaml`,
              "--keys",
              `${dir}/keys.txt`,
            ],
            stdout: "null",
            stderr: "null",
          }).output();
          assert.ok(cli.success);
          assert.equal(fromView, await Deno.readTextFile(`${dir}/keys.txt`));
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
        assert.match(fromView, /esp_sa/);
      },
    );
  },
  { actionTimeout: 30_000 },
);
