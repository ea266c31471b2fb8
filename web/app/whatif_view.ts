/**
 * The what-if panel: the settings of the open topology as switches, and after each change a short
 * account of what the re-run did differently, with buttons that jump there.
 */
import { formatTime } from "../../src/engine/time.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { byId, clear, h } from "./dom.ts";
import type { Run } from "./run.ts";
import { listSettings, type RunComparison, type Setting } from "./whatif.ts";

export interface WhatIfHost {
  applySetting(setting: Setting, value: boolean | number | string): void;
  revert(): void;
  setCursor(seq: number): void;
  /** Whether the text differs from the file as opened. */
  edited(): boolean;
}

function controlId(s: Setting): string {
  return `set-${s.path.join("-").replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export class WhatIfView {
  #panel = byId("panel-whatif");
  #changes: HTMLDivElement;
  #settings: HTMLDivElement;
  #run: Run | null = null;

  constructor(private host: WhatIfHost) {
    this.#changes = h("div", { id: "whatif-changes", "aria-live": "polite" });
    this.#settings = h("div", {});
    this.#panel.append(
      h(
        "p",
        { class: "muted" },
        "Change a setting: the simulation runs again from the start and this panel says what changed.",
      ),
      this.#changes,
      this.#settings,
    );
  }

  setRun(run: Run | null): void {
    this.#run = run;
    clear(this.#settings);
    if (!run) return;
    const settings = listSettings(run.text, run.model);
    const groups = new Map<string, Setting[]>();
    for (const s of settings) {
      const key = `${s.ownerType} ${s.owner}`;
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    if (this.host.edited()) {
      this.#settings.append(
        h("button", {
          type: "button",
          id: "whatif-revert",
          onclick: () => this.host.revert(),
        }, "Undo all changes"),
      );
    }
    for (const [key, list] of groups) {
      const box = h("div", { class: "whatif-group" }, h("h3", {}, key));
      for (const s of list) box.append(this.#control(s));
      this.#settings.append(box);
    }
    if (groups.size === 0) {
      this.#settings.append(h("p", { class: "muted" }, "This topology has no settings to change."));
    }
  }

  #control(s: Setting): HTMLElement {
    const id = controlId(s);
    const label = h("label", { for: id }, s.label);
    let input: HTMLInputElement | HTMLSelectElement;
    if (s.type === "bool" || s.type === "onoff") {
      input = h("input", { type: "checkbox", id, "data-path": s.path.join(".") });
      input.checked = s.value === true;
      input.addEventListener("change", () => this.host.applySetting(s, (input as HTMLInputElement).checked));
      return h("div", { class: "whatif-row" }, input, label);
    }
    if (s.type === "enum") {
      input = h(
        "select",
        { id, "data-path": s.path.join(".") },
        ...(s.options ?? []).map((o) => h("option", { value: o }, o)),
      );
      input.value = String(s.value);
      input.addEventListener("change", () => this.host.applySetting(s, input.value));
    } else if (s.type === "percent") {
      input = h("input", { type: "number", id, min: 0, max: 100, step: 1, "data-path": s.path.join(".") });
      input.value = String(Math.round(Number(s.value) * 1000) / 10);
      input.addEventListener("change", () => {
        const v = Math.max(0, Math.min(100, Number(input.value) || 0));
        this.host.applySetting(s, v / 100);
      });
      label.append(" (%)");
    } else if (s.type === "number") {
      input = h("input", { type: "number", id, "data-path": s.path.join(".") });
      input.value = String(s.value);
      input.addEventListener("change", () => this.host.applySetting(s, Number(input.value)));
    } else {
      input = h("input", { type: "text", id, size: 14, "data-path": s.path.join(".") });
      input.value = String(s.value);
      input.addEventListener("change", () => this.host.applySetting(s, input.value));
    }
    return h("div", { class: "whatif-row" }, label, input);
  }

  /** Shows what the last change did (null clears the box). */
  showChanges(description: string | null, c: RunComparison | null): void {
    clear(this.#changes);
    if (!c || !description) return;
    const box = h("div", { class: c.firstDifference < 0 ? "changes same" : "changes" });
    box.append(h("p", {}, h("strong", {}, description)));
    if (c.firstDifference < 0) {
      box.append(h("p", {}, "Nothing changed: the run is the same event for event."));
    } else {
      box.append(h("p", {}, `Drops: ${c.dropsBefore} before, ${c.dropsAfter} now.`));
      const at = c.after ?? c.before;
      if (at) {
        box.append(
          h("p", {}, `The runs part at t = ${formatTime(at.t)} s (event ${c.firstDifference} now).`),
        );
        if (c.before) box.append(h("p", { class: "muted" }, `Before: ${describe(c.before)}`));
        if (c.after) box.append(h("p", {}, `Now: ${describe(c.after)}`));
        if (c.after) {
          box.append(
            h("button", {
              type: "button",
              id: "jump-difference",
              onclick: () => this.host.setCursor(c.firstDifference),
            }, "Jump there"),
          );
        }
      }
      for (const d of c.newDrops) {
        box.append(h(
          "p",
          { class: "new-drop" },
          h("strong", {}, `New drop at ${d.node} (event ${d.seq}): `),
          d.reason ?? d.summary,
          " ",
          h("button", { type: "button", onclick: () => this.host.setCursor(d.seq) }, "show"),
        ));
      }
      for (const d of c.goneDrops) {
        box.append(h("p", { class: "muted" }, `No longer dropped at ${d.node}: ${d.reason ?? d.summary}`));
      }
    }
    this.#changes.append(box);
  }
}

function describe(r: TraceRecord): string {
  return `${r.node} ${r.kind}: ${r.kind === "drop" && r.reason ? r.reason : r.summary}`;
}
