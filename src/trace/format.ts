/**
 * Text and JSON renderings of a trace for the CLI: one aligned line per record in the spirit of
 * tcpdump, or one JSON object per line (documented in docs/trace-format.md).
 */
import { formatTime, type Micros } from "../engine/time.ts";
import type { TraceRecord } from "./record.ts";
import type { RunSummary } from "./summary.ts";
import type { TableRows } from "./tables.ts";

/** Column widths shared by every line of one trace, so the columns line up. */
export interface Layout {
  nodeWidth: number;
  whereWidth: number;
  color: boolean;
}

const MAX_NODE_WIDTH = 20;
const MAX_WHERE_WIDTH = 24;
const KIND_WIDTH = 7;

const ANSI = {
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
  dim: "\x1b[2m",
  bold: "\x1b[1m",
  reset: "\x1b[0m",
};

/** Where a record happened: `eth0 → lan` for a send, `eth0 ← lan` for a receive, else the interface or table. */
function where(r: TraceRecord): string {
  if (r.kind === "tx") return `${r.iface ?? "?"} → ${r.link ?? "?"}`;
  if (r.kind === "rx") return `${r.iface ?? "?"} ← ${r.link ?? "?"}`;
  if (r.kind === "state") return r.table ?? "";
  return r.iface ?? r.link ?? "";
}

/** Widths fitting `records` (and `nodes`, so a quiet node does not shift the columns of a later run). */
export function layoutFor(
  records: readonly TraceRecord[],
  options: { nodes?: string[]; color?: boolean } = {},
): Layout {
  let nodeWidth = Math.max(0, ...(options.nodes ?? []).map((n) => n.length));
  let whereWidth = 0;
  for (const r of records) {
    if (r.kind === "app") continue;
    if (r.kind !== "link") nodeWidth = Math.max(nodeWidth, r.node.length);
    whereWidth = Math.max(whereWidth, where(r).length);
  }
  return {
    nodeWidth: Math.min(nodeWidth, MAX_NODE_WIDTH),
    whereWidth: Math.min(whereWidth, MAX_WHERE_WIDTH),
    color: options.color ?? false,
  };
}

/**
 * One line for a record: time, node, what happened, where, and the tcpdump-like summary. Drops show
 * `DROP` and their reason; application output is set off with `»` so it reads like the program's own.
 */
export function formatRecord(r: TraceRecord, layout: Layout): string {
  const time = formatTime(r.t).padStart(10);
  // A link record's node is the list of attached nodes; the link's name in the next column says it all.
  const node = (r.kind === "link" ? "" : r.node).padEnd(layout.nodeWidth);
  const paint = (code: string, text: string) => layout.color ? `${code}${text}${ANSI.reset}` : text;
  if (r.kind === "app") return `${time} ${node} ${paint(ANSI.bold, `» ${r.summary}`)}`;
  const kind = (r.kind === "drop" ? "DROP" : r.kind).padEnd(KIND_WIDTH);
  const head = `${time} ${node} ${kind} ${where(r).padEnd(layout.whereWidth)}`;
  switch (r.kind) {
    case "drop":
      return paint(ANSI.red, `${head} ${r.summary} — ${r.reason ?? "dropped"}`);
    case "link":
      return paint(ANSI.yellow, `${head} ${r.summary}`);
    case "state":
      return paint(ANSI.dim, `${head} ${r.key ?? ""} ${describeRow(r.value)}`);
    case "nat":
    case "encap":
    case "decap":
      return paint(ANSI.cyan, `${head} ${r.summary}`);
    default:
      return `${head} ${r.summary}`;
  }
}

/** A table row as `name=value` pairs, or `removed`. */
function describeRow(value: Record<string, unknown> | null | undefined): string {
  if (value === null || value === undefined) return "removed";
  return Object.entries(value).map(([k, v]) => `${k}=${cell(v)}`).join(" ");
}

/** Every record as a text line. */
export function formatTrace(
  records: readonly TraceRecord[],
  options: { nodes?: string[]; color?: boolean } = {},
): string[] {
  const layout = layoutFor(records, options);
  return records.map((r) => formatRecord(r, layout));
}

