/**
 * The browser bundle's entry (built to web/dist/engine.js by `deno bundle --platform browser`): the
 * engine (its kinds, commands and dissectors are static lists, so nothing needs registering) and the
 * view that drives it. The engine runs in the page, so web/ plus this bundle also works as a static site.
 */
import { App } from "./app/app.ts";

function boot(): void {
  const app = new App();
  app.start();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
