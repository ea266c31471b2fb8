/**
 * The two pictures of a handout, as SVG text: the network drawn from the topology's positions, and the
 * ladder of the run's key exchange drawn from its trace. Pure strings, so the CLI writes them into a page
 * that prints without scripts, and the same page can be rendered anywhere.
 */
import type { TopologyModel } from "../topology/model.ts";
import type { TraceRecord } from "./record.ts";

/** Escapes text for HTML and SVG content and attributes. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const WIDTH = 680;

/** Node positions scaled into the drawing; nodes without one (a tap, say) sit by their link or in a row. */
function layout(model: TopologyModel): Map<string, { x: number; y: number }> {
  const placed = model.nodes.filter((n) => n.position);
  const xs = placed.map((n) => n.position!.x);
  const ys = placed.map((n) => n.position!.y);
  const [minX, maxX] = [Math.min(...xs), Math.max(...xs)];
  const [minY, maxY] = [Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((WIDTH - 120) / Math.max(1, maxX - minX), 1.2);
  const at = new Map<string, { x: number; y: number }>();
  for (const n of placed) {
    at.set(n.name, { x: 60 + (n.position!.x - minX) * scale, y: 40 + (n.position!.y - minY) * scale });
  }
  let spare = 0;
  const bottom = 40 + (maxY - minY) * scale + 70;
  for (const n of model.nodes) {
    if (at.has(n.name)) continue;
    const link = model.links.find((l) => l.name === n.config.link);
    const ends = link?.endpoints.map((e) => at.get(e.node)).filter((p) => p !== undefined) ?? [];
    if (ends.length === 2) {
      at.set(n.name, { x: (ends[0]!.x + ends[1]!.x) / 2, y: (ends[0]!.y + ends[1]!.y) / 2 + 60 });
    } else at.set(n.name, { x: 60 + 110 * spare++, y: bottom });
  }
  return at;
}

/** The network: a box per node (name and kind), a line per link (its name), a dashed line to a tap. */
export function diagramSvg(model: TopologyModel): string {
  const at = layout(model);
  const height = Math.max(...[...at.values()].map((p) => p.y)) + 45;
  const parts: string[] = [];
  for (const link of model.links) {
    const [a, b] = link.endpoints.map((e) => at.get(e.node)!);
    if (!a || !b) continue;
    parts.push(`<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" class="link"/>`);
    const label = link.mtu !== 1500 ? `${link.name} (MTU ${link.mtu})` : link.name;
    // Below the line, clear of the boxes at both ends.
    parts.push(
      `<text x="${(a.x + b.x) / 2}" y="${(a.y + b.y) / 2 + 30}" class="link-label">${esc(label)}</text>`,
    );
  }
  for (const node of model.nodes) {
    const p = at.get(node.name)!;
    const link = model.links.find((l) => l.name === node.config.link);
    if (node.kind === "tap" && link) {
      const [a, b] = link.endpoints.map((e) => at.get(e.node)!);
      parts.push(
        `<line x1="${p.x}" y1="${p.y}" x2="${(a.x + b.x) / 2}" y2="${(a.y + b.y) / 2}" class="tap"/>`,
      );
    }
    // Wide enough for the name in the page's 11 px bold (about 7 px a letter), never narrower than 84.
    const width = Math.max(84, node.name.length * 7 + 14);
    parts.push(
      `<g class="node"><rect x="${p.x - width / 2}" y="${p.y - 17}" width="${width}" height="34" rx="5"/>` +
        `<text x="${p.x}" y="${p.y - 2}" class="name">${esc(node.name)}</text>` +
        `<text x="${p.x}" y="${p.y + 11}" class="kind">${esc(node.kind)}</text></g>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" ` +
    `height="${height}" role="img" aria-label="the network of ${esc(model.name)}">${parts.join("")}</svg>`;
}

/** One hop of the ladder. */
export interface LadderHop {
  t: number;
  from: string;
  to: string;
  label: string;
}

const L2TP_CONTROL = /\b(SCCRQ|SCCRP|SCCCN|ICRQ|ICRP|ICCN|StopCCN|CDN|HELLO|LCP|PAP|CHAP|IPCP)\b/;

/**
 * The key exchange of the run, hop by hop: IKE if the run has any, else WireGuard's handshake, else
 * L2TP's control messages and PPP's negotiation, else the first packets; at most `limit` hops.
 */
export function keyExchange(model: TopologyModel, records: readonly TraceRecord[], limit = 28): LadderHop[] {
  const sent = records.filter((r) => r.kind === "tx" && r.link !== undefined);
  const pick = (test: (r: TraceRecord) => boolean) => sent.filter(test);
  let chosen = pick((r) => r.proto === "IKE");
  if (chosen.length === 0) chosen = pick((r) => r.proto === "WG" && !/transport data/i.test(r.summary));
  if (chosen.length === 0) {
    chosen = pick((r) => (r.proto === "L2TP" && L2TP_CONTROL.test(r.summary)) || r.proto === "PPP");
  }
  if (chosen.length === 0) chosen = sent;
  const hops: LadderHop[] = [];
  for (const r of chosen) {
    const link = model.links.find((l) => l.name === r.link);
    const to = link?.endpoints.find((e) => e.node !== r.node)?.node;
    if (!to) continue;
    const label = shortLabel(r.summary);
    // A message forwarded hop by hop is one arrow from where it starts to where it last arrives; messages
    // sent back to back interleave their hops, so look a few arrows back.
    const earlier = hops.slice(-6).reverse().find((h) => h.label === label && h.to === r.node);
    if (earlier) {
      earlier.to = to;
      continue;
    }
    if (hops.length >= limit) break;
    hops.push({ t: r.t, from: r.node, to, label });
  }
  return hops;
}

/** The part of a summary after the addresses, which names the message. */
function shortLabel(summary: string): string {
  const colon = summary.indexOf(": ");
  let text = colon >= 0 ? summary.slice(colon + 2) : summary;
  // PPP inside an L2TP data message: the PPP message is what the ladder is about.
  const inner = /^L2TP data [^:]*: (.*)$/.exec(text);
  if (inner) text = `PPP ${inner[1]}`;
  return text.length > 64 ? `${text.slice(0, 61)}…` : text;
}

/** The ladder as SVG: a lifeline per node (left to right as drawn in the diagram), an arrow per hop. */
export function ladderSvg(model: TopologyModel, hops: readonly LadderHop[]): string {
  const names = [...new Set(hops.flatMap((h) => [h.from, h.to]))];
  const x = (name: string) => model.nodes.find((n) => n.name === name)?.position?.x ?? 0;
  names.sort((a, b) => x(a) - x(b) || a.localeCompare(b));
  const gap = (WIDTH - 110) / Math.max(1, names.length - 1);
  const col = new Map(names.map((n, i) => [n, 70 + i * gap]));
  const rowHeight = 22;
  const height = 50 + hops.length * rowHeight + 10;
  const parts = [
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" ` +
    `orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
  ];
  for (const [name, cx] of col) {
    parts.push(`<text x="${cx}" y="16" class="lifeline-name">${esc(name)}</text>`);
    parts.push(`<line x1="${cx}" y1="24" x2="${cx}" y2="${height - 6}" class="lifeline"/>`);
  }
  hops.forEach((hop, i) => {
    const y = 44 + i * rowHeight;
    const [x1, x2] = [col.get(hop.from)!, col.get(hop.to)!];
    parts.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" class="hop" marker-end="url(#arrow)"/>`);
    // From the arrow's left end, so a label never runs off the sheet's left edge.
    parts.push(`<text x="${Math.min(x1, x2) + 4}" y="${y - 4}" class="hop-label">${esc(hop.label)}</text>`);
    parts.push(`<text x="4" y="${y + 3}" class="hop-time">${(hop.t / 1e6).toFixed(3)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" ` +
    `height="${height}" role="img" aria-label="ladder of the key exchange">${parts.join("")}</svg>`;
}
