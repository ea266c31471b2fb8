/**
 * The topology pane: nodes by kind, links with each interface's address at its own end, packets as
 * envelopes named by their message and coloured by protocol, moving along the links as the cursor
 * moves, and a caption saying what happens at the current step. Words keep their pixel size whatever
 * the zoom (only positions scale), the drawing fills the pane in both directions, and no two words
 * overlap (label_layout.ts). Wheel and background drag zoom and pan; drag a node to move it.
 */
import type { TraceRecord } from "../../src/trace/record.ts";
import d3, { type Selection } from "./d3.ts";
import { drawIcon, RING_RADIUS } from "./icons.ts";
import { envelopeAt, type EnvelopeSize } from "./envelope.ts";
import { drawRestEnvelopes, type EnvelopeLane, laneKey, widestLabels } from "./envelope_check.ts";
import { standaloneSvg } from "./topology_export.ts";
import { layoutNodes, type Point } from "./layout.ts";
import { messageFirst, shortName } from "./message.ts";
import { SizeWatch } from "./metrics.ts";
import { KIND_GLYPHS, KIND_WORDS, protoColour, protoInk } from "./palette.ts";
import type { Run } from "./run.ts";
import { stateSentence } from "./sentences.ts";
import { type Fit, fitPoints } from "./topology_fit.ts";
import { drawLinks, linkInfo } from "./topology_links.ts";
import {
  type DiagramLabel,
  type DrawnLinkInfo,
  envelopeHits,
  type EnvelopePath,
  type LabelSizes,
  labelSizes,
  layoutDiagramLabels,
  type Measure,
  scaleSizes,
} from "./topology_labels.ts";

/** Word scales a crowded drawing tries, largest first, before it settles for the least crowded. */
const SCALES = [1, 0.9, 0.8, 0.72, 0.65];
/** Presenter mode's sizes on a 1920 px projector (the issue's): on a smaller screen they scale down with it. */
const PRESENTER_FLOOR = { name: 18, addr: 14, packet: 20 };

/** What the topology needs from the app. */
export interface TopologyHost {
  positions: Map<string, Point>;
  pickNode(name: string): void;
  stepDuration(): number;
  /** Opens the packet an envelope stands for (its transmission record). */
  openPacket(txSeq: number): void;
}

interface DrawnNode {
  name: string;
  kind: string;
  /** Layout coordinates (the file's position, a dragged one, or the force layout's). */
  world: Point;
  /** On screen, after fitting and the user's zoom. */
  at: Point;
}

interface DrawnPacket {
  seq: number;
  record: TraceRecord;
  from: string;
  to: string;
  f: number;
  lost: boolean;
  lane: number;
}

const ROLE_FONT: Record<string, { weight: number; family: "--sans" | "--mono" }> = {
  name: { weight: 700, family: "--sans" },
  kind: { weight: 400, family: "--sans" },
  addr: { weight: 400, family: "--mono" },
  link: { weight: 600, family: "--sans" },
  packet: { weight: 700, family: "--sans" },
};

export class TopologyView {
  #svg: Selection<SVGSVGElement, unknown>;
  #linksLayer: Selection<SVGGElement, unknown>;
  #labelsLayer: Selection<SVGGElement, unknown>;
  #nodesLayer: Selection<SVGGElement, unknown>;
  #packetsLayer: Selection<SVGGElement, unknown>;
  #caption: HTMLElement;
  #zoom = d3.zoom<SVGSVGElement>();
  #transform = d3.zoomIdentity;
  #fit: Fit | null = null;
  #run: Run | null = null;
  #nodes = new Map<string, DrawnNode>();
  #labels: DiagramLabel[] = [];
  #cursor = -1;
  #shown = new Map<number, Point>();
  #animation = 0;
  #picked: string | null = null;
  #size: SizeWatch;
  #sizes: LabelSizes = labelSizes(false, false);
  /** The sizes asked for (presenter mode, Large type); `#sizes` is what the crowding left of them. */
  #base: LabelSizes = labelSizes(false, false);
  #presenter = false;
  #stretch = 3;
  #canvas = document.createElement("canvas").getContext("2d");
  #fonts = new Map<string, string>();
  /** Per pair of link ends that talk, the widest envelope label of the run. */
  #widest: EnvelopeLane[] = [];
  /** The widest envelope label of each pair of link ends (`laneKey`), which decides where they all pass. */
  #widestText = new Map<string, string>();
  /** `#envelopes=rest` in the address: an envelope at both ends and the middle of every link, to check the layout. */
  #ghosts = /(^#|&)envelopes=rest(&|$)/.test(location.hash);
  #ghostLayer: Selection<SVGGElement, unknown>;

