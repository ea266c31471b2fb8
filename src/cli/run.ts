/**
 * `run FILE`: everything that can be refused is checked before the first event (the file, `--show`,
 * `--pcap` and `--keys` targets), so a bad input never costs a run. Each record is written as it is
 * emitted (the header before the network is built); the run goes in slices, output is flushed after
 * each, and Ctrl+C between slices stops the run with a line saying where. Slicing does not change the
 * trace (see src/sim.ts).
 */
import { formatDuration, formatTime, type Micros, parseDuration } from "../engine/time.ts";
import { RUN_LIMITS } from "../engine/limits.ts";
import { startSimulation } from "../sim.ts";
import { formatKeysFile, ipsecKeysFromTrace } from "../trace/keys_file.ts";
import type { TopologyModel } from "../topology/model.ts";
import { checkExpectations } from "../trace/expect.ts";
import {
  formatJsonRecord,
  formatJsonSummary,
  formatRecord,
  formatSummary,
  type Layout,
} from "../trace/format.ts";
import { summarize } from "../trace/summary.ts";
import { addKeepSpec, describeKeep, type KeepFilter, keepTest } from "../trace/keep.ts";
import type { BoundedFacts } from "../sim.ts";
import type { CliIo } from "./cli.ts";
import { lessonLines } from "./lesson.ts";
import { loadTopologyFile } from "./load_file.ts";
import { checkKeysTarget, checkPcapTargets, writeKeysFile, writePcaps } from "./pcap_files.ts";
import { checkWireguardKeyLogTarget, writeWireguardKeyLog } from "./wg_keylog.ts";
import { KNOWN_TABLES, parseShow, type ShowRequest, showTable } from "./show.ts";

/** Exit code after Ctrl+C, as shells report a SIGINT death. */
export const EXIT_INTERRUPTED = 130;
/** Exit code of `--check` when an expectation is unmet. */
export const EXIT_UNMET = 1;

/** Events per slice: small enough that output and Ctrl+C feel immediate, big enough to cost nothing. */
const SLICE_EVENTS = 2_000;

/** The options of `run`, already parsed. */
export interface RunOptions {
  file: string;
  format: "text" | "json";
  seed?: number;
  until?: Micros;
  pcap?: string;
  keys?: string;
  /** `--wg-keylog FILE`: the WireGuard key log for tshark. */
  wgKeylog?: string;
  show: string[];
  check: boolean;
  /** `--keep` values: a bounded run (see src/trace/keep.ts). */
  keep?: string[];
}

/** A mistake in the arguments: printed as `error: ...`, exit 2, nothing run. */
export class BadInput extends Error {}

/** Parses `--until`: a duration within the run ceiling. */
export function parseUntil(text: string): Micros {
  const t = parseDuration(text);
  if (t === null || t <= 0) throw new BadInput(`--until ${text}: expected a time like 500ms, 10s or 1m`);
  if (t > RUN_LIMITS.duration) {
    throw new BadInput(
      `--until ${text}: at most ${formatDuration(RUN_LIMITS.duration)} (a documented limit)`,
    );
  }
  return t;
}

/**
 * The dial-up lines the run may capture, named as the dial-up module names them (`subscriber_isp`);
 * known before the run so their pcap files are checked with the links'.
 */
export function dialupLineNames(model: TopologyModel): string[] {
  return model.nodes
    .filter((n) => n.kind === "subscriber" && typeof n.config.isp === "string")
    .map((n) => `${n.name}_${n.config.isp}`);
}

/** Column widths known before the run, so each record can be printed the moment it exists. */
function streamLayout(model: TopologyModel, color: boolean): Layout {
  const wheres = [
    ...model.links.flatMap((l) => l.endpoints.map((e) => `${e.iface} → ${l.name}`)),
    ...dialupLineNames(model).map((line) => `line → ${line}`),
    ...KNOWN_TABLES,
  ];
  return {
    nodeWidth: Math.min(20, Math.max(0, ...model.nodes.map((n) => n.name.length))),
    whereWidth: Math.min(24, Math.max(0, ...wheres.map((w) => w.length))),
    color,
  };
}

