/**
 * The editor's drawing: nodes with their interfaces as ports around them, links between ports. Drag a
 * node to move it; drag from a port to another port (or onto a node, which then uses its first free
 * interface or gets a new one) to draw a link; click to select. It draws from the shape read out of the
 * text and reports intentions to its host; the host changes the text and calls `draw` again.
 */
import d3 from "../app/d3.ts";
import { drawIcon } from "../app/icons.ts";
import type { End } from "./doc.ts";
import type { Shape, ShapeNode } from "./shape.ts";

/** What is selected in the editor. */
export type Selection =
  | { type: "network" }
  | { type: "node"; name: string }
  | { type: "link"; index: number }
  | { type: "action"; index: number };

export interface CanvasHost {
  select(selection: Selection): void;
  moveNode(name: string, at: { x: number; y: number }): void;
  connect(from: End, to: End | { node: string }): void;
  /** A palette item dropped on the drawing. */
  dropKind(kind: string, at: { x: number; y: number }): void;
}

const SVG = "http://www.w3.org/2000/svg";
const PORT_RADIUS = 42;
/**
 * The most drawing units one screen pixel may show: nodes 200 units apart (as the lessons place them)
 * stay 160 px apart, room for the longest address line under each.
 */
const MAX_UNITS_PER_PIXEL = 1.25;

type Point = { x: number; y: number };

/** Where each node is drawn: its written position, else a free spot on a grid. */
export function placeNodes(shape: Shape): Map<string, Point> {
  const at = new Map<string, Point>();
  for (const n of shape.nodes) if (n.position) at.set(n.name, n.position);
  let slot = 0;
  for (const n of shape.nodes) {
    if (at.has(n.name)) continue;
    for (;; slot++) {
      const p = { x: 100 + 200 * (slot % 5), y: 100 + 170 * Math.floor(slot / 5) };
      if ([...at.values()].every((q) => Math.hypot(q.x - p.x, q.y - p.y) > 80)) {
        at.set(n.name, p);
        break;
      }
    }
  }
  return at;
}

/** Where each interface's port sits: towards the peer of its link, unlinked ones spread around. */
function placePorts(shape: Shape, nodes: Map<string, Point>, u: number): Map<string, Point> {
  const ports = new Map<string, Point>();
  const spread = [0, Math.PI, Math.PI / 2, -Math.PI / 2, Math.PI / 4, (3 * Math.PI) / 4, -Math.PI / 4];
  for (const node of shape.nodes) {
    const c = nodes.get(node.name)!;
    const used: number[] = [];
    const angleOf = (iface: string): number | undefined => {
      const link = shape.links.find((l) => l.ends.some((e) => e.node === node.name && e.iface === iface));
      const peer = link?.ends.find((e) => e.node !== node.name);
      const p = peer && nodes.get(peer.node);
      return p && (p.x !== c.x || p.y !== c.y) ? Math.atan2(p.y - c.y, p.x - c.x) : undefined;
    };
    const angles = node.interfaces.map((i) => angleOf(i.name));
    // Two interfaces towards the same side are fanned out so their ports do not overlap.
    angles.forEach((a, i) => {
      if (a === undefined) return;
      let angle = a;
      while (used.some((u) => Math.abs(u - angle) < 0.35)) angle += 0.45;
      used.push(angle);
      angles[i] = angle;
    });
    let next = 0;
    node.interfaces.forEach((iface, i) => {
      let angle = angles[i];
      if (angle === undefined) {
        while (next < spread.length && used.some((u) => Math.abs(u - spread[next]) < 0.5)) next++;
        angle = spread[next % spread.length] + Math.floor(next / spread.length) * 0.3;
        used.push(angle);
        next++;
      }
      ports.set(`${node.name}:${iface.name}`, {
        x: c.x + PORT_RADIUS * u * Math.cos(angle),
        y: c.y + PORT_RADIUS * u * Math.sin(angle),
      });
    });
  }
  return ports;
}

export class EditorCanvas {
  readonly svg: SVGSVGElement;
  #root: SVGGElement;
  #band: SVGLineElement;
  #nodes = new Map<string, Point>();
  #ports = new Map<string, Point>();
  #shape: Shape = { name: "", nodes: [], links: [], script: [] };
  /** Drawing units per screen pixel: node shapes and words keep their size in pixels at any scale. */
  #u = 1;
  #last: Parameters<EditorCanvas["draw"]> | null = null;

