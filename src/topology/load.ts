/**
 * Loads a topology file: YAML text in, a validated `TopologyModel` or every mistake found out, each as
 * `file:line:col: message`. Pure: the caller reads the file. Reading is in read.ts, the checks that
 * need the whole file in checks.ts.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { INPUT_LIMITS } from "../engine/limits.ts";
import { SECOND } from "../engine/time.ts";
import { getKind } from "../kinds/index.ts";
import { tooDeep, tooLarge } from "./source.ts";
import type {
  Expectation,
  LessonSpec,
  LinkSpec,
  NodeSpec,
  ScriptAction,
  TopologyError,
  TopologyModel,
} from "./model.ts";
import { Ctx, duration, int, list, obj, readMap, type Schema, str, type Val } from "./schema.ts";
import { checkAddresses, checkLinks, checkRoutes, checkScript } from "./checks.ts";
import { readExpectation, readLookFor } from "./expectations.ts";
import {
  afterPositions,
  afterSchema,
  groupSchema,
  levelSchema,
  readExercise,
  readQuestions,
} from "./lesson_extras.ts";
import {
  checkLineNames,
  configPositions,
  type Declared,
  forEachItem,
  NAME,
  NAME_HINT,
  readAction,
  readLink,
  readNode,
} from "./read.ts";
import { readPlainYaml } from "./plain_yaml.ts";

/** The loader's answer: a model, or all the mistakes (sorted by position). */
export type LoadResult = { ok: true; model: TopologyModel } | { ok: false; errors: TopologyError[] };

/** Formats an error the way compilers do, so editors and terminals can jump to it. */
export function formatTopologyError(e: TopologyError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}

const TOP_KEYS = [
  "name",
  "description",
  "seed",
  "duration",
  "lesson",
  "nodes",
  "links",
  "script",
  "expect",
] as const;
const DEFAULT_DURATION = 60 * SECOND;

const lessonFields = {
  title: str({ nonEmpty: true }),
  story: str(),
  group: groupSchema,
  level: levelSchema,
  after: afterSchema,
};

/**
 * Parses and validates a topology. Never throws: YAML syntax errors, schema mistakes and
 * inconsistencies all come back as errors with positions.
 */
export function loadTopology(text: string, file: string): LoadResult {
  // Counted in UTF-16 units: never fewer than the file's bytes would be for the same text's ASCII part.
  if (text.length > INPUT_LIMITS.fileBytes) return { ok: false, errors: [tooLarge(file, undefined)] };
  const deep = tooDeep(text, file);
  if (deep) return { ok: false, errors: [deep] };
  try {
    return load(text, file);
  } catch (e) {
    const message = `internal error while loading the topology: ${
      e instanceof Error ? e.message : String(e)
    }`;
    return { ok: false, errors: [{ file, line: 1, col: 1, message }] };
  }
}

