/**
 * Puts the loader's errors on the editor's fields. The loader names a line and column; the editor's
 * fields name key paths (`nodes.laptop.gateway`, `links.0.delay`). Every key and list item of the
 * document has a source range, so an error belongs to the deepest path whose range holds its position:
 * the field of a bad value, the node of a missing key (reported at the node's name).
 */
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { TopologyError } from "../../src/topology/model.ts";
import type { Path } from "./doc.ts";

/** An error with the path it belongs to ([] when it is about the file as a whole). */
export interface PlacedError {
  error: TopologyError;
  path: Path;
}

interface Span {
  path: Path;
  start: number;
  end: number;
}

/** Offset of a 1-based line and column. */
export function offsetAt(text: string, line: number, col: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset + col - 1;
}

/** The source span of every key (from the key to the end of its value) and list item. */
function spans(text: string): Span[] {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false });
  const out: Span[] = [];
  const walk = (node: unknown, path: Path) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const value = pair.value as Node | null;
        const name = (key as { value?: unknown } | null)?.value;
        if (key?.range && (typeof name === "string" || typeof name === "number")) {
          const sub = [...path, String(name)];
          out.push({ path: sub, start: key.range[0], end: value?.range?.[1] ?? key.range[1] });
          walk(value, sub);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const n = item as Node | null;
        const sub = [...path, i];
        if (n?.range) out.push({ path: sub, start: n.range[0], end: n.range[1] });
        walk(n, sub);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}

/** Each error with the deepest key path that holds its position. */
export function placeErrors(text: string, errors: readonly TopologyError[]): PlacedError[] {
  const all = spans(text);
  return errors.map((error) => {
    const at = offsetAt(text, error.line, error.col);
    let best: Span | undefined;
    for (const s of all) {
      if (at >= s.start && at <= s.end && (!best || s.path.length >= best.path.length)) best = s;
    }
    return { error, path: best?.path ?? [] };
  });
}

/** Whether `path` starts with `prefix`. */
export function under(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(path[i]) === String(p));
}

/** The path as one string, for a `data-path` attribute. */
export function pathKey(path: Path): string {
  return path.map(String).join("\u001f");
}
