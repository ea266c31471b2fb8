/**
 * The editor's forms as data, built from the same schemas the loader reads with: a node kind's keys
 * (src/kinds/), the link settings and the route shape (src/topology/read.ts). A schema says what it
 * accepts through its metadata (`options`, `fields`, `item`, `input`); one without any (a setting with
 * several written forms, such as IPsec proposals) becomes a YAML text field, so every key a kind has
 * can be written from the form, and the loader's own messages say what is wrong with it.
 */
import { parse } from "yaml";
import { getKind, KINDS } from "../../src/kinds/index.ts";
import { LINK_FIELDS, routeSchema } from "../../src/topology/read.ts";
import type { InputHint, Schema } from "../../src/topology/schema.ts";

/** One field of a form. */
export type FieldSpec =
  | { type: "choice"; options: readonly string[]; required: boolean }
  | { type: "bool"; required: boolean }
  | { type: "scalar"; input: InputHint; required: boolean }
  | { type: "group"; fields: Record<string, FieldSpec>; required: boolean }
  | { type: "list"; item: FieldSpec; required: boolean }
  | { type: "yaml"; required: boolean };

/** The field for values read by `schema`. */
export function fieldOf(schema: Schema<unknown>, required = false): FieldSpec {
  if (schema.options) return { type: "choice", options: schema.options, required };
  if (schema.fields) {
    const need = new Set(schema.required ?? []);
    const fields: Record<string, FieldSpec> = {};
    for (const [key, sub] of Object.entries(schema.fields)) fields[key] = fieldOf(sub, need.has(key));
    return { type: "group", fields, required };
  }
  if (schema.item) return { type: "list", item: fieldOf(schema.item, true), required };
  if (schema.input?.type === "bool") return { type: "bool", required };
  if (schema.input) return { type: "scalar", input: schema.input, required };
  return { type: "yaml", required };
}

/** The kind-specific keys of `kind`, as fields (empty for an unknown kind). */
export function kindFields(kind: string): Record<string, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  for (const [key, def] of Object.entries(getKind(kind)?.keys ?? {})) {
    out[key] = fieldOf(def.schema, def.required === true);
  }
  return out;
}

/** A link's settings besides its endpoints. */
export function linkFields(): Record<string, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  for (const [key, schema] of Object.entries(LINK_FIELDS)) out[key] = fieldOf(schema as Schema<unknown>);
  return out;
}

/** One route's fields (`to` required). */
export function routeFields(): Record<string, FieldSpec> {
  const spec = fieldOf(routeSchema as Schema<unknown>);
  return spec.type === "group" ? spec.fields : {};
}

/** The palette: every kind, in `KINDS` order, with its summary. */
export function paletteKinds(): { name: string; summary: string }[] {
  return KINDS.map((k) => ({ name: k.name, summary: k.summary }));
}

/**
 * What a field's text means as a YAML value: nothing (the key goes) when empty; a number where the
 * schema reads numbers; the words true/false for a switch; parsed YAML for a YAML field; otherwise the
 * text itself (so "10ms" or "192.168.1.1" is written plain and read by the loader's schema).
 */
export function valueOfInput(field: FieldSpec, input: string): unknown {
  const t = input.trim();
  if (t === "") return undefined;
  switch (field.type) {
    case "bool":
      return t === "true" ? true : t === "false" ? false : t;
    case "scalar": {
      const numeric = field.input.type === "int" || field.input.type === "number";
      return numeric && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
    }
    case "list":
      // A list of plain values is typed as words with commas: "10.0.0.1, 10.0.0.2".
      if (field.item.type !== "group" && !t.startsWith("[")) {
        return t.split(",").map((w) => valueOfInput(field.item, w)).filter((w) => w !== undefined);
      }
      return parseYaml(t);
    case "yaml":
    case "group":
      return parseYaml(t);
    default:
      return t;
  }
}

/** YAML text as a value; text that does not parse is kept as the text, for the loader to report. */
function parseYaml(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return text;
  }
}

/** A value as its field's text (the inverse of `valueOfInput` for what the editor writes). */
export function inputOfValue(field: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (field.type === "list" && Array.isArray(value) && field.item.type !== "group") {
    if (value.every((v) => typeof v !== "object")) return value.map(String).join(", ");
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
