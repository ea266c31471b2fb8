/**
 * One step per hop: the records of a trace grouped the way a class follows a packet. A hop step is a
 * packet moving from one device to the next, anchored at its arrival, with what the sender did just
 * before (sent it, its own table changes) and what the receiver did next (NAT, encap/decap, forward,
 * deliver, drop) folded in. Program output and link changes are steps of their own; the tables every
 * node publishes at t=0 are one "setup" step. Pure: no DOM.
 */
import type { TraceRecord } from "../../src/trace/record.ts";
import type { TraceIndex } from "./trace_index.ts";

/** One step: where the cursor sits, and every record it folds. */
export interface Step {
  /** The record the cursor sits on: the arrival of a hop, the output line, the last setup row. */
  at: number;
  kind: "hop" | "event" | "setup";
  /** For a hop: the transmission it starts from (-1 when the packet was sent before the trace). */
  tx: number;
  /** Every record of the step in trace order, `at` (and `tx`) included. */
  members: number[];
}

export interface Steps {
  list: Step[];
  /** The step index of each record. */
  stepOf: Int32Array;
  /** `at` of each step, ascending: what stepping and the event list walk over. */
  anchors: Int32Array;
  /** For each `state` record, the row's value before it (undefined: a new row). */
  before: Map<number, Record<string, unknown> | null>;
}

function isAnchor(index: TraceIndex, i: number, arrived: Set<string>): boolean {
  const r = index.records[i];
  if (r.kind === "rx") return true;
  // Lost on the wire: the hop ends there. Dropped by the device that made it (no hop brought it):
  // a step of its own, so "the first SCCRQ is dropped at the laptop" is one press, not a footnote.
  if (r.kind === "drop") return index.departure[i] >= 0 || !arrived.has(`${r.pkt}@${r.node}`);
  if (r.kind === "app" || r.kind === "link") return true;
  if (r.kind === "tx") return index.arrival[i] < 0; // still in flight when the run ends
  return false;
}

/** Groups the records of `index` into steps (two passes, linear in the trace). */
export function buildSteps(index: TraceIndex): Steps {
  const { records } = index;
  const n = records.length;
  const stepOf = new Int32Array(n).fill(-1);
  const list: Step[] = [];
  const before = new Map<number, Record<string, unknown> | null>();

  // Pass 1: the anchors, in trace order; records before the first one are the setup step.
  let firstAnchor = -1;
  const arrived = new Set<string>();
  for (let i = 0; i < n; i++) {
    const rec = records[i];
    if (rec.pkt !== undefined && (rec.kind === "rx" || rec.kind === "decap")) {
      arrived.add(`${rec.pkt}@${rec.node}`);
    }
    if (!isAnchor(index, i, arrived)) continue;
    if (firstAnchor < 0) {
      firstAnchor = i;
      if (i > 0) list.push({ at: i - 1, kind: "setup", tx: -1, members: [] });
    }
    const r = records[i];
    const kind = r.kind === "app" || r.kind === "link" || (r.kind === "drop" && index.departure[i] < 0)
      ? "event"
      : "hop";
    const tx = r.kind === "tx" ? i : index.departure[i];
    stepOf[i] = list.length;
    list.push({ at: i, kind, tx: kind === "hop" ? tx : -1, members: [] });
  }
  if (firstAnchor < 0 && n > 0) list.push({ at: n - 1, kind: "setup", tx: -1, members: [] });

  // Pass 2: every record joins a step, in trace order (so each step's members stay sorted).
  const packetStep = new Map<string, number>(); // "pkt@node" -> step that brought it there
  const lastAtNode = new Map<string, { step: number; t: number }>();
  const rowValues = new Map<string, Record<string, unknown> | null>();
  let current = list.length > 0 && list[0].kind === "setup" ? 0 : -1;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const node = r.node.split(",")[0];
    let step = stepOf[i];
    if (step >= 0) {
      current = step;
      if (r.pkt !== undefined) packetStep.set(`${r.pkt}@${node}`, step);
    } else if (r.kind === "tx" && index.arrival[i] >= 0) {
      step = stepOf[index.arrival[i]];
    } else if (r.pkt !== undefined) {
      // decap: the inner packet came out of `parent`; encap: `parent` went into it. Either way the
      // step is the one that brought `parent` to this node.
      const via = r.parent !== undefined && (r.kind === "decap" || r.kind === "encap") ? r.parent : r.pkt;
      step = packetStep.get(`${via}@${node}`) ?? packetStep.get(`${r.pkt}@${node}`) ?? -1;
      if (step < 0) step = recentAt(lastAtNode, node, r.t) ?? Math.max(current, 0);
      if (r.kind === "decap" || r.kind === "encap") packetStep.set(`${r.pkt}@${node}`, step);
    } else {
      step = recentAt(lastAtNode, node, r.t) ?? Math.max(current, 0);
    }
    if (step < 0 || step >= list.length) step = Math.max(0, Math.min(list.length - 1, current));
    if (list.length === 0) break;
    stepOf[i] = step;
    list[step].members.push(i);
    lastAtNode.set(node, { step, t: r.t });
    if (r.kind === "state" && r.table !== undefined && r.key !== undefined) {
      const rowKey = `${node}\u0000${r.table}\u0000${r.key}`;
      if (rowValues.has(rowKey)) before.set(i, rowValues.get(rowKey)!);
      rowValues.set(rowKey, r.value ?? null);
    }
  }
  return { list, stepOf, anchors: Int32Array.from(list, (s) => s.at), before };
}

/** The step a node was last busy in, if that was at this very moment (its own follow-up rows). */
function recentAt(lastAtNode: Map<string, { step: number; t: number }>, node: string, t: number) {
  const last = lastAtNode.get(node);
  return last && last.t === t ? last.step : undefined;
}

/** The step's records at its receiving device after the arrival: what happened there. */
export function actionsAtReceiver(records: readonly TraceRecord[], step: Step): number[] {
  const node = records[step.at].node;
  return step.members.filter((s) => s > step.at && records[s].node === node);
}
