/**
 * The editor's side panel: the form of what is selected. The network (name, seed, duration), a node
 * (its name, interfaces, gateway and routes where its kind has them, then every key of its kind), a
 * link (its two ends and settings) or a script action (when, on what, which command). Fields come
 * from the schemas (fields.ts); errors are put on them afterwards by the editor.
 */
import { COMMANDS, getKind } from "../../src/kinds/index.ts";
import { h } from "../app/dom.ts";
import type { End, Path } from "./doc.ts";
import { pathKey } from "./error_paths.ts";
import { fieldOf, kindFields, linkFields, routeFields } from "./fields.ts";
import { field, type FieldHost, menu, row, textBox, valueAt } from "./form_fields.ts";
import type { Selection } from "./canvas.ts";
import type { Shape } from "./shape.ts";
import { duration, int, str } from "../../src/topology/schema.ts";

/** What the forms ask of the editor, beyond setting values. */
export interface FormHost extends FieldHost {
  renameNode(from: string, to: string): void;
  addInterface(node: string): void;
  renameInterface(node: string, from: string, to: string): void;
  removeInterface(node: string, iface: string): void;
  removeNode(name: string): void;
  removeLink(index: number): void;
  setEnd(link: number, which: number, end: End): void;
  removeAction(index: number): void;
  setActionTarget(index: number, target: { node: string } | { link: string }): void;
}

const NETWORK_FIELDS = {
  name: fieldOf(str({ nonEmpty: true }), true),
  description: fieldOf(str()),
  seed: fieldOf(int(0, 0xffffffff)),
  duration: fieldOf(duration(1)),
};

/** The form of `selection`, from the text's plain data and shape. */
export function renderForm(host: FormHost, selection: Selection, data: unknown, shape: Shape): HTMLElement {
  switch (selection.type) {
    case "network":
      return networkForm(host, data);
    case "node":
      return nodeForm(host, selection.name, data, shape);
    case "link":
      return linkForm(host, selection.index, data, shape);
    case "action":
      return actionForm(host, selection.index, shape);
  }
}

function heading(title: string, sub: string, remove?: () => void, what = ""): HTMLElement {
  return h(
    "header",
    { class: "ed-form-head" },
    h("h3", {}, title),
    remove
      ? h(
        "button",
        { type: "button", class: "ed-delete", id: "ed-delete", onclick: remove },
        `Delete ${what}`,
      )
      : null,
    h("p", { class: "muted" }, sub),
  );
}

function networkForm(host: FormHost, data: unknown): HTMLElement {
  const lesson = valueAt(data, ["lesson"]) !== undefined;
  return h(
    "form",
    { class: "ed-form", "data-path": "", onsubmit: (e: Event) => e.preventDefault() },
    heading("Network", "Click a node or a link to edit it; add nodes from the palette."),
    ...Object.entries(NETWORK_FIELDS).map(([k, spec]) => field(host, k, spec, [k], data)),
    lesson
      ? h("p", { class: "muted" }, "This file has a lesson block (story, questions): it is kept as written.")
      : null,
  );
}

function nodeForm(host: FormHost, name: string, data: unknown, shape: Shape): HTMLElement {
  const node = shape.nodes.find((n) => n.name === name);
  if (!node) return networkForm(host, data);
  const kind = getKind(node.kind);
  const base: Path = ["nodes", name];
  const ifaces = h(
    "fieldset",
    { class: "ed-list", "data-path": pathKey([...base, "interfaces"]) },
    h("legend", {}, "interfaces", kind?.interfacesRequired ? " *" : ""),
    ...node.interfaces.map((iface) => {
      const path = [...base, "interfaces", iface.name];
      const written = valueAt(data, path);
      const isMap = written !== null && typeof written === "object";
      return h(
        "div",
        { class: "ed-iface", "data-path": pathKey(path), "data-iface": iface.name },
        textBox(
          iface.name,
          `${pathKey(path)}\u001fname`,
          (t) => host.renameInterface(name, iface.name, t.trim()),
          {
            "aria-label": `name of interface ${iface.name}`,
            class: "ed-iface-name",
          },
        ),
        textBox(iface.address, `${pathKey(path)}\u001faddress`, (t) => {
          host.set(isMap ? [...path, "ip"] : path, t.trim() === "" ? null : t.trim());
        }, {
          placeholder: "address like 10.0.0.2/24",
          "aria-label": `address of ${iface.name}`,
          class: "ed-iface-address",
        }),
        h("button", {
          type: "button",
          title: `Remove ${iface.name} (and its link)`,
          "aria-label": `Remove interface ${iface.name}`,
          onclick: () => host.removeInterface(name, iface.name),
        }, "✕"),
      );
    }),
    h(
      "button",
      { type: "button", id: "ed-add-interface", onclick: () => host.addInterface(name) },
      "+ interface",
    ),
  );
  const parts: HTMLElement[] = [
    row(
      "name",
      base,
      textBox(name, `${pathKey(base)}\u001frename`, (t) => host.renameNode(name, t.trim()), {
        id: "ed-node-name",
      }),
      true,
    ),
    ifaces,
  ];
  if (kind?.gateway) parts.push(field(host, "gateway", fieldOf(str()), [...base, "gateway"], data));
  if (kind?.routes) {
    parts.push(
      field(
        host,
        "routes",
        { type: "list", item: { type: "group", fields: routeFields(), required: true }, required: false },
        [...base, "routes"],
        data,
      ),
    );
  }
  for (const [key, spec] of Object.entries(kindFields(node.kind))) {
    parts.push(field(host, key, spec, [...base, key], data));
  }
  return h(
    "form",
    { class: "ed-form", "data-path": pathKey(base), onsubmit: (e: Event) => e.preventDefault() },
    heading(
      name,
      kind ? `${kind.name}: ${kind.summary}` : `unknown kind "${node.kind}"`,
      () => host.removeNode(name),
      "node",
    ),
    ...parts,
  );
}

