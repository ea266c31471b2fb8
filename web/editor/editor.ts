/**
 * The editor: build a network in the browser. It holds the YAML text (the only state; every change is
 * a new text, kept for undo and in localStorage), validates it with the loader after each change and
 * puts the errors on the fields, and draws it. **Run** hands the text to the view, which simulates it
 * in its worker; **Save** downloads it. Panes: palette, drawing, form, script and the file as text.
 */
import { parse } from "yaml";
import { loadTopology } from "../../src/topology/load.ts";
import type { TopologyError } from "../../src/topology/model.ts";
import { byId, h, typingTarget } from "../app/dom.ts";
import { download, stem } from "../app/export.ts";
import { remember, remembered } from "../app/storage.ts";
import { EditorCanvas, type Selection } from "./canvas.ts";
import * as ops from "./doc.ts";
import { pathKey, type PlacedError, placeErrors, under } from "./error_paths.ts";
import { paletteKinds } from "./fields.ts";
import { commandsFor, type FormHost, renderForm } from "./forms.ts";
import { History, parseSaved } from "./history.ts";
import { readShape, type Shape } from "./shape.ts";
import { getKind } from "../../src/kinds/index.ts";

const STORE_KEY = "tunnel-lab:editor";
const DEFAULT_FILE = "my-network.yaml";

/** What the editor needs of the view. */
export interface EditorHost {
  /** Opens (and simulates) text in the view. */
  openText(text: string, file: string): void;
  /** The text and file the view shows now, if any. */
  current(): { text: string; file: string } | null;
}

export class Editor implements FormHost {
  #history: History;
  #selection: Selection = { type: "network" };
  #shape: Shape;
  #errors: PlacedError[] = [];
  #canvas: EditorCanvas;
  #panel = byId("editor");
  #form = h("div", { class: "ed-side", id: "ed-form" });
  #script = h("div", { class: "ed-script", id: "ed-script" });
  #problems = h("ol", { class: "ed-problems", id: "ed-problems" });
  #yaml = h("pre", { class: "ed-yaml mono", id: "ed-yaml" });
  #status = h("span", { class: "ed-status", id: "ed-status", role: "status" });
  #count = h("span", { class: "ed-count", id: "ed-count" });
  #undo: HTMLButtonElement;
  #redo: HTMLButtonElement;
  #toggle = byId<HTMLButtonElement>("build-toggle");
  #redrawPending: ReturnType<typeof setTimeout> | 0 = 0;

