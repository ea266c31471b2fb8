/**
 * `--show TABLE@NODE[@TIME]`: parsed and checked against the topology before the run (a typo costs
 * nothing), printed after it from the node's `state` records.
 */
import { formatTime, type Micros, parseDuration } from "../engine/time.ts";
import type { TopologyModel } from "../topology/model.ts";
import { closest } from "../topology/values.ts";
import { formatJsonTable, formatTable } from "../trace/format.ts";
import type { TraceRecord } from "../trace/record.ts";
import { tablesAt } from "../trace/tables.ts";
import { KNOWN_TABLES } from "../topology/known_tables.ts";

export { KNOWN_TABLES };

/** One `--show` request, checked. */
export interface ShowRequest {
  table: string;
  node: string;
  t?: Micros;
  text: string;
}

/** Parses one `--show` value; returns the request or the message saying what is wrong. */
export function parseShow(text: string, model: TopologyModel): ShowRequest | string {
  const parts = text.split("@");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    return `--show ${text}: expected TABLE@NODE or TABLE@NODE@TIME, e.g. routes@r1 or nat@home-router@5s`;
  }
  const [table, node, time] = parts;
  if (!(KNOWN_TABLES as readonly string[]).includes(table)) {
    const hint = closest(table, [...KNOWN_TABLES]);
    return `--show ${text}: no table "${table}"${hint ? ` (did you mean "${hint}"?)` : ""}; tables: ${
      KNOWN_TABLES.join(", ")
    }`;
  }
  const names = model.nodes.map((n) => n.name);
  if (!names.includes(node)) {
    const hint = closest(node, names);
    return `--show ${text}: no node "${node}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
  }
  const request: ShowRequest = { table, node, text };
  if (time !== undefined) {
    const t = parseDuration(time);
    if (t === null) return `--show ${text}: bad time "${time}" (write it like 500ms, 2s or 1m)`;
    request.t = t;
  }
  return request;
}

/** The lines to print for one request, or the error when the node never published that table. */
export function showTable(
  show: ShowRequest,
  records: readonly TraceRecord[],
  format: "text" | "json",
): { lines: string[] } | { error: string } {
  const rows = tablesAt(records, show.node, show.t).get(show.table);
  if (!rows) {
    const known = [...tablesAt(records, show.node).keys()];
    const when = show.t === undefined ? "" : ` at ${formatTime(show.t)}s`;
    return {
      error: `--show ${show.text}: ${show.node} has no table "${show.table}"${when}` +
        (known.length > 0 ? ` (it has: ${known.join(", ")})` : " (it published no tables)"),
    };
  }
  if (format === "json") return { lines: [formatJsonTable(show.node, show.table, rows, show.t)] };
  return { lines: ["", ...formatTable(show.node, show.table, rows, show.t)] };
}
