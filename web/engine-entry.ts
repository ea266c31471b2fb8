/**
 * The browser bundle's entry (built to web/dist/engine.js by `deno bundle --platform browser`): the
 * engine (its kinds, commands and dissectors are static lists) and the view that drives it. The same file runs twice: in
 * the page it starts the view, and loaded as a module worker (it has no `document` there) it serves
 * simulations, so a static site still needs only this one bundle.
 */
import { App } from "./app/app.ts";
import { serveWorker } from "./app/sim_worker.ts";
import { startClassTools } from "./editor/boot.ts";

function boot(): void {
  const url = new URL(import.meta.url).href;
  const app = new App(url);
  startClassTools(app, url);
  app.start();
}

if (typeof document === "undefined") {
  serveWorker(globalThis as unknown as Parameters<typeof serveWorker>[0]);
} else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
