/**
 * Device tables at the cursor: the `state` records of one node folded up to a record (not a time,
 * since many records share one microsecond and stepping moves one record at a time).
 */
import type { TraceRecord } from "../../src/trace/record.ts";
import { positionAtOrBefore } from "./trace_index.ts";

/** One table's rows by key, in first-seen order, plus which row changed last. */
export interface TableView {
  name: string;
  rows: { key: string; value: Record<string, unknown>; changedAt: number }[];
  /** Column names: the union of the rows' value keys, in first-seen order. */
  columns: string[];
}

/** State-record seqs per node, so folding one node skips every other record. */
export class TableFolder {
  #byNode = new Map<string, number[]>();

  constructor(private records: TraceRecord[]) {
    for (const r of records) {
      if (r.kind !== "state" || r.table === undefined || r.key === undefined) continue;
      const list = this.#byNode.get(r.node);
      if (list) list.push(r.seq);
      else this.#byNode.set(r.node, [r.seq]);
    }
  }

  /** Nodes that have any table at all. */
  nodes(): string[] {
    return [...this.#byNode.keys()];
  }

  /** The node's tables as they stood right after record `seq`. */
  at(node: string, seq: number): TableView[] {
    const list = this.#byNode.get(node) ?? [];
    const last = positionAtOrBefore(list, seq);
    const tables = new Map<string, Map<string, { value: Record<string, unknown>; changedAt: number }>>();
    for (let i = 0; i <= last; i++) {
      const r = this.records[list[i]];
      let rows = tables.get(r.table!);
      if (!rows) tables.set(r.table!, rows = new Map());
      if (r.value === null || r.value === undefined) rows.delete(r.key!);
      else rows.set(r.key!, { value: r.value, changedAt: r.seq });
    }
    const out: TableView[] = [];
    for (const [name, rows] of tables) {
      const columns: string[] = [];
      for (const row of rows.values()) {
        for (const c of Object.keys(row.value)) if (!columns.includes(c)) columns.push(c);
      }
      out.push({ name, columns, rows: [...rows].map(([key, row]) => ({ key, ...row })) });
    }
    return out;
  }
}

/** A table cell as text: strings as they are, lists and nested rows in words (never JSON). */
export { valueText as cellText } from "./sentences.ts";
