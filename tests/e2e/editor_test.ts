/**
 * The editor end to end, in Chromium: basics-ping is built from nothing with the palette, drags, links
 * drawn between ports, the forms and the script; the saved YAML must load (what `sim validate` runs)
 * and simulate to the same trace as topologies/basics-ping.yaml. Then undo/redo, a reload that keeps
 * the work, errors on the field that holds them, and screenshots at three classroom sizes.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { traceDifference } from "../web/same_trace.ts";
import { chainedSteps, ROOT, screenshot, viewTest, waitReady } from "./browser.ts";

/** The editor's current text (the YAML preview shows it verbatim). */
async function yamlText(page: Page): Promise<string> {
  return (await page.locator("#ed-yaml").textContent()) ?? "";
}

/** Waits until the text satisfies `ok` (the editor redraws just after a change). */
async function textSettles(page: Page, ok: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await yamlText(page);
    if (ok(text)) return text;
    if (Date.now() > deadline) throw new Error(`the editor's text did not change as expected:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Types into a form field and commits it with Enter. */
async function fill(page: Page, selector: string, value: string): Promise<void> {
  const box = page.locator(`#ed-form ${selector}`).first();
  await box.fill(value);
  await box.press("Enter");
  await page.waitForTimeout(30);
}

/** The selector of the form control for the value at `path`. */
function control(path: string[]): string {
  return `[data-fkey="${path.join("\u001f")}"]`;
}

/** Drags with the mouse from one screen point to another in steps. */
async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
  await page.waitForTimeout(30);
}

