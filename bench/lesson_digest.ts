/**
 * `deno task digest`: one sha256 per output of every lesson run through the CLI's own code path, so a
 * refactoring can prove that it changed no byte. For each topology in `topologies/` and
 * `tests/topology/good/`, at its own seed and at one other seed, it hashes the JSON-lines trace
 * (`--format json`), the readable trace, the keys file (`--keys`) and every pcap `--pcap` writes.
 * Run it before and after a change and `diff` the two outputs: any line that differs names the lesson,
 * the seed and the output that changed.
 */
import { type CliIo, EXIT_OK, runCli } from "../src/cli/cli.ts";

/** Folders whose `*.yaml` files are digested, relative to the repository root. */
const FOLDERS = ["topologies", "tests/topology/good"];

/** A seed other than the lessons' own (1, 7, 8), so random loss and jitter take another path too. */
const OTHER_SEED = "4242";

const root = new URL("..", import.meta.url).pathname;

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const encoder = new TextEncoder();

/** Runs the CLI in-process; returns its exit code and its stdout joined by newlines. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), color: false };
  const code = await runCli(args, io);
  return { code, out: out.join("\n") + "\n", err: err.join("\n") };
}

async function lessonFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const folder of FOLDERS) {
    for await (const entry of Deno.readDir(`${root}${folder}`)) {
      if (entry.isFile && entry.name.endsWith(".yaml")) files.push(`${folder}/${entry.name}`);
    }
  }
  return files.sort();
}

/** Prints `<sha256>  <file> seed=<seed> <output>` lines for one file at one seed. */
async function digestRun(file: string, seed: string | undefined, lines: string[]): Promise<void> {
  const label = `${file} seed=${seed ?? "own"}`;
  const seedArgs = seed === undefined ? [] : ["--seed", seed];
  const dir = await Deno.makeTempDir({ prefix: "tunnel-lab-digest-" });
  try {
    // Relative, so the text trace's header names the file the same way from any checkout.
    const path = file;
    const json = await cli([
      "run",
      path,
      ...seedArgs,
      "--format",
      "json",
      "--pcap",
      dir,
      "--keys",
      `${dir}/keys`,
    ]);
    if (json.code !== EXIT_OK) throw new Error(`${label}: exit ${json.code}: ${json.err}`);
    lines.push(`${await sha256(encoder.encode(json.out))}  ${label} trace.jsonl`);
    const text = await cli(["run", path, ...seedArgs]);
    if (text.code !== EXIT_OK) throw new Error(`${label}: exit ${text.code}: ${text.err}`);
    lines.push(`${await sha256(encoder.encode(text.out))}  ${label} trace.txt`);
    const written: string[] = [];
    for await (const entry of Deno.readDir(dir)) written.push(entry.name);
    for (const name of written.sort()) {
      lines.push(`${await sha256(await Deno.readFile(`${dir}/${name}`))}  ${label} ${name}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  Deno.chdir(root);
  const lines: string[] = [];
  const files = await lessonFiles();
  for (const file of files) {
    await digestRun(file, undefined, lines);
    await digestRun(file, OTHER_SEED, lines);
  }
  for (const line of lines) console.log(line);
  const pcaps = lines.filter((l) => l.endsWith(".pcap")).length;
  console.error(`digest: ${files.length} topologies x 2 seeds, ${lines.length} outputs (${pcaps} pcaps)`);
}
