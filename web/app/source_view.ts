/**
 * The source pane: the topology text as opened or edited, the loader's errors as `file:line:col:
 * message` links that put the caret on the spot, and Run. The text stays here whatever happens, so a
 * mistake never costs a student their edits.
 */
import type { TopologyError } from "../../src/topology/model.ts";
import { byId, clear, h } from "./dom.ts";

export interface SourceHost {
  runSource(text: string): void;
  revert(): void;
}

/** Character offset of a 1-based line and column in `text`. */
export function offsetOf(text: string, line: number, col: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf("\n", offset);
  const lineLength = (end < 0 ? text.length : end) - offset;
  return offset + Math.min(Math.max(col - 1, 0), lineLength);
}

export class SourceView {
  #panel = byId("panel-source");
  #text: HTMLTextAreaElement;
  #errors: HTMLUListElement;
  #where: HTMLSpanElement;

  constructor(private host: SourceHost) {
    this.#text = h("textarea", {
      id: "source-text",
      spellcheck: "false",
      "aria-label": "Topology source (YAML)",
      autocomplete: "off",
    });
    this.#errors = h("ul", { class: "errors", id: "source-errors", role: "alert" });
    this.#errors.hidden = true;
    this.#where = h("span", { class: "muted mono" });
    const run = h("button", {
      type: "button",
      id: "source-run",
      title: "Run this text (Ctrl+Enter)",
      onclick: () => this.host.runSource(this.#text.value),
    }, "Run");
    const revert = h("button", {
      type: "button",
      id: "source-revert",
      title: "Back to the file as opened",
      onclick: () => this.host.revert(),
    }, "Revert");
    this.#text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.host.runSource(this.#text.value);
      }
      if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey) {
        // Indent with spaces (YAML forbids tabs); Escape then Tab leaves the box.
        e.preventDefault();
        this.#text.setRangeText("  ", this.#text.selectionStart, this.#text.selectionEnd, "end");
      }
      if (e.key === "Escape") this.#text.blur();
    });
    const caret = () => {
      const before = this.#text.value.slice(0, this.#text.selectionStart);
      const line = before.split("\n").length;
      const col = before.length - before.lastIndexOf("\n");
      this.#where.textContent = `line ${line}, column ${col}`;
    };
    this.#text.addEventListener("keyup", caret);
    this.#text.addEventListener("click", caret);
    this.#panel.append(
      h(
        "div",
        { class: "source" },
        this.#errors,
        h("div", { class: "source-bar" }, run, revert, this.#where),
        this.#text,
      ),
    );
  }

  get text(): string {
    return this.#text.value;
  }

  setText(text: string): void {
    if (this.#text.value !== text) this.#text.value = text;
  }

  setErrors(errors: TopologyError[]): void {
    clear(this.#errors);
    this.#errors.hidden = errors.length === 0;
    for (const e of errors) {
      const label = `${e.file}:${e.line}:${e.col}: ${e.message}`;
      this.#errors.append(
        h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: "error-link", onclick: () => this.goTo(e.line, e.col) },
            label,
          ),
        ),
      );
    }
  }

  /** Puts the caret at a line and column and scrolls it into view. */
  goTo(line: number, col: number): void {
    const at = offsetOf(this.#text.value, line, col);
    this.#text.focus();
    this.#text.setSelectionRange(at, at);
    const lineHeight = parseFloat(getComputedStyle(this.#text).lineHeight) || 18;
    this.#text.scrollTop = Math.max(0, (line - 5) * lineHeight);
  }
}