  constructor(svg: SVGSVGElement, caption: HTMLElement, private host: TopologyHost) {
    this.#caption = caption;
    this.#size = new SizeWatch(svg, () => this.#redraw());
    this.#svg = d3.select(svg);
    this.#linksLayer = this.#svg.append<SVGGElement>("g").attr("class", "links");
    this.#nodesLayer = this.#svg.append<SVGGElement>("g").attr("class", "nodes");
    this.#labelsLayer = this.#svg.append<SVGGElement>("g").attr("class", "labels");
    this.#packetsLayer = this.#svg.append<SVGGElement>("g").attr("class", "packets");
    this.#ghostLayer = this.#svg.append<SVGGElement>("g").attr("class", "ghosts");
    this.#zoom.scaleExtent([0.3, 6]).on("zoom", (event) => {
      this.#transform = event.transform;
      this.#redraw(false);
    });
    this.#svg.call(this.#zoom);
    this.#svg.on("dblclick.zoom", null);
  }

  /** Draws a new run; keeps dragged positions and the zoom when it is the same file. */
  setRun(run: Run | null): void {
    const sameFile = this.#run?.file === run?.file;
    this.#run = run;
    this.#shown.clear();
    this.#cursor = -1;
    this.#nodes.clear();
    this.#packetsLayer.selectAll("*").remove();
    this.#caption.textContent = "";
    if (!sameFile) this.fit();
    if (!run) {
      this.#redraw();
      return;
    }
    this.#widest = widestLabels(run);
    this.#widestText = new Map(this.#widest.map((l) => [laneKey(l.link, l.a, l.b), l.text]));
    const positions = layoutNodes(run.model, run.result.links, this.host.positions);
    for (const spec of run.model.nodes) {
      this.#nodes.set(spec.name, {
        name: spec.name,
        kind: spec.kind,
        world: positions.get(spec.name)!,
        at: { x: 0, y: 0 },
      });
    }
    this.#redraw();
  }

  /** Back to the drawing that fills the pane (no zoom, no pan). */
  fit(): void {
    this.#svg.call(this.#zoom.transform, d3.zoomIdentity);
  }

  zoomBy(k: number): void {
    this.#svg.call(this.#zoom.scaleBy, k);
  }

  /** The address changed: `#envelopes=rest` may have been turned on or off. */
  hashChanged(): void {
    const ghosts = /(^#|&)envelopes=rest(&|$)/.test(location.hash);
    if (ghosts === this.#ghosts) return;
    this.#ghosts = ghosts;
    this.#ghostLayer.selectAll("*").remove();
    this.#redraw();
  }

  /** Presenter mode or Large type changed: new word sizes. */
  restyle(presenter: boolean, large: boolean): void {
    this.#base = labelSizes(presenter, large);
    this.#presenter = presenter;
    this.#redraw();
  }

  /** Marks the node whose tables are shown. */
  setPicked(name: string | null): void {
    this.#picked = name;
    this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node").classed("picked", (d) => d.name === name);
  }

  /** The placed words, for tests and the overlap self-check. */
  labels(): readonly DiagramLabel[] {
    return this.#labels;
  }

  #font(role: string): string {
    const px = this.#sizes[role as keyof LabelSizes];
    let font = this.#fonts.get(`${role}:${px}`);
    if (!font) {
      const spec = ROLE_FONT[role];
      const family = getComputedStyle(document.body).getPropertyValue(spec.family).trim() || "sans-serif";
      font = `${spec.weight} ${px}px ${family}`;
      this.#fonts.set(`${role}:${px}`, font);
    }
    return font;
  }

  #measure: Measure = (text, role) => {
    const ctx = this.#canvas;
    if (!ctx) return text.length * this.#sizes[role] * 0.62;
    ctx.font = this.#font(role);
    return ctx.measureText(text).width;
  };

  /** Projects every node to the screen and redraws what depends on positions. */
  #redraw(animate = false): void {
    const run = this.#run;
    const [width, height] = [this.#size.width, this.#size.height];
    if (!run || width === 0 || height === 0 || this.#nodes.size === 0) {
      this.#linksLayer.selectAll("*").remove();
      this.#nodesLayer.selectAll("*").remove();
      this.#labelsLayer.selectAll("*").remove();
      this.#ghostLayer.selectAll("*").remove();
      return;
    }
    // The largest words for which nothing overlaps (or, failing that, the least crowded layout).
    const floor = this.#presenter ? this.#presenterFloor(width) : {};
    // A drawing stretched tall to fill the pane can squeeze a busy row: each size is tried stretched
    // and then closer to the file's proportions.
    let best: { sizes: LabelSizes; stretch: number; conflicts: number } | null = null;
    const tried = new Set<string>();
    search: for (const k of SCALES) {
      const sizes = scaleSizes(this.#base, k, floor);
      if (tried.has(JSON.stringify(sizes))) continue;
      tried.add(JSON.stringify(sizes));
      for (const stretch of [3, 1.5, 1]) {
        const conflicts = this.#project(sizes, width, height, stretch);
        if (!best || conflicts < best.conflicts) best = { sizes, stretch, conflicts };
        if (conflicts === 0) break search;
      }
    }
    if (best && (best.sizes !== this.#sizes || best.stretch !== this.#stretch)) {
      this.#project(best.sizes, width, height, best.stretch);
    }
    this.#drawLinks();
    this.#drawNodes();
    this.#renderLabels();
    if (this.#cursor >= 0) this.#renderCursor(animate);
  }

  #presenterFloor(width: number): Partial<LabelSizes> {
    const k = Math.min(1, width / 1880);
    return {
      name: PRESENTER_FLOOR.name * k,
      addr: PRESENTER_FLOOR.addr * k,
      packet: PRESENTER_FLOOR.packet * k,
    };
  }

  /**
   * With these word sizes: fits the nodes to the pane, places every word, and counts what overlaps
   * (words that found no free spot, envelopes at rest over a node's shape).
   */
  #project(sizes: LabelSizes, width: number, height: number, stretch: number): number {
    this.#sizes = sizes;
    this.#stretch = stretch;
    const s = sizes;
    const widest = Math.max(...[...this.#nodes.values()].map((n) => this.#measure(n.name, "name")));
    const captionRoom = this.#caption.offsetHeight + 8;
    this.#fit = fitPoints([...this.#nodes.values()].map((n) => n.world), width, height, {
      left: Math.max(s.node, widest / 2) + 14,
      right: Math.max(s.node, widest / 2) + 14,
      top: captionRoom + s.node + 2 * s.addr * 1.25,
      bottom: s.node + (s.name + s.kind) * 1.25 + 2 * s.addr * 1.25 + 8,
    }, stretch);
    for (const n of this.#nodes.values()) {
      const t = this.#transform;
      n.at = { x: t.x + t.k * this.#fit.x(n.world.x), y: t.y + t.k * this.#fit.y(n.world.y) };
    }
    this.#placeLabels(this.#labelBounds());
    const shapes = [...this.#nodes.values()].map((n) => n.at);
    return this.#labels.filter((l) => !l.free).length + envelopeHits(shapes, this.#envelopePaths(), s.node);
  }

  /** Each talking pair's widest envelope, between where its two nodes are drawn now. */
  #envelopePaths(): EnvelopePath[] {
    const out: EnvelopePath[] = [];
    for (const lane of this.#widest) {
      const [a, b] = [this.#nodes.get(lane.a), this.#nodes.get(lane.b)];
      if (a && b) out.push({ a: a.at, b: b.at, size: this.#envelopeSize(lane.text) });
    }
    return out;
  }

  #linkInfo(): DrawnLinkInfo[] {
    return linkInfo(this.#run!, this.#nodes);
  }

  #drawLinks(): void {
    drawLinks(this.#linksLayer, this.#run!, this.#linkInfo(), this.#nodes);
    if (this.#cursor >= 0) this.#markCurrentLink();
  }

  #drawNodes(): void {
    const data = [...this.#nodes.values()];
    const scale = this.#sizes.node / RING_RADIUS * 1.25;
    const groups = this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node")
      .data(data, (d) => d.name)
      .join<SVGGElement>((enter) => {
        const g = enter.append<SVGGElement>("g").attr("class", "node").attr("tabindex", 0).attr(
          "role",
          "button",
        );
        g.each(function (d) {
          const node = d3.select<SVGGElement, unknown>(this);
          const icon = node.append<SVGGElement>("g").attr("class", "icon");
          icon.append("circle").attr("class", "ring").attr("r", RING_RADIUS).attr("fill", "none").attr(
            "stroke",
            "none",
          );
          drawIcon(icon, d.kind);
        });
        return g;
      })
      .attr("data-node", (d) => d.name)
      .attr("aria-label", (d) => `${d.kind} ${d.name}: show its tables`)
      .attr("transform", (d) => `translate(${d.at.x},${d.at.y})`)
      .classed("picked", (d) => d.name === this.#picked);
    groups.select("g.icon").attr("transform", `scale(${scale})`);
    groups.on("click", (_event, d) => this.host.pickNode(d.name));
    groups.on("keydown", (event: KeyboardEvent, d) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        event.stopPropagation();
        this.host.pickNode(d.name);
      }
    });
    const drag = d3.drag<SVGGElement, DrawnNode>()
      .on("drag", (event, d) => {
        if (!this.#fit) return;
        const t = this.#transform;
        d.world = this.#fit.invert({ x: (event.x - t.x) / t.k, y: (event.y - t.y) / t.k });
        this.host.positions.set(d.name, d.world);
        // Dragging keeps the fit of the other nodes: move this one on screen only, then re-place words.
        d.at = { x: event.x, y: event.y };
        this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node").filter((n) => n.name === d.name)
          .attr("transform", `translate(${d.at.x},${d.at.y})`);
        this.#drawLinks();
        this.#placeLabels(this.#labelBounds());
        this.#renderLabels();
        this.#renderCursor(false);
      });
    groups.call(drag);
  }

  #labelBounds() {
    const captionRoom = this.#caption.offsetHeight + 8;
    return { x: 2, y: captionRoom, width: this.#size.width - 4, height: this.#size.height - captionRoom - 2 };
  }

  #placeLabels(bounds: { x: number; y: number; width: number; height: number }): void {
    const nodes = [...this.#nodes.values()].map((n) => ({ name: n.name, kind: n.kind, at: n.at }));
    this.#labels = layoutDiagramLabels(
      nodes,
      this.#linkInfo(),
      this.#sizes,
      this.#measure,
      bounds,
      this.#envelopePaths(),
    );
  }

  #renderLabels(): void {
    if (this.#ghosts) this.#drawGhosts();
    const layer = this.#labelsLayer;
    layer.selectAll("*").remove();
    const s = this.#sizes;
    for (const label of this.#labels) {
      const g = layer.append<SVGGElement>("g").attr("class", `label-group role-${label.role}`).attr(
        "data-label",
        label.id,
      );
      const lineHeights = label.lines.map((l) => s[l.role] * 1.25);
      let y = label.box.y;
      label.lines.forEach((line, i) => {
        y += lineHeights[i];
        g.append("text")
          .attr("class", line.role === "name" ? "label" : line.role)
          .attr("x", label.box.x + label.box.width / 2)
          .attr("y", y - lineHeights[i] * 0.22)
          .attr("text-anchor", "middle")
          .attr("font-size", s[line.role])
          .text(line.text);
      });
    }
  }

  /** Moves packets and highlights to the record at `seq`. */
  setCursor(seq: number): void {
    const animate = this.#cursor >= 0 && Math.abs(seq - this.#cursor) <= 50;
    this.#cursor = seq;
    this.#renderCursor(animate);
  }

  #packetsAt(seq: number): DrawnPacket[] {
    const run = this.#run!;
    const { records, arrival } = run.index;
    const now = records[seq];
    const out: DrawnPacket[] = [];
    const lanes = new Map<string, number>();
    // Transmissions sent at or before the cursor whose arrival is at or after it: on the wire now.
    for (let i = Math.max(0, seq - 3000); i <= seq; i++) {
      const r = records[i];
      if (r.kind !== "tx") continue;
      const end = arrival[i];
      if (end >= 0 && end < seq) continue;
      const endRecord = end >= 0 ? records[end] : undefined;
      const toNode = endRecord?.kind === "rx" ? endRecord.node : this.#peer(r);
      if (!this.#nodes.has(r.node) || !toNode || !this.#nodes.has(toNode)) continue;
      let f: number;
      if (!endRecord) f = 0.5;
      else if (endRecord.t === r.t) f = seq >= end ? 1 : 0;
      else f = Math.max(0, Math.min(1, (now.t - r.t) / (endRecord.t - r.t)));
      const lost = endRecord?.kind === "drop" && end === seq;
      if (lost) f = 0.5;
      // Packets on the same link are spread sideways so they do not hide each other.
      const laneKey = r.link ?? "";
      const lane = lanes.get(laneKey) ?? 0;
      lanes.set(laneKey, lane + 1);
      out.push({ seq: i, record: r, from: r.node, to: toNode, f, lost, lane });
    }
    return out.slice(-60);
  }

  #peer(r: TraceRecord): string | undefined {
    const link = this.#run!.result.links.find((l) => l.name === r.link);
    if (!link) return undefined;
    if (link.endpoints.length === 2) return link.endpoints.find((e) => e.node !== r.node)?.node;
    return undefined;
  }

  #markCurrentLink(): void {
    const run = this.#run;
    if (!run || this.#cursor < 0) return;
    const current = run.index.records[this.#cursor];
    this.#linksLayer.selectAll<SVGGElement, string>("g.link").classed(
      "current",
      (name) => name === current.link,
    );
  }

  /** An envelope's half size for its label (the box drawn in #renderCursor). */
  #envelopeSize(label: string): EnvelopeSize {
    const fontPx = this.#sizes.packet;
    return { halfWidth: (this.#measure(label, "packet") + fontPx) / 2, halfHeight: (fontPx * 1.45) / 2 };
  }

  #place(p: DrawnPacket, f: number, size: EnvelopeSize): Point {
    const a = this.#nodes.get(p.from)!.at;
    const b = this.#nodes.get(p.to)!.at;
    const widest = this.#widestText.get(laneKey(p.record.link ?? "", p.from, p.to));
    const fit = widest === undefined ? size : this.#envelopeSize(widest);
    return envelopeAt(a, b, f, size, this.#sizes.node, p.lane, this.#sizes.packet * 1.6, fit);
  }

  #renderCursor(animate: boolean): void {
    const run = this.#run;
    if (!run || this.#cursor < 0 || this.#cursor >= run.index.records.length || this.#nodes.size === 0) {
      return;
    }
    const seq = this.#cursor;
    const current = run.index.records[seq];
    const currentNodes = new Set(current.node.split(","));
    this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node")
      .classed("current", (d) => currentNodes.has(d.name))
      .select("circle.ring")
      .attr("stroke", (d) => (currentNodes.has(d.name) ? "#0072b2" : "none"))
      .attr("stroke-width", 4);
    this.#markCurrentLink();

    const packets = this.#packetsAt(seq);
    const fontPx = this.#sizes.packet;
    const label = (d: DrawnPacket) => shortName(d.record, run.ikeNames.get(d.record.pkt ?? -1));
    const size = new Map(packets.map((p) => [p.seq, this.#envelopeSize(label(p))]));
    const targets = new Map(packets.map((p) => [p.seq, this.#place(p, p.f, size.get(p.seq)!)]));
    const groups = this.#packetsLayer.selectAll<SVGGElement, DrawnPacket>("g.packet")
      .data(packets, (d) => d.seq)
      .join<SVGGElement>((enter) => {
        const g = enter.append<SVGGElement>("g").attr("class", "packet").attr("role", "button").attr(
          "tabindex",
          -1,
        );
        g.append("rect").attr("rx", 4);
        g.append("text").attr("text-anchor", "middle");
        g.append("title");
        return g;
      });
    groups.on("click", (event: MouseEvent, d) => {
      event.stopPropagation();
      this.host.openPacket(d.seq);
    });
    groups.classed("current", (d) => d.seq === seq || run.index.departure[seq] === d.seq)
      .attr("data-seq", (d) => d.seq)
      .attr("data-proto", (d) => d.record.proto ?? "IP");
    const measure = this.#measure;
    groups.each(function (d) {
      const g = d3.select<SVGGElement, unknown>(this);
      const text = label(d);
      const w = measure(text, "packet") + fontPx;
      const h = fontPx * 1.45;
      g.select("rect").attr("x", -w / 2).attr("y", -h / 2).attr("width", w).attr("height", h)
        .attr("fill", protoColour(d.record.proto));
      g.select("text").attr("y", fontPx * 0.36).attr("font-size", fontPx).attr(
        "fill",
        protoInk(d.record.proto),
      )
        .text(text);
      g.select("title").text(`#${d.record.pkt} ${messageFirst(d.record.summary)} (click to inspect)`);
    });
    groups.selectAll("line.drop-mark").remove();
    groups.filter((d) => d.lost).each(function () {
      const g = d3.select<SVGGElement, unknown>(this);
      for (const [y1, y2] of [[-12, 12], [12, -12]]) {
        g.append("line").attr("class", "drop-mark").attr("x1", -12).attr("y1", y1).attr("x2", 12).attr(
          "y2",
          y2,
        );
      }
    });

    cancelAnimationFrame(this.#animation);
    const starts = new Map<number, Point>();
    for (const p of packets) {
      starts.set(
        p.seq,
        animate ? this.#shown.get(p.seq) ?? this.#place(p, 0, size.get(p.seq)!) : targets.get(p.seq)!,
      );
    }
    const duration = animate ? Math.min(450, this.host.stepDuration() * 0.8) : 0;
    const began = performance.now();
    const frame = () => {
      const k = duration <= 0 ? 1 : Math.min(1, (performance.now() - began) / duration);
      const ease = k < 0.5 ? 2 * k * k : 1 - (-2 * k + 2) ** 2 / 2;
      groups.attr("transform", (d) => {
        const a = starts.get(d.seq)!;
        const b = targets.get(d.seq)!;
        const p = { x: a.x + (b.x - a.x) * ease, y: a.y + (b.y - a.y) * ease };
        this.#shown.set(d.seq, p);
        return `translate(${p.x},${p.y})`;
      });
      if (k < 1) this.#animation = requestAnimationFrame(frame);
    };
    frame();
    for (const s of [...this.#shown.keys()]) if (!targets.has(s)) this.#shown.delete(s);
    this.#drawCaption(current);
  }

  /** The caption over the drawing: what happens at the current record, in words. */
  #drawCaption(r: TraceRecord): void {
    const isDrop = r.kind === "drop";
    const run = this.#run!;
    const body = isDrop && r.reason
      ? r.reason
      : r.kind === "state"
      ? stateSentence(r, run.steps.before.get(r.seq)).replace(/^[^:]*: /, "")
      : messageFirst(r.summary);
    const head = `${KIND_GLYPHS[r.kind]} ${r.node} ${KIND_WORDS[r.kind]}`;
    this.#caption.replaceChildren();
    const strong = document.createElement("strong");
    strong.textContent = head;
    this.#caption.append(strong, body ? `: ${body}` : "");
    this.#caption.classList.toggle("drop", isDrop);
    this.#caption.title = body;
  }

  /** The layout check: each talking pair's widest envelope at both of its ends and its middle. */
  #drawGhosts(): void {
    const at = new Map([...this.#nodes.values()].map((n) => [n.name, n.at]));
    drawRestEnvelopes(this.#ghostLayer, this.#widest, at, (text) => this.#envelopeSize(text), this.#sizes);
  }

  /** A standalone copy of the drawing for export, with the styles it needs inlined. */
  exportSvg(css: string): SVGSVGElement {
    return standaloneSvg(this.#svg.node()!, css);
  }
}
