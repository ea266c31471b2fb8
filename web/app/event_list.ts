/**
 * The event list (Packet Tracer's simulation panel, Wireshark's packet list): one row per record that
 * passes the filters. Only the rows in view exist in the DOM, so a 100k-record trace scrolls as
 * smoothly as a short one.
 */
import { formatTime } from "../../src/engine/time.ts";
import { byId, clear, h } from "./dom.ts";
import { SizeWatch, typeMetrics } from "./metrics.ts";
import { KIND_GLYPHS, KIND_SHORT, PROTO_COLOURS, PROTO_INK, protoColour, protoInk } from "./palette.ts";
import type { Run } from "./run.ts";
import { CATEGORIES, type Category, type EventFilter, positionAtOrBefore } from "./trace_index.ts";

export interface EventListHost {
  setCursor(seq: number): void;
  setFilter(filter: EventFilter): void;
  filter: EventFilter;
}

const OVERSCAN = 8;

const CATEGORY_TITLES: Record<Category, string> = {
  IP: "plain IP (and fragments)",
  ICMP: "ICMP (ping, errors)",
  UDP: "UDP",
  L2TP: "L2TP",
  PPP: "PPP (LCP, CHAP, IPCP…)",
  IKE: "IKE (ISAKMP)",
  ESP: "ESP (encrypted)",
  NAT: "NAT translations and mappings",
  OTHER: "program output, link changes, device tables",
};

export class EventList {
  #scroll: HTMLDivElement;
  #rows: HTMLDivElement;
  #count: HTMLSpanElement;
  #search: HTMLInputElement;
  #chips = new Map<Category, HTMLButtonElement>();
  #kinds: HTMLSelectElement;
  #run: Run | null = null;
  #list: Int32Array = new Int32Array(0);
  #cursor = -1;
  #rowHeight = 22;
  #scrollTop = 0;
  #size!: SizeWatch;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private host: EventListHost) {
    const filters = byId("filters");
    for (const c of CATEGORIES) {
      const chip = h("button", {
        type: "button",
        class: "chip",
        "aria-pressed": "true",
        title: `Show ${CATEGORY_TITLES[c]}`,
        "data-category": c,
        style: `--chip:${PROTO_COLOURS[c]};--chip-ink:${PROTO_INK[c]}`,
        onclick: () => this.#toggle(c),
      }, c === "OTHER" ? "Other" : c);
      this.#chips.set(c, chip);
      filters.append(chip);
    }
    this.#kinds = h(
      "select",
      { "aria-label": "Which events", onchange: () => this.#emitFilter() },
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
    filters.append(this.#kinds, this.#search, this.#count);

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
  setList(run: Run | null, list: Int32Array): void {
    this.#run = run;
    this.#list = list;
    const total = run?.index.records.length ?? 0;
    this.#count.textContent = `${list.length.toLocaleString("en")} of ${total.toLocaleString("en")} events`;
    this.#rowHeight = typeMetrics().rowPx;
    this.#rows.style.height = `${list.length * this.#rowHeight}px`;
    this.#render(true);
  }

  /** Re-measures rows (after the large-type switch). */
  relayout(): void {
    this.setList(this.#run, this.#list);
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
    const classes = ["event-row"];
    if (seq === this.#cursor) classes.push("current");
    if (r.kind === "drop") classes.push("drop");
    const label = r.kind === "state" ? `${r.table ?? ""}` : KIND_SHORT[r.kind];
    const proto = r.proto ?? (run.index.category[seq] === "NAT" ? "NAT" : "");
    const summary = r.kind === "drop" && r.reason ? `${r.summary} — ${r.reason}` : r.summary;
    const row = h(
      "div",
      {
        class: classes.join(" "),
        role: "row",
        "data-seq": seq,
        "aria-selected": seq === this.#cursor ? "true" : "false",
        style: `top:${position * this.#rowHeight}px`,
        title: summary,
      },
      h("span", { class: "num" }, seq),
      h("span", { class: "time" }, formatTime(r.t)),
      h("span", {}, r.node),
      h("span", {}, `${KIND_GLYPHS[r.kind]} ${label}`),
      h(
        "span",
        {},
        proto === "" ? "" : h("span", {
          class: "badge-proto",
          style: `background:${protoColour(proto)};color:${protoInk(proto)}`,
        }, proto),
      ),
      h("span", { class: "sum" }, summary),
    );
    row.addEventListener("click", () => this.host.setCursor(seq));
    return row;
  }
}
