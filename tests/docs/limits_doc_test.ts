/** docs/topology.md states the run ceilings; they must be the numbers the engine enforces. */
import assert from "node:assert/strict";
import { RUN_LIMITS } from "../../src/engine/limits.ts";

Deno.test("docs/topology.md names the run ceilings the engine enforces", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/topology.md", import.meta.url));
  const words = (n: number) => n.toLocaleString("en-US");
  assert.match(doc, new RegExp(`${words(RUN_LIMITS.events)} scheduler events`));
  assert.match(doc, new RegExp(`${words(RUN_LIMITS.records)} trace records`));
});
