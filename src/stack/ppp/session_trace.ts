/**
 * What a PPP session writes into the trace: its log lines, its drops and its `ppp` table row. Apart
 * from the session so its state machine reads as protocol, and so the row is published only when it
 * changes (an unchanged row would be a step in the view where nothing happened).
 */
import { formatIp, type Ip4 } from "../../wire/addr.ts";
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

  /** The `ppp` row of a session in this state (addresses 0 and flags false are left out). */
  publish(s: {
    phase: string;
    lcp: string;
    ipcp: string;
    ccp?: string;
    user?: string;
    local: Ip4;
    peer: Ip4;
    handedOff: boolean;
  }): void {
    const value: Record<string, unknown> = { phase: s.phase, lcp: s.lcp, ipcp: s.ipcp };
    if (s.ccp !== undefined) value.ccp = s.ccp;
    if (s.user !== undefined) value.user = s.user;
    if (s.local !== 0) value.local = formatIp(s.local);
    if (s.peer !== 0) value.peer = formatIp(s.peer);
    if (s.handedOff) value.handedOff = true;
    this.row(value, `ppp ${this.host.label} ${s.phase} (LCP ${s.lcp}, IPCP ${s.ipcp})`);
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
