/**
 * A small toolkit for reading YAML nodes with their source positions and reporting every mistake as
 * `line:col: message`. Kinds and commands added by later modules use the same schemas, so their
 * errors read like the core ones.
 */
import { isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type Scalar } from "yaml";
import type { Micros } from "../engine/time.ts";
import { formatDuration, parseDuration } from "../engine/time.ts";
import { RUN_LIMITS } from "../engine/limits.ts";
import type { SourcePos, TopologyError } from "./model.ts";
import {
  type Cidr,
  formatIpv4,
  parseBandwidth,
  parseFraction,
  parseInterfaceAddress,
  parseIpv4,
  parseNetwork,
  suggestion,
} from "./values.ts";

/** Collects errors for one file and turns byte offsets into 1-based line and column. */
export class Ctx {
  readonly errors: TopologyError[] = [];
  readonly file: string;
  readonly source: string;
  readonly #lines: LineCounter;
  #lineStarts: number[] | undefined;
  readonly #resolve: (node: Node) => Node | null;

  constructor(file: string, source: string, lines: LineCounter, resolve: (node: Node) => Node | null) {
    this.file = file;
    this.source = source;
    this.#lines = lines;
    this.#resolve = resolve;
  }

  /** Position of a byte offset in the source. */
  at(offset: number): SourcePos {
    // Counted from the text itself: the yaml package's LineCounter misses line breaks that its lexer
    // skips while recovering from a syntax error, which put later errors on the wrong line.
    const starts = this.#lineStarts ??= lineStarts(this.source);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo] + 1 };
  }

  /** Wraps a list item: missing keys inside it are reported at the item itself. */
  item(node: unknown, list: SourcePos, label: string): Val {
    const range = (node as Node | null)?.range;
    return this.val(node, range ? this.at(range[0]) : list, label);
  }

  /** Records a mistake at `pos`; text quoted from the file cannot split the message (see `oneLine`). */
  error(pos: SourcePos, message: string): void {
    this.errors.push({ file: this.file, line: pos.line, col: pos.col, message: oneLine(message) });
  }

  /**
   * Wraps a node for reading. Empty values (`key:` with nothing after it) have no text of their own,
   * so mistakes about them point at `owner`, normally the key.
   */
  val(node: unknown, owner: SourcePos, label: string): Val {
    let n = (node ?? null) as Node | null;
    if (n !== null && isAlias(n)) n = this.#resolve(n);
    const empty = n === null || (isScalar(n) && n.value === null && n.range?.[0] === n.range?.[1]);
    const pos = empty || !n?.range ? owner : this.at(n.range[0]);
    return { node: empty ? null : n, pos, keyPos: owner, label };
  }
}

/**
 * A message on one line: control characters and the Unicode line and paragraph separators quoted from
 * the file are shown as escapes (`\r`, `\u2028`), so one error is always one line of output.
 */
export function oneLine(message: string): string {
  // deno-lint-ignore no-control-regex
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** Offsets where each line of `text` starts (after every line feed). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** A YAML value about to be read: the node (null when empty), where to point errors, and its key name. */
export interface Val {
  node: Node | null;
  pos: SourcePos;
  /** The key this value belongs to; missing keys inside the value are reported here. */
  keyPos: SourcePos;
  label: string;
}

/**
 * Reads a value; on a mistake reports it through `ctx` and returns undefined. Schemas of a fixed set of
 * words carry them as `options`, schemas of a map their `fields` (and `required` keys), lists their
 * `item`, and scalars what they accept as `input`, so tools (the what-if panel, the browser's editor)
 * build their choices and forms from the schema itself. A schema written by hand may carry none: tools
 * then offer its value as YAML text.
 */
export type Schema<T> = ((v: Val, ctx: Ctx) => T | undefined) & {
  readonly options?: readonly string[];
  readonly fields?: Readonly<Record<string, Schema<unknown>>>;
  readonly required?: readonly string[];
  readonly item?: Schema<unknown>;
  readonly input?: InputHint;
};

/** What a scalar schema accepts, for a form field: its type, range and an example in words. */
export interface InputHint {
  type:
    | "text"
    | "int"
    | "number"
    | "bool"
    | "duration"
    | "bandwidth"
    | "fraction"
    | "ipv4"
    | "address"
    | "network";
  /** What to write, as the schema's errors say it ("a duration like 250ms, 2s or 1m"). */
  hint: string;
  min?: number;
  max?: number;
}

/** What a node is, in words, for "expected X, got Y" messages. */
export function describe(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "nothing";
    if (typeof v === "number") return `the number ${v}`;
    if (typeof v === "boolean") return `${v}`;
    return `"${String(v)}"`;
  }
  return "something else";
}

