/**
 * Script commands (`do: ping 10.0.0.5 count 3`, `do: down`): what a command definition is, and how a
 * `do:` text is split into words and matched against a list of definitions (src/kinds/commands.ts
 * holds that list). Each command names its target (a node or a link), the node kinds that can run it,
 * and a parser from words to a `ParsedCommand`.
 */
import { parseDuration } from "../engine/time.ts";
import type { ParsedCommand } from "./model.ts";
import { formatIpv4, type Parsed, parseIpv4, suggestion } from "./values.ts";

/** One word of a command, with its offset in the command text (so errors can point at it). */
export interface Token {
  text: string;
  start: number;
}

/** Arguments, or what is wrong with them and which word to blame. */
export type ArgsResult = { ok: true; args: Record<string, unknown> } | {
  ok: false;
  error: string;
  token?: Token;
};

/** A script command. */
export interface CommandDef {
  /** One or more words, e.g. `ping` or `udp send`. */
  name: string;
  /** The name in `ParsedCommand.name`, e.g. `udp-send` (defaults to `name`). */
  id?: string;
  target: "node" | "link";
  /** Node kinds that can run it; absent means every kind. */
  kinds?: readonly string[];
  /** Shown in error messages, e.g. `ping DST [count N]`. */
  usage: string;
  /** Parses the words after the command name. */
  parse(args: Token[]): ArgsResult;
}

/** Splits a command into words; `"..."` groups words and allows `\"` and `\\` inside. */
export function tokenize(
  text: string,
): { ok: true; value: Token[] } | { ok: false; error: string; offset: number } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    const start = i;
    if (text[i] === '"') {
      let value = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) return { ok: false, error: "unterminated quote", offset: start };
      i++;
      tokens.push({ text: value, start });
    } else {
      while (i < text.length && !/\s/.test(text[i])) i++;
      tokens.push({ text: text.slice(start, i), start });
    }
  }
  return { ok: true, value: tokens };
}

/** Result of resolving a `do:` text: the command, or an error with the offset of the word to blame. */
export type CommandResult =
  | { ok: true; command: ParsedCommand; def: CommandDef }
  | { ok: false; error: string; offset: number };

/**
 * Finds and parses the command in `text` among `commands` for a target: a node of `kind`, or a link
 * (`kind` undefined). The longest matching command name wins, so `udp send` and `udp echo` can share a
 * first word.
 */
export function parseCommand(
  text: string,
  kind: string | undefined,
  commands: readonly CommandDef[],
): CommandResult {
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens;
  const words = tokens.value;
  if (words.length === 0) return { ok: false, error: "empty command", offset: 0 };
  const target = kind === undefined ? "link" : "node";
  const matches = (c: CommandDef) => {
    const parts = c.name.split(" ");
    return parts.length <= words.length && parts.every((p, i) => words[i].text === p);
  };
  const found = commands.filter(matches).sort((a, b) => b.name.length - a.name.length);
  const def = found.find((c) => c.target === target);
  if (!def) {
    const other = found[0];
    if (other) {
      const where = other.target === "link"
        ? "a link (use link: instead of node:)"
        : "a node (use node: instead of link:)";
      return { ok: false, error: `"${other.name}" is a command for ${where}`, offset: 0 };
    }
    const names = commands.filter((c) => c.target === target).map((c) => c.name);
    const typed = words.slice(0, 2).map((w) => w.text).join(" ");
    const hint = suggestion(typed, names) || suggestion(words[0].text, names);
    return {
      ok: false,
      error: `unknown ${target} command "${words[0].text}"${hint}; known: ${names.join(", ")}`,
      offset: 0,
    };
  }
  if (kind !== undefined && def.kinds && !def.kinds.includes(kind)) {
    return {
      ok: false,
      error: `"${def.name}" cannot run on a ${kind} (only on: ${def.kinds.join(", ")})`,
      offset: 0,
    };
  }
  const args = def.parse(words.slice(def.name.split(" ").length));
  if (!args.ok) {
    return { ok: false, error: `${args.error}; usage: ${def.usage}`, offset: args.token?.start ?? 0 };
  }
  return { ok: true, command: { name: def.id ?? def.name, args: args.args }, def };
}

/** Parses one argument word. */
export type ArgType = (text: string) => Parsed<unknown>;

/** An integer argument in [min, max]. */
export function argInt(min: number, max: number): ArgType {
  return (text) => {
    if (!/^\d+$/.test(text)) return { ok: false, error: `"${text}" is not a whole number` };
    const n = Number(text);
    return n >= min && n <= max
      ? { ok: true, value: n }
      : { ok: false, error: `${n} is out of range (${min} to ${max})` };
  };
}

/** A duration argument (`200ms`), strictly positive; the value is in microseconds. */
export const argDuration: ArgType = (text) => {
  const t = parseDuration(text);
  if (t === null) return { ok: false, error: `bad duration "${text}" (write it like 200ms or 1s)` };
  return t > 0 ? { ok: true, value: t } : { ok: false, error: `duration must be more than 0` };
};

/** An IPv4 address argument, in canonical dotted form. */
export const argIpv4: ArgType = (text) => {
  const r = parseIpv4(text);
  return r.ok ? { ok: true, value: formatIpv4(r.value) } : r;
};

/** Any word or quoted text. */
export const argText: ArgType = (text) => ({ ok: true, value: text });

/** How a command's words are laid out: positional arguments, then `name value` options and flags. */
export interface WordsSpec {
  positional: [name: string, type: ArgType][];
  /** Options take one value; `"flag"` options take none and become `true`. */
  options: Record<string, ArgType | "flag">;
  defaults?: Record<string, unknown>;
}

/** Parses words by a `WordsSpec`: the common shape of commands such as `ping DST [count N] [df]`. */
export function parseWords(tokens: Token[], spec: WordsSpec): ArgsResult {
  const args: Record<string, unknown> = {};
  const [positional, rest] = [tokens.slice(0, spec.positional.length), tokens.slice(spec.positional.length)];
  for (let i = 0; i < spec.positional.length; i++) {
    const [name, type] = spec.positional[i];
    const token = positional[i];
    if (!token || token.text in spec.options) {
      return { ok: false, error: `missing ${name.toUpperCase()}`, token: tokens[tokens.length - 1] };
    }
    const r = type(token.text);
    if (!r.ok) return { ok: false, error: `${name.toUpperCase()}: ${r.error}`, token };
    args[name] = r.value;
  }
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    const type = spec.options[token.text];
    if (type === undefined) {
      const known = Object.keys(spec.options);
      return { ok: false, error: `unexpected "${token.text}"${suggestion(token.text, known)}`, token };
    }
    if (token.text in args) return { ok: false, error: `"${token.text}" given twice`, token };
    if (type === "flag") {
      args[token.text] = true;
      continue;
    }
    const value = rest[i + 1];
    if (!value) return { ok: false, error: `"${token.text}" needs a value`, token };
    const r = type(value.text);
    if (!r.ok) return { ok: false, error: `${token.text}: ${r.error}`, token: value };
    args[token.text] = r.value;
    i++;
  }
  return { ok: true, args: { ...spec.defaults, ...args } };
}
