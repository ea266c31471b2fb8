/**
 * What a PPP session writes into the trace: its log lines, its drops and its `ppp` table row. Apart
 * from the session so its state machine reads as protocol, and so the row is published only when it
 * changes (an unchanged row would be a step in the view where nothing happened).
 */
import { type PppRow, PppRowRecord, sameRow } from "./row_record.ts";
import type { PppHost } from "./session_config.ts";

/** Trace records of one PPP session, labelled with its host's node and label. */
export class PppTrace {
  #published: PppRow | undefined;

  constructor(readonly host: PppHost) {}

  /** An `app` record: a line of the session's log, as pppd would print it. */
  log(message: string): void {
    this.host.trace.emit({
      kind: "app",
      node: this.host.node,
      proto: "PPP",
      summary: message,
      detail: { session: this.host.label },
    });
  }

  /** A `drop` record for a frame (given by its summary) and the reason a student reads. */
  drop(reason: string, summary: string): void {
    this.host.trace.emit({
      kind: "drop",
      node: this.host.node,
      proto: "PPP",
      summary,
      reason: `${this.host.label}: ${reason}`,
      detail: { session: this.host.label },
    });
  }

  /** The `ppp` row of a session in this state, recorded only when it reads differently from the last. */
  publish(row: PppRow): void {
    if (this.#published !== undefined && sameRow(row, this.#published)) return;
    this.#published = row;
    this.host.trace.emit(new PppRowRecord(this.host.node, this.host.label, row));
  }
}
