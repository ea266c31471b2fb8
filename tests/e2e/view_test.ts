/**
 * The browser view end to end: the real server, the real bundle, Chromium. Expectations come from the
 * fixture topology (tests/e2e/fixtures/ping-lesson.yaml: laptop — r1 — r2 — server, two pings, then a
 * ping with TTL 2), not from the view's own output. Screenshots land in test-output/e2e/.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { ROOT, screenshot, viewTest, waitReady } from "./browser.ts";

const FIXTURES = `${ROOT}/tests/e2e/fixtures`;

async function cursor(page: Page): Promise<number> {
  return Number(await page.evaluate(() => document.body.dataset.cursor));
}

async function inspectorTitle(page: Page): Promise<string> {
  return (await page.locator("#insp-title").textContent()) ?? "";
}

/** The value shown for the first tree row with this field name. */
async function fieldValue(page: Page, name: string): Promise<string> {
  return (await page.locator(`#inspector .tree .row[data-field="${name}"] .value`).first().textContent()) ??
    "";
}

/** Types a search and waits until every listed row is on `node` (the search is debounced). */
async function search(page: Page, text: string, node: string, rows: number): Promise<void> {
  await page.locator("#event-search").fill(text);
  await page.waitForFunction(([n, count]) => {
    const list = Array.from(document.querySelectorAll(".event-row"));
    return list.length === count && list.every((r) => r.children[2]?.textContent === n);
  }, [node, rows] as const);
}

/**
 * Waits until the event list shows a row count that `ok` accepts; on a loaded machine the list can
 * lag the control that changed it. On timeout a screenshot shows what the page showed instead.
 */