function wrongType(v: Val, ctx: Ctx, expected: string): undefined {
  ctx.error(v.pos, `${v.label}: expected ${expected}, got ${describe(v.node)}`);
  return undefined;
}

/** The scalar's value when the node is a scalar of the given JS type. */
function scalarOf(v: Val): string | number | boolean | null | undefined {
  if (v.node === null) return null;
  if (!isScalar(v.node)) return undefined;
  const value = (v.node as Scalar).value;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value
    : undefined;
}

/** Text; numbers are not silently accepted as names. */
export function str(opts: { pattern?: RegExp; hint?: string; nonEmpty?: boolean } = {}): Schema<string> {
  return withMeta({ input: { type: "text", hint: opts.hint ?? "text" } }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s !== "string") return wrongType(v, ctx, opts.hint ?? "text");
    if (opts.nonEmpty && s.trim() === "") {
      ctx.error(v.pos, `${v.label}: must not be empty`);
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(s)) {
      ctx.error(v.pos, `${v.label}: "${s}" is not valid${opts.hint ? ` (expected ${opts.hint})` : ""}`);
      return undefined;
    }
    return s;
  });
}

/** An integer in [min, max]. */
export function int(min: number, max: number): Schema<number> {
  const hint = `a whole number from ${min} to ${max}`;
  return withMeta({ input: { type: "int", hint, min, max } }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s !== "number" || !Number.isInteger(s)) {
      return wrongType(v, ctx, hint);
    }
    if (s < min || s > max) {
      ctx.error(v.pos, `${v.label}: ${s} is out of range (${min} to ${max})`);
      return undefined;
    }
    return s;
  });
}

/** Any finite number. */
export function num(): Schema<number> {
  return withMeta({ input: { type: "number", hint: "a number" } }, (v, ctx) => {
    const s = scalarOf(v);
    return typeof s === "number" && Number.isFinite(s) ? s : wrongType(v, ctx, "a number");
  });
}

/** `true` or `false` (YAML 1.2: `yes`/`no` are text, so they are reported rather than guessed). */
export function bool(): Schema<boolean> {
  return withMeta({ input: { type: "bool", hint: "true or false" } }, (v, ctx) => {
    const s = scalarOf(v);
    return typeof s === "boolean" ? s : wrongType(v, ctx, "true or false");
  });
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(values: readonly T[]): Schema<T> {
  return withMeta({ options: values }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s === "string" && (values as readonly string[]).includes(s)) return s as T;
    const list = values.map((x) => `"${x}"`).join(", ");
    if (typeof s !== "string") return wrongType(v, ctx, `one of ${list}`);
    ctx.error(v.pos, `${v.label}: "${s}" is not one of ${list}${suggestion(s, values)}`);
    return undefined;
  });
}

/** A duration such as `250ms`, `2s`, `1m`, `100us`, from `min` to `max` (by default the run ceiling). */
export function duration(min: Micros = 0, max: Micros = RUN_LIMITS.duration): Schema<Micros> {
  const hint = "a duration like 250ms, 2s or 1m";
  return withMeta({ input: { type: "duration", hint } }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s !== "string" && typeof s !== "number") return wrongType(v, ctx, hint);
    const t = parseDuration(s);
    if (t === null) {
      ctx.error(v.pos, `${v.label}: bad duration "${s}": write it like 250ms, 2s, 1m or 100us`);
      return undefined;
    }
    if (t < min) {
      ctx.error(v.pos, `${v.label}: ${s} is too short (at least ${formatDuration(min)})`);
      return undefined;
    }
    if (t > max) {
      ctx.error(v.pos, `${v.label}: ${s} is too long (at most ${formatDuration(max)}, a documented limit)`);
      return undefined;
    }
    return t;
  });
}

