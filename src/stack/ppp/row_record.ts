/**
 * The `state` record of a PPP session's `ppp` row, compact like the NAT's rows (nat/row_record.ts): a
 * thousand sessions publish some twenty-four thousand rows while they come up, and a run shows few of
 * them. It holds the row's fields as they were (strings the state machines share, addresses as
 * numbers) and writes the row's value and its summary line only when read.
 */
import { LazyRecord } from "../../trace/lazy_record.ts";
import type { ProtoLabel } from "../../trace/record.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";

/** What the `ppp` row shows of a session at one moment. */
export interface PppRow {
  phase: string;
  lcp: string;
  ipcp: string;
  ccp?: string;
  user?: string;
  local: Ip4;
  peer: Ip4;
  handedOff: boolean;
}

/** Whether two rows read the same (the same value in the table, so no new step). */
export function sameRow(a: PppRow, b: PppRow): boolean {
  return a.phase === b.phase && a.lcp === b.lcp && a.ipcp === b.ipcp && a.ccp === b.ccp &&
    a.user === b.user && a.local === b.local && a.peer === b.peer && a.handedOff === b.handedOff;
}

/** The row as the table holds it: addresses 0 and flags false are left out. */
export function rowValue(s: PppRow): Record<string, unknown> {
  const value: Record<string, unknown> = { phase: s.phase, lcp: s.lcp, ipcp: s.ipcp };
  if (s.ccp !== undefined) value.ccp = s.ccp;
  if (s.user !== undefined) value.user = s.user;
  if (s.local !== 0) value.local = formatIp(s.local);
  if (s.peer !== 0) value.peer = formatIp(s.peer);
  if (s.handedOff) value.handedOff = true;
  return value;
}

/** `node` published `row` for the session labelled `key`. */
export class PppRowRecord extends LazyRecord {
  readonly node: string;
  readonly key: string;
  #row: PppRow;

  /** `row` must not change afterwards (the session passes a fresh one each time). */
  constructor(node: string, key: string, row: PppRow) {
    super();
    this.node = node;
    this.key = key;
    this.#row = row;
  }

  get kind(): "state" {
    return "state";
  }

  get proto(): ProtoLabel {
    return "PPP";
  }

  get table(): string {
    return "ppp";
  }

  get value(): Record<string, unknown> {
    return rowValue(this.#row);
  }

  get summary(): string {
    const s = this.#row;
    return `ppp ${this.key} ${s.phase} (LCP ${s.lcp}, IPCP ${s.ipcp})`;
  }
}
