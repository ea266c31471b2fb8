/**
 * Changes to a topology: a student's answer to an exercise, an exercise's solution, or the view's what-if
 * edits. A changes file is a YAML map of setting path → value:
 *
 * ```yaml
 * nodes.home-router.l2tp-passthrough: on
 * links.access.mtu: 1400
 * ```
 *
 * Applying them writes each value into the topology's YAML document (comments and layout stay), then loads
 * the result like any topology, so a value the loader would refuse is refused here, at the change's line.
 * With an exercise, a change outside its knobs is refused before anything is written.
 */
import { isMap, LineCounter, type Node, parseDocument, stringify } from "yaml";
import { formatTopologyError, loadTopology } from "./load.ts";
import { outsideKnobs, pathProblem, readChangeMap, splitPath } from "./lesson_extras.ts";
import type { Change, Knob, TopologyError, TopologyModel } from "./model.ts";
import { Ctx, readMap } from "./schema.ts";

/** A changes file read, or its mistakes as `file:line:col: message`. */
export type ChangesResult = { ok: true; changes: Change[] } | { ok: false; errors: TopologyError[] };

/** Reads a changes file's text. An empty file is no changes. */
export function parseChanges(text: string, file: string): ChangesResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const ctx = new Ctx(
    file,
    text,
    lines,
    (alias) => (alias as unknown as { resolve(d: unknown): Node | null }).resolve(doc),
  );
  if (doc.errors.length > 0) {
    for (const e of doc.errors) ctx.error(ctx.at(e.pos[0]), `YAML syntax: ${e.message.split("\n")[0]}`);
    return { ok: false, errors: ctx.errors };
  }
  if (doc.contents === null) return { ok: true, changes: [] };
  const start = doc.contents.range ? ctx.at(doc.contents.range[0]) : { line: 1, col: 1 };
  const changes = readChangeMap(ctx.val(doc.contents, start, "changes"), ctx);
  return changes && ctx.errors.length === 0 ? { ok: true, changes } : { ok: false, errors: ctx.errors };
}

/** The changes as a changes file, for the view's "export my answer". */
export function formatChanges(changes: readonly Pick<Change, "path" | "value">[]): string {
  if (changes.length === 0) return "{}\n";
  return changes.map((c) => stringify({ [c.path]: c.value }, { lineWidth: 0 })).join("");
}

/**
 * The dotted path of a what-if setting's document path (`["nodes", "r1", "nat", "mapping"]` →
 * `nodes.r1.nat.mapping`; links are named, not numbered: `["links", 1, "mtu"]` → `links.access.mtu`).
 */
export function changePath(docPath: readonly (string | number)[], model: TopologyModel): string {
  if (docPath[0] === "links" && typeof docPath[1] === "number") {
    const link = model.links[docPath[1]];
    if (link) return ["links", link.name, ...docPath.slice(2)].join(".");
  }
  return docPath.join(".");
}

/** The document path of a dotted path (the reverse of `changePath`); a number key is a list index. */
function docPathOf(path: string, model: TopologyModel): (string | number)[] | string {
  const parts = splitPath(path, model);
  if (typeof parts === "string") return parts;
  const keys = parts.keys.map((k) => /^\d+$/.test(k) ? Number(k) : k);
  if (parts.owner.type === "node") return ["nodes", parts.owner.name, ...keys];
  return ["links", model.links.findIndex((l) => l.name === parts.owner.name), ...keys];
}

/** The topology after the changes, or the mistakes, each at the change's place in the changes file. */
export type ApplyResult =
  | { ok: true; text: string; model: TopologyModel }
  | { ok: false; errors: TopologyError[] };

/**
 * Writes `changes` into the topology `text` (already loaded as `model`) and loads the result. With
 * `knobs`, a change outside them is refused. `changesFile` names the file the changes came from.
 */
export function applyChanges(
  text: string,
  model: TopologyModel,
  changes: readonly Change[],
  changesFile: string,
  knobs?: readonly Knob[],
): ApplyResult {
  const errors: TopologyError[] = [];
  const at = (c: Change, message: string) => errors.push({ file: changesFile, ...c.pos, message });
  const doc = parseDocument(text);
  for (const change of changes) {
    const problem = pathProblem(change.path, model) ?? (knobs ? outsideKnobs(change.path, knobs) : undefined);
    if (problem) {
      at(change, problem);
      continue;
    }
    const path = docPathOf(change.path, model) as (string | number)[];
    if (!isMap(doc.getIn(path.slice(0, 2), true))) {
      // A link written as a flow list item, or anything else that is not a map, cannot take a key.
      at(
        change,
        `${change.path}: the topology does not write this ${path[0] === "nodes" ? "node" : "link"} as a map`,
      );
      continue;
    }
    doc.setIn(path, doc.createNode(change.value));
  }
  if (errors.length > 0) return { ok: false, errors };
  const changed = doc.toString();
  const loaded = loadTopology(changed, model.file);
  if (loaded.ok) return { ok: true, text: changed, model: loaded.model };
  // Blame each change the loader refuses on its own; if none does alone, they clash: blame the first.
  for (const change of changes) {
    const alone = parseDocument(text);
    alone.setIn(docPathOf(change.path, model) as (string | number)[], alone.createNode(change.value));
    const one = loadTopology(alone.toString(), model.file);
    if (!one.ok) { for (const e of one.errors) at(change, `${change.path}: ${e.message}`); }
  }
  if (errors.length === 0 && changes.length > 0) {
    for (const e of loaded.errors) at(changes[0], `together these changes make: ${formatTopologyError(e)}`);
  }
  return { ok: false, errors };
}

/** An answers file read: question number (1-based) → the student's answer. */
export type AnswersResult = { ok: true; answers: Map<number, string> } | {
  ok: false;
  errors: TopologyError[];
};

/**
 * Reads an answers file: a YAML map of question number to answer, e.g. `2: 4500`. Numbers beyond the
 * lesson's questions are refused at their line.
 */
export function parseAnswers(text: string, file: string, questions: number): AnswersResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const ctx = new Ctx(
    file,
    text,
    lines,
    (alias) => (alias as unknown as { resolve(d: unknown): Node | null }).resolve(doc),
  );
  if (doc.errors.length > 0) {
    for (const e of doc.errors) ctx.error(ctx.at(e.pos[0]), `YAML syntax: ${e.message.split("\n")[0]}`);
    return { ok: false, errors: ctx.errors };
  }
  const answers = new Map<number, string>();
  if (doc.contents === null) return { ok: true, answers };
  const start = doc.contents.range ? ctx.at(doc.contents.range[0]) : { line: 1, col: 1 };
  const entries = readMap(ctx.val(doc.contents, start, "answers"), ctx, {
    expected: "a map of question numbers to answers, e.g. 2: 4500",
  });
  for (const entry of entries?.values() ?? []) {
    const n = Number(entry.key);
    if (!Number.isInteger(n) || n < 1 || n > questions) {
      ctx.error(entry.keyPos, `"${entry.key}" is not a question number (the lesson has ${questions})`);
      continue;
    }
    const value = entry.val.node === null ? null : entry.val.node.toJSON();
    if (value === null || typeof value === "object") {
      ctx.error(entry.val.pos, `answer ${n}: expected a word or number`);
      continue;
    }
    answers.set(n, String(value));
  }
  return ctx.errors.length === 0 ? { ok: true, answers } : { ok: false, errors: ctx.errors };
}