/** A bandwidth in bits per second (`10Mbps`); 0 means unlimited. */
export function bandwidth(): Schema<number> {
  return withMeta({ input: { type: "bandwidth", hint: "a bandwidth like 10Mbps" } }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s !== "string" && typeof s !== "number") return wrongType(v, ctx, "a bandwidth like 10Mbps");
    const r = parseBandwidth(s);
    if (!r.ok) ctx.error(v.pos, `${v.label}: ${r.error}`);
    return r.ok ? r.value : undefined;
  });
}

/** A probability written as `1%` or `0.01`. */
export function fraction(): Schema<number> {
  return withMeta({ input: { type: "fraction", hint: "a percentage like 1% or 0.01" } }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s !== "string" && typeof s !== "number") {
      return wrongType(v, ctx, "a percentage like 1% or 0.01");
    }
    const r = parseFraction(s);
    if (!r.ok) ctx.error(v.pos, `${v.label}: ${r.error}`);
    return r.ok ? r.value : undefined;
  });
}

/** A dotted-quad IPv4 address, returned in canonical dotted form. */
export function ipv4(): Schema<string> {
  return withMeta({ input: { type: "ipv4", hint: "an IPv4 address like 10.0.0.1" } }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s !== "string") return wrongType(v, ctx, "an IPv4 address like 10.0.0.1");
    const r = parseIpv4(s);
    if (!r.ok) ctx.error(v.pos, `${v.label}: ${r.error}`);
    return r.ok ? formatIpv4(r.value) : undefined;
  });
}

/** An interface address with prefix length (`10.0.0.2/24`). */
export function interfaceAddress(): Schema<Cidr> {
  return withMeta(
    { input: { type: "address", hint: "an address with prefix length like 10.0.0.2/24" } },
    (v, ctx) => {
      const s = scalarOf(v);
      if (typeof s !== "string") return wrongType(v, ctx, "an address with prefix length like 10.0.0.2/24");
      const r = parseInterfaceAddress(s);
      if (!r.ok) ctx.error(v.pos, `${v.label}: ${r.error}`);
      return r.ok ? r.value : undefined;
    },
  );
}

/** A destination network (`10.2.0.0/16`, `default`, or a bare address for a host route). */
export function network(): Schema<Cidr> {
  return withMeta({ input: { type: "network", hint: "a network like 10.2.0.0/16 or default" } }, (v, ctx) => {
    const s = scalarOf(v);
    if (typeof s !== "string") return wrongType(v, ctx, "a network like 10.2.0.0/16 or default");
    const r = parseNetwork(s);
    if (!r.ok) ctx.error(v.pos, `${v.label}: ${r.error}`);
    return r.ok ? r.value : undefined;
  });
}

/** A network written as CIDR, kept as `{ network, prefixLength }` as the IPsec and WireGuard configs hold it. */
export function prefix(): Schema<{ network: number; prefixLength: number }> {
  const cidr = network();
  return (v, ctx) => {
    const read = cidr(v, ctx);
    return read ? { network: read.ip, prefixLength: read.prefixLength } : undefined;
  };
}

/** A duration of at least `min`, or `off` (also 0) for none, which reads as 0. */
export function durationOrOff(min: Micros): Schema<Micros> {
  const time = duration(min);
  return (v, ctx) => {
    const node = v.node as { value?: unknown } | null;
    if (node && (node.value === "off" || node.value === 0)) return 0;
    return time(v, ctx);
  };
}

