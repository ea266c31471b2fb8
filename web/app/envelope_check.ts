/**
 * The envelopes' side of the layout: the widest message each link carries in a run (the band the
 * label layout keeps clear), and the `#envelopes=rest` drawing that puts that envelope at both ends
 * and the middle of every link, so a person or the classroom test can see that nothing it would
 * cover is there.
 */
import type { Selection } from "./d3.ts";
import { envelopeAt, type EnvelopeSize } from "./envelope.ts";
import { shortName } from "./message.ts";
import type { Run } from "./run.ts";
import type { DrawnLinkInfo, LabelSizes } from "./topology_labels.ts";

/** Per link, the longest envelope label any transmission on it gets in this run. */
export function widestLabels(run: Pick<Run, "index" | "ikeNames">): Map<string, string> {
  const out = new Map<string, string>();
  const chars = new Map<string, number>();
  for (const r of run.index.records) {
    if (r.kind !== "tx" || r.link === undefined) continue;
    const text = shortName(r, run.ikeNames.get(r.pkt ?? -1));
    if (text.length > (chars.get(r.link) ?? 0)) {
      chars.set(r.link, text.length);
      out.set(r.link, text);
    }
  }
  return out;
}

/** Draws each link's widest envelope at f = 0, ½ and 1 between every pair of its ends into `layer`. */
export function drawRestEnvelopes(
  layer: Selection<SVGGElement, unknown>,
  links: DrawnLinkInfo[],
  widest: ReadonlyMap<string, string>,
  envelopes: ReadonlyMap<string, EnvelopeSize>,
  sizes: LabelSizes,
): void {
  layer.selectAll("*").remove();
  for (const link of links) {
    const size = envelopes.get(link.name);
    const text = widest.get(link.name);
    if (!size || !text) continue;
    for (let i = 0; i < link.ends.length; i++) {
      for (let j = i + 1; j < link.ends.length; j++) {
        for (const f of [0, 0.5, 1]) {
          const at = envelopeAt(link.ends[i].at, link.ends[j].at, f, size, sizes.node);
          const g = layer.append("g").attr("class", "packet ghost").attr("data-link", link.name)
            .attr("data-ends", `${link.ends[i].node},${link.ends[j].node}`)
            .attr("transform", `translate(${at.x},${at.y})`);
          g.append("rect").attr("x", -size.halfWidth).attr("y", -size.halfHeight)
            .attr("width", 2 * size.halfWidth).attr("height", 2 * size.halfHeight).attr("rx", 4)
            .attr("fill", "#bbbbbb");
          g.append("text").attr("text-anchor", "middle").attr("y", sizes.packet * 0.36)
            .attr("font-size", sizes.packet).text(text);
        }
      }
    }
  }
}