/** Lowercase hex without separators, as the JSON `bytes` field carries packets. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Field order of JSON records: fixed, so equal traces give byte-identical output. */
const JSON_FIELDS = [
  "seq",
  "t",
  "kind",
  "node",
  "iface",
  "link",
  "pkt",
  "parent",
  "proto",
  "summary",
  "reason",
  "table",
  "key",
  "value",
  "detail",
] as const;

/** A record as a plain JSON object: `type: "record"`, the record's fields, and `bytes` as hex. */
export function recordToJson(r: TraceRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { type: "record" };
  for (const field of JSON_FIELDS) if (r[field] !== undefined) out[field] = r[field];
  if (r.bytes) out.bytes = toHex(r.bytes);
  // Without it a reader would take a dial-up line's PPP frame for an IPv4 datagram.
  if (r.linktype) out.linktype = r.linktype;
  return out;
}

/** A record as one line of JSON. */
export function formatJsonRecord(r: TraceRecord): string {
  return JSON.stringify(recordToJson(r));
}

/** Extra facts about the run that the trace itself does not hold. */
export interface RunFacts {
  name?: string;
  seed?: number;
  end?: Micros;
  events?: number;
  /** A bounded run's facts (`--keep`): the filter, records kept and emitted, and the note in words. */
  bounded?: { keep: string; kept: number; emitted: number; note: string[] };
}

/** The summary as the last JSON line: `{"type":"summary", ...}`. */
export function formatJsonSummary(summary: RunSummary, facts: RunFacts = {}): string {
  return JSON.stringify({ type: "summary", ...facts, ...summary, end: facts.end ?? summary.end });
}

/** The end-of-run summary as text lines. */
export function formatSummary(summary: RunSummary, facts: RunFacts = {}): string[] {
  const p = summary.packets;
  const lines = ["", "--- summary ---"];
  const run = [
    facts.name !== undefined ? `${facts.name}:` : "",
    `${summary.records} records`,
    `ended at ${formatTime(facts.end ?? summary.end)}s`,
    facts.events !== undefined ? `${facts.events} events` : "",
    facts.seed !== undefined ? `seed ${facts.seed}` : "",
  ].filter((s) => s !== "");
  lines.push(run.join(", ").replace(":,", ":"));
  lines.push(
    `packets: ${p.sent} sent, ${p.received} received, ${p.forwarded} forwarded, ${p.delivered} delivered, ` +
      `${p.dropped} dropped`,
  );
  if (summary.drops.length > 0) {
    lines.push("drops:");
    const width = String(summary.drops[0].count).length;
    for (const d of summary.drops) lines.push(`  ${String(d.count).padStart(width)}  ${d.reason}`);
  }
  if (summary.links.length > 0) {
    lines.push("links:");
    const width = Math.max(...summary.links.map((l) => l.name.length));
    for (const l of summary.links) {
      lines.push(`  ${l.name.padEnd(width)}  ${l.tx} packets, ${l.bytes} bytes sent, ${l.drops} dropped`);
    }
  }
  if (summary.results.length > 0) {
    lines.push("results:");
    const width = Math.max(...summary.results.map((r) => r.node.length));
    for (const r of summary.results) lines.push(`  ${r.node.padEnd(width)}  ${r.text}`);
  }
  return lines;
}

function cell(value: unknown): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * A device table as aligned text columns: the row key, then every field any row has, in the order
 * first seen.
 */
export function formatTable(
  node: string,
  table: string,
  rows: TableRows | undefined,
  t: Micros | undefined,
): string[] {
  const when = t === undefined ? "at the end" : `at ${formatTime(t)}s`;
  const title = `${table}@${node} ${when}:`;
  if (!rows || rows.size === 0) return [title, "  (empty)"];
  const columns: string[] = [];
  for (const row of rows.values()) {
    for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  }
  const grid = [
    ["key", ...columns],
    ...[...rows].map(([key, row]) => [key, ...columns.map((c) => cell(row[c]))]),
  ];
  const widths = grid[0].map((_, i) => Math.max(...grid.map((line) => line[i].length)));
  return [title, ...grid.map((line) => `  ${line.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()}`)];
}

/** A device table as one JSON line: `{"type":"table", node, table, t, rows}`. */
export function formatJsonTable(
  node: string,
  table: string,
  rows: TableRows | undefined,
  t: Micros | undefined,
): string {
  return JSON.stringify({
    type: "table",
    node,
    table,
    t: t ?? null,
    rows: rows ? Object.fromEntries(rows) : null,
  });
}
