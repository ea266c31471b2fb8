/**
 * The ladder pane: pick two nodes, see every hop of their conversation as arrows between lifelines,
 * the message at the cursor highlighted and kept in view. Rows outside the viewport are not drawn.
 */
import { formatTime } from "../../src/engine/time.ts";
import d3 from "./d3.ts";
import { byId, clear, h } from "./dom.ts";
import { buildLadder, busiestFlow, fitLabel, type Ladder, type LadderMessage, messageAt } from "./ladder.ts";
import { SizeWatch, typeMetrics } from "./metrics.ts";
import { protoColour } from "./palette.ts";
import type { Run } from "./run.ts";

export interface LadderHost {
  setCursor(seq: number): void;
}

const TIME_COLUMN = 96;
const OVERSCAN = 6;
const SVG_NS = "http://www.w3.org/2000/svg";

export class LadderView {
  #panel = byId("panel-ladder");
  #a: HTMLSelectElement;
  #b: HTMLSelectElement;
  #info: HTMLSpanElement;
  #scroll: HTMLDivElement;
  #head: HTMLDivElement;
  #body: HTMLDivElement;
  #run: Run | null = null;
  #ladder: Ladder = { lifelines: [], messages: [] };
  #cursor = -1;
  #current = -1;
  #size!: SizeWatch;

