/**
 * Form controls for `FieldSpec`s: a menu for a choice or a switch, a text box for a scalar (its
 * schema's example as placeholder), a fieldset for a group, repeated fieldsets for a list of groups,
 * and a YAML box for anything else. Every control carries `data-path`, where the editor puts the
 * loader's errors, and `data-fkey`, so focus survives a redraw. A change becomes one `set` call.
 */
import { h } from "../app/dom.ts";
import type { Path } from "./doc.ts";
import { pathKey } from "./error_paths.ts";
import { type FieldSpec, inputOfValue, valueOfInput } from "./fields.ts";

/** What the controls ask of the form. */
export interface FieldHost {
  /** Sets (or with `undefined`, clears) the value at `path`. */
  set(path: Path, value: unknown): void;
  addItem(path: Path, flow: boolean): void;
  removeItem(path: Path, index: number): void;
}

/** The value at `path` inside plain data. */
export function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** A text box that reports its value on Enter or when it loses focus. */
export function textBox(
  value: string,
  fkey: string,
  onCommit: (text: string) => void,
  props: Record<string, string> = {},
): HTMLInputElement {
  const input = h("input", { type: "text", value, "data-fkey": fkey, spellcheck: "false", ...props });
  let last = value;
  const commit = () => {
    if (input.value === last) return;
    last = input.value;
    onCommit(input.value);
  };
  input.addEventListener("change", commit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      commit();
    }
  });
  return input;
}

/** A menu of words with a first "(default)" entry meaning "not written". */
export function menu(
  options: readonly string[],
  value: string,
  fkey: string,
  onPick: (word: string) => void,
  blank = "(default)",
): HTMLSelectElement {
  const select = h(
    "select",
    { "data-fkey": fkey },
    h("option", { value: "" }, blank),
    ...options.map((o) => h("option", { value: o }, o)),
  );
  if (value !== "" && !options.includes(value)) select.append(h("option", { value }, value));
  select.value = value;
  select.addEventListener("change", () => onPick(select.value));
  return select;
}

/** A labelled row: the key's name, the control, and room for its errors. */
export function row(label: string, path: Path, control: HTMLElement, required = false): HTMLElement {
  return h(
    "div",
    { class: "ed-field", "data-path": pathKey(path) },
    h("label", {}, label, required ? h("span", { class: "ed-required", title: "required" }, " *") : null),
    control,
  );
}

/** The control(s) for one key of spec `spec` at `path`, with its current value from `data`. */
export function field(host: FieldHost, key: string, spec: FieldSpec, path: Path, data: unknown): HTMLElement {
  const value = valueAt(data, path);
  const fkey = pathKey(path);
  const set = (v: unknown) => host.set(path, v);
  switch (spec.type) {
    case "choice":
      return row(
        key,
        path,
        menu(spec.options, value === undefined ? "" : String(value), fkey, (w) => set(w || undefined)),
        spec.required,
      );
    case "bool":
      return row(
        key,
        path,
        menu(
          ["true", "false"],
          value === undefined ? "" : String(value),
          fkey,
          (w) => set(valueOfInput(spec, w)),
        ),
        spec.required,
      );
    case "scalar":
      return row(
        key,
        path,
        textBox(inputOfValue(spec, value), fkey, (t) => set(valueOfInput(spec, t)), {
          placeholder: spec.input.hint,
        }),
        spec.required,
      );
    case "group": {
      if (value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))) {
        // Written in another of the setting's forms (`cgnat: true`, proposals as one string).
        return yamlRow(host, key, { type: "yaml", required: spec.required }, path, value);
      }
      const box = h(
        "details",
        { class: "ed-group", "data-path": fkey },
        h("summary", {}, key, spec.required ? " *" : ""),
        ...Object.entries(spec.fields).map(([k, sub]) => field(host, k, sub, [...path, k], data)),
      );
      if (value !== undefined) box.open = true;
      return box;
    }
    case "list":
      if (spec.item.type === "group") return listOfGroups(host, key, spec.item, path, data);
      return row(
        key,
        path,
        textBox(inputOfValue(spec, value), fkey, (t) => set(valueOfInput(spec, t)), {
          placeholder: spec.item.type === "scalar"
            ? `${spec.item.input.hint}, …`
            : "words, separated by commas",
        }),
        spec.required,
      );
    case "yaml":
      return yamlRow(host, key, spec, path, value);
  }
}

function yamlRow(host: FieldHost, key: string, spec: FieldSpec, path: Path, value: unknown): HTMLElement {
  return row(
    key,
    path,
    textBox(
      value === undefined ? "" : inputOfValue(spec, value),
      pathKey(path),
      (t) => host.set(path, valueOfInput(spec, t)),
      { placeholder: "a YAML value", class: "mono" },
    ),
    spec.required,
  );
}

/** A list of maps (routes, port forwards, firewall rules): one fieldset each, add and remove. */
function listOfGroups(
  host: FieldHost,
  key: string,
  item: Extract<FieldSpec, { type: "group" }>,
  path: Path,
  data: unknown,
): HTMLElement {
  const value = valueAt(data, path);
  const items = Array.isArray(value) ? value : [];
  const flow = key === "routes";
  return h(
    "fieldset",
    { class: "ed-list", "data-path": pathKey(path) },
    h("legend", {}, key),
    ...items.map((_, i) =>
      h(
        "div",
        { class: "ed-item", "data-path": pathKey([...path, i]) },
        ...Object.entries(item.fields).map(([k, sub]) => field(host, k, sub, [...path, i, k], data)),
        h("button", {
          type: "button",
          class: "ed-remove",
          "data-fkey": `${pathKey([...path, i])}\u001fremove`,
          title: `Remove this item from ${key}`,
          onclick: () => host.removeItem(path, i),
        }, "Remove"),
      )
    ),
    h("button", {
      type: "button",
      class: "ed-add",
      "data-add": key,
      "data-fkey": `${pathKey(path)}\u001fadd`,
      onclick: () => host.addItem(path, flow),
    }, `+ ${key === "routes" ? "route" : "item"}`),
  );
}
