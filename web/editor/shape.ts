/**
 * What the editor draws, read straight from the YAML document rather than from the loader's model: a
 * network being built is invalid most of the time (a node without an address, a link to nowhere yet),
 * and it must still be drawn and edited. Unreadable parts are skipped, never thrown over.
 */
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { End } from "./doc.ts";

export interface ShapeNode {
  name: string;
  kind: string;
  position?: { x: number; y: number };
  interfaces: { name: string; address: string }[];
}

export interface ShapeLink {
  index: number;
  /** The written name, or the loader's default `a_b`. */
  name: string;
  ends: End[];
}

export interface ShapeAction {
  index: number;
  at: string;
  node?: string;
  link?: string;
  do: string;
}

export interface Shape {
  name: string;
  nodes: ShapeNode[];
  links: ShapeLink[];
  script: ShapeAction[];
}

function text(value: unknown): string {
  const v = isScalar(value) ? value.value : value;
  return v === null || v === undefined ? "" : typeof v === "object" ? "" : String(v);
}

/** Reads what can be read of `source`. */
export function readShape(source: string): Shape {
  const doc = parseDocument(source);
  const shape: Shape = { name: text(doc.get("name", true)), nodes: [], links: [], script: [] };
  const nodes = doc.get("nodes", true);
  for (const pair of isMap(nodes) ? nodes.items : []) {
    const body = pair.value;
    const node: ShapeNode = { name: text(pair.key), kind: "", interfaces: [] };
    if (isMap(body)) {
      node.kind = text(body.get("kind", true));
      const p = body.get("position", true);
      if (isMap(p)) {
        const x = Number(text(p.get("x", true)));
        const y = Number(text(p.get("y", true)));
        if (Number.isFinite(x) && Number.isFinite(y)) node.position = { x, y };
      }
      const ifaces = body.get("interfaces", true);
      for (const i of isMap(ifaces) ? ifaces.items : []) {
        const address = isMap(i.value) ? text(i.value.get("ip", true)) : text(i.value);
        node.interfaces.push({ name: text(i.key), address });
      }
    }
    shape.nodes.push(node);
  }
  const links = doc.get("links", true);
  (isSeq(links) ? links.items : []).forEach((link, index) => {
    if (!isMap(link)) return;
    const endsNode = link.get("endpoints", true);
    const ends: End[] = [];
    for (const e of isSeq(endsNode) ? endsNode.items : []) {
      const m = /^([^:\s]+):([^:\s]+)$/.exec(text(e));
      if (m) ends.push({ node: m[1], iface: m[2] });
    }
    const written = text(link.get("name", true));
    shape.links.push({
      index,
      name: written || (ends.length >= 2 ? `${ends[0].node}_${ends[1].node}` : `link ${index + 1}`),
      ends,
    });
  });
  const script = doc.get("script", true);
  (isSeq(script) ? script.items : []).forEach((action, index) => {
    if (!isMap(action)) return;
    const a: ShapeAction = { index, at: text(action.get("at", true)), do: text(action.get("do", true)) };
    if (action.has("node")) a.node = text(action.get("node", true));
    if (action.has("link")) a.link = text(action.get("link", true));
    shape.script.push(a);
  });
  return shape;
}

/** The link (index) that uses the interface, if any. */
export function linkOfInterface(shape: Shape, node: string, iface: string): ShapeLink | undefined {
  return shape.links.find((l) => l.ends.some((e) => e.node === node && e.iface === iface));
}
