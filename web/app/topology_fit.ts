/**
 * The mapping from layout coordinates to the pane: x and y scaled separately so the drawing fills the
 * pane in both directions (a row of nodes uses the whole width; two rows use the whole height), with
 * margins for the words around the outermost nodes. Pure: no DOM.
 */
import type { Point } from "./layout.ts";

/** Layout → screen, before the user's zoom and pan. */
export interface Fit {
  x(worldX: number): number;
  y(worldY: number): number;
  /** Screen → layout, for dragging. */
  invert(p: Point): Point;
}

/** Margins in pixels around the outermost node centres. */
export interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * Fits `points` into a `width`×`height` pane. A stretch of more than `maxStretch` times one axis's
 * scale over the other's is capped, so a nearly flat layout does not become a tall zigzag.
 */
export function fitPoints(points: Point[], width: number, height: number, m: Margins, maxStretch = 3): Fit {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const innerW = Math.max(1, width - m.left - m.right);
  const innerH = Math.max(1, height - m.top - m.bottom);
  let sx = x1 > x0 ? innerW / (x1 - x0) : 0;
  let sy = y1 > y0 ? innerH / (y1 - y0) : 0;
  if (sx > 0 && sy > 0) {
    if (sy > sx * maxStretch) sy = sx * maxStretch;
    if (sx > sy * maxStretch) sx = sy * maxStretch;
  }
  // Centre whatever does not fill its axis (a single column, a single row, a capped stretch).
  const ox = m.left + (innerW - sx * (x1 - x0)) / 2;
  const oy = m.top + (innerH - sy * (y1 - y0)) / 2;
  return {
    x: (wx) => ox + (wx - x0) * sx,
    y: (wy) => oy + (wy - y0) * sy,
    invert: (p) => ({ x: sx > 0 ? x0 + (p.x - ox) / sx : x0, y: sy > 0 ? y0 + (p.y - oy) / sy : y0 }),
  };
}
