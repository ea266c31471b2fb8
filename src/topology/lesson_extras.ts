/**
 * The class parts of a lesson: its place on the course path (`group`, `level`, `after`), answers to its
 * questions, and an `exercise:` (task, knobs, goal, hints, solution). Read once the nodes and links are
 * known, since goals, answer checks and knobs name them. docs/exercises.md is the user's description.
 */
import { isMap, isScalar, isSeq } from "yaml";
import { getKind } from "../kinds/index.ts";
import { readAnswerCheck } from "./answer_check.ts";
import { readExpectation } from "./expectations.ts";
import {
  type Change,
  type ExerciseSpec,
  type Knob,
  LESSON_GROUPS,
  type QuestionAnswer,
  type SourcePos,
  type TopologyError,
  type TopologyModel,
} from "./model.ts";
import { type Ctx, int, list, obj, oneOf, readMap, str, type Val } from "./schema.ts";
import { LINK_KEYS, NAME } from "./read.ts";
import { suggestion } from "./values.ts";

/** Node keys every kind with them has, beside the kind's own keys. */
const NODE_COMMON = ["interfaces", "routes", "gateway"];

export const groupSchema = oneOf(LESSON_GROUPS);
export const levelSchema = int(1, 9);
export const afterSchema = list(str({ pattern: NAME, hint: "a lesson's name: as written in its file" }));

/** Where each name of the lesson's `after:` list was written (the list itself is read by `afterSchema`). */
export function afterPositions(lesson: Val, ctx: Ctx): SourcePos[] {
  const after = isMap(lesson.node) ? lesson.node.get("after", true) : undefined;
  if (!isSeq(after)) return [];
  return after.items.map((item) => ctx.item(item, lesson.pos, "after").pos);
}

/**
 * The `after:` names no lesson of the library has (`names`: every lesson's `name:`), as errors at the
 * names, so `sim validate` refuses a course path that leads nowhere.
 */
export function unknownAfter(model: TopologyModel, names: ReadonlySet<string>): TopologyError[] {
  const after = model.lesson?.after ?? [];
  const errors: TopologyError[] = [];
  after.forEach((name, i) => {
    if (names.has(name)) return;
    const pos = model.lesson?.afterPos?.[i] ?? { line: 1, col: 1 };
    errors.push({
      file: model.file,
      ...pos,
      message: `lesson.after: no lesson named "${name}" in this folder${suggestion(name, [...names])}`,
    });
  });
  return errors;
}

/** Reads the lesson's questions: each a string, or `{text, answer, check}`. */
export function readQuestions(
  v: Val,
  ctx: Ctx,
  model: TopologyModel,
): { questions: string[]; answers?: (QuestionAnswer | undefined)[] } | undefined {
  const items = list((item: Val) => item)(v, ctx);
  if (!items) return undefined;
  const questions: string[] = [];
  const answers: (QuestionAnswer | undefined)[] = [];
  const questionSchema = obj({
    text: str({ nonEmpty: true }),
    answer: str({ nonEmpty: true }),
    check: (c: Val) => c,
  }, { required: ["text"] });
  for (const item of items) {
    if (item.node !== null && isScalar(item.node)) {
      const text = str({ nonEmpty: true })(item, ctx);
      if (text !== undefined) questions.push(text);
      answers.push(undefined);
      continue;
    }
    const raw = questionSchema(item, ctx);
    if (!raw) continue;
    const answer: QuestionAnswer = {};
    if (raw.answer !== undefined) answer.text = raw.answer;
    if (raw.check !== undefined) {
      const check = readAnswerCheck({ ...raw.check, label: `${item.label}.check` }, ctx, model);
      if (!check) continue;
      answer.check = check;
    }
    questions.push(raw.text);
    answers.push(raw.answer === undefined && raw.check === undefined ? undefined : answer);
  }
  return answers.some((a) => a !== undefined) ? { questions, answers } : { questions };
}

/**
 * Checks a knob or change path against the model: `nodes.NODE.KEY...` with a key the node's kind takes,
 * or `links.LINK.KEY`. Returns the error message, or undefined when the path can exist.
 */
export function pathProblem(path: string, model: TopologyModel): string | undefined {
  const parts = splitPath(path, model);
  if (typeof parts === "string") return parts;
  const { owner, keys } = parts;
  if (keys.length === 0) {
    return `${path}: name a setting under ${owner.type === "node" ? "the node" : "the link"}`;
  }
  if (owner.type === "link") {
    if (!LINK_KEYS.includes(keys[0]) || keys[0] === "name" || keys[0] === "endpoints") {
      const allowed = LINK_KEYS.filter((k) => k !== "name" && k !== "endpoints");
      return `${path}: a link has no setting "${keys[0]}"${suggestion(keys[0], allowed)}`;
    }
    return undefined;
  }
  const node = model.nodes.find((n) => n.name === owner.name)!;
  const allowed = [...NODE_COMMON, ...Object.keys(getKind(node.kind)?.keys ?? {})];
  if (!allowed.includes(keys[0])) {
    return `${path}: a ${node.kind} node has no setting "${keys[0]}"${suggestion(keys[0], allowed)}`;
  }
  return undefined;
}

