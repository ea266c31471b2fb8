/**
 * The words of the topology drawing and their spots: each node's name and kind under (or over) it,
 * each interface's name and address at its own end of the link, each link's name near its middle.
 * Turns the drawing's geometry into label requests for `placeLabels`. Pure: no DOM.
 */
import { envelopeAt, envelopeBox, type EnvelopeSize, ICON_HALF, sweptBoxes } from "./envelope.ts";
import { type Box, type LabelRequest, overlaps, type PlacedLabel, placeLabels } from "./label_layout.ts";
import type { Point } from "./layout.ts";

/** Pixel sizes of the diagram's words (presenter mode makes them larger). */
export interface LabelSizes {
  name: number;
  kind: number;
  addr: number;
  link: number;
  packet: number;
  /** Radius of a node's shape on screen. */
  node: number;
}

/** Sizes for normal and presenter mode; `large` is the Large-type switch. */
export function labelSizes(presenter: boolean, large: boolean): LabelSizes {
  if (presenter) return { name: 22, kind: 15, addr: 15, link: 15, packet: 20, node: 34 };
  const k = large ? 1.3 : 1;
  return {
    name: Math.round(15 * k),
    kind: Math.round(12 * k),
    addr: Math.round(12 * k),
    link: Math.round(12 * k),
    packet: Math.round(13 * k),
    node: Math.round(26 * k),
  };
}

/**
 * The sizes scaled by `k` (a crowded drawing tries smaller words before it lets two of them overlap),
 * never below `floor` (presenter mode keeps the sizes a room can read at 1920 px).
 */
export function scaleSizes(sizes: LabelSizes, k: number, floor?: Partial<LabelSizes>): LabelSizes {
  const out = { ...sizes };
  for (const key of Object.keys(out) as (keyof LabelSizes)[]) {
    out[key] = Math.max(floor?.[key] ?? 0, Math.round(sizes[key] * k * 2) / 2);
  }
  return out;
}

/** Where envelopes travel: between two points (two ends of a link), at most this big. */
export interface EnvelopePath {
  a: Point;
  b: Point;
  size: EnvelopeSize;
}

/** Spots in rings around `c`, `step` apart, for a word that found no room nearer. */
function rings(c: Point, step: number, count: number): Point[] {
  const out: Point[] = [];
  for (let ring = 1; ring <= count; ring++) {
    const n = 8 + 4 * ring;
    for (let i = 0; i < n; i++) {
      const angle = (2 * Math.PI * i) / n + ring * 0.4;
      out.push({ x: c.x + Math.cos(angle) * ring * step, y: c.y + Math.sin(angle) * ring * step * 0.6 });
    }
  }
  return out;
}

/** The box around a node's shape. */
function shapeBox(at: Point, r: number): Box {
  return {
    x: at.x - ICON_HALF.x * r,
    y: at.y - ICON_HALF.y * r,
    width: 2 * ICON_HALF.x * r,
    height: 2 * ICON_HALF.y * r,
  };
}

/**
 * How many node shapes the envelopes would cover at rest (both ends and the middle of their path):
 * a link too short for its envelope, or a shared segment's path crossing a third node.
 */
export function envelopeHits(nodes: Point[], paths: readonly EnvelopePath[], r: number): number {
  let hits = 0;
  const shapes = nodes.map((n) => shapeBox(n, r));
  for (const p of paths) {
    for (const f of [0, 0.5, 1]) {
      const box = envelopeBox(envelopeAt(p.a, p.b, f, p.size, r), p.size);
      for (const s of shapes) if (overlaps(box, s, 1)) hits++;
    }
  }
  return hits;
}

/** Measures a text's width in pixels for a font role. */
export type Measure = (text: string, role: "name" | "kind" | "addr" | "link" | "packet") => number;

export interface DrawnNodeInfo {
  name: string;
  kind: string;
  at: Point;
}