function load(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  // Most files are plain YAML, which the fast reader builds the same nodes for; the rest (and every
  // syntax error) go to the yaml package. Its own duplicate-key check compares every pair of keys;
  // ours is linear (below).
  const plain = readPlainYaml(text);
  const doc = plain
    ? undefined
    : parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const contents = plain ?? doc!.contents;
  const ctx = new Ctx(
    file,
    text,
    lines,
    (alias) => (alias as unknown as { resolve(d: unknown): Node | null }).resolve(doc),
  );
  if (doc && doc.errors.length > 0) {
    for (const e of doc.errors) ctx.error(ctx.at(e.pos[0]), `YAML syntax: ${e.message.split("\n")[0]}`);
    return { ok: false, errors: sorted(ctx.errors) };
  }
  if (reportDuplicateKeys(contents, ctx)) return { ok: false, errors: sorted(ctx.errors) };
  const start = contents?.range ? ctx.at(contents.range[0]) : { line: 1, col: 1 };
  const top = ctx.val(contents, start, "topology");
  if (top.node === null) {
    ctx.error(top.pos, "the file is empty; a topology needs at least name and nodes");
    return { ok: false, errors: ctx.errors };
  }
  const entries = readMap(top, ctx, {
    allowed: TOP_KEYS,
    required: ["name", "nodes"],
    expected: "a map with name, nodes, links and script",
  });
  if (!entries) return { ok: false, errors: ctx.errors };
  const get = <T>(key: string, schema: Schema<T>): T | undefined => {
    const e = entries.get(key);
    return e ? schema(e.val, ctx) : undefined;
  };

  const name = get("name", str({ nonEmpty: true })) ?? "";
  if (name && !NAME.test(name)) {
    // The name heads the trace and names the view's files, so it follows the node and link names' rule.
    ctx.error(
      entries.get("name")!.val.pos,
      `name: "${name}" is not valid (expected ${NAME_HINT}, at most 64 characters)`,
    );
  }
  const description = get("description", str()) ?? "";
  const seed = get("seed", int(0, 0xffffffff)) ?? 1;
  const runFor = get("duration", duration(1)) ?? DEFAULT_DURATION;
  // Look-for items are read once the nodes and links are known, since their checks name them.
  // So are questions (their answer checks) and the exercise (its knobs and goals).
  const lookFor: Val[] = [];
  const keepItems = list((item: Val) => item);
  const later: { questions?: Val; exercise?: Val } = {};
  const lessonSchema = obj({
    ...lessonFields,
    "look-for": (v: Val, c: Ctx) => {
      const items = keepItems(v, c);
      lookFor.push(...items ?? []);
      return items;
    },
    questions: (v: Val) => later.questions = v,
    exercise: (v: Val) => later.exercise = v,
  }, { required: ["title"] });
  const lessonRaw = get("lesson", lessonSchema);
  const lesson: LessonSpec | undefined = lessonRaw && {
    title: lessonRaw.title ?? "",
    story: lessonRaw.story ?? "",
    lookFor: [],
    questions: [],
  };
  if (lesson && lessonRaw?.group !== undefined) lesson.group = lessonRaw.group;
  if (lesson && lessonRaw?.level !== undefined) lesson.level = lessonRaw.level;
  if (lesson && lessonRaw?.after !== undefined) {
    lesson.after = lessonRaw.after;
    lesson.afterPos = afterPositions(entries.get("lesson")!.val, ctx);
  }

  const nodes: NodeSpec[] = [];
  const declared: Declared = { nodes: new Map(), links: new Set() };
  const nodesEntry = entries.get("nodes");
  const nodeMap = nodesEntry &&
    readMap(nodesEntry.val, ctx, { expected: "a map of node names to their settings" });
  for (const entry of nodeMap?.values() ?? []) {
    const node = readNode(entry, ctx, declared);
    if (node) nodes.push(node);
  }

  const links: LinkSpec[] = [];
  const linksEntry = entries.get("links");
  if (linksEntry) {
    forEachItem(linksEntry.val, ctx, "a list of links", (item) => {
      const link = readLink(item, ctx, declared);
      if (link) links.push(link);
    });
  }

  const script: ScriptAction[] = [];
  const scriptEntry = entries.get("script");
  if (scriptEntry) {
    forEachItem(scriptEntry.val, ctx, "a list of timed actions", (item) => {
      const action = readAction(item, ctx);
      if (action) script.push(action);
    });
  }

  const model: TopologyModel = { file, name, description, seed, duration: runFor, nodes, links, script };
  if (lesson) model.lesson = lesson;

  const { linkOf } = checkLinks(model, ctx, declared);
  checkLineNames(nodes, links, ctx);
  checkAddresses(model, linkOf, ctx);
  checkRoutes(model, ctx, declared);
  checkScript(model, ctx, declared, entries.get("duration")?.val.pos);
  for (const node of nodes) {
    const def = getKind(node.kind);
    // A node missing a required key already has its error; its check would only trip over the gap.
    const complete = Object.entries(def?.keys ?? {}).every(([key, k]) => !k.required || key in node.config);
    if (!def?.check || !complete) continue;
    def.check(
      node,
      model,
      (pos, message) => ctx.error(pos ?? node.pos, message),
      configPositions.get(node) ?? {},
    );
  }

  for (const item of lookFor) {
    const one = readLookFor(item, ctx, model);
    if (one) lesson?.lookFor.push(one);
  }
  if (lesson && later.questions) Object.assign(lesson, readQuestions(later.questions, ctx, model));
  if (lesson && later.exercise) {
    const exercise = readExercise(later.exercise, ctx, model);
    if (exercise) lesson.exercise = exercise;
  }

  const expectEntry = entries.get("expect");
  if (expectEntry) {
    const expectations: Expectation[] = [];
    forEachItem(expectEntry.val, ctx, "a list of expectations", (item) => {
      const expectation = readExpectation(item, ctx, model);
      if (expectation) expectations.push(expectation);
    });
    model.expectations = expectations;
  }

  return ctx.errors.length > 0 ? { ok: false, errors: sorted(ctx.errors) } : { ok: true, model };
}

/**
 * Reports a key written twice in one map, as the yaml package's `uniqueKeys` would, with a set per map
 * instead of comparing every pair (a 20,000-node file has 20,000 keys in one map). Returns whether any was found.
 */
function reportDuplicateKeys(root: unknown, ctx: Ctx): boolean {
  let found = false;
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (seen.has(node)) continue; // an alias may reach a collection twice
    seen.add(node);
    if (isMap(node)) {
      const keys = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          if (keys.has(key.value) && key.range) {
            ctx.error(ctx.at(key.range[0]), "YAML syntax: Map keys must be unique");
            found = true;
          }
          keys.add(key.value);
        } else if (key !== null) stack.push(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) { for (const item of node.items) stack.push(item); }
  }
  return found;
}

function sorted(errors: TopologyError[]): TopologyError[] {
  return errors.map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.col - b.e.col || a.i - b.i)
    .map(({ e }) => e);
}
