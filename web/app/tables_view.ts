/** Device tables at the cursor for the picked node: interfaces, routes, NAT, L2TP, PPP, IPsec. */
import { byId, clear, h } from "./dom.ts";
import type { Run } from "./run.ts";
import { cellText } from "./tables.ts";

export interface TablesHost {
  pickNode(name: string): void;
}

export class TablesView {
  #panel = byId("panel-tables");
  #select: HTMLSelectElement;
  #follow: HTMLInputElement;
  #content: HTMLDivElement;
  #run: Run | null = null;
  #node: string | null = null;
  #seq = -1;
  #previousSeq = -1;
  /** What is drawn (node@seq), and whether it must be drawn again anyway (new run, pane was hidden). */
  #drawn = "";
  #stale = true;

  constructor(private host: TablesHost) {
    this.#select = h("select", {
      id: "tables-node",
      "aria-label": "Device",
      onchange: () => this.host.pickNode(this.#select.value),
    });
    this.#follow = h("input", { type: "checkbox", id: "tables-follow", checked: true });
    this.#content = h("div", { class: "tables-content" });
    this.#panel.append(
      h("div", { class: "source-bar" }, h("label", { for: "tables-node" }, "Device"), this.#select),
      h("label", {}, this.#follow, " follow the current event"),
      this.#content,
    );
  }

  /** Whether the picked node should follow the node of each new event. */
  get following(): boolean {
    return this.#follow.checked;
  }

  setRun(run: Run | null): void {
    this.#run = run;
    clear(this.#select);
    if (run) {
      for (const n of run.model.nodes) {
        this.#select.append(h("option", { value: n.name }, `${n.name} (${n.kind})`));
      }
    }
    if (this.#node) this.#select.value = this.#node;
    this.#stale = true;
    this.#render();
  }

  setNode(name: string | null): void {
    if (name === this.#node) return;
    this.#node = name;
    if (name) this.#select.value = name;
    this.#render();
  }

  setCursor(seq: number): void {
    this.#previousSeq = this.#seq;
    this.#seq = seq;
    this.#render();
  }

  /** The tab was opened: draw what a hidden pane skipped. */
  shown(): void {
    this.#stale = true;
    this.#render();
  }

  #render(): void {
    // A hidden pane is not rebuilt on every step (it is most of a step's work on a busy router).
    if (this.#panel.hidden) {
      this.#stale = true;
      return;
    }
    const key = `${this.#node}@${this.#seq}`;
    if (!this.#stale && key === this.#drawn) return;
    this.#stale = false;
    this.#drawn = key;
    clear(this.#content);
    const run = this.#run;
    if (!run || !this.#node || this.#seq < 0) {
      this.#content.append(h("p", { class: "muted" }, "Click a device in the topology to see its tables."));
      return;
    }
    const tables = run.tables.at(this.#node, this.#seq);
    if (tables.length === 0) {
      this.#content.append(h("p", { class: "muted" }, `${this.#node} has no tables yet at this event.`));
      return;
    }
    // Rows changed by the step just taken are marked, so a student sees what this event did.
    const since = this.#previousSeq >= 0 && this.#previousSeq < this.#seq ? this.#previousSeq : this.#seq - 1;
    for (const table of tables) {
      const head = h(
        "tr",
        {},
        h("th", { scope: "col" }, "key"),
        ...table.columns.map((c) => h("th", { scope: "col" }, c)),
      );
      const body = table.rows.map((row) =>
        h(
          "tr",
          { class: row.changedAt > since ? "changed" : "" },
          h("td", {}, row.key),
          ...table.columns.map((c) => h("td", {}, cellText(row.value[c]))),
        )
      );
      this.#content.append(
        h("h3", {}, `${table.name} (${table.rows.length})`),
        h(
          "table",
          { class: "device-table", "data-table": table.name },
          h("thead", {}, head),
          h("tbody", {}, ...body),
        ),
      );
    }
  }
}
