/**
 * The topology's lines: each link between its ends (a shared segment as spokes to a hub), with what
 * the drawing needs to place its words; a tap's dashed line to the middle of the link it listens on
 * and a dial-up subscriber's to its ISP, neither of which is a link of the topology.
 */
import type { Selection } from "./d3.ts";
import type { Point } from "./layout.ts";
import type { Run } from "./run.ts";
import type { DrawnLinkInfo } from "./topology_labels.ts";

/** The links whose ends are drawn, at the nodes' screen positions, titled with "down" and loss. */
export function linkInfo(run: Run, nodes: ReadonlyMap<string, { at: Point }>): DrawnLinkInfo[] {
  const specs = new Map(run.model.links.map((l) => [l.name, l]));
  const out: DrawnLinkInfo[] = [];
  for (const link of run.result.links) {
    const ends = link.endpoints
      .filter((e) => nodes.has(e.node))
      .map((e) => ({ ...e, at: nodes.get(e.node)!.at }));
    if (ends.length < 2) continue;
    const hub = ends.length > 2
      ? {
        x: ends.reduce((a, e) => a + e.at.x, 0) / ends.length,
        y: ends.reduce((a, e) => a + e.at.y, 0) / ends.length,
      }
      : null;
    const spec = specs.get(link.name);
    const extras: string[] = [];
    if (spec && !spec.up) extras.push("down");
    if (spec && spec.loss > 0) extras.push(`loss ${Math.round(spec.loss * 1000) / 10}%`);
    out.push({
      name: link.name,
      title: extras.length > 0 ? `${link.name} (${extras.join(", ")})` : link.name,
      ends,
      hub,
    });
  }
  return out;
}

/** Redraws every link into `layer`, then the taps' and dial-up lines. */
export function drawLinks(
  layer: Selection<SVGGElement, unknown>,
  run: Run,
  links: DrawnLinkInfo[],
  nodes: ReadonlyMap<string, { at: Point }>,
): void {
  const specs = new Map(run.model.links.map((l) => [l.name, l]));
  layer.selectAll("*").remove();
  for (const link of links) {
    const spec = specs.get(link.name);
    const g = layer.append<SVGGElement>("g").datum(link.name).attr("class", "link")
      .attr("data-link", link.name).classed("down", spec ? !spec.up : false);
    if (link.hub) {
      for (const e of link.ends) {
        g.append("line").attr("x1", e.at.x).attr("y1", e.at.y).attr("x2", link.hub.x)
          .attr("y2", link.hub.y);
      }
      g.append("rect").attr("class", "hub").attr("x", link.hub.x - 7).attr("y", link.hub.y - 7)
        .attr("width", 14).attr("height", 14);
    } else {
      const [a, b] = link.ends;
      g.append("line").attr("x1", a.at.x).attr("y1", a.at.y).attr("x2", b.at.x).attr("y2", b.at.y);
    }
  }
  drawSideLines(layer, run, links, nodes);
}

/**
 * A tap has no interface: a dashed line from it to the middle of the link it listens on shows where
 * it sits. A dial-up subscriber's line to its ISP is no link either: dashed too.
 */
function drawSideLines(
  layer: Selection<SVGGElement, unknown>,
  run: Run,
  links: DrawnLinkInfo[],
  nodes: ReadonlyMap<string, { at: Point }>,
): void {
  const byName = new Map(links.map((l) => [l.name, l]));
  for (const spec of run.model.nodes) {
    const self = nodes.get(spec.name);
    if (!self) continue;
    const isp = nodes.get(String(spec.config.isp));
    if (spec.kind === "subscriber" && isp) {
      layer.append("line").attr("class", "tap-line dial-up").attr("data-tap", spec.name)
        .attr("x1", self.at.x).attr("y1", self.at.y).attr("x2", isp.at.x).attr("y2", isp.at.y);
    }
    const link = typeof spec.config.link === "string" ? byName.get(spec.config.link) : undefined;
    if (spec.kind !== "tap" || !link) continue;
    const [a, b] = link.ends;
    const to = link.hub ?? { x: (a.at.x + b.at.x) / 2, y: (a.at.y + b.at.y) / 2 };
    layer.append("line").attr("class", "tap-line").attr("data-tap", spec.name)
      .attr("data-link", link.name).attr("x1", self.at.x).attr("y1", self.at.y).attr("x2", to.x)
      .attr("y2", to.y);
  }
}
