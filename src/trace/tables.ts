/**
 * Device tables (interfaces, routes, NAT mappings, tunnels, SAs) rebuilt from `state` records, so the
 * CLI's `--show` and the browser's table view can show any node's tables at any moment of the trace.
 */
import type { Micros } from "../engine/time.ts";
import type { TraceRecord } from "./record.ts";

/** The rows of one table: key → row. */
export type TableRows = Map<string, Record<string, unknown>>;

/**
 * Folds the `state` records of `node` up to and including time `t` (default: the end): each record
 * sets a row, or removes it when its value is null. Tables whose rows were all removed stay, empty.
 */
export function tablesAt(
  records: readonly TraceRecord[],
  node: string,
  t: Micros = Infinity,
): Map<string, TableRows> {
  const tables = new Map<string, TableRows>();
  for (const r of records) {
    if (r.t > t) break; // records are in time order
    if (r.kind !== "state" || r.node !== node || r.table === undefined || r.key === undefined) continue;
    let rows = tables.get(r.table);
    if (!rows) tables.set(r.table, rows = new Map());
    if (r.value === null || r.value === undefined) rows.delete(r.key);
    else rows.set(r.key, r.value);
  }
  return tables;
}

/** One table of a node at time `t`, or undefined if the node never published it by then. */
export function tableAt(
  records: readonly TraceRecord[],
  node: string,
  table: string,
  t?: Micros,
): TableRows | undefined {
  return tablesAt(records, node, t).get(table);
}
