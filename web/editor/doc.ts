/**
 * The editor's changes to a topology, made on the YAML text through the `yaml` package's Document, so
 * whatever the user did not touch (comments, key order, the lesson block, quoting) stays as written.
 * Every operation takes the text and returns the new text; the editor keeps the texts for undo. New
 * parts are written the way the lesson files write them: node bodies and links as block maps, a
 * position, a route or a script action as one flow map on its line.
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";

/** A key path into the document: map keys and list indexes. */
export type Path = readonly (string | number)[];

/** One end of a link, `node:iface` in the file. */
export interface End {
  node: string;
  iface: string;
}

/** The text a new network starts from; the comment shows that the editor keeps comments. */
export const NEW_TOPOLOGY = `# Built in the Tunnel Lab editor.
name: my-network
seed: 1
duration: 10s
nodes: {}
links: []
script: []
`;

/** Parses `text`, lets `change` edit the document, and returns the new text. */
export function edit(text: string, change: (doc: Document) => void): string {
  const doc = parseDocument(text);
  change(doc);
  return write(doc);
}

/** The document as text; a value not written yet (an interface's address) is left empty, not `null`. */
function write(doc: Document): string {
  return doc.toString({ nullStr: "" });
}

/** The text as a string, for names read from the document. */
function keyText(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

/** The collection at `path`, made (block style) when missing; an empty flow `{}`/`[]` turns block. */
function collection(doc: Document, path: Path, seq: boolean): YAMLMap | YAMLSeq {
  let node = doc.getIn(path, true) as Node | undefined;
  if (!(seq ? isSeq(node) : isMap(node))) {
    doc.setIn(path, doc.createNode(seq ? [] : {}));
    node = doc.getIn(path, true) as Node;
  }
  const c = node as YAMLMap | YAMLSeq;
  if (c.items.length === 0) c.flow = false;
  return c;
}

/** A flow map node (`{ x: 1, y: 2 }`) for `value`. */
function flowMap(doc: Document, value: Record<string, unknown>): Node {
  const node = doc.createNode(value) as YAMLMap;
  node.flow = true;
  return node;
}

/** The names of the nodes, in file order. */
export function nodeNames(doc: Document): string[] {
  const nodes = doc.get("nodes", true);
  return isMap(nodes) ? nodes.items.map((p) => keyText(p.key)) : [];
}

/** `base` with the smallest number after it that no node has (`host1`, `host2`...). */
export function freshName(taken: readonly string[], base: string): string {
  for (let i = 1;; i++) if (!taken.includes(`${base}${i}`)) return `${base}${i}`;
}

/** Adds a node of `kind` at `at`; returns the text and the name it was given. */
export function addNode(
  text: string,
  kind: string,
  at: { x: number; y: number },
): { text: string; name: string } {
  let name = "";
  const out = edit(text, (doc) => {
    name = freshName(nodeNames(doc), kind.replace(/-/g, ""));
    const nodes = collection(doc, ["nodes"], false) as YAMLMap;
    const body = doc.createNode({ kind }) as YAMLMap;
    body.set("position", flowMap(doc, { x: Math.round(at.x), y: Math.round(at.y) }));
    nodes.set(doc.createNode(name), body);
  });
  return { text: out, name };
}

/** Writes the node's drawing position. */
export function moveNode(text: string, name: string, at: { x: number; y: number }): string {
  return edit(text, (doc) => {
    doc.setIn(["nodes", name, "position"], flowMap(doc, { x: Math.round(at.x), y: Math.round(at.y) }));
  });
}

/** The links' endpoint lists, with their indexes. */
function linkItems(doc: Document): { index: number; link: YAMLMap; ends: YAMLSeq | null }[] {
  const links = doc.get("links", true);
  if (!isSeq(links)) return [];
  return links.items.flatMap((link, index) => {
    if (!isMap(link)) return [];
    const ends = link.get("endpoints", true);
    return [{ index, link, ends: isSeq(ends) ? ends : null }];
  });
}

function endOf(item: unknown): End | null {
  const s = isScalar(item) ? item.value : item;
  const m = typeof s === "string" ? /^([^:\s]+):([^:\s]+)$/.exec(s) : null;
  return m ? { node: m[1], iface: m[2] } : null;
}

/** Renames a map key in place, keeping its scalar (and so its quoting and comments) when it has one. */
function renameKey(doc: Document, pair: { key: unknown }, to: string): void {
  if (isScalar(pair.key)) pair.key.value = to;
  else pair.key = doc.createNode(to);
}

/** Rewrites every link end that `to` gives a new end for: a renamed node or interface takes its links along. */
function moveEnds(doc: Document, to: (end: End) => End | undefined): void {
  for (const { ends } of linkItems(doc)) {
    for (const item of ends?.items ?? []) {
      const end = endOf(item);
      const moved = end && to(end);
      if (moved && isScalar(item)) item.value = endText(moved);
    }
  }
}

/** Removes a node, its links (or its end of a shared segment) and the script actions it runs. */
export function removeNode(text: string, name: string): string {
  return edit(text, (doc) => {
    doc.deleteIn(["nodes", name]);
    const links = doc.get("links", true);
    for (const { index, ends } of linkItems(doc).reverse()) {
      if (!ends) continue;
      const kept = ends.items.filter((e) => endOf(e)?.node !== name);
      if (kept.length === ends.items.length) continue;
      if (kept.length < 2 && isSeq(links)) links.items.splice(index, 1);
      else ends.items = kept;
    }
    removeActions(doc, (a) => a.get("node") === name);
  });
}

function removeActions(doc: Document, drop: (action: YAMLMap) => boolean): void {
  const script = doc.get("script", true);
  if (isSeq(script)) script.items = script.items.filter((a) => !(isMap(a) && drop(a)));
}

/**
 * Renames a node and every reference to it the editor knows of: link endpoints, script actions and a
 * subscriber's `isp`. Returns undefined when the new name is taken.
 */
export function renameNode(text: string, from: string, to: string): string | undefined {
  if (from === to) return text;
  const doc = parseDocument(text);
  if (nodeNames(doc).includes(to)) return undefined;
  const nodes = doc.get("nodes", true);
  if (!isMap(nodes)) return text;
  const pair = nodes.items.find((p) => keyText(p.key) === from);
  if (!pair) return text;
  renameKey(doc, pair, to);
  moveEnds(doc, (end) => end.node === from ? { node: to, iface: end.iface } : undefined);
  const script = doc.get("script", true);
  for (const action of isSeq(script) ? script.items : []) {
    if (isMap(action) && action.get("node") === from) action.set("node", to);
  }
  for (const p of nodes.items) {
    if (isMap(p.value) && p.value.get("kind") === "subscriber" && p.value.get("isp") === from) {
      p.value.set("isp", to);
    }
  }
  return write(doc);
}

/** The node's interface names, in file order. */
export function interfaceNames(doc: Document, node: string): string[] {
  const ifaces = doc.getIn(["nodes", node, "interfaces"], true);
  return isMap(ifaces) ? ifaces.items.map((p) => keyText(p.key)) : [];
}

/** Adds an interface (the first free `eth0`, `eth1`...) with `address`; returns the text and the name. */
export function addInterface(text: string, node: string, address = ""): { text: string; name: string } {
  let name = "";
  const out = edit(text, (doc) => {
    const taken = interfaceNames(doc, node);
    name = "eth0";
    for (let i = 0; taken.includes(name); i++) name = `eth${i}`;
    const ifaces = collection(doc, ["nodes", node, "interfaces"], false) as YAMLMap;
    // A null Scalar, not a bare null: the latter prints as a YAML set entry (`? eth0`).
    ifaces.set(doc.createNode(name), doc.createNode(address === "" ? null : address));
  });
  return { text: out, name };
}

/**
 * Renames an interface (links that use it follow). Returns undefined when the node already has an
 * interface called `to`.
 */
export function renameInterface(text: string, node: string, from: string, to: string): string | undefined {
  if (from === to) return text;
  const doc = parseDocument(text);
  if (interfaceNames(doc, node).includes(to)) return undefined;
  const ifaces = doc.getIn(["nodes", node, "interfaces"], true);
  const pair = isMap(ifaces) ? ifaces.items.find((p) => keyText(p.key) === from) : undefined;
  if (!pair) return text;
  renameKey(doc, pair, to);
  moveEnds(doc, (end) => end.node === node && end.iface === from ? { node, iface: to } : undefined);
  return write(doc);
}

/** Removes an interface and the links that end on it. */
export function removeInterface(text: string, node: string, iface: string): string {
  return edit(text, (doc) => {
    deleteAndPrune(doc, ["nodes", node, "interfaces", iface], 2);
    const links = doc.get("links", true);
    for (const { index, ends } of linkItems(doc).reverse()) {
      if (ends?.items.some((e) => endOf(e)?.node === node && endOf(e)?.iface === iface) && isSeq(links)) {
        links.items.splice(index, 1);
      }
    }
  });
}

/**
 * Appends what `make` builds to a top-level list (links, script), made when missing, and says where it
 * went: the editor selects the new row by that index.
 */
function append(
  text: string,
  list: "links" | "script",
  make: (doc: Document) => Node,
): { text: string; index: number } {
  let index = 0;
  const out = edit(text, (doc) => {
    const items = (collection(doc, [list], true) as YAMLSeq).items;
    items.push(make(doc));
    index = items.length - 1;
  });
  return { text: out, index };
}

/**
 * Removes row `index` of a top-level list. Unlike removeListItem it keeps an emptied list, as
 * `links: []`, the way NEW_TOPOLOGY starts.
 */
function removeAt(text: string, list: "links" | "script", index: number): string {
  return edit(text, (doc) => {
    const items = doc.get(list, true);
    if (isSeq(items)) items.items.splice(index, 1);
  });
}

/** Adds a link between two interfaces; returns the text and the new link's index. */
export function addLink(text: string, a: End, b: End): { text: string; index: number } {
  return append(text, "links", (doc) => {
    const ends = doc.createNode([`${a.node}:${a.iface}`, `${b.node}:${b.iface}`]) as YAMLSeq;
    ends.flow = true;
    const link = doc.createNode({}) as YAMLMap;
    link.set("endpoints", ends);
    return link;
  });
}

/** Removes the link at `index`. */
export function removeLink(text: string, index: number): string {
  return removeAt(text, "links", index);
}

/** A script action as the editor writes it. */
export interface ActionText {
  at: string;
  node?: string;
  link?: string;
  do: string;
}

/** Appends a script action (one flow map, as the lessons write them); returns the text and its index. */
export function addAction(text: string, action: ActionText): { text: string; index: number } {
  return append(text, "script", (doc) => {
    const target = action.link !== undefined ? { link: action.link } : { node: action.node ?? "" };
    return flowMap(doc, { at: action.at, ...target, do: action.do });
  });
}

/** Removes the script action at `index`. */
export function removeAction(text: string, index: number): string {
  return removeAt(text, "script", index);
}

/** Sets the action's target to a node or a link (the other key goes). */
export function setActionTarget(
  text: string,
  index: number,
  target: { node: string } | { link: string },
): string {
  return edit(text, (doc) => {
    const action = doc.getIn(["script", index], true);
    if (!isMap(action)) return;
    const [key, other] = "node" in target ? ["node", "link"] : ["link", "node"];
    action.delete(other);
    action.set(key, "node" in target ? target.node : target.link);
  });
}

/** Appends an empty item (a map) to the list at `path`, e.g. a route or a firewall rule. */
export function addListItem(
  text: string,
  path: Path,
  item: Record<string, unknown> = {},
  flow = false,
): string {
  return edit(text, (doc) => {
    const list = collection(doc, path, true) as YAMLSeq;
    list.items.push(flow ? flowMap(doc, item) : doc.createNode(item));
  });
}

/** Removes item `index` of the list at `path`; an emptied list goes too. */
export function removeListItem(text: string, path: Path, index: number, keep = 2): string {
  return edit(text, (doc) => {
    const list = doc.getIn(path, true);
    if (!isSeq(list)) return;
    list.items.splice(index, 1);
    if (list.items.length === 0) deleteAndPrune(doc, path, keep);
  });
}

/**
 * Sets the value at `path`; `undefined` removes the key, and maps it leaves empty go too (down to
 * `keep` levels: the node itself stays). A map that holds a new key in flow style stays flow.
 */
export function setValue(text: string, path: Path, value: unknown, keep = 2): string {
  return edit(text, (doc) => {
    if (value === undefined) {
      deleteAndPrune(doc, path, keep);
      return;
    }
    const parent = doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent) && !isSeq(parent)) {
      // A scalar where a map must go (`cgnat: true` getting a field): the map replaces it.
      if (parent !== undefined) doc.deleteIn(path.slice(0, -1));
    }
    doc.setIn(path, value === null ? doc.createNode(null) : value);
  });
}

/** Deletes `path`, then each parent map or list it leaves empty, stopping `keep` levels from the top. */
function deleteAndPrune(doc: Document, path: Path, keep: number): void {
  doc.deleteIn(path);
  for (let n = path.length - 1; n > keep; n--) {
    const parent = doc.getIn(path.slice(0, n), true);
    if ((isMap(parent) || isSeq(parent)) && parent.items.length === 0) doc.deleteIn(path.slice(0, n));
    else break;
  }
}

/** The endpoint text `node:iface`. */
export function endText(end: End): string {
  return `${end.node}:${end.iface}`;
}

/** Parses `node:iface`, or null. */
export function parseEnd(text: string): End | null {
  return endOf(text);
}
