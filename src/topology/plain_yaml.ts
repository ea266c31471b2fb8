/**
 * A fast reader for the plain YAML that generated and hand-written topologies mostly are: block maps and
 * lists, one-line flow `{...}` and `[...]`, plain and simply quoted one-line scalars, comments. It builds
 * the yaml package's own nodes (with the same source ranges, so every file:line:col stays where it was),
 * at a small fraction of the package's cost: the package's lexer, parser and composer took most of the
 * load time of a 1,000-client file. Anything outside that subset (anchors, tags, block scalars, escapes,
 * multi-line scalars or flows, tabs, document markers, and anything the package could read differently or
 * report as an error) makes it decline with `undefined`, and the caller parses with the yaml package as
 * before, so syntax errors keep the package's messages. A test compares both on every file it accepts.
 */
import { Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";

type Node = Scalar | YAMLMap | YAMLSeq;

/** Thrown (never outside this module) when the text leaves the subset; cheaper than threading results. */
const DECLINE = Symbol("decline");

// Characters the subset leaves to the yaml package wherever they appear: tabs and carriage returns
// (indentation and line rules), control and separator characters, and a byte-order mark.
// deno-lint-ignore no-control-regex
const UNUSUAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

// Plain scalars the core schema reads as something other than text (yaml's core tags); of these only the
// plainest forms are resolved here, the rest declined.
const NOT_TEXT =
  /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;
const INT = /^(?:0|-?[1-9][0-9]{0,14})$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;

/** Per ASCII code unit: 1 when it may not start a plain scalar (YAML's indicators), 2 when it ends one in a flow. */
const CLASS = new Uint8Array(128);
for (const c of "-?:#&*!|>'\"%@`") CLASS[c.charCodeAt(0)] = 1;
for (const c of ",[]{}") CLASS[c.charCodeAt(0)] = 3;
const isIndicator = (c: number) => c < 128 && (CLASS[c] & 1) !== 0;
const isFlowEnd = (c: number) => c < 128 && (CLASS[c] & 2) !== 0;

/** The top-level map of `text`, or undefined when the text is not in the subset. */
export function readPlainYaml(text: string): YAMLMap | undefined {
  if (UNUSUAL.test(text)) return undefined;
  try {
    return new Reader(text).top();
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

function decline(): never {
  throw DECLINE;
}

function scalar(value: unknown, start: number, end: number): Scalar {
  const node = new Scalar(value);
  node.range = [start, end, end];
  return node;
}

/** The value of a plain scalar's text, as the core schema would read it. */
function plainValue(s: string): unknown {
  if (!NOT_TEXT.test(s)) return s;
  if (s === "null" || s === "~") return null;
  if (s === "true") return true;
  if (s === "false") return false;
  if (INT.test(s) || DECIMAL.test(s)) return Number(s);
  return decline();
}

class Reader {
  readonly #text: string;
  /** The cursor, an offset into the text. */
  #pos = 0;
  /**
   * Every node is read from the cursor at its first character and leaves the cursor on the first
   * character of the next line with content, whose indentation this is (-1 at the end of the text).
   */
  #indent = -1;

  constructor(text: string) {
    // Every line then ends in a line feed, so no scan needs a bounds check; offsets are unchanged.
    this.#text = text.endsWith("\n") ? text : text + "\n";
  }

  top(): YAMLMap {
    this.#advance();
    if (this.#indent !== 0) decline(); // empty, or not a map starting in column 1
    const map = this.#map(0);
    if (this.#indent >= 0) decline();
    return map;
  }

  #code(at: number): number {
    return this.#text.charCodeAt(at);
  }

  /** Whether `at` ends a token: a space or the end of the line (or text). */
  #blankOrEnd(at: number): boolean {
    const c = this.#code(at);
    return c === 32 || c === 10;
  }

  /** From the start of a line, skips blank and comment lines to the next line with content. */
  #advance(): void {
    const text = this.#text;
    for (;;) {
      if (this.#pos >= text.length) {
        this.#indent = -1;
        return;
      }
      let at = this.#pos;
      while (text.charCodeAt(at) === 32) at++;
      const c = this.#code(at);
      if (c === 10 || c === 35) { // a blank line, or a comment line
        const eol = text.indexOf("\n", at);
        this.#pos = eol < 0 ? text.length : eol + 1;
        continue;
      }
      const indent = at - this.#pos;
      // Document markers and directives belong to the yaml package.
      if (indent === 0 && (text.startsWith("---", at) || text.startsWith("...", at) || c === 37)) decline();
      this.#pos = at;
      this.#indent = indent;
      return;
    }
  }

  /** After a value on a line: only spaces and a comment may follow; then on to the next content. */
  #endLine(): void {
    const text = this.#text;
    let at = this.#pos;
    while (text.charCodeAt(at) === 32) at++;
    const c = this.#code(at);
    if (c === 35 && at > this.#pos) {
      const eol = text.indexOf("\n", at);
      at = eol < 0 ? text.length : eol;
    } else if (c !== 10) decline();
    this.#pos = at + 1;
    this.#advance();
  }

  /** Whether the cursor is at a block list's dash (`-` then a space or the line's end). */
  #atDash(): boolean {
    return this.#code(this.#pos) === 45 && this.#blankOrEnd(this.#pos + 1);
  }

  /** A block node at the cursor, in column `indent`. */
  #block(indent: number): Node {
    return this.#atDash() ? this.#seq(indent) : this.#map(indent);
  }

  /** A block map whose keys are in column `indent`; the first key is at the cursor. */
  #map(indent: number): YAMLMap {
    const map = new YAMLMap();
    const start = this.#pos;
    for (;;) {
      const key = this.#key();
      map.items.push(new Pair(key, this.#valueAfterKey(indent)));
      if (this.#indent < indent) break;
      if (this.#indent > indent || this.#atDash()) decline();
    }
    map.range = [start, this.#pos, this.#pos];
    return map;
  }

  /** A plain block key and its colon; leaves the cursor after the colon. */
  #key(): Scalar {
    const text = this.#text;
    const start = this.#pos;
    if (isIndicator(text.charCodeAt(start))) decline(); // quoted, flow, complex or indicator keys
    let at = start;
    for (;;) {
      const c = this.#code(at);
      if (c === 10 || c === 35 && text.charCodeAt(at - 1) === 32) decline(); // a line without a key
      if (c === 58 && this.#blankOrEnd(at + 1)) break;
      if (isFlowEnd(c)) decline();
      at++;
    }
    let end = at;
    while (text.charCodeAt(end - 1) === 32) end--;
    if (end - start > 1024) decline(); // the package refuses implicit keys this long
    this.#pos = at + 1;
    return scalar(plainValue(text.slice(start, end)), start, end);
  }

  /** The value after `key:` (cursor after the colon), in a map whose keys are in column `indent`. */
  #valueAfterKey(indent: number): Node {
    const colon = this.#pos;
    while (this.#text.charCodeAt(this.#pos) === 32) this.#pos++;
    const c = this.#code(this.#pos);
    if (c === 10 || c === 35) {
      // Nothing on the line: the value is the block below, or empty.
      this.#endLine();
      if (this.#indent > indent) return this.#block(this.#indent);
      if (this.#indent === indent && this.#atDash()) return this.#seq(indent); // a list in the key's column
      return scalar(null, colon, colon);
    }
    const value = this.#inline(false);
    this.#endLine();
    return value;
  }

  /** A block list whose dashes are in column `indent`; the first dash is at the cursor. */
  #seq(indent: number): YAMLSeq {
    const seq = new YAMLSeq();
    const start = this.#pos;
    for (;;) {
      const dash = this.#pos;
      this.#pos++;
      while (this.#text.charCodeAt(this.#pos) === 32) this.#pos++;
      const c = this.#code(this.#pos);
      if (c === 10 || c === 35) {
        this.#endLine();
        seq.items.push(this.#indent > indent ? this.#block(this.#indent) : scalar(null, dash + 1, dash + 1));
      } else if (this.#atDash()) decline(); // a list inside a list on one line
      else if (this.#keyAhead()) seq.items.push(this.#map(this.#pos - this.#lineStart()));
      else {
        seq.items.push(this.#inline(false));
        this.#endLine();
      }
      if (this.#indent < indent || (this.#indent === indent && !this.#atDash())) break;
      if (this.#indent > indent) decline();
    }
    seq.range = [start, this.#pos, this.#pos];
    return seq;
  }

  #lineStart(): number {
    return this.#text.lastIndexOf("\n", this.#pos - 1) + 1;
  }

  /** Whether a plain `key:` starts at the cursor (a map written after a list's dash). */
  #keyAhead(): boolean {
    const text = this.#text;
    if (isIndicator(text.charCodeAt(this.#pos))) return false;
    for (let at = this.#pos;; at++) {
      const c = this.#code(at);
      if (c === 10 || c === 35 && text.charCodeAt(at - 1) === 32) return false;
      if (c === 58 && this.#blankOrEnd(at + 1)) return true;
    }
  }

  /** A scalar or flow collection on the cursor's line; `flow` when inside `[...]` or `{...}`. */
  #inline(flow: boolean): Node {
    const c = this.#text[this.#pos];
    if (c === "{") return this.#flowMap();
    if (c === "[") return this.#flowSeq();
    if (c === '"' || c === "'") return this.#quoted();
    return this.#plain(flow);
  }

  /** A plain scalar from the cursor: to the line's end or a comment, or in a flow to `,` and brackets. */
  #plain(flow: boolean): Scalar {
    const text = this.#text;
    const start = this.#pos;
    const first = text.charCodeAt(start);
    // An indicator may start a plain scalar only as `-`, `?` or `:` before a character of its own.
    const dashLike = first === 45 || first === 63 || first === 58;
    if (isIndicator(first) && (!dashLike || this.#blankOrEnd(start + 1))) decline();
    let at = start;
    for (;;) {
      const c = this.#code(at);
      if (c === 10 || c === 35 && text.charCodeAt(at - 1) === 32) break;
      if (isFlowEnd(c)) {
        if (flow) break;
        if (c !== 44) decline(); // brackets inside block text: the package's call, not ours
      }
      if (c === 58) {
        // `key: value: more` and `[a: b]` are maps the package reads (or refuses); not plain text here.
        const after = this.#code(at + 1);
        if (after === 32 || after === 10 || flow && isFlowEnd(text.charCodeAt(at + 1))) decline();
      }
      at++;
    }
    let end = at;
    while (text.charCodeAt(end - 1) === 32) end--;
    this.#pos = end;
    return scalar(plainValue(text.slice(start, end)), start, end);
  }

  /** A one-line quoted scalar without escapes (`''` in single quotes is the one escape kept). */
  #quoted(): Scalar {
    const text = this.#text;
    const start = this.#pos;
    const quote = text[start];
    let value = "";
    let from = start + 1;
    for (;;) {
      const close = text.indexOf(quote, from);
      const eol = text.indexOf("\n", from);
      if (close < 0 || (eol >= 0 && eol < close)) decline(); // runs onto the next line
      if (quote === '"') {
        const part = text.slice(from, close);
        if (part.includes("\\")) decline(); // escapes are the package's
        value += part;
        from = close + 1;
        break;
      }
      value += text.slice(from, close);
      if (text[close + 1] !== "'") {
        from = close + 1;
        break;
      }
      value += "'";
      from = close + 2;
    }
    this.#pos = from;
    return scalar(value, start, from);
  }

  #skipSpaces(): void {
    while (this.#text.charCodeAt(this.#pos) === 32) this.#pos++;
  }

  /** `{ key: value, ... }` on one line, plain keys only. */
  #flowMap(): YAMLMap {
    const text = this.#text;
    const map = new YAMLMap();
    map.flow = true;
    const start = this.#pos++;
    this.#skipSpaces();
    if (text[this.#pos] !== "}") {
      for (;;) {
        const key = this.#flowKey();
        this.#skipSpaces();
        const c = text[this.#pos];
        if (c === "," || c === "}" || c === "\n") decline(); // an empty value
        map.items.push(new Pair(key, this.#inline(true)));
        if (this.#flowNext("}")) break;
      }
    }
    this.#pos++;
    map.range = [start, this.#pos, this.#pos];
    return map;
  }

  /** A plain key in a flow map and its `: `; leaves the cursor after the colon. */
  #flowKey(): Scalar {
    const text = this.#text;
    const start = this.#pos;
    if (isIndicator(text.charCodeAt(start))) decline();
    let at = start;
    for (;;) {
      const c = this.#code(at);
      if (c === 10 || c === 35 || isFlowEnd(c)) decline();
      if (c === 58) {
        if (text.charCodeAt(at + 1) !== 32) decline();
        break;
      }
      at++;
    }
    let end = at;
    while (text.charCodeAt(end - 1) === 32) end--;
    this.#pos = at + 1;
    return scalar(plainValue(text.slice(start, end)), start, end);
  }

  /** `[ item, ... ]` on one line. */
  #flowSeq(): YAMLSeq {
    const seq = new YAMLSeq();
    seq.flow = true;
    const start = this.#pos++;
    this.#skipSpaces();
    if (this.#text[this.#pos] !== "]") {
      for (;;) {
        const c = this.#text[this.#pos];
        if (c === "," || c === "]" || c === "\n") decline(); // an empty item
        seq.items.push(this.#inline(true));
        if (this.#flowNext("]")) break;
      }
    }
    this.#pos++;
    seq.range = [start, this.#pos, this.#pos];
    return seq;
  }

  /** After a flow item: true at the closing bracket, false after a comma with another item behind it. */
  #flowNext(close: string): boolean {
    this.#skipSpaces();
    const c = this.#text[this.#pos];
    if (c === close) return true;
    if (c !== ",") decline();
    this.#pos++;
    this.#skipSpaces();
    if (this.#text[this.#pos] === close) decline(); // a trailing comma
    return false;
  }
}
