/**
 * The event list (Packet Tracer's simulation panel, Wireshark's packet list): one row per record that
 * passes the filters. Only the rows in view exist in the DOM, so a 100k-record trace scrolls as
 * smoothly as a short one.
 */
import { formatTime } from "../../src/engine/time.ts";
import { byId, clear, h } from "./dom.ts";
import { SizeWatch, typeMetrics } from "./metrics.ts";
import { CATEGORY_TABLE } from "./categories.ts";
import { KIND_GLYPHS, KIND_SHORT, protoColour, protoInk } from "./palette.ts";
import { messageFirst } from "./message.ts";
import type { Run } from "./run.ts";
import { stateSentence } from "./sentences.ts";
import type { StepMode } from "./step_list.ts";
import { actionsAtReceiver, type Step } from "./steps.ts";
import { type Category, type EventFilter, positionAtOrBefore } from "./trace_index.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

export interface EventListHost {
  setCursor(seq: number): void;
  setFilter(filter: EventFilter): void;
  setMode(mode: StepMode): void;
  filter: EventFilter;
  mode: StepMode;
}

/** The summary column of one record: the message first, table rows as sentences. */
export function recordSummary(run: Run, r: TraceRecord): string {
  if (r.kind === "state") return stateSentence(r, run.steps.before.get(r.seq));
  const text = messageFirst(r.summary);
  return r.kind === "drop" && r.reason ? `${text} — ${r.reason}` : text;
}

/** What the receiver did in a hop step, as the glyph-and-word list of the Event column. */
function stepActions(run: Run, step: Step): string {
  const records = run.index.records;
  const words: string[] = [];
  for (const s of actionsAtReceiver(records, step)) {
    const r = records[s];
    if (r.kind === "state" || r.kind === "tx") continue;
    const word = `${KIND_GLYPHS[r.kind]} ${KIND_SHORT[r.kind]}`;
    if (!words.includes(word)) words.push(word);
  }
  return words.join(" ");
}

const OVERSCAN = 8;