/** A path's owner (node or link, by name) and the keys under it; a string when it names nothing. */
export function splitPath(
  path: string,
  model: TopologyModel,
): { owner: { type: "node" | "link"; name: string }; keys: string[] } | string {
  const [head] = path.split(".", 1);
  if (head !== "nodes" && head !== "links") {
    return `${path}: a path starts with nodes. or links. (e.g. nodes.home-router.l2tp-passthrough)`;
  }
  const rest = path.slice(head.length + 1);
  const names = head === "nodes" ? model.nodes.map((n) => n.name) : model.links.map((l) => l.name);
  // Names may hold dots: the longest name the path starts with is the owner.
  const name =
    names.filter((n) => rest === n || rest.startsWith(`${n}.`)).sort((a, b) => b.length - a.length)[0];
  if (name === undefined) {
    const guess = rest.split(".")[0];
    return `${path}: no ${head === "nodes" ? "node" : "link"} "${guess}"${suggestion(guess, names)}`;
  }
  const keys = rest.length > name.length ? rest.slice(name.length + 1).split(".") : [];
  return { owner: { type: head === "nodes" ? "node" : "link", name }, keys };
}

/** Whether `path` is a knob or lies under one. */
export function underKnob(path: string, knobs: readonly { path: string }[]): boolean {
  return knobs.some((k) => path === k.path || path.startsWith(`${k.path}.`));
}

/** Reads a map of change path → value (an exercise's `solution:` or a changes file), with positions. */
export function readChangeMap(v: Val, ctx: Ctx): Change[] | undefined {
  if (v.node === null || !isMap(v.node)) {
    ctx.error(
      v.pos,
      `${v.label}: expected a map of setting paths to values, e.g. nodes.home-router.l2tp-passthrough: on`,
    );
    return undefined;
  }
  const entries = readMap(v, ctx);
  if (!entries) return undefined;
  const changes: Change[] = [];
  for (const entry of entries.values()) {
    const value = entry.val.node === null ? null : entry.val.node.toJSON();
    changes.push({ path: entry.key, value, pos: entry.keyPos });
  }
  return changes;
}

/** Reads `exercise:`; reports knobs that name nothing and solution changes outside the knobs. */
export function readExercise(v: Val, ctx: Ctx, model: TopologyModel): ExerciseSpec | undefined {
  const entries = readMap(v, ctx, {
    allowed: ["task", "knobs", "goal", "hints", "solution"],
    required: ["task", "knobs", "goal"],
  });
  if (!entries) return undefined;
  const task = entries.has("task") ? str({ nonEmpty: true })(entries.get("task")!.val, ctx) : undefined;
  const knobs: Knob[] = [];
  const knobsEntry = entries.get("knobs");
  const knobItems = knobsEntry ? list((item: Val) => item, { min: 1 })(knobsEntry.val, ctx) : undefined;
  for (const item of knobItems ?? []) {
    const path = str({ nonEmpty: true })(item, ctx);
    if (path === undefined) continue;
    const problem = pathProblem(path, model);
    if (problem) ctx.error(item.pos, `${item.label}: ${problem}`);
    else knobs.push({ path, pos: item.pos });
  }
  const goal: ExerciseSpec["goal"] = [];
  const goalEntry = entries.get("goal");
  const goalItems = goalEntry ? list((item: Val) => item, { min: 1 })(goalEntry.val, ctx) : undefined;
  for (const item of goalItems ?? []) {
    const one = readExpectation(item, ctx, model);
    if (one) goal.push(one);
  }
  const hintsEntry = entries.get("hints");
  const hints = hintsEntry ? list(str({ nonEmpty: true }))(hintsEntry.val, ctx) : [];
  const solutionEntry = entries.get("solution");
  const solution = solutionEntry ? readChangeMap(solutionEntry.val, ctx) : [];
  for (const change of solution ?? []) {
    const problem = pathProblem(change.path, model) ?? outsideKnobs(change.path, knobs);
    if (problem) ctx.error(change.pos, `exercise.solution: ${problem}`);
  }
  if (task === undefined || !hints || !solution) return undefined;
  return { task, knobs, goal, hints, solution };
}

/** The refusal of a change outside the knobs, or undefined when it is inside. */
export function outsideKnobs(path: string, knobs: readonly Knob[]): string | undefined {
  if (underKnob(path, knobs)) return undefined;
  return `${path} is not a setting this exercise lets you change (you may change: ${
    knobs.map((k) => k.path).join(", ")
  })`;
}
