/**
 * What → and ← walk over: one entry per hop step (the default), or every record that passes the
 * filters. A step is listed when any record folded into it passes, so a search for a NAT rewrite or
 * "drops only" still finds the hop it happened in. Pure: no DOM.
 */
import type { Run } from "./run.ts";

/** `hops`: one step per hop; `events`: the fine-grained list of every record. */
export type StepMode = "hops" | "events";

/** The cursor positions to list, ascending, from the records that pass the filters. */
export function stepList(run: Pick<Run, "steps">, mode: StepMode, passing: Int32Array): Int32Array {
  if (mode === "events") return passing;
  const { stepOf, list } = run.steps;
  const out = new Int32Array(list.length);
  let count = 0;
  let last = -1;
  const wanted = new Uint8Array(list.length);
  for (const seq of passing) wanted[stepOf[seq]] = 1;
  for (let i = 0; i < list.length; i++) {
    if (!wanted[i] || list[i].at === last) continue;
    out[count++] = last = list[i].at;
  }
  return out.slice(0, count);
}
