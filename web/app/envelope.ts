/**
 * Where a packet's envelope sits on its link: at a fraction of the way from sender to receiver, never
 * over either node's shape, spread sideways when several share a link. The topology draws envelopes
 * here and the label layout keeps every word off the band they travel, so one rule serves both.
 * Pure: no DOM.
 */
import type { Box } from "./label_layout.ts";
import type { Point } from "./layout.ts";

/**
 * Half the size of the widest node shape on screen, per unit of the node radius (icons.ts: the ISP's
 * cloud is 66 units wide, the NAT router with its antennas 52 high, drawn at 1.25/34 units per radius).
 */
export const ICON_HALF = { x: 1.22, y: 0.96 };
/** Space between an envelope and a node shape, in pixels. */
const GAP = 4;

/** An envelope's half size in pixels. */
export interface EnvelopeSize {
  halfWidth: number;
  halfHeight: number;
}

/**
 * How far from a node's centre along the unit direction (ux, uy) an envelope must be to clear the
 * node's shape: the box around the shape and the envelope's own box touch on one axis.
 */
export function clearance(ux: number, uy: number, size: EnvelopeSize, node: number): number {
  const needX = Math.abs(ux) > 1e-6 ? (ICON_HALF.x * node + size.halfWidth + GAP) / Math.abs(ux) : Infinity;
  const needY = Math.abs(uy) > 1e-6 ? (ICON_HALF.y * node + size.halfHeight + GAP) / Math.abs(uy) : Infinity;
  return Math.min(needX, needY);
}

/**
 * The envelope's centre at fraction `f` (0: just left the sender, 1: just reaching the receiver) of
 * the link from `a` to `b`, on side lane `lane` (0 on the line, then alternately either side). On a
 * link too short for the widest envelope it carries (`widest`) to pass clear of both shapes, every
 * envelope of that link waits beside the middle instead: a narrower one that would fit on the line
 * would cover what the label layout put there, since the layout keeps words off the widest one's
 * place only (the classroom test checks every lesson).
 */
export function envelopeAt(
  a: Point,
  b: Point,
  f: number,
  size: EnvelopeSize,
  node: number,
  lane = 0,
  laneGap = 2.2 * size.halfHeight + 4,
  widest: EnvelopeSize = size,
): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / len, dy / len];
  const margin = clearance(ux, uy, size, node);
  const room = len - 2 * margin;
  const fits = widest === size ? room > 0 : len - 2 * clearance(ux, uy, widest, node) > 0;
  const lanes = (lane % 2 === 0 ? 1 : -1) * Math.ceil(lane / 2) * laneGap;
  if (fits) {
    const along = margin + f * room;
    return { x: a.x + ux * along - uy * lanes, y: a.y + uy * along + ux * lanes };
  }
  // Too short to pass between the two shapes: it waits beside the link's middle, as far out as a
  // shape at the middle would need (so clear of both real ones), on the side "above" the link.
  const flip = ux < 0 || (ux === 0 && uy > 0) ? -1 : 1;
  const [nx, ny] = [uy * flip, -ux * flip];
  const out = clearance(nx, ny, size, node) + Math.abs(lanes);
  return { x: a.x + dx / 2 + nx * out, y: a.y + dy / 2 + ny * out };
}

/** The envelope's box around its centre. */
export function envelopeBox(at: Point, size: EnvelopeSize): Box {
  return {
    x: at.x - size.halfWidth,
    y: at.y - size.halfHeight,
    width: 2 * size.halfWidth,
    height: 2 * size.halfHeight,
  };
}

/** Boxes covering the path an envelope of this size sweeps along a link (lane 0), for the layout. */
export function sweptBoxes(a: Point, b: Point, size: EnvelopeSize, node: number): Box[] {
  const out: Box[] = [];
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  // Close enough that the boxes overlap one another, so no gap between them is left for a word.
  const steps = Math.max(2, Math.ceil(len / Math.max(4, Math.min(size.halfWidth, size.halfHeight))));
  for (let i = 0; i <= steps; i++) out.push(envelopeBox(envelopeAt(a, b, i / steps, size, node), size));
  return out;
}
