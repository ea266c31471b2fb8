/**
 * What a PPP session writes into the trace: its log lines, its drops and its `ppp` table row. Apart
 * from the session so its state machine reads as protocol, and so the row is published only when it
 * changes (an unchanged row would be a step in the view where nothing happened).
 */
import type { PppHost } from "./session_config.ts";

/** Trace records of one PPP session, labelled with its host's node and label. */
export class PppTrace {
  #published = "";

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

  /** The session's `ppp` row, recorded only when it differs from the last one. */
  row(value: Record<string, unknown>, summary: string): void {
    const text = JSON.stringify(value);
    if (text === this.#published) return;
    this.#published = text;
    this.host.trace.emit({
      kind: "state",
      node: this.host.node,
      proto: "PPP",
      table: "ppp",
      key: this.host.label,
      value,
      summary,
    });
  }
}
