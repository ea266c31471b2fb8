/**
 * The command line: `run`, `validate`, `help`. Exit codes: 0 success, 2 bad input (nothing is run),
 * 1 internal error. Output goes through `CliIo` so tests can run the CLI in-process.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import "../plugins.ts";
import { formatDuration, formatTime, type Micros, parseDuration } from "../engine/time.ts";
import { simulate } from "../sim.ts";
import { commandList } from "../topology/commands.ts";
import { getKind, kindNames } from "../topology/kinds.ts";
import type { TopologyModel } from "../topology/model.ts";
import { closest } from "../topology/values.ts";
import {
  formatJsonRecord,
  formatJsonSummary,
  formatJsonTable,
  formatSummary,
  formatTable,
  formatTrace,
} from "../trace/format.ts";
import { summarize } from "../trace/summary.ts";
import { checkExpectations } from "../trace/expect.ts";
import { formatKeysFile, ipsecKeysFromTrace } from "../stack/ipsec/keys.ts";
import { tablesAt } from "../trace/tables.ts";
import { describeIoError, loadTopologyFile } from "./load_file.ts";
import { checkPcapTargets, writePcaps } from "./pcap_files.ts";
import { dialupLines } from "../trace/pcap.ts";
import { writeWireguardKeyLog } from "./wg_keylog.ts";

/** Where the CLI writes: lines to stdout and stderr, and whether stdout may be coloured. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  color: boolean;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;

/** Shown by `help`, `--help` and after a usage mistake. */
export function usage(): string {
  const commands = commandList().map((c) => `    ${c.target === "node" ? "node" : "link"}: ${c.usage}`);
  return [
    "Tunnel Lab: a deterministic network simulator for L2TP/IPsec across NAT routers and ISPs.",
    "",
    "Usage:",
    "  deno task sim run FILE [options]   simulate a topology and print the trace",
    "  deno task sim validate FILE        check a topology file and report every mistake",
    "  deno task sim help                 this text",
    "",
    "Options for run:",
    "  --seed N                 override the topology's seed (same seed, same trace)",
    "  --until T                stop at simulated time T (e.g. 500ms, 10s, 1m) instead of the duration",
    "  --pcap DIR               write one pcap per link to DIR/<link>.pcap (Wireshark, tshark)",
    "  --keys FILE              write the run's IPsec keys (ESP SAs, IKEv1) as tshark -o options",
    "  --wg-keylog FILE         write the run's WireGuard key log (tshark -o wg.keylog_file:FILE)",
    "  --format text|json       readable trace (default) or one JSON object per line",
    "  --show TABLE@NODE[@T]    print a device table at the end or at time T, e.g. routes@r1,",
    "                           interfaces@laptop@2s, nat@home-router (repeatable)",
    "",
    "Exit status: 0 success, 2 bad input (errors as file:line:col: message), 1 internal error.",
    "",
    `Node kinds: ${kindNames().map((k) => `${k} (${getKind(k)!.summary})`).join("; ")}`,
    "Script commands (do:):",
    ...commands,
  ].join("\n");
}

interface ShowRequest {
  table: string;
  node: string;
  t?: Micros;
  text: string;
}

class BadInput extends Error {}