  constructor(private host: EditorHost) {
    this.#history = new History(
      parseSaved(remembered(STORE_KEY), { text: ops.NEW_TOPOLOGY, file: DEFAULT_FILE, past: [], future: [] }),
    );
    this.#shape = readShape(this.#history.text);
    this.#canvas = new EditorCanvas({
      select: (s) => this.select(s),
      moveNode: (name, at) => this.#commit(ops.moveNode(this.text, name, at)),
      connect: (from, to) => this.#connect(from, to),
      dropKind: (kind, at) => this.addNode(kind, at),
    });
    this.#undo = h("button", {
      type: "button",
      id: "ed-undo",
      title: "Undo (Ctrl+Z)",
      onclick: () => this.undo(),
    }, "↶ Undo");
    this.#redo = h("button", {
      type: "button",
      id: "ed-redo",
      title: "Redo (Ctrl+Shift+Z)",
      onclick: () => this.redo(),
    }, "↷ Redo");
    this.#build();
    this.#toggle.addEventListener("click", () => this.show(!this.shown));
    byId("lesson-picker").addEventListener("change", () => this.show(false));
    document.addEventListener("keydown", (e) => this.#key(e));
    if (new URLSearchParams(location.hash.slice(1)).get("build") === "1") this.show(true);
    this.#refresh();
  }

  get text(): string {
    return this.#history.text;
  }

  get shown(): boolean {
    return !this.#panel.hidden;
  }

  /** Shows the editor in place of the view's panes (or the view again). */
  show(on: boolean): void {
    this.#panel.hidden = !on;
    document.body.classList.toggle("building", on);
    this.#toggle.setAttribute("aria-pressed", String(on));
    if (on) this.#refresh();
  }

  #build(): void {
    const palette = h(
      "div",
      {
        class: "ed-palette",
        id: "ed-palette",
        role: "toolbar",
        "aria-label": "Node kinds: click to add, or drag onto the drawing",
      },
      h("h3", {}, "Add a node"),
      ...paletteKinds().map((k) => this.#paletteItem(k.name, k.summary)),
    );
    const tools = h(
      "div",
      { class: "ed-tools" },
      h("button", {
        type: "button",
        id: "ed-new",
        title: "Start an empty network (undo brings the old one back)",
        onclick: () => this.newNetwork(),
      }, "New"),
      h("button", {
        type: "button",
        id: "ed-open-current",
        title: "Edit the lesson or file the view shows",
        onclick: () => this.openCurrent(),
      }, "Edit the open lesson"),
      this.#undo,
      this.#redo,
      h(
        "button",
        { type: "button", id: "ed-add-action", onclick: () => this.addAction() },
        "+ script action",
      ),
      h("span", { class: "spacer" }),
      this.#status,
      this.#count,
      h("button", {
        type: "button",
        id: "ed-save",
        title: "Download the YAML (sim validate reads it)",
        onclick: () => this.save(),
      }, "Save YAML"),
      h("button", {
        type: "button",
        id: "ed-run",
        class: "primary",
        title: "Simulate it in the view",
        onclick: () => this.run(),
      }, "Run ▶"),
    );
    const bottom = h(
      "div",
      { class: "ed-bottom" },
      h("section", { class: "ed-script-pane" }, h("h3", {}, "Script"), this.#script),
      h("section", { class: "ed-problems-pane" }, h("h3", {}, "Problems"), this.#problems),
      h("details", { class: "ed-yaml-pane" }, h("summary", {}, "The file as YAML"), this.#yaml),
    );
    this.#panel.append(
      tools,
      h("div", { class: "ed-main" }, palette, h("div", { class: "ed-canvas" }, this.#canvas.svg), this.#form),
      bottom,
    );
  }

  #paletteItem(kind: string, summary: string): HTMLElement {
    const button = h("button", {
      type: "button",
      class: "ed-palette-kind",
      "data-kind": kind,
      title: summary,
    }, kind);
    let dragged = false;
    button.addEventListener("pointerdown", (e) => {
      dragged = false;
      const start = { x: e.clientX, y: e.clientY };
      const up = (u: PointerEvent) => {
        document.removeEventListener("pointerup", up);
        if (Math.hypot(u.clientX - start.x, u.clientY - start.y) > 6 && this.#canvas.contains(u)) {
          dragged = true;
          this.addNode(kind, this.#canvas.point(u));
        }
      };
      document.addEventListener("pointerup", up);
    });
    button.addEventListener("click", () => {
      if (!dragged) this.addNode(kind);
      dragged = false;
    });
    return button;
  }

  // ---- changes --------------------------------------------------------------------------------

  /** Records a new text (one undo step), optionally selecting something, and redraws. */
  #commit(text: string | undefined, selection?: Selection, problem?: string): void {
    if (text === undefined) {
      this.#say(problem ?? "That change is not possible.", true);
      return;
    }
    if (selection) this.#selection = selection;
    this.#history.push(text);
    this.#save();
    this.#scheduleRefresh();
  }

  /** Redraws after the browser has moved focus, so the control that now has it gets it back. */
  #scheduleRefresh(): void {
    if (this.#redrawPending) return;
    this.#redrawPending = setTimeout(() => {
      this.#redrawPending = 0;
      this.#refresh();
    }, 0);
  }

  #save(): void {
    remember(STORE_KEY, JSON.stringify(this.#history.saved()));
  }

  addNode(kind: string, at?: { x: number; y: number }): void {
    const spot = at ?? this.#freeSpot();
    const { text, name } = ops.addNode(this.text, kind, spot);
    this.#commit(text, { type: "node", name });
    this.#say(`Added ${name} (${kind}). Give it interfaces in the form.`);
  }

  #freeSpot(): { x: number; y: number } {
    const taken = [...this.#canvas.positions().values()];
    for (let slot = 0;; slot++) {
      const p = { x: 80 + 200 * (slot % 5), y: 200 + 170 * Math.floor(slot / 5) };
      if (taken.every((q) => Math.hypot(q.x - p.x, q.y - p.y) > 90)) return p;
    }
  }

  #connect(from: ops.End, to: ops.End | { node: string }): void {
    let text = this.text;
    let end: ops.End;
    if ("iface" in to) end = to;
    else {
      const node = this.#shape.nodes.find((n) => n.name === to.node);
      const free = node?.interfaces.find((i) =>
        !this.#shape.links.some((l) => l.ends.some((e) => e.node === to.node && e.iface === i.name))
      );
      if (free) end = { node: to.node, iface: free.name };
      else {
        const made = ops.addInterface(text, to.node);
        text = made.text;
        end = { node: to.node, iface: made.name };
      }
    }
    const added = ops.addLink(text, from, end);
    this.#commit(added.text, { type: "link", index: added.index });
    this.#say(`Linked ${ops.endText(from)} and ${ops.endText(end)}.`);
  }

  addAction(): void {
    const node = this.#shape.nodes.find((n) => commandsFor(n.kind).length > 0);
    if (!node) {
      this.#say("Add a node that runs commands (a host, say) first.", true);
      return;
    }
    const { text, index } = ops.addAction(this.text, {
      at: "1s",
      node: node.name,
      do: commandsFor(node.kind)[0],
    });
    this.#commit(text, { type: "action", index });
  }

  newNetwork(): void {
    this.#history.file = DEFAULT_FILE;
    this.#commit(ops.NEW_TOPOLOGY, { type: "network" });
    this.#say("A new network. Undo brings the previous one back.");
  }

  /** Takes the text the view shows (a lesson, an opened file) into the editor. */
  openCurrent(): void {
    const current = this.host.current();
    if (!current) {
      this.#say("The view has no topology open.", true);
      return;
    }
    this.#history.file = current.file;
    this.#commit(current.text, { type: "network" });
    this.#say(`Editing ${current.file}. Undo brings the previous network back.`);
  }

  run(): void {
    const name = readShape(this.text).name;
    const file = `${stem(name || this.#history.file)}.yaml`;
    this.show(false);
    this.host.openText(this.text, file);
  }

  save(): void {
    const name = readShape(this.text).name || stem(this.#history.file);
    download(`${stem(name)}.yaml`, this.text, "text/yaml");
    const n = this.#errors.length;
    this.#say(
      n === 0
        ? `Saved ${stem(name)}.yaml.`
        : `Saved ${stem(name)}.yaml; it still has ${n} problem${n === 1 ? "" : "s"}.`,
      n > 0,
    );
  }

  undo(): void {
    if (this.#history.undo()) this.#afterHistory("Undone.");
  }

  redo(): void {
    if (this.#history.redo()) this.#afterHistory("Redone.");
  }

  #afterHistory(message: string): void {
    this.#save();
    this.#refresh();
    this.#say(message);
  }

  select(selection: Selection): void {
    this.#selection = selection;
    this.#refresh();
  }

  #key(e: KeyboardEvent): void {
    if (!this.shown || !(e.ctrlKey || e.metaKey) || typingTarget(e.target)) return;
    const k = e.key.toLowerCase();
    if (k === "z" && !e.shiftKey) this.undo();
    else if ((k === "z" && e.shiftKey) || k === "y") this.redo();
    else return;
    e.preventDefault();
  }

  // ---- FormHost ---------------------------------------------------------------------------

  set(path: ops.Path, value: unknown): void {
    this.#commit(
      ops.setValue(
        this.text,
        path,
        value,
        path[0] === "nodes" || path[0] === "links" || path[0] === "script" ? 2 : 0,
      ),
    );
  }

  addItem(path: ops.Path, flow: boolean): void {
    this.#commit(ops.addListItem(this.text, path, {}, flow));
  }

  removeItem(path: ops.Path, index: number): void {
    this.#commit(ops.removeListItem(this.text, path, index));
  }

  renameNode(from: string, to: string): void {
    if (!to) return this.#refresh();
    this.#commit(
      ops.renameNode(this.text, from, to),
      { type: "node", name: to },
      `There is already a node called ${to}.`,
    );
  }

  addInterface(node: string): void {
    this.#commit(ops.addInterface(this.text, node).text);
  }

  renameInterface(node: string, from: string, to: string): void {
    if (!to) return this.#refresh();
    this.#commit(
      ops.renameInterface(this.text, node, from, to),
      undefined,
      `${node} already has an interface ${to}.`,
    );
  }

  removeInterface(node: string, iface: string): void {
    this.#commit(ops.removeInterface(this.text, node, iface));
  }

  removeNode(name: string): void {
    this.#commit(ops.removeNode(this.text, name), { type: "network" });
  }

  removeLink(index: number): void {
    this.#commit(ops.removeLink(this.text, index), { type: "network" });
  }

  setEnd(link: number, which: number, end: ops.End): void {
    this.#commit(ops.setValue(this.text, ["links", link, "endpoints", which], ops.endText(end)));
  }

  removeAction(index: number): void {
    this.#commit(ops.removeAction(this.text, index), { type: "network" });
  }

  setActionTarget(index: number, target: { node: string } | { link: string }): void {
    let text = ops.setActionTarget(this.text, index, target);
    // A command the new target cannot run is swapped for its first one.
    const kind = "link" in target
      ? null
      : getKind(this.#shape.nodes.find((n) => n.name === target.node)?.kind ?? "")?.name ?? "";
    const commands = commandsFor(kind);
    const current = readShape(text).script.find((a) => a.index === index)?.do ?? "";
    if (commands.length > 0 && !commands.some((c) => current === c || current.startsWith(`${c} `))) {
      text = ops.setValue(text, ["script", index, "do"], commands[0]);
    }
    this.#commit(text);
  }

  // ---- drawing ------------------------------------------------------------------------------

  #refresh(): void {
    const text = this.text;
    this.#shape = readShape(text);
    const loaded = loadTopology(text, stem(this.#history.file) + ".yaml");
    this.#errors = loaded.ok ? [] : placeErrors(text, loaded.errors);
    if (!this.#valid(this.#selection)) this.#selection = { type: "network" };
    const bad = { nodes: new Set<string>(), links: new Set<number>() };
    for (const { path } of this.#errors) {
      if (path[0] === "nodes" && path.length > 1) bad.nodes.add(String(path[1]));
      if (path[0] === "links" && path.length > 1) bad.links.add(Number(path[1]));
    }
    this.#canvas.draw(this.#shape, this.#selection, bad);
    this.#drawForm(text);
    this.#drawScript();
    this.#drawProblems(loaded.ok ? [] : loaded.errors);
    this.#yaml.textContent = text;
    this.#undo.disabled = !this.#history.canUndo();
    this.#redo.disabled = !this.#history.canRedo();
    this.#panel.dataset.problems = String(this.#errors.length);
  }

  #valid(s: Selection): boolean {
    if (s.type === "node") return this.#shape.nodes.some((n) => n.name === s.name);
    if (s.type === "link") return this.#shape.links.some((l) => l.index === s.index);
    if (s.type === "action") return this.#shape.script.some((a) => a.index === s.index);
    return true;
  }

  #drawForm(text: string): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.fkey;
    let data: unknown = {};
    try {
      data = parse(text);
    } catch { /* the form shows what the shape has */ }
    const form = renderForm(this, this.#selection, data, this.#shape);
    // Each error goes to the innermost control whose path holds it.
    const holders = Array.from(form.querySelectorAll<HTMLElement>("[data-path]"));
    for (const placed of this.#errors) {
      let best: HTMLElement | undefined;
      let depth = -1;
      for (const el of holders) {
        const parts = el.dataset.path === "" ? [] : el.dataset.path!.split("\u001f");
        if (parts.length > depth && under(placed.path, parts)) {
          best = el;
          depth = parts.length;
        }
      }
      if (!best || (depth === 0 && placed.path.length > 1 && this.#selection.type !== "network")) continue;
      best.classList.add("has-error");
      const at = best.matches("details, fieldset")
        ? best.querySelector(":scope > summary, :scope > legend")
        : null;
      const message = h(
        "p",
        { class: "ed-error", role: "alert" },
        `line ${placed.error.line}: ${placed.error.message}`,
      );
      if (at) at.after(message);
      else best.append(message);
      if (best instanceof HTMLDetailsElement) best.open = true;
      best.closest("details")?.setAttribute("open", "");
    }
    this.#form.replaceChildren(form);
    if (focused) form.querySelector<HTMLElement>(`[data-fkey="${CSS.escape(focused)}"]`)?.focus();
  }

  #drawScript(): void {
    const list = h("ol", { class: "ed-actions" });
    for (const a of this.#shape.script) {
      const bad = this.#errors.some((e) => under(e.path, ["script", a.index]));
      const selected = this.#selection.type === "action" && this.#selection.index === a.index;
      list.append(h(
        "li",
        {
          class: `${bad ? "bad" : ""} ${selected ? "selected" : ""}`.trim() || undefined,
          "data-action": a.index,
        },
        h(
          "button",
          { type: "button", onclick: () => this.select({ type: "action", index: a.index }) },
          `${a.at} · ${a.node ?? a.link ?? "?"} · ${a.do}`,
        ),
      ));
    }
    this.#script.replaceChildren(
      this.#shape.script.length > 0
        ? list
        : h("p", { class: "muted" }, "No actions yet: + script action adds one (a ping, say)."),
    );
  }

  #drawProblems(errors: readonly TopologyError[]): void {
    this.#problems.replaceChildren(
      ...errors.map((e, i) =>
        h(
          "li",
          {},
          h("button", {
            type: "button",
            class: "error-link",
            onclick: () => this.#goTo(this.#errors[i]),
          }, `${e.file}:${e.line}:${e.col}: ${e.message}`),
        )
      ),
    );
    if (errors.length === 0) {
      this.#problems.append(h("li", { class: "ok" }, "No problems: sim validate accepts this file."));
    }
    const n = errors.length;
    this.#count.textContent = n === 0 ? "✓ valid" : `✕ ${n} problem${n === 1 ? "" : "s"}`;
    this.#count.classList.toggle("bad", n > 0);
  }

  #goTo(placed: PlacedError | undefined): void {
    const p = placed?.path ?? [];
    if (p[0] === "nodes" && p.length > 1) this.select({ type: "node", name: String(p[1]) });
    else if (p[0] === "links" && p.length > 1) this.select({ type: "link", index: Number(p[1]) });
    else if (p[0] === "script" && p.length > 1) this.select({ type: "action", index: Number(p[1]) });
    else this.select({ type: "network" });
    this.#form.querySelector<HTMLElement>(
      `[data-path="${CSS.escape(pathKey(p))}"] input, .has-error input, .has-error select`,
    )?.focus();
  }

  #say(text: string, bad = false): void {
    this.#status.textContent = text;
    this.#status.classList.toggle("bad", bad);
  }
}