/** Runs `run` with parsed options; resolves to the exit code. */
export async function runCommand(options: RunOptions, io: CliIo): Promise<number> {
  const { file, format } = options;
  const loaded = await loadTopologyFile(file);
  if (!loaded.ok) {
    for (const m of loaded.messages) io.err(m);
    return 2;
  }
  const model = loaded.model;
  const problems: string[] = [];
  const shows: ShowRequest[] = [];
  for (const text of options.show) {
    const parsed = parseShow(text, model);
    if (typeof parsed === "string") problems.push(parsed);
    else shows.push(parsed);
  }
  let keep: KeepFilter | undefined;
  for (const text of options.keep ?? []) {
    keep ??= {};
    const known = { nodes: model.nodes.map((n) => n.name), links: model.links.map((l) => l.name) };
    const problem = addKeepSpec(keep, text, known);
    if (problem) problems.push(problem);
  }
  if (options.pcap !== undefined) {
    const names = [...model.links.map((l) => l.name), ...dialupLineNames(model)];
    problems.push(...await checkPcapTargets(options.pcap, names));
  }
  if (options.keys !== undefined) {
    const problem = await checkKeysTarget(options.keys);
    if (problem) problems.push(problem);
  }
  if (options.wgKeylog !== undefined) {
    const problem = await checkWireguardKeyLogTarget(options.wgKeylog);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) {
    for (const p of problems) io.err(`error: ${p}`);
    return 2;
  }

  const seed = options.seed ?? model.seed;
  const until = options.until ?? model.duration;
  const layout = streamLayout(model, io.color);
  if (format === "text") io.out(`# ${model.name}: ${file}, seed ${seed}, until ${formatDuration(until)}`);
  // Out before the network is built, so a big run shows at once that it started.
  io.flush?.();
  const simulation = startSimulation(model, {
    seed: options.seed,
    until: options.until,
    keep: keep && keepTest(keep),
  });
  let printed = 0;
  // Writes the stored records not yet written, in the order stored. Called for every record emitted,
  // so each is written the moment it exists; going by the store, not by the record handed to the
  // listener, keeps the order when a listener (a tap) emits a record about the one it was given, and
  // leaves out what a bounded run did not keep.
  const printNew = () => {
    const records = simulation.records;
    for (; printed < records.length; printed++) {
      io.out(format === "json" ? formatJsonRecord(records[printed]) : formatRecord(records[printed], layout));
    }
  };
  printNew();
  simulation.subscribe(printNew);
  while (!simulation.advance(SLICE_EVENTS)) {
    io.flush?.();
    // Let a pending Ctrl+C be delivered between slices.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (io.interrupted?.()) {
      io.err(
        `interrupted at ${formatTime(simulation.now)}s of ${formatDuration(until)} simulated, after ` +
          `${simulation.events} events and ${simulation.records.length} records; the trace above is complete up to there`,
      );
      return EXIT_INTERRUPTED;
    }
  }
  io.flush?.();
  const result = simulation.result();
  const records = result.records;
  if (result.stopped) io.err(`warning: ${result.stopped.message}`);

  let missingTable = false;
  for (const show of shows) {
    const shown = showTable(show, records, format);
    if ("error" in shown) {
      missingTable = true;
      io.err(`error: ${shown.error}`);
    } else for (const line of shown.lines) io.out(line);
  }

  const verdicts = checkExpectations(model.expectations ?? [], records);
  const summary = summarize(records, result.links.map((l) => l.name));
  const facts = { name: model.name, seed, end: result.end, events: result.events };
  const boundedNote = keep && result.bounded ? boundedLines(keep, result.bounded, records.length) : [];
  if (format === "json") {
    // The summary stays the last line; an unmet expectation has no event, so its seq and t are null.
    for (const v of verdicts) {
      io.out(
        JSON.stringify({
          type: "expectation",
          say: v.say,
          met: v.met,
          seq: v.seq ?? null,
          t: v.t ?? null,
          detail: v.detail,
        }),
      );
    }
    const bounded = keep && result.bounded
      ? { keep: describeKeep(keep), kept: records.length, emitted: result.bounded.emitted, note: boundedNote }
      : undefined;
    io.out(formatJsonSummary(summary, bounded ? { ...facts, bounded } : facts));
  } else {
    for (const line of formatSummary(summary, facts)) io.out(line);
    for (const line of boundedNote) io.out(line);
    if (model.lesson) { for (const line of lessonLines(model.lesson, records)) io.out(line); }
    if (verdicts.length > 0) {
      const met = verdicts.filter((v) => v.met).length;
      io.out(`expectations: ${met} of ${verdicts.length} met`);
      for (const v of verdicts) io.out(`  ${v.met ? "✓" : "✗"} ${v.say}${v.met ? "" : ` — ${v.detail}`}`);
    }
  }

  let status = missingTable ? 2 : 0;
  if (options.pcap !== undefined) {
    const names = [...result.links.map((l) => l.name), ...dialupLineNames(model)];
    const written = await writePcaps(options.pcap, records, names);
    const done = written.filter((w) => w.written).map((w) => `${w.path} (${w.packets} packets)`);
    if (done.length > 0) io.err(`pcap: wrote ${done.join(", ")}`);
    for (const w of written) {
      if (!w.written) {
        io.err(`pcap: skipped ${w.path}: ${w.reason}`);
        status = 2;
      }
    }
  }
  if (options.keys !== undefined) {
    const outcome = await writeKeysFile(options.keys, formatKeysFile(ipsecKeysFromTrace(records)));
    if (outcome.written) io.err(`keys: wrote ${options.keys} (pass each line to tshark as -o '<line>')`);
    else {
      io.err(`keys: skipped ${options.keys}: ${outcome.reason}`);
      status = 2;
    }
  }
  if (options.wgKeylog !== undefined) {
    const outcome = await writeWireguardKeyLog(options.wgKeylog, records);
    if (outcome.written) {
      io.err(`wg-keylog: wrote ${options.wgKeylog} (tshark -o wg.keylog_file:${options.wgKeylog})`);
    } else {
      io.err(`wg-keylog: skipped ${options.wgKeylog}: ${outcome.reason}`);
      status = 2;
    }
  }
  if (status === 0 && options.check && verdicts.some((v) => !v.met)) {
    io.err(`check: ${verdicts.filter((v) => !v.met).length} of ${verdicts.length} expectations unmet`);
    status = EXIT_UNMET;
  }
  return status;
}

/** What a bounded run left out, in words: printed after the summary, and in the JSON summary. */
function boundedLines(keep: KeepFilter, facts: BoundedFacts, kept: number): string[] {
  const lines = [
    `bounded run (--keep ${describeKeep(keep)}): kept ${kept} of ${facts.emitted} records, left out ` +
    "every other packet record (tx, rx, forward, deliver, drop, nat, encap, decap);",
    "  device tables, application output, keys and link changes are all kept; the summary above, pcaps",
    "  and the lesson's checks see only what was kept; each record keeps its seq of the full run.",
  ];
  const labels = new Set(facts.labels.map((l) => l.toUpperCase()));
  const unmatched = (keep.protos ?? []).filter((p) => !labels.has(p.toUpperCase()));
  if (unmatched.length > 0) {
    lines.push(
      `no record of this run is labelled ${unmatched.join(", ")}; its labels are: ${facts.labels.join(", ")}`,
    );
  }
  return lines;
}