function parseShow(text: string, model: TopologyModel): ShowRequest {
  const parts = text.split("@");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new BadInput(
      `--show ${text}: expected TABLE@NODE or TABLE@NODE@TIME, e.g. routes@r1 or nat@home-router@5s`,
    );
  }
  const [table, node, time] = parts;
  const names = model.nodes.map((n) => n.name);
  if (!names.includes(node)) {
    const hint = closest(node, names);
    throw new BadInput(`--show ${text}: no node "${node}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
  }
  const request: ShowRequest = { table, node, text };
  if (time !== undefined) {
    const t = parseDuration(time);
    if (t === null) throw new BadInput(`--show ${text}: bad time "${time}" (write it like 500ms, 2s or 1m)`);
    request.t = t;
  }
  return request;
}

function parseSeed(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
    throw new BadInput(`--seed ${text}: expected a whole number from 0 to 4294967295`);
  }
  return Number(text);
}

function parseUntil(text: string): Micros {
  const t = parseDuration(text);
  if (t === null || t <= 0) throw new BadInput(`--until ${text}: expected a time like 500ms, 10s or 1m`);
  return t;
}

/** Runs the CLI with `args` (without the program name); resolves to the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (e) {
    if (e instanceof BadInput) {
      io.err(`error: ${e.message}`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
}

async function dispatch(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) {
    io.err(usage());
    return EXIT_BAD_INPUT;
  }
  if (command === "help" || command === "--help" || command === "-h") {
    io.out(usage());
    return EXIT_OK;
  }
  if (command === "validate") return await validate(rest, io);
  if (command === "run") return await run(rest, io);
  const hint = closest(command, ["run", "validate", "help"]);
  throw new BadInput(
    `unknown command "${command}"${
      hint ? ` (did you mean "${hint}"?)` : ""
    }; try: run FILE, validate FILE, help`,
  );
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util's messages are clear ("Unknown option '--sed'"); drop its advice about "--" separators.
    const message = e instanceof Error ? e.message.split(". To specify")[0] : String(e);
    throw new BadInput(`${message}; see --help`);
  }
}

function oneFile(positionals: string[], command: string): string {
  if (positionals.length !== 1) {
    throw new BadInput(`${command} needs exactly one topology file, got ${positionals.length}; see --help`);
  }
  return positionals[0];
}

async function validate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: "boolean", short: "h" } });
  if (values.help) {
    io.out(usage());
    return EXIT_OK;
  }
  const file = oneFile(positionals, "validate");
  const loaded = await loadTopologyFile(file);
  if (!loaded.ok) {
    for (const m of loaded.messages) io.err(m);
    return EXIT_BAD_INPUT;
  }
  const m = loaded.model;
  io.out(
    `${file}: ok: "${m.name}", ${m.nodes.length} nodes, ${m.links.length} links, ` +
      `${m.script.length} script actions, runs ${formatDuration(m.duration)}`,
  );
  return EXIT_OK;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    seed: { type: "string" },
    until: { type: "string" },
    pcap: { type: "string" },
    keys: { type: "string" },
    "wg-keylog": { type: "string" },
    format: { type: "string", default: "text" },
    show: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(usage());
    return EXIT_OK;
  }
  const file = oneFile(positionals, "run");
  const format = values.format as string;
  if (format !== "text" && format !== "json") throw new BadInput(`--format ${format}: expected text or json`);
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed as string);
  const until = values.until === undefined ? undefined : parseUntil(values.until as string);

  const loaded = await loadTopologyFile(file);
  if (!loaded.ok) {
    for (const m of loaded.messages) io.err(m);
    return EXIT_BAD_INPUT;
  }
  const model = loaded.model;
  const shows = ((values.show as string[] | undefined) ?? []).map((s) => parseShow(s, model));
  const pcapDir = values.pcap as string | undefined;
  if (pcapDir !== undefined) {
    const problem = await checkPcapTargets(pcapDir, model.links.map((l) => l.name));
    if (problem) throw new BadInput(problem);
  }

  const result = simulate(model, { seed, until });
  const records = result.records;

  if (format === "json") {
    for (const r of records) io.out(formatJsonRecord(r));
  } else {
    io.out(
      `# ${model.name}: ${file}, seed ${seed ?? model.seed}, until ${
        formatDuration(until ?? model.duration)
      }`,
    );
    for (const line of formatTrace(records, { nodes: model.nodes.map((n) => n.name), color: io.color })) {
      io.out(line);
    }
  }

  let missingTable = false;
  for (const show of shows) {
    const tables = tablesAt(records, show.node, show.t);
    const rows = tables.get(show.table);
    if (!rows) {
      missingTable = true;
      const known = [...tablesAt(records, show.node).keys()];
      const when = show.t === undefined ? "" : ` at ${formatTime(show.t)}s`;
      io.err(
        `error: --show ${show.text}: ${show.node} has no table "${show.table}"${when}` +
          (known.length > 0 ? ` (it has: ${known.join(", ")})` : " (it published no tables)"),
      );
      continue;
    }
    if (format === "json") io.out(formatJsonTable(show.node, show.table, rows, show.t));
    else io.out(["", ...formatTable(show.node, show.table, rows, show.t)].join("\n"));
  }

  const summary = summarize(records, result.links.map((l) => l.name));
  const facts = { name: model.name, seed: seed ?? model.seed, end: result.end, events: result.events };
  if (format === "json") io.out(formatJsonSummary(summary, facts));
  else for (const line of formatSummary(summary, facts)) io.out(line);

  const verdicts = checkExpectations(model.expectations ?? [], records);
  if (verdicts.length > 0) {
    if (format === "json") {
      for (const v of verdicts) io.out(JSON.stringify({ type: "expectation", ...v }));
    } else {
      const met = verdicts.filter((v) => v.met).length;
      io.out(`expectations: ${met} of ${verdicts.length} met`);
      for (const v of verdicts) io.out(`  ${v.met ? "✓" : "✗"} ${v.say}${v.met ? "" : ` — ${v.detail}`}`);
    }
  }

  if (pcapDir !== undefined) {
    // Dial-up lines exist only once the run has dialled them, so their files are checked now.
    const lines = dialupLines(records);
    const problem = lines.length ? await checkPcapTargets(pcapDir, lines) : undefined;
    if (problem) {
      io.err(`error: ${problem}`);
      return EXIT_BAD_INPUT;
    }
    try {
      const written = await writePcaps(pcapDir, records, [...result.links.map((l) => l.name), ...lines]);
      io.err(`pcap: wrote ${written.map((w) => `${w.file} (${w.packets} packets)`).join(", ")}`);
    } catch (e) {
      io.err(`error: --pcap ${pcapDir}: ${describeIoError(e)}`);
      return EXIT_BAD_INPUT;
    }
  }
  const keysFile = values.keys as string | undefined;
  if (keysFile !== undefined) {
    const problem = await writeKeysFile(keysFile, formatKeysFile(ipsecKeysFromTrace(records)));
    if (problem) {
      io.err(`error: --keys ${keysFile}: ${problem}`);
      return EXIT_BAD_INPUT;
    }
    io.err(`keys: wrote ${keysFile} (pass each line to tshark as -o '<line>')`);
  }
  const keylogFile = values["wg-keylog"] as string | undefined;
  if (keylogFile !== undefined) {
    const problem = await writeWireguardKeyLog(keylogFile, records);
    if (problem) {
      io.err(`error: --wg-keylog ${keylogFile}: ${problem}`);
      return EXIT_BAD_INPUT;
    }
    io.err(`wg-keylog: wrote ${keylogFile} (tshark -o wg.keylog_file:${keylogFile})`);
  }
  return missingTable ? EXIT_BAD_INPUT : EXIT_OK;
}

const KEYS_HEADER = "# Tunnel Lab IPsec keys";

/** Writes the keys file, refusing to replace a file that is not one we wrote (nothing the user wrote is lost). */
async function writeKeysFile(path: string, text: string): Promise<string | undefined> {
  try {
    const existing = await Deno.readTextFile(path);
    if (!existing.startsWith(KEYS_HEADER)) {
      return "the file exists and is not a Tunnel Lab keys file; not overwriting it";
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return describeIoError(e);
  }
  try {
    await Deno.writeTextFile(path, text);
    return undefined;
  } catch (e) {
    return describeIoError(e);
  }
}