async function rowsSettle(page: Page, ok: (rows: number) => boolean, shot: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!ok(await page.locator(".event-row").count())) {
    if (Date.now() > deadline) {
      await screenshot(page, shot);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openFile(page: Page, name: string, text: string): Promise<void> {
  await page.setInputFiles("#file-input", { name, mimeType: "text/yaml", buffer: Buffer.from(text, "utf8") });
}

viewTest(
  "browser view: lesson, stepping, inspector, ladder, tables, what-if, errors, export",
  async (page, url, t) => {
    await t.step("the server serves only web/ and topologies/", async () => {
      for (
        const path of [
          "topologies/..%2f..%2fdeno.json",
          "%2e%2e/deno.json",
          "..%2fdeno.json",
          "topologies/%2e%2e/index.json",
        ]
      ) {
        const response = await fetch(url + path);
        assert.equal(response.status, 404, path);
        await response.body?.cancel();
      }
      const lessons = await (await fetch(`${url}api/lessons`)).json();
      assert.equal(lessons.default, "ping-lesson.yaml");
    });

    await t.step("the default lesson opens with its story", async () => {
      await page.goto(url);
      await waitReady(page);
      assert.equal(await page.locator("#lesson-title").textContent(), "E2E: a ping across two routers");
      assert.equal(await page.locator("#lesson-picker").inputValue(), "ping-lesson.yaml");
      assert.equal(await page.locator("#topology g.node").count(), 4);
      assert.equal(await page.locator("#topology g.link").count(), 3);
      // The run starts just before the first scripted action (the ping at 1 s), on the t=0 tables,
      // and says how to begin.
      assert.match(await page.locator("#clock").textContent() ?? "", /^t = 0\.000000 s/);
      assert.equal(await page.locator("#start-hint").isVisible(), true);
      assert.match(await page.locator("#start-hint").textContent() ?? "", /Press → or Play to start/);
      // The lesson's expectations are checked against this run, and each links to its event.
      const verdicts = page.locator("#lesson-expectations li");
      assert.equal(await verdicts.count(), 3);
      assert.equal(await page.locator("#lesson-expectations li.met").count(), 3);
      // A look-for item with no check (the fixture's plain string) is listed without a mark.
      assert.equal(await page.locator("#lesson-look-for li.unchecked").count(), 1);
      assert.equal(await page.locator("#lesson-look-for .mark").count(), 0);
      await page.locator("#lesson-expectations li", { hasText: "dies at r2" }).locator("button").click();
      assert.match(await inspectorTitle(page), /r2 DROPPED$/);
      await screenshot(page, "01-lesson-open");
      await page.goto(url);
      await waitReady(page);
    });

    await t.step("→ and ← step one hop at a time through the first echo request", async () => {
      assert.equal(await page.locator("#step-mode").inputValue(), "hops");
      await page.keyboard.press("ArrowRight");
      assert.match(await inspectorTitle(page), /laptop output$/);
      assert.equal(await page.locator("#start-hint").isVisible(), false);
      const start = await cursor(page);
      // laptop → r1 → r2 → server: three hops, three presses; what each router did is in the step.
      await page.keyboard.press("ArrowRight");
      assert.match(await inspectorTitle(page), /r1 received$/);
      assert.match(await page.locator("#step-detail").textContent() ?? "", /laptop sent it on home-lan/);
      assert.match(await page.locator("#step-detail").textContent() ?? "", /r1 forwards it out of wan0/);
      assert.match(await page.locator(".event-row.current .who").textContent() ?? "", /laptop → r1/);
      await page.keyboard.press("ArrowRight");
      assert.match(await inspectorTitle(page), /r2 received$/);
      await page.keyboard.press("ArrowRight");
      assert.match(await inspectorTitle(page), /server received$/);
      assert.match(await page.locator("#step-detail").textContent() ?? "", /server delivers it/);
      await page.keyboard.press("ArrowLeft");
      assert.match(await inspectorTitle(page), /r2 received$/);
      assert.ok(await cursor(page) > start);
      // The same step is highlighted in the list and the topology; the packet is on the backbone.
      const current = page.locator(".event-row.current");
      assert.equal(await current.count(), 1);
      assert.equal(Number(await current.getAttribute("data-seq")), await cursor(page));
      assert.equal(await page.locator('#topology g.node.current[data-node="r2"]').count(), 1);
      assert.equal(await page.locator('#topology g.link.current[data-link="backbone"]').count(), 1);
      assert.ok(await page.locator("#topology g.packet").count() >= 1);
      assert.match(
        await page.locator("#topology g.packet.current text").first().textContent() ?? "",
        /Echo Request/,
      );
      await screenshot(page, "02-stepping");
      // A folded event opens on its own; the fine-grained list is one switch away.
      await page.locator("#step-detail button", { hasText: "#" }).first().click();
      assert.match(await inspectorTitle(page), /r1 sent$/);
      await page.selectOption("#step-mode", "events");
      await page.click("#btn-forward");
      assert.match(await inspectorTitle(page), /r2 received$/);
      await page.click("#btn-forward");
      assert.match(await inspectorTitle(page), /r2 forwarded$/);
    });

    await t.step("the inspector shows the layers; TTL is 64 from the laptop and 63 after r1", async () => {
      await page.fill("#jump-input", "1s");
      await page.press("#jump-input", "Enter");
      await page.keyboard.press("Escape");
      // The laptop sends three echo requests.
      await search(page, "laptop sent", "laptop", 3);
      await page.locator(".event-row").first().click();
      assert.match(await inspectorTitle(page), /laptop sent$/);
      assert.equal(await fieldValue(page, "Time to Live"), "64");
      assert.equal(await fieldValue(page, "Destination Address"), "10.2.0.5");
      // r1 sends both echo requests and the TTL-2 request on the backbone.
      await search(page, "r1 sent backbone", "r1", 3);
      await page.locator(".event-row").first().click();
      assert.equal(await fieldValue(page, "Time to Live"), "63");
      await page.locator("#event-search").fill("");
      await page.waitForFunction(() => document.querySelectorAll(".event-row").length > 20);

      // Hover a field: its byte lights up (TTL is byte 8 of the IPv4 header), and only that byte.
      await page.locator('#inspector .tree .row[data-field="Time to Live"]').first().hover();
      const lit = await page.locator('#inspector [data-block="packet"] .hex .lit[data-first]').evaluateAll((
        els,
      ) =>
        els.map((e) =>
          `${(e as HTMLElement).dataset.first}-${(e as HTMLElement).dataset.last} ${e.textContent}`
        )
      );
      // This is r1's copy: TTL 63, 0x3f.
      assert.deepEqual(lit, ["8-8 3f"]);
      // Hover a byte: the field covering it lights up (byte 9 is the protocol, 1 = ICMP). Its spot is
      // found from the text itself: line 0, column 6 + 3 × 9 + 1 (offset and two spaces, "xx " per byte, one more space after the
      // eighth byte).
      // The pointer leaves the tree first, so the line is one run of text again.
      await page.mouse.move(1, 1);
      const spot = await page.locator('#inspector [data-block="packet"] .hex .line').first().evaluate(
        (line) => {
          const range = document.createRange();
          range.setStart(line.firstChild!, 6 + 27 + 1);
          range.setEnd(line.firstChild!, 6 + 27 + 3);
          const r = range.getBoundingClientRect();
          return { x: r.left + r.width / 2, y: r.top + r.height / 2, text: range.toString() };
        },
      );
      assert.equal(spot.text, "01");
      await page.mouse.move(spot.x, spot.y);
      assert.equal(await page.locator("#inspector .tree .row.lit").getAttribute("data-field"), "Protocol");
      await screenshot(page, "03-inspector-hover");
      // Lineage within one packet: the next event of this packet is r2 receiving it.
      await page.locator("#inspector button", { hasText: "this packet ▷" }).click();
      assert.match(await inspectorTitle(page), /r2 received$/);
    });

    await t.step("the drop of the TTL-2 ping is explained in words", async () => {
      await page.selectOption("#event-kinds", "drops");
      await rowsSettle(page, (n) => n === 1, "fail-drops-filter");
      assert.equal(await page.locator(".event-row").count(), 1);
      await page.locator(".event-row").first().click();
      assert.match(await inspectorTitle(page), /r2 DROPPED$/);
      assert.match(await page.locator("#inspector .reason").textContent() ?? "", /Dropped at r2: .*TTL/);
      assert.equal(await page.locator("#topology-caption.drop").count(), 1);
      assert.match(await page.locator("#topology-caption").textContent() ?? "", /TTL/);
      await screenshot(page, "04-drop");
      await page.selectOption("#event-kinds", "all");
    });

    await t.step("protocol chips filter the list", async () => {
      const all = await page.locator(".count").textContent();
      await page.click('.chip[data-category="ICMP"]');
      const without = await page.locator(".count").textContent();
      assert.notEqual(all, without);
      assert.equal(await page.locator('.event-row .badge-proto:text-is("ICMP")').count(), 0);
      await page.click('.chip[data-category="ICMP"]');
      assert.equal(await page.locator(".count").textContent(), all);
    });

    await t.step("the ladder shows the laptop ↔ server flow in step with the cursor", async () => {
      await page.click("#tab-ladder");
      assert.equal(await page.locator("#ladder-a").inputValue(), "laptop");
      assert.equal(await page.locator("#ladder-b").inputValue(), "server");
      // 2 echo requests and 2 replies over 3 hops, the TTL-2 request over 2 hops and its drop.
      assert.equal(
        await page.locator("#panel-ladder .ladder-controls").textContent().then((s) =>
          /15 messages/.test(s ?? "")
        ),
        true,
      );
      await page.locator("#panel-ladder .msg").nth(4).click();
      const seq = Number(await page.locator("#panel-ladder .msg").nth(4).getAttribute("data-seq"));
      assert.equal(await cursor(page), seq);
      assert.equal(await page.locator("#panel-ladder .msg.current").getAttribute("data-seq"), String(seq));
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      await screenshot(page, "05-ladder");
      await page.click("#tab-topology");
    });

    await t.step("clicking a router shows its tables at the cursor", async () => {
      await page.locator('#topology g.node[data-node="r1"]').click();
      assert.equal(await page.locator("#tab-tables").getAttribute("aria-selected"), "true");
      assert.equal(await page.locator("#tables-node").inputValue(), "r1");
      // r1: lan0 and wan0, two connected routes plus the static one.
      assert.equal(await page.locator('#panel-tables table[data-table="interfaces"] tbody tr').count(), 2);
      assert.equal(await page.locator('#panel-tables table[data-table="routes"] tbody tr').count(), 3);
      await screenshot(page, "06-tables");
    });

    await t.step("what-if: taking the backbone down makes r1 drop the pings", async () => {
      await page.click("#tab-whatif");
      const backboneUp = page.locator('[data-path="links.1.up"]');
      assert.equal(await backboneUp.isChecked(), true);
      await backboneUp.uncheck();
      await waitReady(page);
      const changes = await page.locator("#whatif-changes").textContent() ?? "";
      assert.match(changes, /backbone up → false/);
      assert.match(changes, /New drop at r1/);
      await page.locator("#whatif-changes button", { hasText: "Jump there" }).click();
      assert.match(await inspectorTitle(page), /r1 DROPPED$/);
      assert.equal(await page.locator('#topology g.link.down[data-link="backbone"]').count(), 1);
      // The edited text keeps the change; the source shows it.
      assert.match(await page.locator("#source-text").inputValue(), /up: false/);
      await screenshot(page, "07-whatif");
      await page.locator("#whatif-revert").click();
      await waitReady(page);
      assert.equal(await page.locator('[data-path="links.1.up"]').isChecked(), true);
    });

    await t.step("what-if: turning L2TP passthrough off makes the home router drop UDP 1701", async () => {
      await page.selectOption("#lesson-picker", "nat-passthrough.yaml");
      await waitReady(page);
      // The NAT rewrites are their own events: the NAT chip alone still lists the SNAT and DNAT.
      for (const chip of ["IP", "ICMP", "UDP", "L2TP", "PPP", "IKE", "ESP", "OTHER"]) {
        await page.click(`.chip[data-category="${chip}"]`);
      }
      await rowsSettle(page, (n) => n >= 4, "fail-nat-chip");
      const natRows = await page.locator(".event-row").allTextContents();
      assert.ok(natRows.length >= 4, `${natRows.length} NAT rows`);
      assert.ok(natRows.some((r) => /SNAT 192\.168\.1\.10:1701 → 198\.51\.100\.2:1701/.test(r)));
      for (const chip of ["IP", "ICMP", "UDP", "L2TP", "PPP", "IKE", "ESP", "OTHER"]) {
        await page.click(`.chip[data-category="${chip}"]`);
      }
      await page.click("#tab-whatif");
      const passthrough = page.locator('[data-path="nodes.home-router.l2tp-passthrough"]');
      assert.equal(await passthrough.isChecked(), true, "the home-router preset has L2TP passthrough on");
      await passthrough.uncheck();
      await waitReady(page);
      const changes = await page.locator("#whatif-changes").textContent() ?? "";
      assert.match(changes, /Drops: 0 before, 2 now/);
      assert.match(changes, /New drop at home-router/);
      await page.locator("#whatif-changes .new-drop button").first().click();
      assert.match(await inspectorTitle(page), /home-router DROPPED$/);
      assert.match(await page.locator("#inspector .reason").textContent() ?? "", /l2tp-passthrough/);
      assert.match(await page.locator("#source-text").inputValue(), /l2tp-passthrough: off/);
      await screenshot(page, "07b-passthrough-off");
      await page.locator("#whatif-revert").click();
      await waitReady(page);
      await page.selectOption("#lesson-picker", "ping-lesson.yaml");
      await waitReady(page);
    });

    await t.step("export: the pcap of a link holds what was sent on it", async () => {
      await page.locator("#export-menu summary").click();
      await page.selectOption("#pcap-link", "backbone");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-pcap")]);
      assert.equal(download.suggestedFilename(), "ping-lesson-backbone.pcap");
      const bytes = await Deno.readFile(await download.path());
      // Classic pcap, little-endian magic, raw IPv4 link type.
      assert.deepEqual([...bytes.subarray(0, 4)], [0xd4, 0xc3, 0xb2, 0xa1]);
      assert.equal(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(20, true), 101);
      // Backbone carries 2 requests + 2 replies + the TTL-2 request + its Time Exceeded: 6 datagrams.
      // Echo datagrams are 84 bytes; Time Exceeded quotes the 28-byte header start: 20 + 8 + 28 = 56.
      assert.equal(bytes.length, 24 + 5 * (16 + 84) + (16 + 56));
      const [svg] = await Promise.all([page.waitForEvent("download"), page.click("#export-svg")]);
      const svgText = await Deno.readTextFile(await svg.path());
      assert.match(svgText, /^<\?xml/);
      assert.match(svgText, />laptop</);
      const [yaml] = await Promise.all([page.waitForEvent("download"), page.click("#export-yaml")]);
      assert.match(await Deno.readTextFile(await yaml.path()), /# The e2e tests' own lesson/);
      await page.keyboard.press("Escape");
    });

    await t.step("a broken file shows line:col errors and keeps the text", async () => {
      const broken = "name: broken\nnodes:\n  a:\n    kind: hots\n    interfaces: {eth0: 10.0.0.1/24}\n";
      await openFile(page, "broken.yaml", broken);
      await waitReady(page, "error");
      // Line 4 is "    kind: hots"; the value starts in column 11.
      const errors = await page.locator("#source-errors").textContent() ?? "";
      assert.match(errors, /broken\.yaml:4:11: unknown kind "hots"/);
      assert.match(await page.locator("#run-status").textContent() ?? "", /broken\.yaml:4:11/);
      assert.equal(await page.locator("#source-text").inputValue(), broken);
      await screenshot(page, "08-broken-yaml");
      // Clicking the error puts the caret on the spot.
      await page.locator("#source-errors .error-link").first().click();
      const caret = await page.locator("#source-text").evaluate((el) =>
        (el as HTMLTextAreaElement).selectionStart
      );
      assert.equal(caret, broken.indexOf("hots"));
      // Fix it in place and run again.
      await page.locator("#source-text").fill(broken.replace("hots", "host"));
      await page.locator("#source-text").press("Control+Enter");
      await waitReady(page);
      assert.equal(await page.locator("#source-errors").isHidden(), true);

      const syntax = "name: x\nnodes: [a\n";
      await openFile(page, "syntax.yaml", syntax);
      await waitReady(page, "error");
      assert.match(
        await page.locator("#source-errors").textContent() ?? "",
        /syntax\.yaml:\d+:\d+: YAML syntax/,
      );
      assert.equal(await page.locator("#source-text").inputValue(), syntax);
    });

    await t.step("large type, keyboard play/pause and jump to a time", async () => {
      await page.selectOption("#lesson-picker", "ping-lesson.yaml");
      await waitReady(page);
      // Large type sits in the More menu, which keeps the top bar on one row.
      await page.locator("#more-menu summary").click();
      await page.check("#large-type");
      await page.keyboard.press("Escape");
      assert.equal(await page.evaluate(() => document.body.classList.contains("large")), true);
      const height = await page.locator(".event-row").first().evaluate((el) =>
        el.getBoundingClientRect().height
      );
      assert.ok(height >= 29, `row height ${height}`);
      await page.selectOption("#speed", "30");
      await page.locator("body").press("Home");
      const before = await cursor(page);
      await page.locator("#event-list .event-scroll").focus();
      await page.keyboard.press(" ");
      await page.waitForTimeout(700);
      await page.keyboard.press(" ");
      const after = await cursor(page);
      assert.ok(after > before + 5, `played from ${before} to ${after}`);
      await page.waitForTimeout(300);
      assert.equal(await cursor(page), after, "pause holds the cursor");
      await page.fill("#jump-input", "5s");
      await page.press("#jump-input", "Enter");
      assert.match(await page.locator("#clock").textContent() ?? "", /^t = 5\.000000 s/);
      await screenshot(page, "09-large-type");
      await page.locator("#more-menu summary").click();
      await page.uncheck("#large-type");
      await page.keyboard.press("Escape");
    });

    await t.step("a node can be dragged", async () => {
      const node = page.locator('#topology g.node[data-node="server"]');
      const before = await node.getAttribute("transform");
      const box = (await node.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 3 + 80, { steps: 5 });
      await page.mouse.up();
      assert.notEqual(await node.getAttribute("transform"), before);
    });
  },
  { serverArgs: ["--topologies", FIXTURES], viewport: { width: 1600, height: 1000 }, actionTimeout: 30_000 },
);
