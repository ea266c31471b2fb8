/**
 * Every shell command shown in README.md and docs/*.md (in `sh` and plain fenced blocks, and inline code
 * that starts with a command) is either run here, as written, in a scratch copy of the repository, or
 * listed below as not runnable with the reason. A new command in the docs fails this test until it is
 * one or the other. Placeholders are filled in: FILE is a lesson (one with a home-router), `deno` is the pinned one, and the
 * library command's path and script are this repository and a script that imports mod.ts.
 */
import assert from "node:assert/strict";
import { docFiles, fencedBlocks } from "./markdown.ts";
import { skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;
const COMMAND = /^(npm|deno|\.\/node_modules\/\.bin\/deno|tshark|wireshark|mkdir|grep) /;

/** The commands of the docs in order, without trailing comments. */
function documentedCommands(): { file: string; command: string }[] {
  const out: { file: string; command: string }[] = [];
  for (const file of docFiles(root)) {
    const text = Deno.readTextFileSync(`${root}${file}`);
    for (const block of fencedBlocks(file, text)) {
      if (block.lang !== "sh" && block.lang !== "") continue;
      for (const line of block.text.split("\n")) {
        const command = line.replace(/\s+#.*$/, "").trim();
        if (COMMAND.test(command)) out.push({ file, command });
      }
    }
    const prose = text.replace(/```[\s\S]*?```/g, "");
    for (const m of prose.matchAll(/`([^`\n]+)`/g)) if (COMMAND.test(m[1])) out.push({ file, command: m[1] });
  }
  return out;
}

const NOT_RUN: Record<string, string> = {
  "npm install": "installs the dependencies the tests already run on",
  "npm install && npm start": "starts the server until Ctrl+C; tests/server/ cover its options and files",
  "npm install && npm test": "the whole suite, of which this test is a part",
  "npm test": "the whole suite, of which this test is a part",
  "npm run test:fast": "the fast suite, of which this test is a part",
  "npm start": "starts the server until Ctrl+C; tests/server/ cover its options and files",
  "npm start -- --port 8080 --lesson nat-home-router.yaml":
    "starts the server until Ctrl+C; tests/server/ parse these options",
  "npm start -- --lesson my-first-nat.yaml":
    "starts the server until Ctrl+C; tests/server/ parse these options",
  "deno task start": "starts the server until Ctrl+C; tests/server/ cover it",
  "deno task start [--port N] [--host ADDR] [--lesson FILE] [--topologies DIR] [--no-build]":
    "a synopsis, not a command; tests/server/ parse each option",
  "deno bundle": "a step of npm start and deno task bundle, named in prose",
  "deno bundle --platform browser": "a step of deno task bundle, named in prose",
  "deno task bundle": "rewrites web/dist/; the end-to-end tests build and use the bundle",
  "deno task bench": "benchmarks take minutes and print ratios; never part of a timed test",
  "deno task bench flood scale": "benchmarks take minutes and print ratios; never part of a timed test",
  "deno task digest": "hashes every lesson's traces and pcaps; run by hand before and after refactors",
  "deno task check": "fmt, lint and type check, run before every landing",
  "./node_modules/.bin/deno run --allow-read --allow-env src/server/main.ts --print-index > topologies/index.json":
    "overwrites the lesson index it reads its default from (issue 16: to be replaced by a task)",
  "grep -v '^#' keys.txt | sed 's/^/-o\\n/' | xargs -d '\\n' tshark -r link.pcap":
    "keys.txt and link.pcap are placeholders; README.md's same pipeline runs with real files",
};

const LIBRARY_SCRIPT = `import { loadTopology, simulate, writePcap } from "${root}mod.ts";
const loaded = loadTopology(Deno.readTextFileSync("topologies/basics-ping.yaml"), "basics-ping.yaml");
if (!loaded.ok) throw new Error("load");
const run = simulate(loaded.model, { seed: 7 });
if (writePcap(run.records, "backbone").length < 100) throw new Error("pcap");
`;

/** A scratch copy: the code and tools linked, topologies/ copied (first-lesson.md adds one). */
function sandbox(): string {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-docs-" });
  for (const name of ["package.json", "deno.json", "node_modules", "src", "mod.ts"]) {
    Deno.symlinkSync(`${root}${name}`, `${dir}/${name}`);
  }
  Deno.mkdirSync(`${dir}/topologies`);
  for (const e of Deno.readDirSync(`${root}topologies`)) {
    Deno.copyFileSync(`${root}topologies/${e.name}`, `${dir}/topologies/${e.name}`);
  }
  const firstLesson = fencedBlocks(
    "docs/first-lesson.md",
    Deno.readTextFileSync(`${root}docs/first-lesson.md`),
  )
    .find((b) => b.lang === "yaml")!;
  Deno.writeTextFileSync(`${dir}/topologies/my-first-nat.yaml`, firstLesson.text);
  Deno.writeTextFileSync(`${dir}/my_script.ts`, LIBRARY_SCRIPT);
  return dir;
}

function asRun(command: string): string {
  return command
    .replaceAll(" FILE", " topologies/nat-home-router.yaml")
    .replace(/^deno task /, "./node_modules/.bin/deno task ")
    .replace("/path/to/tunnel-lab/", root);
}

Deno.test("every documented command is run below or listed as not runnable, with a reason", () => {
  const commands = documentedCommands();
  assert.ok(commands.length >= 20, `only ${commands.length} commands found`);
  for (const [command, reason] of Object.entries(NOT_RUN)) {
    assert.ok(commands.some((c) => c.command === command), `listed but no longer documented: ${command}`);
    assert.ok(reason.length > 10);
  }
});

Deno.test({
  name: "the documented commands run as written and succeed",
  ignore: skipWithoutTshark,
  fn: async () => {
    const dir = sandbox();
    try {
      const failures: string[] = [];
      for (const { file, command } of documentedCommands()) {
        if (command in NOT_RUN) continue;
        const out = await new Deno.Command("bash", {
          args: ["-c", asRun(command)],
          cwd: dir,
          stdout: "piped",
          stderr: "piped",
        })
          .output();
        const text = new TextDecoder().decode(out.stdout);
        if (!out.success) {
          failures.push(`${file}: ${command}: exit ${out.code}\n${new TextDecoder().decode(out.stderr)}`);
        } else if (command.includes("--format json")) {
          // The JSON example promises lines a script can read: every line parses.
          for (const line of text.trim().split("\n")) JSON.parse(line);
        } else if (command.includes("tshark")) {
          // Decrypted ESP shows what it carries: L2TP in the L2TP/IPsec lessons, the ping itself in
          // IKEv2's tunnel mode (docs/ikev2.md runs the same two commands on its lesson).
          const inner = file === "docs/ikev2.md" ? /ICMP .*Echo \(ping\) request/ : /L2TP .*SCCRQ/;
          assert.match(text, inner, `${file}: the keys decrypt ESP down to what it carries`);
        }
      }
      assert.deepEqual(failures, []);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
