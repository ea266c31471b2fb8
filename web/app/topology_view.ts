/**
 * The topology pane: nodes by kind, links with names and addresses, packets moving along the links as
 * the cursor moves, and a callout saying what happens at the current event (in words, for drops).
 * Zoom and pan with the wheel and background drag; drag a node to move it.
 */
import type { LinkInfo } from "../../src/sim.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import d3, { type Selection } from "./d3.ts";
import { drawIcon, RING_RADIUS } from "./icons.ts";
import { layoutNodes, type Point } from "./layout.ts";
import { SizeWatch, typeMetrics } from "./metrics.ts";
import { KIND_GLYPHS, KIND_WORDS, protoColour, protoInk } from "./palette.ts";
import type { Run } from "./run.ts";

/** What the topology needs from the app. */
export interface TopologyHost {
  positions: Map<string, Point>;
  pickNode(name: string): void;
  stepDuration(): number;
}

interface DrawnNode {
  name: string;
  kind: string;
  pos: Point;
}

interface DrawnPacket {
  seq: number;
  record: TraceRecord;
  from: Point;
  to: Point;
  f: number;
  lost: boolean;
  lane: number;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Splits text into lines of at most `width` characters at spaces, at most `max` lines. */
export function wrapText(text: string, width: number, max: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = "";
      if (lines.length === max) break;
    }
    line = line === "" ? word : `${line} ${word}`;
  }
  if (lines.length < max && line !== "") lines.push(line);
  else if (line !== "" && lines.length === max) lines[max - 1] = lines[max - 1].replace(/.{0,1}$/, "…");
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

export class TopologyView {
  #svg: Selection<SVGSVGElement, unknown>;
  #root: Selection<SVGGElement, unknown>;
  #linksLayer: Selection<SVGGElement, unknown>;
  #nodesLayer: Selection<SVGGElement, unknown>;
  #packetsLayer: Selection<SVGGElement, unknown>;
  #calloutLayer: Selection<SVGGElement, unknown>;
  #zoom = d3.zoom<SVGSVGElement>();
  #run: Run | null = null;
  #nodes = new Map<string, DrawnNode>();
  #cursor = -1;
  #shown = new Map<number, Point>();
  #animation = 0;
  #picked: string | null = null;
  #size: SizeWatch;
  #fitPending = false;