  constructor(private host: CanvasHost) {
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("id", "editor-canvas");
    this.svg.setAttribute("role", "application");
    this.svg.setAttribute("aria-label", "The network being built: drag nodes, drag from a port to link");
    this.#root = document.createElementNS(SVG, "g");
    this.#band = document.createElementNS(SVG, "line");
    this.#band.setAttribute("class", "ed-band");
    this.#band.style.display = "none";
    this.svg.append(this.#root, this.#band);
    this.svg.addEventListener("pointerdown", (e) => {
      if (e.target === this.svg) this.host.select({ type: "network" });
    });
    new ResizeObserver(() => {
      if (this.#last) this.draw(...this.#last);
    }).observe(this.svg);
  }

  /** The drawing's coordinates of a pointer event. */
  point(e: { clientX: number; clientY: number }): Point {
    const m = this.#root.getScreenCTM();
    if (!m) return { x: e.clientX, y: e.clientY };
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }

  /** Whether a screen point lies over the drawing. */
  contains(e: { clientX: number; clientY: number }): boolean {
    const r = this.svg.getBoundingClientRect();
    return e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
  }

  /** Where nodes are drawn now (written or placed). */
  positions(): Map<string, Point> {
    return this.#nodes;
  }

  draw(shape: Shape, selected: Selection, bad: { nodes: Set<string>; links: Set<number> }): void {
    this.#last = [shape, selected, bad];
    this.#shape = shape;
    this.#nodes = placeNodes(shape);
    this.#fit();
    this.#ports = placePorts(shape, this.#nodes, this.#u);
    const u = this.#u;
    this.#root.style.setProperty("--u", String(u));
    const root = d3.select(this.#root);
    root.selectAll("*").remove();
    const links = root.append("g").attr("class", "ed-links");
    for (const link of shape.links) {
      const points = link.ends.map((e) => this.#ports.get(`${e.node}:${e.iface}`) ?? this.#nodes.get(e.node))
        .filter((p): p is Point => p !== undefined);
      if (points.length < 2) continue;
      const g = links.append("g").attr("class", "ed-link").attr("data-link", link.index)
        .classed("selected", selected.type === "link" && selected.index === link.index)
        .classed("bad", bad.links.has(link.index));
      for (const p of points.slice(1)) {
        for (const cls of ["hit", "wire"]) {
          g.append("line").attr("class", cls).attr("x1", points[0].x).attr("y1", points[0].y)
            .attr("x2", p.x).attr("y2", p.y);
        }
      }
      const mid = { x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2 };
      g.append("text").attr("class", "ed-link-name").attr("x", mid.x).attr("y", mid.y + 36 * u)
        .attr("text-anchor", "middle").text(link.name);
      (g.node() as SVGGElement).addEventListener("pointerdown", (e) => {
        e.stopPropagation();
        this.host.select({ type: "link", index: link.index });
      });
    }
    for (const node of shape.nodes) this.#drawNode(root, node, selected, bad.nodes.has(node.name));
  }

  #drawNode(
    root: ReturnType<typeof d3.select<SVGGElement>>,
    node: ShapeNode,
    selected: Selection,
    bad: boolean,
  ): void {
    const c = this.#nodes.get(node.name)!;
    const g = root.append<SVGGElement>("g").attr("class", "ed-node").attr("data-node", node.name)
      .classed("selected", selected.type === "node" && selected.name === node.name).classed("bad", bad);
    const u = this.#u;
    const body = g.append<SVGGElement>("g").attr("class", "ed-body")
      .attr("transform", `translate(${c.x},${c.y}) scale(${u})`);
    body.append("circle").attr("class", "ed-halo").attr("r", 30);
    drawIcon(body, node.kind);
    body.append("text").attr("class", "ed-name").attr("y", 46).attr("text-anchor", "middle").text(node.name);
    body.append("text").attr("class", "ed-kind").attr("y", 62).attr("text-anchor", "middle")
      .text(bad ? `${node.kind} · needs attention` : node.kind);
    // Addresses under the node, one line per interface: a column per node never meets its neighbour's.
    node.interfaces.forEach((iface, i) => {
      body.append("text").attr("class", "ed-address").attr("y", 80 + 15 * i).attr("text-anchor", "middle")
        .text(`${iface.name} ${iface.address || "(no address)"}`);
    });
    this.#dragNode(body.node()!, node.name, g.node()!);
    for (const iface of node.interfaces) {
      const p = this.#ports.get(`${node.name}:${iface.name}`)!;
      const port = g.append<SVGGElement>("g").attr("class", "ed-port").attr("data-node", node.name)
        .attr("data-iface", iface.name);
      port.append("circle").attr("cx", p.x).attr("cy", p.y).attr("r", 8 * u)
        .append("title").text(`${node.name}:${iface.name}: drag to another port or node to link them`);
      const dir = { x: p.x - c.x, y: p.y - c.y };
      // A port facing right is named above its wire, one facing left below: the two ends of a short
      // link are then never named on top of each other.
      const side = Math.abs(dir.x) < 8 * u ? 0 : dir.x > 0 ? 1 : -1;
      const out = side === 0
        ? { x: p.x + 12 * u, y: p.y + (dir.y > 0 ? 16 : -6) * u }
        : { x: p.x + side * 10 * u, y: p.y + (side > 0 ? -8 : 18) * u };
      const anchor = side >= 0 ? "start" : "end";
      port.append("text").attr("class", "ed-port-name").attr("text-anchor", anchor)
        .attr("x", out.x).attr("y", out.y).text(iface.name);
      this.#dragLink(port.node()!, { node: node.name, iface: iface.name }, p);
    }
  }

  /** Moves the whole node while dragging; a press without movement selects it. */
  #dragNode(body: SVGGElement, name: string, group: SVGGElement): void {
    body.addEventListener("pointerdown", (e) => {
      e.stopPropagation();
      e.preventDefault();
      const start = this.point(e);
      const origin = this.#nodes.get(name)!;
      let moved = false;
      body.setPointerCapture(e.pointerId);
      const move = (m: PointerEvent) => {
        const p = this.point(m);
        const dx = p.x - start.x;
        const dy = p.y - start.y;
        if (!moved && Math.hypot(dx, dy) < 4) return;
        moved = true;
        group.setAttribute("transform", `translate(${dx},${dy})`);
      };
      const up = (u: PointerEvent) => {
        body.removeEventListener("pointermove", move);
        body.removeEventListener("pointerup", up);
        const p = this.point(u);
        if (moved) {
          this.host.moveNode(name, { x: origin.x + p.x - start.x, y: origin.y + p.y - start.y });
        } else this.host.select({ type: "node", name });
      };
      body.addEventListener("pointermove", move);
      body.addEventListener("pointerup", up);
    });
  }

  /** Draws a rubber band from a port; released over a port or a node, it asks for a link. */
  #dragLink(port: SVGGElement, from: End, p: Point): void {
    port.addEventListener("pointerdown", (e) => {
      e.stopPropagation();
      e.preventDefault();
      port.setPointerCapture(e.pointerId);
      const band = this.#band;
      band.setAttribute("x1", String(p.x));
      band.setAttribute("y1", String(p.y));
      band.setAttribute("x2", String(p.x));
      band.setAttribute("y2", String(p.y));
      band.style.display = "";
      const move = (m: PointerEvent) => {
        const q = this.point(m);
        band.setAttribute("x2", String(q.x));
        band.setAttribute("y2", String(q.y));
      };
      const up = (u: PointerEvent) => {
        port.removeEventListener("pointermove", move);
        port.removeEventListener("pointerup", up);
        band.style.display = "none";
        const target = this.#targetAt(u);
        if (target && target.node !== from.node) this.host.connect(from, target);
        else if (!target || target.node === from.node) {
          this.host.select({ type: "node", name: from.node });
        }
      };
      port.addEventListener("pointermove", move);
      port.addEventListener("pointerup", up);
    });
  }

  /** The port or node under a pointer position. */
  #targetAt(e: PointerEvent): End | { node: string } | null {
    const q = this.point(e);
    for (const [key, p] of this.#ports) {
      if (Math.hypot(p.x - q.x, p.y - q.y) <= 12 * this.#u) {
        const [node, iface] = key.split(":");
        return { node, iface };
      }
    }
    for (const [node, p] of this.#nodes) {
      if (Math.hypot(p.x - q.x, p.y - q.y) <= 34 * this.#u) return { node };
    }
    return null;
  }

  /**
   * Sets the view box around the nodes with room in pixels for their words (two passes: the room
   * depends on the scale, the scale on the box), and the units per pixel that follow.
   */
  #fit(): void {
    const pts = [...this.#nodes.values()];
    const xs = pts.length > 0 ? pts.map((p) => p.x) : [0];
    const ys = pts.length > 0 ? pts.map((p) => p.y) : [0];
    const rect = this.svg.getBoundingClientRect();
    const width = rect.width || 800;
    const height = rect.height || 500;
    let u = 1;
    let box = [0, 0, 0, 0];
    for (let pass = 0; pass < 3; pass++) {
      const x0 = Math.min(...xs) - 110 * u;
      const y0 = Math.min(...ys) - 80 * u;
      let w = Math.max(...xs) + 130 * u - x0;
      let h = Math.max(...ys) + 150 * u - y0;
      // Never zoom in past a sheet's worth: a lone node is not drawn huge.
      const [wide, tall] = [Math.max(w, 500), Math.max(h, 320)];
      box = [x0 - (wide - w) / 2, y0 - (tall - h) / 2, wide, tall];
      [w, h] = [wide, tall];
      u = Math.min(MAX_UNITS_PER_PIXEL, Math.max(w / width, h / height));
    }
    this.#u = u;
    // Past the smallest scale the words would meet: the drawing grows and its pane scrolls instead.
    const big = Math.max(box[2] / width, box[3] / height) > MAX_UNITS_PER_PIXEL;
    this.svg.classList.toggle("scrolls", big);
    this.svg.style.width = big ? `${Math.ceil(box[2] / u)}px` : "";
    this.svg.style.height = big ? `${Math.ceil(box[3] / u)}px` : "";
    this.svg.setAttribute("viewBox", box.join(" "));
    this.svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  }

  /** The shape last drawn. */
  get shape(): Shape {
    return this.#shape;
  }
}
