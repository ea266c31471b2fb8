/**
 * The layering of DESIGN.md as a checked rule. Every relative import in `src/`, `web/` and `mod.ts` is
 * read and must point at its own layer or a lower one:
 *
 *   base (engine, trace records and tracer, addresses, decode results)
 *   ← crypto ← wire ← stack ← devices ← kinds/topology ← trace tools ← sim ← compare
 *   ← cli | server | web | mod.ts
 *
 * so the engine imports no protocol, the stack knows no device, devices know no YAML and nothing in
 * `src/` imports `web/`. No module may fill a registry as a side effect of being imported: there are no
 * bare `import "./x.ts"` lines and no exported `register*` functions. `KNOWN` lists the violations
 * still being fixed; an entry that is no longer needed fails too, so the list only shrinks. Files stay
 * under 600 lines.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url).pathname;

/**
 * Layers from the bottom up. A group is a folder (ending in `/`) or a file; a file belongs to the
 * group with the longest matching prefix. `peers` lets groups of one layer import each other.
 */
const LAYERS: { name: string; groups: string[]; peers?: boolean }[] = [
  // npm packages, below everything (src/yaml.ts picks one package's build by path).
  { name: "packages", groups: ["node_modules/"] },
  {
    name: "base",
    groups: [
      "src/engine/",
      "src/trace/record.ts",
      "src/trace/tracer.ts",
      "src/trace/lazy_record.ts",
      // The record store the tracer keeps the trace in.
      "src/trace/column.ts",
      "src/trace/record_list.ts",
      "src/trace/record_store.ts",
      "src/trace/sent_frames.ts",
      "src/wire/addr.ts",
      "src/wire/field.ts",
      "src/yaml.ts",
    ],
    peers: true,
  },
  { name: "crypto", groups: ["src/crypto/"] },
  { name: "wire", groups: ["src/wire/"] },
  { name: "stack", groups: ["src/stack/"] },
  { name: "devices", groups: ["src/devices/"] },
  { name: "kinds/topology", groups: ["src/kinds/", "src/topology/"], peers: true },
  { name: "trace tools", groups: ["src/trace/"] },
  { name: "sim", groups: ["src/sim.ts"] },
  // Runs of many topologies measured against each other, shared by the CLI and the view's worker.
  { name: "compare", groups: ["src/compare/"] },
  { name: "shells", groups: ["src/cli/", "src/server/", "web/", "mod.ts"] },
];

/**
 * Violations being fixed (`from -> to`, `side-effect from -> to`, `registry file name`): empty since
 * the kinds became a static list; a break of the rules goes here only with a plan to remove it.
 */
const KNOWN = new Set<string>([]);

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(`${root}${dir}`)) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory && path !== "web/dist") walk(`${path}/`);
      else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
    }
  };
  walk("src/");
  walk("web/");
  files.push("mod.ts");
  return files.sort();
}

/** `a/b/../c.ts` → `a/c.ts`, relative to the repository root. */
function resolve(from: string, specifier: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

interface Import {
  to: string;
  sideEffect: boolean;
}

/** The relative imports and re-exports of a file (comments stripped, so examples in docs do not count). */
function importsOf(file: string, source = Deno.readTextFileSync(`${root}${file}`)): Import[] {
  const text = source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const found: Import[] = [];
  const fromClause = /(?:^|;|\n)\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']/g;
  const bare = /(?:^|;|\n)\s*import\s*["']([^"']+)["']/g;
  const dynamic = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of text.matchAll(fromClause)) found.push({ to: m[1], sideEffect: false });
  for (const m of text.matchAll(dynamic)) found.push({ to: m[1], sideEffect: false });
  for (const m of text.matchAll(bare)) found.push({ to: m[1], sideEffect: true });
  return found.filter((i) => i.to.startsWith(".")).map((i) => ({ ...i, to: resolve(file, i.to) }));
}

function groupOf(file: string): { layer: number; group: string } | undefined {
  let best: { layer: number; group: string } | undefined;
  LAYERS.forEach((layer, index) => {
    for (const group of layer.groups) {
      const match = group.endsWith("/") ? file.startsWith(group) : file === group;
      if (match && (!best || group.length > best.group.length)) best = { layer: index, group };
    }
  });
  return best;
}

