import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { simulate } from "../src/sim.ts";
import type { TraceRecord } from "../src/trace/record.ts";
import { action, chain } from "./helpers/model.ts";

function traceHash(records: TraceRecord[]): string {
  const text = records.map((r) => JSON.stringify({ ...r, bytes: r.bytes ? bytesToHex(r.bytes) : undefined }))
    .join("\n");
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}

function lossyRun(seed: number): string {
  const m = chain(4, { loss: 0.2, jitter: 3000, duplicate: 0.05, bandwidth: 2_000_000 });
  m.script = [
    action(0, { node: "server" }, "udp-echo", { port: 7 }),
    action(500_000, { node: "laptop" }, "ping", { dst: "10.0.0.18", count: 20, interval: 100_000 }),
    action(600_000, { node: "laptop" }, "udp-send", {
      dst: "10.0.0.18",
      port: 7,
      count: 30,
      interval: 10_000,
      size: 900,
    }),
  ];
  return traceHash(simulate(m, { seed }).records);
}

Deno.test("same topology and seed give a byte-identical trace; another seed gives another", () => {
  const first = lossyRun(11);
  assert.equal(lossyRun(11), first);
  assert.notEqual(lossyRun(12), first);
});

Deno.test("the engine uses no clock, no Math.random and no Deno/DOM API outside the CLI and server", async () => {
  const offenders: string[] = [];
  const forbidden =
    /\bDate\b|Math\.random|\bDeno\.|\bdocument\.|\bwindow\.|performance\.now|setTimeout|setInterval/;
  async function walk(dir: string) {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        if (path.endsWith("src/cli") || path.endsWith("src/server")) continue;
        await walk(path);
      } else if (path.endsWith(".ts")) {
        const text = await Deno.readTextFile(path);
        text.split("\n").forEach((line, index) => {
          const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
          if (forbidden.test(code)) offenders.push(`${path}:${index + 1}: ${line.trim()}`);
        });
      }
    }
  }
  await walk(new URL("../src", import.meta.url).pathname);
  assert.deepEqual(offenders, []);
});