export interface DrawnLinkInfo {
  name: string;
  /** The text drawn at the link's middle (its name, and "down" or loss when it has them). */
  title: string;
  ends: { node: string; iface: string; ip: string; at: Point }[];
  /** Where a shared segment's spokes meet; null for a point-to-point link. */
  hub: Point | null;
}

/** A placed word group: which texts it holds (one per line) and its box. */
export interface DiagramLabel {
  id: string;
  role: "node" | "addr" | "link";
  lines: { text: string; role: "name" | "kind" | "addr" | "link" }[];
  box: Box;
  free: boolean;
}

const LINE = 1.25;

function alongCandidates(
  from: Point,
  to: Point,
  width: number,
  height: number,
  clearance: number,
  prefer: 1 | -1,
  lineClearance = 5,
): Point[] {
  const len = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  const [ux, uy] = [(to.x - from.x) / len, (to.y - from.y) / len];
  // The side "above" a left-to-right link; flipped so it does not depend on the drawing direction.
  const flip = ux < 0 || (ux === 0 && uy > 0) ? -1 : 1;
  const [nx, ny] = [uy * flip, -ux * flip];
  const half = Math.abs(ux) * width / 2 + Math.abs(uy) * height / 2;
  // Off the line by more than half an envelope, so a packet passing by never covers an address.
  const off = Math.abs(nx) * width / 2 + Math.abs(ny) * height / 2 + lineClearance;
  const out: Point[] = [];
  const start = clearance + half + 4;
  // Never past the middle: an address belongs nearer its own node than the far one.
  const end = Math.min(len - clearance - half, len / 2 - 1, start + 4 * 12);
  const push = (along: number, level: number) => {
    for (const side of [prefer, -prefer]) {
      const o = off + level * (Math.abs(nx) * (width + 6) + Math.abs(ny) * (height + 4));
      out.push({ x: from.x + ux * along + nx * side * o, y: from.y + uy * along + ny * side * o });
    }
  };
  // Just past its own node's shape first, on its preferred side, then further along, then further out.
  for (let level = 0; level < 4; level++) {
    for (let along = start; along <= end; along += 12) push(along, level);
  }
  // A link too short for that: beside its own node, over or under the shape rather than past it.
  for (let level = 0; level < 4; level++) {
    for (let along = Math.min(start, len / 2 - 1) - 12; along > 0; along -= 12) push(along, level);
  }
  return out;
}

/**
 * Places every word of the drawing inside `bounds`, avoiding the node shapes, the band each link's
 * envelopes travel (`envelopes`: the largest envelope seen on each link) and each other.
 */