async function centre(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Screen point of drawing coordinates. */
function screenOf(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.evaluate(([x, y]) => {
    const g = document.querySelector("#editor-canvas > g") as SVGGElement;
    const p = new DOMPoint(x, y).matrixTransform(g.getScreenCTM()!);
    return { x: p.x, y: p.y };
  }, [x, y] as const);
}

/** Screen point of a node's centre (its body is translated to its position). */
async function nodeCentre(page: Page, name: string): Promise<{ x: number; y: number }> {
  const at = await page.locator(`[data-node="${name}"] .ed-body`).getAttribute("transform");
  const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(at ?? "");
  if (!m) throw new Error(`no position for ${name}: ${at}`);
  return screenOf(page, Number(m[1]), Number(m[2]));
}

viewTest(
  "browser editor: build basics-ping from nothing, save, same trace; undo/redo; reload keeps it",
  async (
    page,
    url,
    ctx,
  ) => {
    // Each step builds on the one before: after a failure the rest would only time out.
    const t = chainedSteps(ctx, page, "editor-failed");
    page.setDefaultTimeout(15_000);
    await page.goto(url);
    await waitReady(page);
    await page.click("#build-toggle");
    await page.click("#ed-new");
    await textSettles(page, (x) => x.includes("name: my-network"));

    await t.step("the palette offers every node kind", async () => {
      const kinds = await page.locator("#ed-palette [data-kind]").evaluateAll((els) =>
        els.map((e) => (e as HTMLElement).dataset.kind)
      );
      const { KINDS } = await import("../../src/kinds/index.ts");
      assert.deepEqual(kinds, KINDS.map((k) => k.name));
    });

    await t.step("network settings from the form", async () => {
      await page.locator("#editor-canvas").click({ position: { x: 5, y: 5 } });
      await fill(page, control(["name"]), "basics-ping");
      await fill(page, control(["duration"]), "12s");
      const text = await textSettles(page, (x) => x.includes("duration: 12s"));
      assert.match(text, /^name: basics-ping$/m);
    });

    /** Adds a node from the palette, drags it to (x, y) and names it. */
    const addNode = async (kind: string, name: string, x: number) => {
      const before = await page.locator("#editor-canvas .ed-node").count();
      await page.click(`#ed-palette [data-kind="${kind}"]`);
      await page.waitForFunction(
        (n) => document.querySelectorAll("#editor-canvas .ed-node").length === n,
        before + 1,
      );
      const made = await page.locator("#ed-node-name").inputValue();
      await drag(page, await nodeCentre(page, made), await screenOf(page, x, 200));
      await page.mouse.click(...Object.values(await nodeCentre(page, made)) as [number, number]);
      await fill(page, "#ed-node-name", name);
      await textSettles(page, (t) => t.includes(`${name}:`));
    };
    const addInterface = async (node: string, name: string, address: string) => {
      await page.click("#ed-add-interface");
      await textSettles(page, (t) => /eth\d+:\s*$/m.test(t));
      const row = page.locator("#ed-form .ed-iface").last();
      if (name !== (await row.getAttribute("data-iface"))) {
        await row.locator(".ed-iface-name").fill(name);
        await row.locator(".ed-iface-name").press("Enter");
        await textSettles(page, (t) => t.includes(`${name}:`));
      }
      const renamed = page.locator(`#ed-form .ed-iface[data-iface="${name}"] .ed-iface-address`);
      await renamed.fill(address);
      await renamed.press("Enter");
      await textSettles(page, (t) => t.includes(`${name}: ${address}`));
      void node;
    };
    const addRoute = async (node: string, to: string, via: string) => {
      await page.click('#ed-form [data-add="routes"]');
      await textSettles(page, (t) => t.includes("- {}"));
      await fill(page, control(["nodes", node, "routes", "0", "to"]), to);
      await fill(page, control(["nodes", node, "routes", "0", "via"]), via);
    };

    await t.step("four nodes from the palette, dragged into a row, with their settings", async () => {
      await addNode("host", "laptop", 80);
      await addInterface("laptop", "eth0", "192.168.1.10/24");
      await fill(page, control(["nodes", "laptop", "gateway"]), "192.168.1.1");
      await addNode("router", "r1", 280);
      await addInterface("r1", "lan0", "192.168.1.1/24");
      await addInterface("r1", "wan0", "10.1.0.1/30");
      await addRoute("r1", "10.2.0.0/24", "10.1.0.2");
      await addNode("router", "r2", 480);
      await addInterface("r2", "wan0", "10.1.0.2/30");
      await addInterface("r2", "lan0", "10.2.0.1/24");
      await addRoute("r2", "192.168.1.0/24", "10.1.0.1");
      await addNode("host", "server", 680);
      await addInterface("server", "eth0", "10.2.0.5/24");
      await fill(page, control(["nodes", "server", "gateway"]), "10.2.0.1");
      const text = await textSettles(page, (x) => x.includes("gateway: 10.2.0.1"));
      const { parse } = await import("yaml");
      const nodes = parse(text).nodes;
      assert.deepEqual(Object.keys(nodes), ["laptop", "r1", "r2", "server"]);
      // Dragged to the row: each node sits near where it was dropped.
      for (const [name, x] of [["laptop", 80], ["r1", 280], ["r2", 480], ["server", 680]] as const) {
        assert.ok(Math.abs(nodes[name].position.x - x) <= 3, `${name} at ${nodes[name].position.x}`);
        assert.ok(Math.abs(nodes[name].position.y - 200) <= 3, `${name} at y ${nodes[name].position.y}`);
      }
    });

    const link = async (a: string, b: string, name: string, settings: [string, string][]) => {
      const count = await page.locator("#editor-canvas .ed-link").count();
      const [an, ai] = a.split(":");
      const [bn, bi] = b.split(":");
      await drag(
        page,
        await centre(page, `.ed-port[data-node="${an}"][data-iface="${ai}"] circle`),
        await centre(page, `.ed-port[data-node="${bn}"][data-iface="${bi}"] circle`),
      );
      await page.waitForFunction(
        (n) => document.querySelectorAll("#editor-canvas .ed-link").length === n,
        count + 1,
      );
      await fill(page, control(["links", String(count), "name"]), name);
      for (const [k, v] of settings) await fill(page, control(["links", String(count), k]), v);
      await textSettles(page, (x) => x.includes(`name: ${name}`));
    };

    await t.step("links drawn from port to port, settings in the link form", async () => {
      await link("laptop:eth0", "r1:lan0", "home-lan", [["delay", "1ms"]]);
      await link("r1:wan0", "r2:wan0", "backbone", [["delay", "10ms"], ["bandwidth", "10Mbps"]]);
      await link("r2:lan0", "server:eth0", "office-lan", [["delay", "1ms"]]);
      const { parse } = await import("yaml");
      const links = parse(await yamlText(page)).links;
      assert.deepEqual(links.map((l: { endpoints: string[] }) => l.endpoints), [
        ["laptop:eth0", "r1:lan0"],
        ["r1:wan0", "r2:wan0"],
        ["r2:lan0", "server:eth0"],
      ]);
    });

    await t.step("script actions from the command menu", async () => {
      const actions: [string, string][] = [
        ["1s", "10.2.0.5 count 3"],
        ["5s", "10.2.0.5 count 1 ttl 2"],
        ["8s", "172.16.0.1 count 1"],
      ];
      for (const [i, [at, args]] of actions.entries()) {
        await page.click("#ed-add-action");
        await page.waitForFunction((n) => document.querySelectorAll("#ed-script li").length === n, i + 1);
        await fill(page, "#ed-action-at", at);
        await page.selectOption(`#ed-form [data-fkey="script\u001f${i}\u001fcommand"]`, "ping");
        await page.waitForTimeout(50);
        await fill(page, "#ed-action-args", args);
      }
      const text = await textSettles(page, (x) => x.includes("172.16.0.1 count 1"));
      assert.match(text, /- \{ at: 1s, node: laptop, do: ping 10\.2\.0\.5 count 3 \}/);
      assert.equal(await page.locator("#ed-count").textContent(), "✓ valid");
      await screenshot(page, "editor-built-1400x900");
    });

    let saved = "";
    await t.step("the saved YAML validates and simulates to the lesson's trace", async () => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#ed-save")]);
      assert.equal(download.suggestedFilename(), "basics-ping.yaml");
      saved = await Deno.readTextFile(await download.path());
      assert.equal(saved, await yamlText(page));
      const ours = loadTopology(saved, "basics-ping.yaml");
      assert.ok(ours.ok, ours.ok ? "" : ours.errors.map((e) => e.message).join("\n"));
      const lesson = loadTopology(
        await Deno.readTextFile(`${ROOT}/topologies/basics-ping.yaml`),
        "basics-ping.yaml",
      );
      assert.ok(lesson.ok);
      const a = simulate(ours.model).records;
      const b = simulate(lesson.model).records;
      assert.ok(a.filter((r) => r.kind === "tx" && (r.bytes?.length ?? 0) > 0).length > 20);
      assert.equal(traceDifference(a, b), null);
    });

    await t.step("Run simulates it in the view", async () => {
      await page.click("#ed-run");
      await waitReady(page);
      assert.equal(await page.locator("#editor").isVisible(), false);
      assert.equal(await page.locator("#topology g.node").count(), 4);
      assert.match(await page.locator("#run-status").textContent() ?? "", /^basics-ping\.yaml: \d/);
      await page.click("#build-toggle");
    });

    await t.step("undo and redo, by button and by keyboard", async () => {
      await page.mouse.click(...Object.values(await nodeCentre(page, "server")) as [number, number]);
      await page.click("#ed-delete");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 3);
      assert.equal(await page.locator("#editor-canvas .ed-link").count(), 2, "its link went with it");
      await page.click("#ed-undo");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 4);
      assert.equal(await yamlText(page), saved);
      await page.click("#ed-redo");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 3);
      await page.locator("#editor-canvas").click({ position: { x: 5, y: 5 } });
      await page.keyboard.press("Control+z");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 4);
      await page.keyboard.press("Control+Shift+z");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 3);
      await page.keyboard.press("Control+z");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 4);
      assert.equal(await yamlText(page), saved);
    });

    await t.step("a reload keeps the work and its undo", async () => {
      await page.reload();
      await waitReady(page);
      await page.click("#build-toggle");
      assert.equal(await yamlText(page), saved);
      await page.click("#ed-redo");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 3);
      await page.click("#ed-undo");
      await page.waitForFunction(() => document.querySelectorAll("#editor-canvas .ed-node").length === 4);
    });

    await t.step("a mistake shows the loader's message at its field", async () => {
      await page.mouse.click(...Object.values(await nodeCentre(page, "laptop")) as [number, number]);
      await fill(page, control(["nodes", "laptop", "gateway"]), "192.168.1.300");
      const error = page.locator('#ed-form [data-path="nodes\u001flaptop\u001fgateway"] .ed-error');
      await error.waitFor();
      const loaded = loadTopology(await yamlText(page), "basics-ping.yaml");
      assert.ok(!loaded.ok);
      // The same words the CLI prints.
      assert.equal(await error.textContent(), `line ${loaded.errors[0].line}: ${loaded.errors[0].message}`);
      assert.match(await page.locator("#ed-count").textContent() ?? "", /1 problem/);
      assert.equal(await page.locator('.ed-node.bad[data-node="laptop"]').count(), 1);
      await page.click("#ed-undo");
      await page.waitForFunction(() => document.querySelector("#ed-count")?.textContent === "✓ valid");
    });

    await t.step("screenshots at classroom sizes", async () => {
      await page.mouse.click(...Object.values(await nodeCentre(page, "r1")) as [number, number]);
      for (const [w, hgt] of [[1024, 768], [1400, 900], [1920, 1080]] as const) {
        await page.setViewportSize({ width: w, height: hgt });
        await page.waitForTimeout(150);
        await screenshot(page, `editor-${w}x${hgt}`);
      }
    });
  },
);
