/**
 * A student's answer to an exercise, read off their edits: the view's what-if switches and the Source
 * tab both change the topology text, so the answer is whatever differs between the file as written and
 * the text now, at the exercise's knobs. Each changed knob becomes one change (its whole value, as a
 * changes file writes it, which `sim check --apply` reads); an edit anywhere else is listed as outside
 * the knobs, since grading, like `sim check`, applies only the knobs to the file as written.
 */
import { parse } from "yaml";
import type { Knob, TopologyModel } from "../../src/topology/model.ts";

/** What the student changed: at the knobs (the answer) and elsewhere (not counted). */
export interface StudentChanges {
  changes: { path: string; value: unknown }[];
  /** Dotted paths of edits outside every knob, or knobs the student removed (a file cannot say "unset"). */
  outside: string[];
}

type Data = Record<string | number, unknown>;

/** The document path of a knob (`links.NAME.key` → `["links", index, "key"]`), or null. */
export function knobDocPath(knob: string, model: TopologyModel): (string | number)[] | null {
  const parts = knob.split(".");
  if (parts[0] === "nodes" && parts.length >= 3) {
    return parts.map((p, i) => i >= 3 && /^\d+$/.test(p) ? Number(p) : p);
  }
  if (parts[0] === "links" && parts.length >= 3) {
    const index = model.links.findIndex((l) => l.name === parts[1]);
    if (index < 0) return null;
    return ["links", index, ...parts.slice(2).map((p) => /^\d+$/.test(p) ? Number(p) : p)];
  }
  return null;
}

function at(data: unknown, path: readonly (string | number)[]): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Data)[p];
  }
  return v;
}

function put(data: unknown, path: readonly (string | number)[], value: unknown): void {
  let v = data as Data;
  for (let i = 0; i < path.length - 1; i++) {
    const p = path[i];
    if (v[p] === null || typeof v[p] !== "object") v[p] = typeof path[i + 1] === "number" ? [] : {};
    v = v[p] as Data;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete v[last];
  else v[last] = value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Paths (up to node/link settings depth) where two plain values differ; drawing positions excluded. */
function differences(a: unknown, b: unknown, path: string[], out: string[]): void {
  if (same(a, b)) return;
  const objects = a !== null && b !== null && typeof a === "object" && typeof b === "object";
  if (!objects || path.length >= 3) {
    out.push(path.join("."));
    return;
  }
  const keys = new Set([...Object.keys(a as Data), ...Object.keys(b as Data)]);
  for (const k of keys) {
    if (k === "position" && path[0] === "nodes") continue;
    differences((a as Data)[k], (b as Data)[k], [...path, k], out);
  }
}

/** The student's changes from `original` to `current`, given the exercise's knobs. */
export function studentChanges(
  original: string,
  current: string,
  model: TopologyModel,
  knobs: readonly Knob[],
): StudentChanges {
  const before = parse(original) as unknown;
  const after = parse(current) as unknown;
  const changes: StudentChanges["changes"] = [];
  const outside: string[] = [];
  // What the file would be with only the knob changes: anything still different lies outside them.
  const knobbed = parse(original) as unknown;
  for (const knob of knobs) {
    const path = knobDocPath(knob.path, model);
    if (!path) continue;
    const was = at(before, path);
    const now = at(after, path);
    if (same(was, now)) continue;
    put(knobbed, path, now);
    if (now === undefined) outside.push(`${knob.path} (removed)`);
    else changes.push({ path: knob.path, value: now });
  }
  const rest: string[] = [];
  differences(knobbed, after, [], rest);
  for (const p of rest) {
    const named = p.replace(/^links\.(\d+)/, (_, i) => `links.${model.links[Number(i)]?.name ?? i}`);
    if (!outside.some((o) => o.startsWith(named))) outside.push(named);
  }
  return { changes, outside };
}
