/**
 * The command line: `run`, `validate`, `help`. Exit codes: 0 success, 2 bad input (nothing is run),
 * 1 internal error. Output goes through `CliIo` so tests can run the CLI in-process.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatDuration } from "../engine/time.ts";
import { INPUT_LIMITS, RUN_LIMITS } from "../engine/limits.ts";
import { COMMANDS, KINDS } from "../kinds/index.ts";
import { closest } from "../topology/values.ts";
import { loadTopologyFile } from "./load_file.ts";
import { folderOf, lessonNames } from "./library.ts";
import { formatTopologyError } from "../topology/load.ts";
import { unknownAfter } from "../topology/lesson_extras.ts";
import { checkCommand } from "./check.ts";
import { handoutCommand } from "./handout.ts";
import { compareCommand } from "./compare.ts";
import { BadInput, parseUntil, runCommand, type RunOptions } from "./run.ts";
import { KNOWN_TABLES } from "./show.ts";

/**
 * Where the CLI writes: lines to stdout and stderr, and whether stdout may be coloured. `flush` pushes
 * buffered output out (called after each slice of a run); `interrupted` says Ctrl+C was pressed.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  color: boolean;
  flush?(): void;
  interrupted?(): boolean;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;

/** Shown by `help`, `--help` and after a usage mistake. */
export function usage(): string {
  const commands = COMMANDS.map((c) => `    ${c.target === "node" ? "node" : "link"}: ${c.usage}`);
  return [
    "Tunnel Lab: a deterministic network simulator for L2TP/IPsec across NAT routers and ISPs.",
    "",
    "Usage:",
    "  deno task sim run FILE [options]   simulate a topology and print the trace",
    "  deno task sim validate FILE        check a topology file and report every mistake",
    "  deno task sim check FILE [--apply CHANGES.yaml | --solution] [--answers ANSWERS.yaml] [--answer N=TEXT]",
    "                                     grade an exercise (score 3/4, which goals hold) and answers",
    "                                     to checkable questions (read from the run's tables)",
    "  deno task sim handout FILE --out PAGE.html [--teacher]  a printable handout of the lesson",
    "  deno task sim compare [--dir DIR] [--seed N]  run each VPN protocol on the same network, one table",
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
    `                           tables: ${KNOWN_TABLES.join(", ")}`,
    "  --check                  exit 1 when any of the lesson's expectations is unmet",
    "  --keep node=N|link=L|proto=P  a bounded run for huge topologies: store (and print) only the",
    "                           packet records that match every --keep given (names comma-separated);",
    "                           tables, app output and keys are always kept (repeatable)",
    "",
    "Exit status: 0 success, 2 bad input (errors as file:line:col: message; nothing is run),",
    "1 internal error or (with --check) an unmet expectation, 130 interrupted (Ctrl+C).",
    `Limits: files up to ${INPUT_LIMITS.fileBytes / 1024} KiB; a run stops at ${
      formatDuration(RUN_LIMITS.duration)
    } simulated, ${RUN_LIMITS.events} events or ${RUN_LIMITS.records} records.`,
    "",
    `Node kinds: ${KINDS.map((k) => `${k.name} (${k.summary})`).join("; ")}`,
    "Script commands (do:):",
    ...commands,
  ].join("\n");
}

function parseSeed(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
    throw new BadInput(`--seed ${text}: expected a whole number from 0 to 4294967295`);
  }
  return Number(text);
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
  if (command === "compare") return await compareCommand(rest, io);
  if (command === "check") return await check(rest, io);
  if (command === "handout") return await handout(rest, io);
  const hint = closest(command, ["run", "validate", "check", "handout", "compare", "help"]);
  throw new BadInput(
    `unknown command "${command}"${
      hint ? ` (did you mean "${hint}"?)` : ""
    }; try: run FILE, validate FILE, check FILE, help`,
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
  if ((m.lesson?.after ?? []).length > 0) {
    const errors = unknownAfter(m, await lessonNames(folderOf(file)));
    if (errors.length > 0) {
      for (const e of errors) io.err(formatTopologyError(e));
      return EXIT_BAD_INPUT;
    }
  }
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
    keep: { type: "string", multiple: true },
    check: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(usage());
    return EXIT_OK;
  }
  const file = oneFile(positionals, "run");
  const format = values.format as string;
  if (format !== "text" && format !== "json") throw new BadInput(`--format ${format}: expected text or json`);
  const options: RunOptions = {
    file,
    format,
    show: (values.show as string[] | undefined) ?? [],
    check: values.check === true,
  };
  if (values.keep !== undefined) options.keep = values.keep as string[];
  if (values.seed !== undefined) options.seed = parseSeed(values.seed as string);
  if (values.until !== undefined) options.until = parseUntil(values.until as string);
  if (values.pcap !== undefined) options.pcap = values.pcap as string;
  if (values.keys !== undefined) options.keys = values.keys as string;
  if (values["wg-keylog"] !== undefined) options.wgKeylog = values["wg-keylog"] as string;
  return await runCommand(options, io);
}

async function check(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    apply: { type: "string" },
    solution: { type: "boolean" },
    answers: { type: "string" },
    answer: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(usage());
    return EXIT_OK;
  }
  return await checkCommand({
    file: oneFile(positionals, "check"),
    apply: values.apply as string | undefined,
    solution: values.solution === true,
    answers: values.answers as string | undefined,
    answer: (values.answer as string[] | undefined) ?? [],
  }, io);
}

async function handout(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: "string" },
    teacher: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(usage());
    return EXIT_OK;
  }
  return await handoutCommand({
    file: oneFile(positionals, "handout"),
    out: values.out as string | undefined,
    teacher: values.teacher === true,
  }, io);
}