/** The breaks of the rules in one file, in the notation of `KNOWN`. */
function violationsIn(file: string, text: string): string[] {
  const found: string[] = [];
  const from = groupOf(file);
  assert.ok(from, `${file} belongs to no layer; add its folder to LAYERS`);
  for (const { to, sideEffect } of importsOf(file, text)) {
    if (sideEffect) found.push(`side-effect ${file} -> ${to}`);
    if (file.startsWith("src/") && to.startsWith("web/")) {
      found.push(`${file} -> ${to}`);
      continue;
    }
    const target = groupOf(to);
    const sameGroup = target?.group === from.group;
    const peers = target?.layer === from.layer && LAYERS[from.layer].peers;
    if (!target || (!sameGroup && !peers && target.layer >= from.layer)) found.push(`${file} -> ${to}`);
  }
  for (const m of text.matchAll(/^export\s+function\s+(register\w*)/gm)) {
    found.push(`registry ${file} ${m[1]}`);
  }
  return found;
}

/** Every break of the rules in the current tree. */
function violations(): string[] {
  const found = sourceFiles().flatMap((file) => violationsIn(file, Deno.readTextFileSync(`${root}${file}`)));
  return [...new Set(found)];
}

Deno.test("layering: every import points at its own layer or a lower one; no import-time registries", () => {
  const found = violations();
  const unexpected = found.filter((v) => !KNOWN.has(v));
  assert.deepEqual(unexpected, [], `imports against the layering (see LAYERS):\n${unexpected.join("\n")}`);
});

Deno.test("layering: the list of known violations holds only violations that still exist", () => {
  const found = new Set(violations());
  const stale = [...KNOWN].filter((v) => !found.has(v));
  assert.deepEqual(stale, [], `fixed; remove from KNOWN in tests/layering_test.ts:\n${stale.join("\n")}`);
});

Deno.test("layering: the checker finds each kind of break in a file that has it", () => {
  const engine = [
    '/** An example: import { x } from "../devices/ignored.ts"; */',
    'import type { Micros } from "./time.ts";',
    'import { summarize } from "../wire/dissect.ts";',
    'export { Link } from "../stack/ip.ts";',
    'import "../topology/kinds.ts";',
    "export function registerThing() {}",
  ].join("\n");
  assert.deepEqual(violationsIn("src/engine/example.ts", engine), [
    "src/engine/example.ts -> src/wire/dissect.ts",
    "src/engine/example.ts -> src/stack/ip.ts",
    "side-effect src/engine/example.ts -> src/topology/kinds.ts",
    "src/engine/example.ts -> src/topology/kinds.ts",
    "registry src/engine/example.ts registerThing",
  ]);
  const device =
    'import type { NodeSpec } from "../topology/model.ts";\nimport { Tracer } from "../trace/tracer.ts";';
  assert.deepEqual(violationsIn("src/devices/example.ts", device), [
    "src/devices/example.ts -> src/topology/model.ts",
  ]);
  assert.deepEqual(violationsIn("src/stack/example.ts", 'import { app } from "../../web/app/app.ts";'), [
    "src/stack/example.ts -> web/app/app.ts",
  ]);
  const shell = 'import { simulate } from "../../src/sim.ts";\nimport { x } from "../../src/cli/cli.ts";';
  assert.deepEqual(violationsIn("web/app/example.ts", shell), ["web/app/example.ts -> src/cli/cli.ts"]);
  assert.deepEqual(violationsIn("src/kinds/lns.ts", 'import { Ctx } from "../topology/schema.ts";'), []);
});

/** Files over the limit that their owners are splitting (one idea per file); they may shrink, not grow. */
const LONG_FILES: Record<string, number> = {};
const MAX_LINES = 600;

Deno.test("files in src/ and web/ stay under 600 lines", () => {
  const long: string[] = [];
  for (const file of sourceFiles()) {
    const lines = Deno.readTextFileSync(`${root}${file}`).split("\n").length - 1;
    if (lines > (LONG_FILES[file] ?? MAX_LINES)) long.push(`${file}: ${lines} lines`);
  }
  assert.deepEqual(long, [], `split these along their seams:\n${long.join("\n")}`);
});