/** A list of items, each read with `item`; failed items are left out (their errors are reported). */
export function list<T>(item: Schema<T>, opts: { min?: number } = {}): Schema<T[]> {
  return withMeta({ item: item as Schema<unknown> }, (v, ctx) => {
    if (v.node === null || !isSeq(v.node)) return wrongType(v, ctx, "a list");
    const out: T[] = [];
    const items = v.node.items as unknown[];
    if (opts.min !== undefined && items.length < opts.min) {
      ctx.error(v.pos, `${v.label}: needs at least ${opts.min} item${opts.min === 1 ? "" : "s"}`);
    }
    items.forEach((node, i) => {
      const r = item(ctx.item(node, v.pos, `${v.label}[${i}]`), ctx);
      if (r !== undefined) out.push(r);
    });
    return out;
  });
}

/** One key of a map, with where it was written. */
export interface Entry {
  key: string;
  keyPos: SourcePos;
  val: Val;
}

/**
 * Reads a map whose keys are plain words, reporting non-text keys. With `allowed`, unknown keys are
 * reported (with the closest known one); with `required`, missing keys are reported at the value's key.
 */
export function readMap(
  v: Val,
  ctx: Ctx,
  opts: { allowed?: readonly string[]; required?: readonly string[]; expected?: string } = {},
): Map<string, Entry> | undefined {
  if (v.node === null || !isMap(v.node)) {
    wrongType(v, ctx, opts.expected ?? "a map");
    return undefined;
  }
  const entries = new Map<string, Entry>();
  for (const pair of v.node.items as Pair<unknown, unknown>[]) {
    const keyNode = pair.key as Node | null;
    const keyPos = keyNode?.range ? ctx.at(keyNode.range[0]) : v.pos;
    const key = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== "string" && typeof key !== "number") {
      ctx.error(keyPos, `${v.label}: keys must be plain words, got ${describe(keyNode)}`);
      continue;
    }
    const name = String(key);
    if (opts.allowed && !opts.allowed.includes(name)) {
      ctx.error(keyPos, `unknown key "${name}" in ${v.label}${suggestion(name, opts.allowed)}`);
      continue;
    }
    entries.set(name, { key: name, keyPos, val: ctx.val(pair.value, keyPos, name) });
  }
  for (const req of opts.required ?? []) {
    if (!entries.has(req)) ctx.error(v.keyPos, `${v.label}: missing required key "${req}"`);
  }
  return entries;
}

/** The output of `obj`: each field's value when present and valid; the `R` fields always present. */
export type ObjOut<S, R extends keyof S = never> =
  & { [K in Exclude<keyof S, R>]?: S[K] extends Schema<infer T> ? T : never }
  & { [K in R]: S[K] extends Schema<infer T> ? T : never };

/** Where each field of an `obj` result was written, for cross-checks after reading. */
const positions = new WeakMap<object, Record<string, SourcePos>>();

/** Positions of the values of an object read by `obj` (empty for anything else). */
export function positionsOf(value: object): Record<string, SourcePos> {
  return positions.get(value) ?? {};
}

/**
 * A map with known keys, each read by its schema. Absent optional keys are left out of the result;
 * positions of present values are available through `positionsOf`.
 */
export function obj<S extends Record<string, Schema<unknown>>, R extends keyof S & string = never>(
  fields: S,
  opts: { required?: readonly R[] } = {},
): Schema<ObjOut<S, R>> {
  return withMeta({ fields, required: opts.required ?? [] }, (v, ctx) => {
    const entries = readMap(v, ctx, { allowed: Object.keys(fields), required: opts.required });
    if (!entries) return undefined;
    const out: Record<string, unknown> = {};
    const pos: Record<string, SourcePos> = {};
    let complete = (opts.required ?? []).every((k) => entries.has(k));
    for (const [key, entry] of entries) {
      const r = fields[key](entry.val, ctx);
      if (r === undefined) complete = false;
      else {
        out[key] = r;
        pos[key] = entry.val.pos;
      }
    }
    positions.set(out, pos);
    return complete ? out as ObjOut<S, R> : undefined;
  });
}

/** A schema function with its description attached. */
function withMeta<T>(
  meta: {
    options?: readonly string[];
    fields?: Record<string, Schema<unknown>>;
    required?: readonly string[];
    item?: Schema<unknown>;
    input?: InputHint;
  },
  read: (v: Val, ctx: Ctx) => T | undefined,
): Schema<T> {
  return Object.assign(read, meta);
}
