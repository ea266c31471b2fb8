/**
 * Where the diagram's words go so that none covers another: boxes are placed greedily, most
 * important first (node names, then kinds, then addresses, then link names), each at the first of
 * its candidate spots that is free of every box already placed. Sizes come from a measuring function
 * (a canvas in the page, a character count in tests). Pure: no DOM.
 */

/** An axis-aligned box in screen pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A label to place: its size and the spots it may take (centres), best first. */
export interface LabelRequest {
  id: string;
  width: number;
  height: number;
  candidates: { x: number; y: number }[];
}

/** The placed label: its box (centred on the chosen spot), or the least bad spot when none was free. */
export interface PlacedLabel {
  id: string;
  box: Box;
  free: boolean;
}

/** Whether two boxes overlap by more than `slack` pixels in both directions. */
export function overlaps(a: Box, b: Box, slack = 0.5): boolean {
  return a.x + a.width - slack > b.x && b.x + b.width - slack > a.x &&
    a.y + a.height - slack > b.y && b.y + b.height - slack > a.y;
}

function area(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Places `labels` in order around `obstacles` (node shapes) and `soft` ones (where envelopes pass),
 * inside `bounds` when given. Each label takes its first free candidate; when none is free, the one
 * with the least overlap.
 */
export function placeLabels(
  labels: LabelRequest[],
  obstacles: Box[] = [],
  bounds?: Box,
  soft: Box[] = [],
): PlacedLabel[] {
  const taken: Box[] = [...obstacles];
  const out: PlacedLabel[] = [];
  for (const label of labels) {
    let best: Box | null = null;
    let bestCost = Infinity;
    for (const c of label.candidates) {
      const box = {
        x: c.x - label.width / 2,
        y: c.y - label.height / 2,
        width: label.width,
        height: label.height,
      };
      let cost = 0;
      for (const t of taken) cost += area(box, t);
      // Where envelopes pass: avoided like the rest, but when nothing is free a word would rather
      // sit where a packet passes for a moment than on another word for good.
      for (const t of soft) cost += 0.25 * area(box, t);
      if (bounds) {
        const outside = Math.max(0, bounds.x - box.x) +
          Math.max(0, box.x + box.width - bounds.x - bounds.width) +
          Math.max(0, bounds.y - box.y) + Math.max(0, box.y + box.height - bounds.y - bounds.height);
        cost += outside * label.height;
      }
      if (cost < bestCost) {
        best = box;
        bestCost = cost;
        if (cost === 0) break;
      }
    }
    if (!best) continue;
    taken.push(best);
    out.push({ id: label.id, box: best, free: bestCost === 0 });
  }
  return out;
}

/** Pairs of boxes that overlap (for tests and for the page's own self-check). */
export function overlappingPairs(boxes: { id: string; box: Box }[], slack = 0.5): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (overlaps(boxes[i].box, boxes[j].box, slack)) out.push([boxes[i].id, boxes[j].id]);
    }
  }
  return out;
}
