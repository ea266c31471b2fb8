/**
 * The browser bundle's entry (built to web/dist/engine.js by `deno bundle --platform browser`): the
 * engine with every protocol registered, and the view that drives it. The engine runs in the page, so
 * web/ plus this bundle also works as a static site.
 */
import "../src/plugins.ts";
import { App } from "./app/app.ts";

function boot(): void {
  const app = new App();
  app.start();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