  constructor(svg: SVGSVGElement, private host: TopologyHost) {
    // A drawing made while its tab was hidden is fitted once the pane has a size.
    this.#size = new SizeWatch(svg, () => {
      if (this.#fitPending && this.#size.width > 0) this.fit();
    });
    this.#svg = d3.select(svg);
    this.#root = this.#svg.append<SVGGElement>("g").attr("class", "root");
    this.#linksLayer = this.#root.append<SVGGElement>("g").attr("class", "links");
    this.#nodesLayer = this.#root.append<SVGGElement>("g").attr("class", "nodes");
    this.#packetsLayer = this.#root.append<SVGGElement>("g").attr("class", "packets");
    this.#calloutLayer = this.#root.append<SVGGElement>("g").attr("class", "callouts");
    this.#zoom.scaleExtent([0.2, 5]).on(
      "zoom",
      (event) => this.#root.attr("transform", event.transform.toString()),
    );
    this.#svg.call(this.#zoom);
    this.#svg.on("dblclick.zoom", null);
  }

  /** Draws a new run; keeps dragged positions. */
  setRun(run: Run | null): void {
    const sameFile = this.#run?.file === run?.file;
    this.#run = run;
    this.#shown.clear();
    this.#cursor = -1;
    this.#linksLayer.selectAll("*").remove();
    this.#nodesLayer.selectAll("*").remove();
    this.#packetsLayer.selectAll("*").remove();
    this.#calloutLayer.selectAll("*").remove();
    this.#nodes.clear();
    if (!run) return;
    const positions = layoutNodes(run.model, run.result.links, this.host.positions);
    for (const spec of run.model.nodes) {
      this.#nodes.set(spec.name, { name: spec.name, kind: spec.kind, pos: positions.get(spec.name)! });
    }
    this.#drawLinks();
    this.#drawNodes();
    if (!sameFile) {
      this.#fitPending = true;
      requestAnimationFrame(() => this.fit());
    }
  }

  /** Scales and centres the drawing to fill the pane. */
  fit(): void {
    const svg = this.#svg.node()!;
    const [width, height] = [svg.clientWidth, svg.clientHeight];
    if (width === 0 || height === 0) return; // hidden: fitted when shown
    this.#fitPending = false;
    const points = [...this.#nodes.values()].map((n) => n.pos);
    if (points.length === 0) return;
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const [x0, x1] = [Math.min(...xs) - 110, Math.max(...xs) + 110];
    const [y0, y1] = [Math.min(...ys) - 90, Math.max(...ys) + 90];
    const k = Math.min(2, width / (x1 - x0), height / (y1 - y0));
    const t = d3.zoomIdentity.translate(width / 2 - k * (x0 + x1) / 2, height / 2 - k * (y0 + y1) / 2).scale(
      k,
    );
    this.#svg.call(this.#zoom.transform, t);
  }

  zoomBy(k: number): void {
    this.#svg.call(this.#zoom.scaleBy, k);
  }

  /** Marks the node whose tables are shown. */
  setPicked(name: string | null): void {
    this.#picked = name;
    this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node").classed("picked", (d) => d.name === name);
  }

  #linkEnds(
    link: LinkInfo,
  ): { hub: Point | null; ends: { node: string; iface: string; ip: string; pos: Point }[] } {
    const ends = link.endpoints
      .filter((e) => this.#nodes.has(e.node))
      .map((e) => ({ ...e, pos: this.#nodes.get(e.node)!.pos }));
    if (ends.length <= 2) return { hub: null, ends };
    const hub = {
      x: ends.reduce((s, e) => s + e.pos.x, 0) / ends.length,
      y: ends.reduce((s, e) => s + e.pos.y, 0) / ends.length,
    };
    return { hub, ends };
  }

  #drawLinks(): void {
    const run = this.#run!;
    const specs = new Map(run.model.links.map((l) => [l.name, l]));
    const layer = this.#linksLayer;
    layer.selectAll("*").remove();
    for (const link of run.result.links) {
      const spec = specs.get(link.name);
      const g = layer.append<SVGGElement>("g").datum(link.name).attr("class", "link").attr(
        "data-link",
        link.name,
      )
        .classed("down", spec ? !spec.up : false);
      const { hub, ends } = this.#linkEnds(link);
      if (ends.length < 2) continue;
      if (hub) {
        for (const e of ends) {
          g.append("line").attr("x1", e.pos.x).attr("y1", e.pos.y).attr("x2", hub.x).attr("y2", hub.y);
        }
        g.append("rect").attr("class", "hub").attr("x", hub.x - 7).attr("y", hub.y - 7).attr("width", 14)
          .attr("height", 14);
        // On a shared segment each address sits along its own spoke.
        for (const e of ends) {
          const len = Math.hypot(hub.x - e.pos.x, hub.y - e.pos.y) || 1;
          const [ux, uy] = [(hub.x - e.pos.x) / len, (hub.y - e.pos.y) / len];
          const along = Math.min(70, len * 0.45);
          g.append("text").attr("class", "addr").attr("text-anchor", "middle")
            .attr("x", e.pos.x + ux * along - uy * 14).attr("y", e.pos.y + uy * along + ux * 14 + 4)
            .text(`${e.iface} ${e.ip}`);
        }
      } else {
        const [a, b] = ends;
        g.append("line").attr("x1", a.pos.x).attr("y1", a.pos.y).attr("x2", b.pos.x).attr("y2", b.pos.y);
        // One end's address below the line, the other's above, each starting just off its node, so
        // they do not collide on a short link; the link name sits on the line in between.
        const len = Math.hypot(b.pos.x - a.pos.x, b.pos.y - a.pos.y) || 1;
        const [ux, uy] = [(b.pos.x - a.pos.x) / len, (b.pos.y - a.pos.y) / len];
        const flip = ux < 0 ? -1 : 1;
        const [nx, ny] = [-uy * flip, ux * flip];
        const along = Math.min(34, len * 0.25);
        const anchor = (dir: number) => (Math.abs(ux) < 0.3 ? "middle" : dir * ux > 0 ? "start" : "end");
        g.append("text").attr("class", "addr").attr("text-anchor", anchor(1))
          .attr("x", a.pos.x + ux * along + nx * 15).attr("y", a.pos.y + uy * along + ny * 15 + 4)
          .text(`${a.iface} ${a.ip}`);
        g.append("text").attr("class", "addr").attr("text-anchor", anchor(-1))
          .attr("x", b.pos.x - ux * along - nx * 13).attr("y", b.pos.y - uy * along - ny * 13 + 2)
          .text(`${b.iface} ${b.ip}`);
      }
      const mid = hub ?? { x: (ends[0].pos.x + ends[1].pos.x) / 2, y: (ends[0].pos.y + ends[1].pos.y) / 2 };
      const extras: string[] = [];
      if (spec && !spec.up) extras.push("down");
      if (spec && spec.loss > 0) extras.push(`loss ${Math.round(spec.loss * 1000) / 10}%`);
      g.append("text").attr("class", "name").attr("x", mid.x).attr("y", mid.y + (hub ? -14 : 4)).attr(
        "text-anchor",
        "middle",
      )
        .text(extras.length > 0 ? `${link.name} (${extras.join(", ")})` : link.name);
    }
  }

  #drawNodes(): void {
    const data = [...this.#nodes.values()];
    const groups = this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node")
      .data(data, (d) => d.name)
      .join<SVGGElement>((enter) => enter.append<SVGGElement>("g"))
      .attr("class", "node")
      .attr("data-node", (d) => d.name)
      .attr("tabindex", 0)
      .attr("role", "button")
      .attr("aria-label", (d) => `${d.kind} ${d.name}: show its tables`)
      .attr("transform", (d) => `translate(${d.pos.x},${d.pos.y})`)
      .classed("picked", (d) => d.name === this.#picked);
    groups.each(function (d) {
      const g = d3.select<SVGGElement, unknown>(this);
      g.append("circle").attr("class", "ring").attr("r", RING_RADIUS).attr("fill", "none").attr(
        "stroke",
        "none",
      );
      drawIcon(g, d.kind);
      g.append("text").attr("class", "label").attr("text-anchor", "middle").attr("y", 36).text(d.name);
      g.append("text").attr("class", "kind").attr("text-anchor", "middle").attr("y", 52).text(d.kind);
    });
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
        d.pos = { x: event.x, y: event.y };
        this.host.positions.set(d.name, d.pos);
        this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node")
          .filter((n) => n.name === d.name)
          .attr("transform", `translate(${d.pos.x},${d.pos.y})`);
        this.#drawLinks();
        this.#renderCursor(false);
      });
    groups.call(drag);
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
      const from = this.#nodes.get(r.node)?.pos;
      const toNode = endRecord?.kind === "rx" ? endRecord.node : this.#peer(r);
      const to = toNode ? this.#nodes.get(toNode)?.pos : undefined;
      if (!from || !to) continue;
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
      out.push({ seq: i, record: r, from, to, f, lost, lane });
    }
    return out.slice(-60);
  }

  #peer(r: TraceRecord): string | undefined {
    const link = this.#run!.result.links.find((l) => l.name === r.link);
    if (!link) return undefined;
    if (link.endpoints.length === 2) return link.endpoints.find((e) => e.node !== r.node)?.node;
    return undefined;
  }

  #renderCursor(animate: boolean): void {
    const run = this.#run;
    if (!run || this.#cursor < 0 || this.#cursor >= run.index.records.length) return;
    const seq = this.#cursor;
    const current = run.index.records[seq];
    const currentNodes = new Set(current.node.split(","));
    this.#nodesLayer.selectAll<SVGGElement, DrawnNode>("g.node")
      .classed("current", (d) => currentNodes.has(d.name))
      .select("circle.ring")
      .attr("stroke", (d) => (currentNodes.has(d.name) ? "#0072b2" : "none"))
      .attr("stroke-width", 4);
    this.#linksLayer.selectAll<SVGGElement, string>("g.link").classed(
      "current",
      (name) => name === current.link,
    );

    const packets = this.#packetsAt(seq);
    const place = (p: DrawnPacket): Point => {
      const dx = p.to.x - p.from.x;
      const dy = p.to.y - p.from.y;
      const len = Math.hypot(dx, dy) || 1;
      // Stay clear of the node shapes at either end.
      const margin = Math.min(34, len / 3);
      const f = (margin + p.f * (len - 2 * margin)) / len;
      const side = (p.lane % 2 === 0 ? 1 : -1) * Math.ceil(p.lane / 2) * 16;
      return { x: p.from.x + dx * f - (dy / len) * side, y: p.from.y + dy * f + (dx / len) * side };
    };
    const targets = new Map(packets.map((p) => [p.seq, place(p)]));
    const groups = this.#packetsLayer.selectAll<SVGGElement, DrawnPacket>("g.packet")
      .data(packets, (d) => d.seq)
      .join<SVGGElement>((enter) => {
        const g = enter.append<SVGGElement>("g").attr("class", "packet");
        g.append("rect").attr("x", -17).attr("y", -8).attr("width", 34).attr("height", 16).attr("rx", 3);
        g.append("text").attr("text-anchor", "middle").attr("y", 3.5);
        g.append("title");
        return g;
      });
    groups.classed("current", (d) => d.seq === seq || run.index.departure[seq] === d.seq);
    groups.select("rect").attr("fill", (d) => protoColour(d.record.proto));
    groups.select("text").attr("fill", (d) => protoInk(d.record.proto)).text((d) => d.record.proto ?? "IP");
    groups.select("title").text((d) => `#${d.record.pkt} ${d.record.summary}`);
    groups.selectAll("line.drop-mark").remove();
    groups.filter((d) => d.lost).each(function () {
      const g = d3.select<SVGGElement, unknown>(this);
      g.append("line").attr("class", "drop-mark").attr("x1", -12).attr("y1", -12).attr("x2", 12).attr(
        "y2",
        12,
      );
      g.append("line").attr("class", "drop-mark").attr("x1", -12).attr("y1", 12).attr("x2", 12).attr(
        "y2",
        -12,
      );
    });

    cancelAnimationFrame(this.#animation);
    const starts = new Map<number, Point>();
    for (const p of packets) {
      starts.set(p.seq, animate ? this.#shown.get(p.seq) ?? place({ ...p, f: 0 }) : targets.get(p.seq)!);
    }
    const duration = animate ? Math.min(400, this.host.stepDuration() * 0.8) : 0;
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

    this.#drawCallout(current);
  }

  #drawCallout(r: TraceRecord): void {
    const layer = this.#calloutLayer;
    layer.selectAll("*").remove();
    const node = this.#nodes.get(r.node.split(",")[0]);
    if (!node) return;
    const isDrop = r.kind === "drop";
    const head = `${KIND_GLYPHS[r.kind]} ${r.node}: ${KIND_WORDS[r.kind]}`;
    const body = isDrop && r.reason ? r.reason : r.summary;
    const lines = [head, ...wrapText(body, 46, isDrop ? 4 : 2)];
    const fontPx = typeMetrics().fontPx * 0.85;
    const lineHeight = fontPx * 1.35;
    // Sized from the text length rather than measured, so a step never waits for a layout pass.
    const width = Math.max(...lines.map((l) => l.length)) * fontPx * 0.56 + 20;
    // Callouts of nodes in the right half open to the left, so they stay on screen.
    const xs = [...this.#nodes.values()].map((n) => n.pos.x);
    const rightHalf = node.pos.x > (Math.min(...xs) + Math.max(...xs)) / 2;
    const x = rightHalf ? node.pos.x - 30 - width : node.pos.x + 30;
    const g = layer.append<SVGGElement>("g").attr("class", isDrop ? "callout drop" : "callout")
      .attr("transform", `translate(${x},${node.pos.y - 44 - lines.length * lineHeight})`);
    const rect = g.append<SVGRectElement>("rect").attr("rx", 5);
    const text = g.append<SVGTextElement>("text").attr("x", 8).attr("y", lineHeight);
    lines.forEach((line, i) => {
      text.append("tspan").attr("x", 8).attr("dy", i === 0 ? 0 : lineHeight)
        .attr("font-weight", i === 0 ? 700 : 400).text(line);
    });
    // Sized from the text length rather than measured, so a step never waits for a layout pass.
    const longest = Math.max(...lines.map((l) => l.length));
    rect.attr("width", longest * fontPx * 0.56 + 20).attr("height", lines.length * lineHeight + 8).attr(
      "y",
      0,
    );
    text.attr("y", lineHeight * 0.95);
  }

  /** A standalone copy of the drawing for export, with the styles it needs inlined. */
  exportSvg(css: string): SVGSVGElement {
    const source = this.#svg.node()!;
    const copy = source.cloneNode(true) as SVGSVGElement;
    copy.setAttribute("xmlns", SVG_NS);
    const root = source.querySelector("g.root") as SVGGElement;
    const box = root.getBBox();
    const pad = 20;
    copy.setAttribute(
      "viewBox",
      `${box.x - pad} ${box.y - pad} ${box.width + 2 * pad} ${box.height + 2 * pad}`,
    );
    copy.setAttribute("width", String(Math.ceil(box.width + 2 * pad)));
    copy.setAttribute("height", String(Math.ceil(box.height + 2 * pad)));
    copy.querySelector("g.root")?.removeAttribute("transform");
    const style = document.createElementNS(SVG_NS, "style");
    style.textContent = css;
    copy.insertBefore(style, copy.firstChild);
    const bg = document.createElementNS(SVG_NS, "rect");
    bg.setAttribute("x", String(box.x - pad));
    bg.setAttribute("y", String(box.y - pad));
    bg.setAttribute("width", String(box.width + 2 * pad));
    bg.setAttribute("height", String(box.height + 2 * pad));
    bg.setAttribute("fill", "#fcfcfa");
    copy.insertBefore(bg, style.nextSibling);
    return copy;
  }
}
