/**
 * The envelopes' side of the layout: the widest message each pair of a link's ends exchanges in a run
 * (the band the label layout keeps clear; on a shared segment only the pairs that really talk), and the
 * `#envelopes=rest` drawing that puts that envelope at both ends and the middle of each such pair, so a
 * person or the classroom test can see that nothing it would cover is there.
 */
import type { Selection } from "./d3.ts";
import { envelopeAt, type EnvelopeSize } from "./envelope.ts";
import { shortName } from "./message.ts";
import type { Run } from "./run.ts";
import type { LabelSizes } from "./topology_labels.ts";
import type { Point } from "./layout.ts";

/** Envelopes between two ends of a link: the longest label any of them gets. */
export interface EnvelopeLane {
  link: string;
  /** The two nodes, in name order (an envelope's band is the same either way). */
  a: string;
  b: string;
  text: string;
}

/** The key of the pair of ends `x` and `y` of `link`, whichever way a packet goes between them. */
export function laneKey(link: string, x: string, y: string): string {
  return x < y ? `${link}\n${x}\n${y}` : `${link}\n${y}\n${x}`;
}

/** Every pair of link ends that carries a packet in this run, with its widest envelope label. */
export function widestLabels(
  run: Pick<Run, "index" | "ikeNames"> & { result: { links: Run["result"]["links"] } },
): EnvelopeLane[] {
  const ends = new Map(run.result.links.map((l) => [l.name, l.endpoints.map((e) => e.node)]));
  const lanes = new Map<string, EnvelopeLane>();
  const { records, arrival } = run.index;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.kind !== "tx" || r.link === undefined) continue;
    const end = arrival[i] >= 0 ? records[arrival[i]] : undefined;
    const members = ends.get(r.link) ?? [];
    // Where the view draws it going: the receiving node, else the one other end of a point-to-point link.
    const to = end?.kind === "rx"
      ? end.node
      : members.length === 2
      ? members.find((n) => n !== r.node)
      : undefined;
    if (to === undefined || to === r.node) continue;
    const [a, b] = r.node < to ? [r.node, to] : [to, r.node];
    const key = laneKey(r.link, a, b);
    const text = shortName(r, run.ikeNames.get(r.pkt ?? -1));
    const lane = lanes.get(key);
    if (!lane) lanes.set(key, { link: r.link, a, b, text });
    else if (text.length > lane.text.length) lane.text = text;
  }
  return [...lanes.values()];
}

/** Draws each lane's widest envelope at f = 0, ½ and 1 into `layer`. */
export function drawRestEnvelopes(
  layer: Selection<SVGGElement, unknown>,
  lanes: readonly EnvelopeLane[],
  at: ReadonlyMap<string, Point>,
  size: (text: string) => EnvelopeSize,
  sizes: LabelSizes,
): void {
  layer.selectAll("*").remove();
  for (const lane of lanes) {
    const [a, b] = [at.get(lane.a), at.get(lane.b)];
    if (!a || !b) continue;
    const s = size(lane.text);
    for (const f of [0, 0.5, 1]) {
      const p = envelopeAt(a, b, f, s, sizes.node);
      const g = layer.append("g").attr("class", "packet ghost").attr("data-link", lane.link)
        .attr("data-ends", `${lane.a},${lane.b}`)
        .attr("transform", `translate(${p.x},${p.y})`);
      g.append("rect").attr("x", -s.halfWidth).attr("y", -s.halfHeight)
        .attr("width", 2 * s.halfWidth).attr("height", 2 * s.halfHeight).attr("rx", 4)
        .attr("fill", "#bbbbbb");
      g.append("text").attr("text-anchor", "middle").attr("y", sizes.packet * 0.36)
        .attr("font-size", sizes.packet).text(lane.text);
    }
  }
}
