/**
 * Node shapes by kind, drawn centred on (0, 0) in about 56×40 units: a laptop for hosts, a round
 * router with arrows, a home router with antennas for NAT routers, a cloud for ISPs, a server tower
 * for the LNS (and PPTP and STUN servers), an eye for a tap. Shapes differ in outline, not only in colour, and each carries a word.
 */
import type { Selection } from "./d3.ts";

type G = Selection<SVGGElement, unknown>;

function badge(g: G, text: string, y: number): void {
  g.append("text").attr("class", "badge").attr("text-anchor", "middle").attr("y", y).text(text);
}

function host(g: G): void {
  g.append("rect").attr("class", "shape").attr("x", -20).attr("y", -18).attr("width", 40).attr("height", 26)
    .attr("rx", 3);
  g.append("rect").attr("class", "detail").attr("x", -15).attr("y", -14).attr("width", 30).attr("height", 18);
  g.append("path").attr("class", "shape").attr("d", "M-26 9 H26 L22 15 H-22 Z");
}

function router(g: G, word: string | null): void {
  g.append("circle").attr("class", "shape").attr("r", 19);
  // Four arrows: the usual router symbol.
  g.append("path").attr("class", "detail").attr(
    "d",
    "M-12 -4 L-4 -4 M-7 -8 L-3 -4 L-7 0 M12 4 L4 4 M7 0 L3 4 L7 8 M-4 -12 L-4 -6 M4 12 L4 6",
  );
  if (word) badge(g, word, 4);
}

function natRouter(g: G): void {
  g.append("path").attr("class", "detail").attr("d", "M-14 -10 L-18 -26 M14 -10 L18 -26");
  g.append("rect").attr("class", "shape").attr("x", -26).attr("y", -10).attr("width", 52).attr("height", 22)
    .attr("rx", 5);
  g.append("circle").attr("class", "detail").attr("cx", 18).attr("cy", 1).attr("r", 2);
  badge(g, "NAT", 5);
}

function cloud(g: G, word: string): void {
  g.append("path").attr("class", "shape").attr(
    "d",
    "M-22 12 C-34 12 -34 -4 -22 -4 C-22 -18 -4 -22 2 -12 C8 -22 26 -18 24 -4 C36 -4 36 12 24 12 Z",
  );
  badge(g, word, 6);
}

function server(g: G, word: string): void {
  g.append("rect").attr("class", "shape").attr("x", -16).attr("y", -22).attr("width", 32).attr("height", 42)
    .attr("rx", 3);
  g.append("path").attr("class", "detail").attr("d", "M-11 -15 H11 M-11 -9 H11");
  badge(g, word, 10);
}

function tap(g: G): void {
  g.append("path").attr("class", "shape").attr("d", "M-24 0 Q0 -22 24 0 Q0 22 -24 0 Z");
  g.append("circle").attr("class", "detail").attr("r", 7);
  g.append("circle").attr("r", 3).attr("fill", "#333");
}

function box(g: G, word: string): void {
  g.append("rect").attr("class", "shape").attr("x", -26).attr("y", -14).attr("width", 52).attr("height", 28)
    .attr("rx", 4);
  badge(g, word, 4);
  // A long kind name is set smaller rather than cut, so it stays whole inside the box.
  if (word.length > 7) g.select("text.badge").attr("font-size", `${Math.floor((10 * 7) / word.length)}px`);
}

/** Draws the shape for `kind` into `g`. Unknown kinds get a labelled box. */
export function drawIcon(g: G, kind: string): void {
  switch (kind) {
    case "host":
      return host(g);
    case "router":
      return router(g, null);
    case "nat-router":
      return natRouter(g);
    case "isp":
      return cloud(g, "ISP");
    case "lac":
      return cloud(g, "LAC");
    case "lns":
      return server(g, "LNS");
    case "server":
      return server(g, "");
    case "pptp-server":
      return server(g, "PPTP");
    case "stun-server":
      return server(g, "STUN");
    case "subscriber":
      return host(g);
    case "tap":
      return tap(g);
    case "switch":
      return box(g, "switch");
    default:
      return box(g, kind);
  }
}

/** Radius of the ring drawn around the current node. */
export const RING_RADIUS = 34;