export function layoutDiagramLabels(
  nodes: DrawnNodeInfo[],
  links: DrawnLinkInfo[],
  sizes: LabelSizes,
  measure: Measure,
  bounds: Box,
  envelopes: readonly EnvelopePath[] = [],
): DiagramLabel[] {
  const requests: LabelRequest[] = [];
  const groups = new Map<string, Omit<DiagramLabel, "box" | "free">>();
  const r = sizes.node;
  // Most shapes are lower than the NAT router's antennas: words may come closer above and below.
  const obstacles: Box[] = nodes.map((n) => ({
    x: n.at.x - ICON_HALF.x * r,
    y: n.at.y - r * 0.8,
    width: 2 * ICON_HALF.x * r,
    height: 1.6 * r,
  }));
  // An envelope goes from one end straight to another (on a shared segment too, past the hub).
  const paths: Box[] = envelopes.flatMap((p) => sweptBoxes(p.a, p.b, p.size, r));

  for (const n of nodes) {
    const width = Math.max(measure(n.name, "name"), measure(n.kind, "kind")) + 6;
    const height = (sizes.name + sizes.kind) * LINE;
    const id = `node:${n.name}`;
    groups.set(id, {
      id,
      role: "node",
      lines: [{ text: n.name, role: "name" }, { text: n.kind, role: "kind" }],
    });
    const gap = r * 0.8 + 3 + height / 2;
    const side = ICON_HALF.x * r + 6 + width / 2;
    requests.push({
      id,
      width,
      height,
      candidates: [
        { x: n.at.x, y: n.at.y + gap },
        { x: n.at.x, y: n.at.y - gap },
        { x: n.at.x, y: n.at.y + gap + 14 },
        { x: n.at.x, y: n.at.y - gap - 14 },
        { x: n.at.x + side, y: n.at.y + gap * 0.6 },
        { x: n.at.x - side, y: n.at.y + gap * 0.6 },
        // Crowded (a link leaving downwards, envelopes passing): around the shape, a little further out.
        ...[0.5, -0.5, 1, -1].flatMap((k) => [
          { x: n.at.x + side * k, y: n.at.y + gap * 1.2 },
          { x: n.at.x + side * k, y: n.at.y - gap * 1.2 },
        ]),
        { x: n.at.x + side, y: n.at.y - gap * 0.6 },
        { x: n.at.x - side, y: n.at.y - gap * 0.6 },
        { x: n.at.x, y: n.at.y + gap + 30 },
        { x: n.at.x, y: n.at.y - gap - 30 },
        { x: n.at.x + side * 1.3, y: n.at.y },
        { x: n.at.x - side * 1.3, y: n.at.y },
        ...rings({ x: n.at.x, y: n.at.y + gap }, height * 0.9, 5),
      ],
    });
  }
  const positions = new Map(nodes.map((n) => [n.name, n.at]));
  for (const link of links) {
    link.ends.forEach((end, i) => {
      const target = link.hub ?? link.ends[1 - i]?.at ?? end.at;
      const width = Math.max(measure(end.iface, "addr"), measure(end.ip, "addr")) + 6;
      const height = 2 * sizes.addr * LINE;
      const id = `addr:${link.name}:${end.node}:${end.iface}`;
      groups.set(id, {
        id,
        role: "addr",
        lines: [{ text: end.iface, role: "addr" }, { text: end.ip, role: "addr" }],
      });
      const at = positions.get(end.node) ?? end.at;
      const along = alongCandidates(at, target, width, height, r, i === 0 ? 1 : -1, sizes.packet * 0.8 + 2);
      // Last resorts: around its first spot, never as far as the middle of the link (it stays at its own end).
      const others = link.ends.filter((_, j) => j !== i).map((e) => positions.get(e.node) ?? e.at);
      const near = rings(along[0] ?? at, height * 0.7, 6).filter((c) =>
        others.every((o) => Math.hypot(c.x - at.x, c.y - at.y) < 0.8 * Math.hypot(c.x - o.x, c.y - o.y))
      );
      requests.push({ id, width, height, candidates: [...along, ...near] });
    });
  }
  for (const link of links) {
    const width = measure(link.title, "link") + 6;
    const height = sizes.link * LINE;
    const id = `link:${link.name}`;
    groups.set(id, { id, role: "link", lines: [{ text: link.title, role: "link" }] });
    const a = link.ends[0]?.at;
    const b = link.hub ?? link.ends[1]?.at ?? a;
    if (!a || !b) continue;
    const mid = link.hub ?? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    const candidates: Point[] = [mid];
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const [nx, ny] = [-(b.y - a.y) / len, (b.x - a.x) / len];
    // On the line near its middle, then beside it, further out, further along.
    for (let level = 0; level < 10; level++) {
      for (const f of [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74]) {
        const base = link.hub ? mid : { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
        const off = level * (Math.abs(nx) * (width + 6) + Math.abs(ny) * (height + 2)) / 2 +
          (level > 0 ? 4 : 0);
        for (const side of level === 0 ? [0] : [-1, 1]) {
          candidates.push({ x: base.x + nx * side * off, y: base.y + ny * side * off });
        }
      }
    }
    requests.push({ id, width, height, candidates: [...candidates, ...rings(mid, height * 1.2, 6)] });
  }
  const placed: PlacedLabel[] = placeLabels(requests, obstacles, bounds, paths);
  return placed.map((p) => ({ ...groups.get(p.id)!, box: p.box, free: p.free }));
}
