/**
 * Shared set-up for the end-to-end tests: start the real server (which builds the bundle) on a free
 * port, and drive Debian's Chromium through playwright-core. Without Chromium the tests are skipped
 * locally but fail under CI=true, so a CI machine that lost its browser cannot pass silently.
 */
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
/** Screenshots go here, for a person to look at. */
export const SHOTS = `${ROOT}/test-output/e2e`;

function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** True when the browser tests cannot run here and may be skipped (never under CI). */
export const skipBrowser = !chromiumPresent() && Deno.env.get("CI") !== "true";

/** A running server process and its address. */
export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts `src/server/main.ts` on a free port and waits for it to print its address. */
export async function startServer(args: string[] = []): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      "--allow-run",
      `--allow-write=${ROOT}/web/dist`,
      `${ROOT}/src/server/main.ts`,
      "--port",
      "0",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    output += value;
    const match = /Tunnel Lab view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
    if (match) {
      // Keep draining stdout so the server never blocks on a full pipe.
      (async () => {
        try {
          while (!(await reader.read()).done) { /* drain */ }
        } catch { /* closed */ }
      })();
      return {
        url: match[1],
        stop: async () => {
          child.kill("SIGTERM");
          await child.status;
          await reader.cancel().catch(() => {});
          await child.stderr.cancel().catch(() => {});
        },
      };
    }
  }
  child.kill("SIGTERM");
  const err = await new Response(child.stderr).text().catch(() => "");
  await child.status;
  throw new Error(`server did not start:\n${output}\n${err}`);
}

/** A headless Chromium with a fresh profile. */
export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPresent()) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = await Deno.makeTempDir({ prefix: "tunnel-lab-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    acceptDownloads: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  (page as Page & { errors?: string[] }).errors = errors;
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** Errors the page reported (uncaught exceptions, console errors). */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

/**
 * Waits until the view has finished loading and simulating. Polls on a timer, not on animation
 * frames, so a state the page has reached is seen even while headless Chromium draws no frames.
 */
export async function waitReady(page: Page, state = "ready"): Promise<void> {
  await page.waitForFunction((s) => document.body.dataset.state === s, state, {
    timeout: 60_000,
    polling: 100,
  });
}

/** How long one drawn frame may take before the page counts as not drawing. */
const FRAME_WAIT_MS = 5_000;

/**
 * Waits for Chromium to draw one frame (the view re-measures its words in a ResizeObserver, which runs
 * as a frame is drawn). Headless Chromium has been seen to stop drawing a page for minutes while its
 * scripts still run (a CI run's every later wait then timed out); when that happens the page is
 * brought to the front and its size nudged, which makes Chromium draw again, and what the page looked
 * like is printed so the run's log says it happened. Fails only if frames stay away after three tries.
 */
export async function nextFrame(page: Page): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const drawn = await page.evaluate(
      (ms) =>
        new Promise<boolean>((resolve) => {
          requestAnimationFrame(() => resolve(true));
          setTimeout(() => resolve(false), ms);
        }),
      FRAME_WAIT_MS,
    );
    if (drawn) return;
    const seen = await page.evaluate(() => ({
      visibility: document.visibilityState,
      state: document.body.dataset.state,
      status: document.getElementById("run-status")?.textContent,
      size: `${innerWidth}x${innerHeight}`,
    }));
    console.error(`Chromium drew no frame in ${FRAME_WAIT_MS} ms (try ${attempt}): ${JSON.stringify(seen)}`);
    await page.bringToFront();
    const size = page.viewportSize() ?? { width: 1400, height: 900 };
    await page.setViewportSize({ width: size.width + 1, height: size.height });
    await page.setViewportSize(size);
  }
  throw new Error(`Chromium drew no frame in three tries of ${FRAME_WAIT_MS} ms`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SHOTS, { recursive: true });
  const path = `${SHOTS}/${name}.png`;
  await page.screenshot({ path });
  return path;
}

/** Options of `viewTest`: the server's arguments and the window size to start with. */
export interface ViewTestOptions {
  serverArgs?: string[];
  viewport?: { width: number; height: number };
  /** How long a click or wait may take before it fails; the long classroom tests allow Playwright's 30 s. */
  actionTimeout?: number;
}

/**
 * A browser test of the view: starts the server and Chromium, hands the test its page and the view's
 * address, requires that the page reported no error, and stops both however the test ends. Skipped
 * where `skipBrowser` says so. The set-up every view test used to repeat.
 */
export function viewTest(
  name: string,
  fn: (page: Page, url: string, t: Deno.TestContext) => Promise<void>,
  options: ViewTestOptions = {},
): void {
  Deno.test({
    name,
    ignore: skipBrowser,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      let server: ServerProcess | undefined;
      let browser: Browser | undefined;
      try {
        server = await startServer(options.serverArgs ?? []);
        browser = await launchBrowser();
        const page = browser.page;
        page.setDefaultTimeout(options.actionTimeout ?? 20_000);
        await page.setViewportSize(options.viewport ?? { width: 1400, height: 900 });
        await fn(page, server.url, t);
        const errors = pageErrors(page);
        if (errors.length > 0) throw new Error(`the page reported errors:\n${errors.join("\n")}`);
      } finally {
        await browser?.close();
        await server?.stop();
      }
    },
  });
}

/**
 * Steps that build on each other: after one fails the rest are skipped rather than left to time out,
 * and the page as it was at the failure is saved as `shot`.png for the person reading the failure.
 */
export function chainedSteps(
  ctx: Deno.TestContext,
  page: Page,
  shot: string,
): { step(name: string, fn: () => Promise<void>): Promise<void> } {
  let failed = false;
  return {
    step: async (name, fn) => {
      const ok = await ctx.step({
        name,
        ignore: failed,
        fn: async () => {
          try {
            await fn();
          } catch (e) {
            await screenshot(page, shot).catch(() => {});
            throw e;
          }
        },
      });
      if (!ok) failed = true;
    },
  };
}