export class EventList {
  #scroll: HTMLDivElement;
  #rows: HTMLDivElement;
  #count: HTMLSpanElement;
  #search: HTMLInputElement;
  #chips = new Map<Category, HTMLButtonElement>();
  #kinds: HTMLSelectElement;
  #run: Run | null = null;
  #list: Int32Array = new Int32Array(0);
  #mode: StepMode = "hops";
  #modeSelect: HTMLSelectElement;
  #cursor = -1;
  #rowHeight = 22;
  #scrollTop = 0;
  #size!: SizeWatch;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private host: EventListHost) {
    const filters = byId("filters");
    for (const spec of CATEGORY_TABLE) {
      const c: Category = spec.id;
      const chip = h("button", {
        type: "button",
        class: "chip",
        "aria-pressed": "true",
        title: `Show ${spec.title}`,
        "data-category": c,
        style: `--chip:${spec.colour};--chip-ink:${spec.ink}`,
        onclick: () => this.#toggle(c),
      }, spec.chip);
      this.#chips.set(c, chip);
      filters.append(chip);
    }
    this.#kinds = h(
      "select",
      { id: "event-kinds", "aria-label": "Which events", onchange: () => this.#emitFilter() },
      h("option", { value: "all" }, "all events"),
      h("option", { value: "wire" }, "on the wire (sent)"),
      h("option", { value: "drops" }, "drops only"),
    );
    this.#search = h("input", {
      type: "search",
      id: "event-search",
      placeholder: "Search (node, address, reason…)  /",
      "aria-label": "Search events",
      oninput: () => {
        clearTimeout(this.#searchTimer);
        this.#searchTimer = setTimeout(() => this.#emitFilter(), 150);
      },
    });
    this.#count = h("span", { class: "count", "aria-live": "polite" });
    this.#modeSelect = h(
      "select",
      {
        id: "step-mode",
        "aria-label": "What one step is",
        title: "One step per hop folds what each device did; every event lists each record",
        onchange: () => this.host.setMode(this.#modeSelect.value as StepMode),
      },
      h("option", { value: "hops" }, "one step per hop"),
      h("option", { value: "events" }, "every event"),
    );
    this.#modeSelect.value = host.mode;
    filters.append(this.#modeSelect, this.#kinds, this.#search, this.#count);

    const container = byId("event-list");
    const head = h(
      "div",
      { class: "event-head", role: "row" },
      h("span", {}, "No."),
      h("span", {}, "Time (s)"),
      h("span", {}, "Node"),
      h("span", {}, "Event"),
      h("span", {}, "Proto"),
      h("span", {}, "Summary"),
    );
    this.#rows = h("div", { class: "event-rows", role: "rowgroup" });
    this.#scroll = h("div", {
      class: "event-scroll",
      tabindex: 0,
      role: "grid",
      "aria-label": "Events; up and down arrows move the selection",
    }, this.#rows);
    this.#scroll.addEventListener("scroll", () => {
      this.#scrollTop = this.#scroll.scrollTop;
      this.#render();
    });
    this.#scroll.addEventListener("keydown", (e) => this.#onKey(e));
    container.append(head, this.#scroll);
    this.#size = new SizeWatch(this.#scroll, () => this.#render());
  }

  focusSearch(): void {
    this.#search.focus();
    this.#search.select();
  }

  #toggle(c: Category): void {
    const chip = this.#chips.get(c)!;
    chip.setAttribute("aria-pressed", chip.getAttribute("aria-pressed") === "true" ? "false" : "true");
    this.#emitFilter();
  }

  #emitFilter(): void {
    const categories = new Set<Category>();
    for (const [c, chip] of this.#chips) if (chip.getAttribute("aria-pressed") === "true") categories.add(c);
    this.host.setFilter({
      categories,
      kinds: this.#kinds.value as EventFilter["kinds"],
      text: this.#search.value,
    });
  }

  /** New run or new filter: the seqs to list. */
  setList(run: Run | null, list: Int32Array, mode: StepMode = this.#mode): void {
    this.#run = run;
    this.#list = list;
    this.#mode = mode;
    this.#modeSelect.value = mode;
    byId("event-list").classList.toggle("hops", mode === "hops");
    const total = run?.index.records.length ?? 0;
    this.#count.textContent = mode === "hops"
      ? `${list.length.toLocaleString("en")} steps · ${total.toLocaleString("en")} events`
      : `${list.length.toLocaleString("en")} of ${total.toLocaleString("en")} events`;
    this.#rowHeight = typeMetrics().rowPx;
    this.#rows.style.height = `${list.length * this.#rowHeight}px`;
    this.#render(true);
  }

  /** Re-measures rows (after the large-type switch). */
  relayout(): void {
    this.setList(this.#run, this.#list, this.#mode);
    this.setCursor(this.#cursor);
  }

  setCursor(seq: number): void {
    this.#cursor = seq;
    const at = positionAtOrBefore(this.#list, seq);
    if (at >= 0) {
      const top = at * this.#rowHeight;
      const view = this.#size.height;
      const scroll = this.#scrollTop;
      if (top < scroll || top + this.#rowHeight > scroll + view) {
        this.#scrollTop = Math.max(0, Math.min(top - view / 2, this.#list.length * this.#rowHeight - view));
        this.#scroll.scrollTop = this.#scrollTop;
      }
    }
    this.#render();
    // Rows already drawn only need their highlight moved.
    for (const row of Array.from(this.#rows.children) as HTMLElement[]) {
      const current = Number(row.dataset.seq) === seq;
      row.classList.toggle("current", current);
      row.setAttribute("aria-selected", String(current));
    }
  }

  #onKey(e: KeyboardEvent): void {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "PageDown" && e.key !== "PageUp") return;
    e.preventDefault();
    e.stopPropagation();
    if (this.#list.length === 0) return;
    const page = Math.max(1, Math.floor(this.#size.height / this.#rowHeight) - 1);
    const step = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : e.key === "PageDown" ? page : -page;
    let at = positionAtOrBefore(this.#list, this.#cursor);
    if (at < 0 || this.#list[at] !== this.#cursor) at = step > 0 ? at : at + 1;
    const next = Math.max(0, Math.min(this.#list.length - 1, at + step));
    this.host.setCursor(this.#list[next]);
  }

  #render(force = false): void {
    const run = this.#run;
    if (!run) {
      clear(this.#rows);
      return;
    }
    if (this.#list.length === 0) {
      this.#rows.replaceChildren(h("div", { class: "empty" }, "No events match the filters."));
      return;
    }
    const first = Math.max(0, Math.floor(this.#scrollTop / this.#rowHeight) - OVERSCAN);
    const last = Math.min(
      this.#list.length,
      Math.ceil((this.#scrollTop + this.#size.height) / this.#rowHeight) + OVERSCAN,
    );
    const key = `${first}:${last}`;
    if (!force && this.#rows.dataset.range === key) return;
    this.#rows.dataset.range = key;
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(this.#row(run, this.#list[i], i));
    this.#rows.replaceChildren(...rows);
  }

  #row(run: Run, seq: number, position: number): HTMLElement {
    const r = run.index.records[seq];
    const step = this.#mode === "hops" ? run.steps.list[run.steps.stepOf[seq]] : undefined;
    const cells = step && step.at === seq ? this.#stepCells(run, step) : this.#recordCells(run, r);
    const classes = ["event-row"];
    if (seq === this.#cursor) classes.push("current");
    if (cells.drop) classes.push("drop");
    if (step?.kind === "setup") classes.push("setup");
    const row = h(
      "div",
      {
        class: classes.join(" "),
        role: "row",
        "data-seq": seq,
        "aria-selected": seq === this.#cursor ? "true" : "false",
        style: `top:${position * this.#rowHeight}px`,
        title: cells.summary,
      },
      h("span", { class: "num" }, seq),
      h("span", { class: "time" }, formatTime(r.t)),
      h("span", { class: "who" }, cells.node),
      h("span", { class: "what" }, cells.event),
      h(
        "span",
        {},
        cells.proto === "" ? "" : h("span", {
          class: "badge-proto",
          style: `background:${protoColour(cells.proto)};color:${protoInk(cells.proto)}`,
        }, cells.proto),
      ),
      h("span", { class: "sum" }, cells.summary),
    );
    row.addEventListener("click", () => this.host.setCursor(seq));
    return row;
  }

  #recordCells(run: Run, r: TraceRecord): RowCells {
    const label = r.kind === "state" ? `${r.table ?? ""}` : KIND_SHORT[r.kind];
    return {
      node: r.node,
      event: `${KIND_GLYPHS[r.kind]} ${label}`,
      proto: r.proto ?? (run.index.category[r.seq] === "NAT" ? "NAT" : ""),
      summary: recordSummary(run, r),
      drop: r.kind === "drop",
    };
  }

  #stepCells(run: Run, step: Step): RowCells {
    const records = run.index.records;
    const r = records[step.at];
    if (step.kind === "setup") {
      const tables = new Set(step.members.map((s) => records[s].table ?? ""));
      return {
        node: `${new Set(step.members.map((s) => records[s].node)).size} devices`,
        event: "≡ start",
        proto: "",
        summary: `Every device starts with its tables: ${
          [...tables].join(", ")
        } (${step.members.length} rows)`,
        drop: false,
      };
    }
    if (step.kind === "event") return this.#recordCells(run, r);
    const tx = step.tx >= 0 ? records[step.tx] : r;
    const lost = r.kind === "drop";
    const to = lost ? "✕ lost" : r.node;
    const actions = lost ? `✕ lost on ${r.link ?? "the link"}` : stepActions(run, step);
    // Only a drop of this hop's packet (or of what the receiver made of it) colours the row.
    const drop = step.members.map((s) => records[s]).find((x) =>
      x.kind === "drop" && (x.pkt === r.pkt || (x.node === r.node && x.seq > r.seq))
    );
    const dropped = drop !== undefined;
    const summary = messageFirst(tx.summary) +
      (drop?.reason ? ` — ${drop.node} dropped it: ${drop.reason}` : "");
    return {
      node: r.kind === "tx" ? `${tx.node} → …` : `${tx.node} → ${to}`,
      event: actions || `${KIND_GLYPHS.rx} ${KIND_SHORT.rx}`,
      proto: tx.proto ?? "",
      summary,
      drop: dropped,
    };
  }
}

interface RowCells {
  node: string;
  event: string;
  proto: string;
  summary: string;
  drop: boolean;
}
