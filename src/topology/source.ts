/**
 * The bytes of a topology file, before any YAML: at most `INPUT_LIMITS.fileBytes`, and UTF-8. A bad
 * byte is reported at its own line and column (the decoder would otherwise turn it into U+FFFD and
 * let a garbled name through). Pure, so the CLI and the browser's file picker share it.
 */
import { INPUT_LIMITS } from "../engine/limits.ts";
import type { TopologyError } from "./model.ts";

/** The file's text, or the one error that stops it from being read. */
export type SourceResult = { ok: true; text: string } | { ok: false; error: TopologyError };

/** A size in words: `1 MiB`, `12 KiB`, `300 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** The error for a file over the size limit (callers that stream the file stop reading there). */
export function tooLarge(file: string, size: number | undefined): TopologyError {
  const got = size === undefined ? "more than that" : formatBytes(size);
  return {
    file,
    line: 1,
    col: 1,
    message: `the file is too large for a topology (${got}; at most ${formatBytes(INPUT_LIMITS.fileBytes)})`,
  };
}

/** Checks the size, decodes UTF-8 strictly (a byte-order mark is dropped) and names the first bad byte. */
export function decodeSource(bytes: Uint8Array, file: string): SourceResult {
  if (bytes.length > INPUT_LIMITS.fileBytes) return { ok: false, error: tooLarge(file, bytes.length) };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const at = firstInvalid(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, at));
    const lines = before.split("\n");
    return {
      ok: false,
      error: {
        file,
        line: lines.length,
        col: [...lines[lines.length - 1]].length + 1,
        message: `not UTF-8 text: byte 0x${
          bytes[at].toString(16).padStart(2, "0")
        } cannot start or continue a character here; save the file as UTF-8`,
      },
    };
  }
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence. */
function firstInvalid(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80
      ? 0
      : b >= 0xc2 && b <= 0xdf
      ? 1
      : b >= 0xe0 && b <= 0xef
      ? 2
      : b >= 0xf0 && b <= 0xf4
      ? 3
      : -1;
    if (need < 0) return i;
    if (need === 0) {
      i++;
      continue;
    }
    // The second byte's range is narrower for some leads (no overlongs, no surrogates, nothing past U+10FFFF).
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length - 1;
}

/** Deepest flow nesting (`[` and `{`) a topology may use; real files stay under 6. */
export const MAX_FLOW_DEPTH = 100;

/**
 * Where flow collections nest deeper than `MAX_FLOW_DEPTH`, found in one pass before the YAML parser
 * (which recurses per level and would run out of stack). Brackets inside quotes and comments are skipped.
 */
export function tooDeep(text: string, file: string): TopologyError | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      lineStart = i + 1;
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i + 1 < text.length && text[i + 1] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      // Skip the quoted scalar (a quote inside a plain word, like don't, is not one).
      if (i > 0 && /[^\s[{,:]/.test(text[i - 1])) continue;
      for (i++; i < text.length && text[i] !== c; i++) {
        if (c === '"' && text[i] === "\\") i++;
        else if (text[i] === "\n") {
          line++;
          lineStart = i + 1;
        }
      }
    } else if (c === "[" || c === "{") {
      if (++depth > MAX_FLOW_DEPTH) {
        return {
          file,
          line,
          col: i - lineStart + 1,
          message: `lists and maps nest more than ${MAX_FLOW_DEPTH} levels deep here; a topology needs a few`,
        };
      }
    } else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return undefined;
}