  constructor(private host: LadderHost) {
    this.#a = h("select", {
      id: "ladder-a",
      "aria-label": "First node of the flow",
      onchange: () => this.#rebuild(),
    });
    this.#b = h("select", {
      id: "ladder-b",
      "aria-label": "Second node of the flow",
      onchange: () => this.#rebuild(),
    });
    this.#info = h("span", { class: "muted", "aria-live": "polite" });
    this.#head = h("div", { class: "ladder-head" });
    this.#body = h("div", { class: "ladder-body" });
    this.#scroll = h(
      "div",
      { class: "ladder-scroll", tabindex: 0, "aria-label": "Ladder diagram" },
      this.#head,
      this.#body,
    );
    this.#scroll.addEventListener("scroll", () => this.#render());
    this.#panel.append(
      h(
        "div",
        { class: "ladder-controls" },
        h("label", { for: "ladder-a" }, "Flow"),
        this.#a,
        "↔",
        this.#b,
        this.#info,
      ),
      h("div", { class: "ladder-wrap" }, this.#scroll),
    );
    this.#size = new SizeWatch(this.#scroll, () => this.#render());
  }

  #rowHeight(): number {
    return typeMetrics().rowPx * 1.7;
  }

  setRun(run: Run | null): void {
    // A re-run of the same file keeps the chosen pair; another lesson starts from its own busiest flow.
    const previous = this.#run && run && this.#run.file === run.file ? [this.#a.value, this.#b.value] : null;
    this.#run = run;
    clear(this.#a);
    clear(this.#b);
    if (!run) {
      this.#ladder = { lifelines: [], messages: [] };
      this.#render();
      return;
    }
    const names = run.model.nodes.map((n) => n.name);
    for (const name of names) {
      this.#a.append(h("option", { value: name }, name));
      this.#b.append(h("option", { value: name }, name));
    }
    const keep = previous && names.includes(previous[0]) && names.includes(previous[1]) ? previous : null;
    const [a, b] = keep ?? busiestFlow(run.index) ?? [names[0], names[names.length - 1]];
    this.#a.value = a;
    this.#b.value = b;
    this.#rebuild();
  }

  #rebuild(): void {
    const run = this.#run;
    if (!run) return;
    this.#ladder = this.#a.value === this.#b.value
      ? { lifelines: [this.#a.value], messages: [] }
      : buildLadder(run.index, run.result.links, this.#a.value, this.#b.value);
    this.#info.textContent = `${this.#ladder.messages.length} messages`;
    this.#current = -1;
    this.#body.style.height = `${this.#ladder.messages.length * this.#rowHeight() + 8}px`;
    this.setCursor(this.#cursor, true);
  }

  setCursor(seq: number, force = false): void {
    this.#cursor = seq;
    const at = messageAt(this.#ladder, seq, this.#run?.index.records[seq]?.pkt);
    if (at === this.#current && !force) return;
    this.#current = at;
    if (at >= 0 && !this.#panel.hidden) {
      // The lifeline names stick to the top of the scroller: an arrow counts as seen only below them.
      const row = this.#rowHeight();
      const head = this.#head.offsetHeight;
      const top = head + at * row;
      const scroll = this.#scroll.scrollTop;
      if (top < scroll + head || top + row > scroll + this.#size.height) {
        this.#scroll.scrollTop = Math.max(0, top - head - (this.#size.height - head - row) / 2);
      }
    }
    this.#render();
  }

  /** Called when the tab becomes visible (sizes are only known then). */
  shown(): void {
    this.#body.style.height = `${this.#ladder.messages.length * this.#rowHeight() + 8}px`;
    this.setCursor(this.#cursor, true);
  }

  #geometry(): { width: number; x: Map<string, number> } {
    const n = Math.max(1, this.#ladder.lifelines.length);
    const available = Math.max(400, (this.#size.width || 800) - TIME_COLUMN - 16);
    const column = Math.max(100, available / n);
    const x = new Map(this.#ladder.lifelines.map((name, i) => [name, TIME_COLUMN + column * (i + 0.5)]));
    return { width: TIME_COLUMN + column * n, x };
  }

  #render(): void {
    // A hidden ladder is drawn when its tab is opened (shown()), not on every step.
    if (this.#panel.hidden) return;
    const { width, x } = this.#geometry();
    this.#head.style.width = `${width}px`;
    this.#body.style.width = `${width}px`;
    this.#head.replaceChildren(
      ...this.#ladder.lifelines.map((name) => h("span", { style: `left:${x.get(name)}px` }, name)),
    );
    const messages = this.#ladder.messages;
    if (messages.length === 0) {
      const note = this.#run ? "No packets between these two nodes. Pick another pair above." : "";
      this.#body.replaceChildren(h("p", { class: "empty" }, note));
      return;
    }
    const row = this.#rowHeight();
    const head = row / 1.7 + 8;
    const top = Math.max(0, this.#scroll.scrollTop - head);
    const first = Math.max(0, Math.floor(top / row) - OVERSCAN);
    const last = Math.min(messages.length, Math.ceil((top + this.#size.height) / row) + OVERSCAN);
    const svg = this.#draw(messages.slice(first, last), first, row, width, x);
    svg.style.top = `${first * row}px`;
    this.#body.replaceChildren(svg);
  }

  #draw(
    messages: LadderMessage[],
    first: number,
    row: number,
    width: number,
    x: Map<string, number>,
  ): SVGSVGElement {
    const svgEl = document.createElementNS(SVG_NS, "svg");
    const svg = d3.select<SVGSVGElement>(svgEl).attr("width", width).attr("height", messages.length * row);
    for (const [, lx] of x) {
      svg.append("line").attr("class", "lifeline").attr("x1", lx).attr("x2", lx).attr("y1", 0).attr(
        "y2",
        messages.length * row,
      );
    }
    const records = this.#run!.index.records;
    const fontPx = typeMetrics().fontPx * 0.8;
    messages.forEach((m, i) => {
      const index = first + i;
      const y = i * row + row * 0.62;
      const g = svg.append<SVGGElement>("g").attr(
        "class",
        `msg${m.dropped ? " dropped" : ""}${index === this.#current ? " current" : ""}`,
      )
        .attr("data-seq", m.seq)
        .attr("data-proto", m.proto ?? "")
        .on("click", () => this.host.setCursor(m.seq));
      g.append("rect").attr("class", "band").attr("x", 0).attr("y", i * row).attr("width", width).attr(
        "height",
        row,
      );
      g.append("text").attr("class", "time").attr("x", 6).attr("y", y + 4).text(formatTime(records[m.seq].t));
      const x1 = x.get(m.from) ?? TIME_COLUMN;
      const x2 = x.get(m.to) ?? x1;
      const colour = protoColour(m.proto);
      // A label may spread past its arrow (rows do not share a line), but not off the diagram.
      const span = m.from === m.to
        ? width - x1 - 20
        : Math.min(Math.max(Math.abs(x2 - x1) - 8, 300), width - TIME_COLUMN);
      const label = fitLabel(m.label, Math.max(12, Math.floor(span / (fontPx * 0.56))), m.natted);
      if (m.from === m.to) {
        // Dropped inside a node: a cross on its lifeline and the words beside it.
        g.append("path").attr(
          "d",
          `M${x1 - 7} ${y - 7} L${x1 + 7} ${y + 7} M${x1 - 7} ${y + 7} L${x1 + 7} ${y - 7}`,
        )
          .attr("stroke", "#b03a00").attr("stroke-width", 3.5);
        g.append("text").attr("x", x1 + 12).attr("y", y + 4).text(`✕ ${label}`);
        return;
      }
      const dir = x2 > x1 ? 1 : -1;
      const end = m.dropped ? x1 + (x2 - x1) * 0.55 : x2 - dir * 3;
      g.append("line").attr("x1", x1).attr("x2", end).attr("y1", y).attr("y2", y).attr("stroke", "#333").attr(
        "stroke-width",
        4.5,
      );
      g.append("line").attr("x1", x1).attr("x2", end).attr("y1", y).attr("y2", y).attr("stroke", colour).attr(
        "stroke-width",
        2.5,
      );
      if (m.dropped) {
        g.append("path").attr(
          "d",
          `M${end - 7} ${y - 7} L${end + 7} ${y + 7} M${end - 7} ${y + 7} L${end + 7} ${y - 7}`,
        )
          .attr("stroke", "#b03a00").attr("stroke-width", 3.5);
      } else {
        g.append("path").attr("d", `M${end} ${y} l${-dir * 10} -5 l0 10 Z`).attr("fill", "#333");
      }
      const half = (label.length * fontPx * 0.56) / 2;
      const centre = Math.max(TIME_COLUMN + half, Math.min(width - half - 4, (x1 + x2) / 2));
      g.append("text").attr("x", centre).attr("y", y - 6).attr("text-anchor", "middle").text(label);
      g.append("title").text(`${m.dropped ? "DROPPED: " : ""}${m.label}`);
    });
    return svgEl;
  }

  /** The whole ladder (up to `limit` messages) as a standalone SVG for export. */
  exportSvg(css: string, limit = 2000): SVGSVGElement | null {
    if (this.#ladder.messages.length === 0) return null;
    const { width, x } = this.#geometry();
    const row = this.#rowHeight();
    const messages = this.#ladder.messages.slice(0, limit);
    const svg = this.#draw(messages, 0, row, width, x);
    const headHeight = 30;
    const g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("transform", `translate(0,${headHeight})`);
    g.setAttribute("class", "ladder-body");
    g.append(...Array.from(svg.childNodes));
    svg.append(g);
    for (const [name, lx] of x) {
      const t = document.createElementNS(SVG_NS, "text");
      t.setAttribute("x", String(lx));
      t.setAttribute("y", "20");
      t.setAttribute("text-anchor", "middle");
      t.setAttribute("font-weight", "700");
      t.textContent = name;
      svg.append(t);
    }
    const height = messages.length * row + headHeight;
    svg.setAttribute("xmlns", SVG_NS);
    svg.setAttribute("height", String(height));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const style = document.createElementNS(SVG_NS, "style");
    style.textContent = css;
    const bg = document.createElementNS(SVG_NS, "rect");
    bg.setAttribute("width", String(width));
    bg.setAttribute("height", String(height));
    bg.setAttribute("fill", "#ffffff");
    svg.insertBefore(bg, svg.firstChild);
    svg.insertBefore(style, svg.firstChild);
    return svg;
  }
}
