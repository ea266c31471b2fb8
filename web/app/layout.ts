/**
 * Where each node sits in the drawing: the file's `position` when given, otherwise a force layout that
 * keeps the nodes with positions fixed and settles the rest around them. d3-force's random source is
 * a fixed-seed generator, so the same topology always gets the same picture.
 */
import type { LinkInfo } from "../../src/sim.ts";
import type { TopologyModel } from "../../src/topology/model.ts";
import d3 from "./d3.ts";

export interface Point {
  x: number;
  y: number;
}

interface LayoutNode {
  id: string;
  x?: number;
  y?: number;
  fx?: number | null;
  fy?: number | null;
}

/** Positions for every node; `keep` (e.g. where the user dragged them) wins over the file. */
export function layoutNodes(
  model: TopologyModel,
  links: LinkInfo[],
  keep: Map<string, Point> = new Map(),
): Map<string, Point> {
  const nodes: LayoutNode[] = model.nodes.map((n, i) => {
    const fixed = keep.get(n.name) ?? n.position;
    if (fixed) return { id: n.name, x: fixed.x, y: fixed.y, fx: fixed.x, fy: fixed.y };
    // Start loose nodes on a line in file order: the force layout then keeps roughly that order.
    return { id: n.name, x: i * 160, y: (i % 2) * 60 };
  });
  const loose = nodes.filter((n) => n.fx === undefined);
  if (loose.length > 0) {
    const edges: { source: string; target: string }[] = [];
    for (const link of links) {
      // A shared segment pulls each member towards the first, like a star.
      for (const ep of link.endpoints.slice(1)) {
        edges.push({ source: link.endpoints[0].node, target: ep.node });
      }
    }
    const known = new Set(nodes.map((n) => n.id));
    d3.forceSimulation<LayoutNode>(nodes)
      .force(
        "link",
        d3.forceLink<LayoutNode>(edges.filter((e) => known.has(e.source) && known.has(e.target))).id((n) =>
          n.id
        ).distance(170).strength(0.7),
      )
      .force("charge", d3.forceManyBody<LayoutNode>().strength(-900))
      .force("collide", d3.forceCollide<LayoutNode>(70))
      .stop()
      .tick(400);
  }
  const out = new Map(nodes.map((n) => [n.id, { x: Math.round(n.x ?? 0), y: Math.round(n.y ?? 0) }]));
  for (const n of model.nodes) {
    const loose = nodes.find((l) => l.id === n.name)?.fx === undefined;
    const watched = n.kind === "tap" ? links.find((l) => l.name === n.config.link) : undefined;
    if (loose && watched) placeTap(n.name, watched, out);
  }
  return out;
}

/**
 * A tap without a position goes beside the middle of the link it listens on (it has no link of its
 * own for the force layout to pull on), on the side with more room.
 */
function placeTap(name: string, link: LinkInfo, at: Map<string, Point>): void {
  const ends = link.endpoints.map((e) => at.get(e.node)).filter((p): p is Point => p !== undefined);
  if (ends.length < 2) return;
  const mid = {
    x: ends.reduce((a, p) => a + p.x, 0) / ends.length,
    y: ends.reduce((a, p) => a + p.y, 0) / ends.length,
  };
  const [a, b] = ends;
  const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const normal = { x: -(b.y - a.y) / len, y: (b.x - a.x) / len };
  const others = [...at].filter(([n]) => n !== name).map(([, p]) => p);
  let best: Point = mid;
  let room = -Infinity;
  for (const side of [-1, 1]) {
    const p = { x: Math.round(mid.x + normal.x * side * 110), y: Math.round(mid.y + normal.y * side * 110) };
    const nearest = Math.min(...others.map((o) => Math.hypot(o.x - p.x, o.y - p.y)));
    if (nearest > room) [best, room] = [p, nearest];
  }
  at.set(name, best);
}
