/**
 * A device's `state` record whose line is the default one, `table key {json of the row}`, written when
 * read (trace/lazy_record.ts says why per-step records are compact): a thousand L2TP clients publish
 * tens of thousands of rows (routes, tunnels, sessions) and a run shows few of them. The row itself is
 * kept, as a plain record keeps it; its owner hands over a fresh object each time and never changes it
 * afterwards, so the line reads as if written at emission.
 */
import { LazyRecord } from "../trace/lazy_record.ts";

/** `node`'s row `key` of `table` became `value` (null: removed). */
export class StateRowRecord extends LazyRecord {
  readonly node: string;
  readonly table: string;
  readonly key: string;
  readonly value: Record<string, unknown> | null;

  constructor(node: string, table: string, key: string, value: Record<string, unknown> | null) {
    super();
    this.node = node;
    this.table = table;
    this.key = key;
    this.value = value;
  }

  get kind(): "state" {
    return "state";
  }

  get summary(): string {
    return `${this.table} ${this.key} ${this.value === null ? "removed" : JSON.stringify(this.value)}`;
  }
}