function linkForm(host: FormHost, index: number, data: unknown, shape: Shape): HTMLElement {
  const link = shape.links.find((l) => l.index === index);
  if (!link) return networkForm(host, data);
  const base: Path = ["links", index];
  const all = shape.nodes.flatMap((n) => n.interfaces.map((i) => `${n.name}:${i.name}`));
  const ends = link.ends.map((e, which) =>
    row(
      which === 0 ? "from" : "to",
      [...base, "endpoints", which],
      menu(all, `${e.node}:${e.iface}`, `${pathKey(base)}\u001fend${which}`, (w) => {
        const [node, iface] = w.split(":");
        if (node && iface) host.setEnd(index, which, { node, iface });
      }, "(choose)"),
    )
  );
  return h(
    "form",
    { class: "ed-form", "data-path": pathKey(base), onsubmit: (e: Event) => e.preventDefault() },
    heading(
      `Link ${link.name}`,
      link.ends.map((e) => `${e.node}:${e.iface}`).join(" ↔ "),
      () => host.removeLink(index),
      "link",
    ),
    ...ends,
    ...Object.entries(linkFields()).map(([k, spec]) => field(host, k, spec, [...base, k], data)),
  );
}

/** The command a `do:` text starts with (the longest name that fits), and the words after it. */
export function splitCommand(text: string): { name: string; args: string } {
  const t = text.trim();
  const names = COMMANDS.map((c) => c.name).sort((a, b) => b.length - a.length);
  const name = names.find((n) => t === n || t.startsWith(`${n} `));
  return name ? { name, args: t.slice(name.length).trim() } : { name: "", args: t };
}

/** The commands a node of `kind` (or, with null, a link) can run. */
export function commandsFor(kind: string | null): string[] {
  return COMMANDS.filter((c) =>
    kind === null ? c.target === "link" : c.target === "node" && (c.kinds ?? []).includes(kind)
  )
    .map((c) => c.name);
}

function actionForm(host: FormHost, index: number, shape: Shape): HTMLElement {
  const action = shape.script.find((a) => a.index === index);
  if (!action) return h("form", { class: "ed-form" }, heading("Script", "No such action."));
  const base: Path = ["script", index];
  const targets = [
    ...shape.nodes.filter((n) => (getKind(n.kind)?.commands.length ?? 0) > 0).map((n) => `node ${n.name}`),
    ...shape.links.map((l) => `link ${l.name}`),
  ];
  const current = action.link !== undefined ? `link ${action.link}` : `node ${action.node ?? ""}`;
  const kind = action.link !== undefined ? null : shape.nodes.find((n) => n.name === action.node)?.kind ?? "";
  const { name, args } = splitCommand(action.do);
  const usage = COMMANDS.find((c) => c.name === name)?.usage ?? "";
  const setDo = (command: string, words: string) =>
    host.set([...base, "do"], words ? `${command} ${words}` : command);
  return h(
    "form",
    { class: "ed-form", "data-path": pathKey(base), onsubmit: (e: Event) => e.preventDefault() },
    heading(
      `At ${action.at || "?"}`,
      "A timed action of the script.",
      () => host.removeAction(index),
      "action",
    ),
    row(
      "at",
      [...base, "at"],
      textBox(action.at, pathKey([...base, "at"]), (t) => host.set([...base, "at"], t.trim() || undefined), {
        placeholder: "a time like 1s or 250ms",
        id: "ed-action-at",
      }),
      true,
    ),
    row(
      "on",
      [...base, action.link !== undefined ? "link" : "node"],
      menu(targets, current, `${pathKey(base)}\u001ftarget`, (w) => {
        const [type, ...rest] = w.split(" ");
        const target = rest.join(" ");
        if (type === "link") host.setActionTarget(index, { link: target });
        else if (type === "node") host.setActionTarget(index, { node: target });
      }, "(choose)"),
      true,
    ),
    row(
      "command",
      [...base, "do"],
      menu(commandsFor(kind), name, `${pathKey(base)}\u001fcommand`, (w) => setDo(w, args), "(choose)"),
      true,
    ),
    row(
      "arguments",
      [...base, "do"],
      textBox(args, `${pathKey(base)}\u001fargs`, (t) => setDo(name, t.trim()), {
        placeholder: usage.slice(name.length).trim() || "(none)",
        id: "ed-action-args",
      }),
    ),
    usage ? h("p", { class: "muted mono" }, usage) : null,
  );
}
