/**
 * Reading the parts of a topology file (nodes, interfaces, routes, links, script actions) into the
 * model, reporting local mistakes; where each part was written is kept for the cross-checks.
 */
import { isMap, isScalar, isSeq, type Node } from "yaml";
import { MS } from "../engine/time.ts";
import { getKind, kindNames } from "../kinds/index.ts";
import type {
  InterfaceSpec,
  LinkEndpoint,
  LinkSpec,
  NodeSpec,
  RouteSpec,
  ScriptAction,
  SourcePos,
} from "./model.ts";
import {
  bandwidth,
  bool,
  Ctx,
  duration,
  type Entry,
  fraction,
  int,
  interfaceAddress,
  ipv4,
  network,
  num,
  obj,
  positionsOf,
  readMap,
  type Schema,
  str,
  type Val,
} from "./schema.ts";
import { formatIpv4, formatSubnet, suggestion } from "./values.ts";

/**
 * Names of the topology, nodes, interfaces and links: they appear in `node:iface`, in pcap file names
 * and in the view's URLs.
 */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The rule of NAME in words, for error messages. */
export const NAME_HINT = "a name of letters, digits, '-', '_' or '.', starting with a letter or digit";

/**
 * A link's settings besides its endpoints, each with its schema (the editor in the browser builds its
 * link form from these), and what an unwritten one means.
 */
export const LINK_FIELDS = {
  name: str(),
  delay: duration(),
  bandwidth: bandwidth(),
  loss: fraction(),
  duplicate: fraction(),
  jitter: duration(),
  mtu: int(68, 65535),
  queue: int(1, 1_000_000),
  up: bool(),
};
/** Every key a link may have. */
export const LINK_KEYS = ["name", "endpoints", ...Object.keys(LINK_FIELDS).filter((k) => k !== "name")];
const SCRIPT_KEYS = ["at", "node", "link", "do"];
/** A node's drawing position. */
export const positionSchema = obj({ x: num(), y: num() }, { required: ["x", "y"] });

/** One static route. */
export const routeSchema = obj({
  to: network(),
  via: ipv4(),
  dev: str(),
  metric: int(0, 65535),
}, { required: ["to"] });

/** An interface written as a map (its address and MTU) rather than as the address alone. */
export const interfaceSchema = obj({ ip: interfaceAddress(), mtu: int(68, 65535) }, { required: ["ip"] });

/** Calls `each` for every item of a list, or reports that the value is not a list. */
export function forEachItem(v: Val, ctx: Ctx, expected: string, each: (item: Val) => void): void {
  if (v.node === null || !isSeq(v.node)) {
    ctx.error(
      v.pos,
      `${v.label}: expected ${expected}, got ${
        v.node === null ? "nothing" : isMap(v.node) ? "a map" : "a value"
      }`,
    );
    return;
  }
  v.node.items.forEach((n, i) => each(ctx.item(n, v.pos, `${v.label}[${i}]`)));
}

/** Reports `name` unless it follows `NAME`; `what` says what it names ("node", "link"...). */
export function checkName(name: string, pos: SourcePos, what: string, ctx: Ctx): boolean {
  if (NAME.test(name)) return true;
  ctx.error(pos, `${what} "${name}" is not a valid name (expected ${NAME_HINT}, at most 64 characters)`);
  return false;
}

/** Where each kind-specific key of a node was written, for the kind's cross-check. */
export const configPositions = new WeakMap<NodeSpec, Record<string, SourcePos>>();

/**
 * Every node, interface and link name written in the file, valid or not: a reference to something that
 * exists but has its own mistake is not reported a second time as dangling.
 */
export interface Declared {
  nodes: Map<string, Set<string>>;
  links: Set<string>;
}

/** Reads one node: its kind, the keys that kind allows, interfaces, routes (and gateway) and config. */
export function readNode(entry: Entry, ctx: Ctx, declared: Declared): NodeSpec | undefined {
  const name = entry.key;
  checkName(name, entry.keyPos, "node", ctx);
  const ifaceNames = new Set<string>();
  declared.nodes.set(name, ifaceNames);
  const v: Val = { ...entry.val, label: `node ${name}` };
  const map = readMap(v, ctx, { expected: "a map with kind and interfaces" });
  if (!map) return undefined;

  const kindEntry = map.get("kind");
  let kindName: string | undefined;
  if (!kindEntry) {
    ctx.error(entry.keyPos, `node ${name}: missing required key "kind" (one of ${kindNames().join(", ")})`);
  } else kindName = str()(kindEntry.val, ctx);
  const def = kindName === undefined ? undefined : getKind(kindName);
  if (kindName !== undefined && !def) {
    ctx.error(
      kindEntry!.val.pos,
      `unknown kind "${kindName}"${suggestion(kindName, kindNames())}; known kinds: ${
        kindNames().join(", ")
      }`,
    );
  }

  const allowed = ["kind", "position", "interfaces"];
  if (def) {
    allowed.push(
      ...(def.routes ? ["routes"] : []),
      ...(def.gateway ? ["gateway"] : []),
      ...Object.keys(def.keys),
    );
  } else {
    // Kind missing or misspelt: still catch typos in the other keys, against every kind's keys.
    for (const k of kindNames().map((n) => getKind(n)!)) {
      allowed.push(
        ...(k.routes ? ["routes"] : []),
        ...(k.gateway ? ["gateway"] : []),
        ...Object.keys(k.keys),
      );
    }
  }
  for (const [key, e] of map) {
    if (allowed.includes(key)) continue;
    const owners = kindNames().filter((k) => {
      const other = getKind(k)!;
      return key in other.keys || (key === "routes" && other.routes) || (key === "gateway" && other.gateway);
    });
    if (def && owners.length > 0) {
      const hint = key === "gateway" && def.routes
        ? "; give it a default route instead: routes: [{to: default, via: ...}]"
        : ` (only on ${owners.join(", ")} nodes)`;
      ctx.error(e.keyPos, `"${key}" is not allowed on a ${def.name} node${hint}`);
    } else {
      ctx.error(e.keyPos, `unknown key "${key}" in node ${name}${suggestion(key, new Set(allowed))}`);
    }
  }
  if (def) {
    for (const [key, k] of Object.entries(def.keys)) {
      if (k.required && !map.has(key)) ctx.error(entry.keyPos, `node ${name}: missing required key "${key}"`);
    }
  }

  const interfaces: InterfaceSpec[] = [];
  const ifEntry = map.get("interfaces");
  if (!ifEntry && def?.interfacesRequired) {
    ctx.error(
      entry.keyPos,
      `node ${name}: missing required key "interfaces" (e.g. interfaces: {eth0: 10.0.0.2/24})`,
    );
  }
  const ifMap = ifEntry &&
    readMap(ifEntry.val, ctx, { expected: "a map of interface names to addresses like eth0: 10.0.0.2/24" });
  for (const e of ifMap?.values() ?? []) {
    ifaceNames.add(e.key);
    const iface = readInterface(e, ctx);
    if (iface) interfaces.push(iface);
  }

  const routes: RouteSpec[] = [];
  const config: Record<string, unknown> = {};
  const positions: Record<string, SourcePos> = {};
  const gwEntry = map.get("gateway");
  if (gwEntry && (!def || def.gateway)) {
    const gw = ipv4()(gwEntry.val, ctx);
    if (gw !== undefined) {
      routes.push({ network: "0.0.0.0", prefixLength: 0, via: gw, pos: gwEntry.val.pos });
      config.gateway = gw;
      positions.gateway = gwEntry.val.pos;
    }
  }
  const routesEntry = map.get("routes");
  if (routesEntry && (!def || def.routes)) {
    forEachItem(routesEntry.val, ctx, "a list of routes like {to: 10.2.0.0/16, via: 10.0.0.1}", (item) => {
      const r = routeSchema(item, ctx);
      if (!r || !r.to) return;
      const at = positionsOf(r);
      if (r.via === undefined && r.dev === undefined) {
        ctx.error(
          item.pos,
          `route to ${formatSubnet(r.to)}: give via (a next-hop address), dev (an interface), or both`,
        );
        return;
      }
      const route: RouteSpec = {
        network: formatIpv4(r.to.ip),
        prefixLength: r.to.prefixLength,
        pos: item.pos,
      };
      if (r.via !== undefined) route.via = r.via;
      if (r.dev !== undefined) route.iface = r.dev;
      if (r.metric !== undefined) route.metric = r.metric;
      routePositions.set(route, { via: at.via, dev: at.dev });
      routes.push(route);
    });
  }

  for (const [key, k] of Object.entries(def?.keys ?? {})) {
    const e = map.get(key);
    if (!e) continue;
    const value = k.schema(e.val, ctx);
    if (value !== undefined) {
      config[key] = value;
      positions[key] = e.val.pos;
      if (!checkTextLengths(e.val.node, ctx, `node ${name}: ${key}`)) delete config[key];
    }
  }

  let position: { x: number; y: number } | undefined;
  const posEntry = map.get("position");
  if (posEntry) {
    const p = positionSchema(posEntry.val, ctx);
    if (p?.x !== undefined && p.y !== undefined) position = { x: p.x, y: p.y };
  }

  const node: NodeSpec = { name, kind: kindName ?? "", interfaces, routes, config, pos: entry.keyPos };
  if (position) node.position = position;
  configPositions.set(node, positions);
  return node;
}

/** Longest text a node setting may hold, in UTF-8 bytes (see `checkTextLengths`). */
export const MAX_SETTING_BYTES = 255;

/**
 * Every text in a node's settings ends up in a length-limited protocol field: an L2TP AVP (at most
 * 1017 bytes of value), a CHAP or PAP name (inside one PPP frame), an IKE identity payload, a STUN
 * attribute. One ceiling, 255 bytes (as RADIUS and DNS names have), keeps them all inside their
 * fields, so what validates also encodes. Reports each text that is longer; returns whether all fit.
 */
export function checkTextLengths(root: Node | null, ctx: Ctx, label: string): boolean {
  let fits = true;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isScalar(node)) {
      if (typeof node.value !== "string" || !node.range) continue;
      const bytes = new TextEncoder().encode(node.value).length;
      if (bytes > MAX_SETTING_BYTES) {
        ctx.error(
          ctx.at(node.range[0]),
          `${label}: a text of ${bytes} bytes is too long (at most ${MAX_SETTING_BYTES}: ` +
            `it goes into a length-limited protocol field)`,
        );
        fits = false;
      }
    } else if (isMap(node)) {
      for (const pair of node.items) stack.push(pair.value);
    } else if (isSeq(node)) { for (const item of node.items) stack.push(item); }
  }
  return fits;
}

/** Where a route's `via` and `dev` were written, for the next-hop checks. */
export const routePositions = new WeakMap<RouteSpec, { via?: SourcePos; dev?: SourcePos }>();

function readInterface(e: Entry, ctx: Ctx): InterfaceSpec | undefined {
  checkName(e.key, e.keyPos, "interface", ctx);
  const v: Val = { ...e.val, label: `interface ${e.key}` };
  if (v.node !== null && isMap(v.node)) {
    const r = interfaceSchema(v, ctx);
    if (!r?.ip) return undefined;
    const spec: InterfaceSpec = {
      name: e.key,
      ip: formatIpv4(r.ip.ip),
      prefixLength: r.ip.prefixLength,
      pos: positionsOf(r).ip ?? v.pos,
    };
    if (r.mtu !== undefined) spec.mtu = r.mtu;
    return spec;
  }
  const cidr = interfaceAddress()(v, ctx);
  return cidr && { name: e.key, ip: formatIpv4(cidr.ip), prefixLength: cidr.prefixLength, pos: v.pos };
}

/** Where each endpoint of a link was written, for errors found after all nodes are read. */
export const endpointPositions = new WeakMap<
  LinkSpec,
  { endpoints: SourcePos[]; name?: SourcePos; list: SourcePos }
>();

/** Reads one link: endpoints (resolved later), name (default `nodeA_nodeB`) and its parameters. */
export function readLink(item: Val, ctx: Ctx, declared: Declared): LinkSpec | undefined {
  const map = readMap({ ...item, label: "link" }, ctx, {
    allowed: LINK_KEYS,
    required: ["endpoints"],
    expected: "a map with endpoints (and optionally name, delay, bandwidth, loss, mtu)",
  });
  if (!map) return undefined;
  const get = <T>(key: string, schema: Schema<T>): T | undefined => {
    const e = map.get(key);
    return e ? schema(e.val, ctx) : undefined;
  };
  const nameEntry = map.get("name");
  const name = get("name", LINK_FIELDS.name);
  if (name !== undefined) {
    declared.links.add(name);
    checkName(name, nameEntry!.val.pos, "link", ctx);
  }

  const endpoints: LinkEndpoint[] = [];
  const endpointPos: SourcePos[] = [];
  const epEntry = map.get("endpoints");
  if (epEntry) {
    forEachItem(epEntry.val, ctx, "a list like [laptop:eth0, r1:eth0]", (ep) => {
      const s = ep.node !== null && isScalar(ep.node) ? ep.node.value : undefined;
      const match = typeof s === "string" ? /^([^:\s]+):([^:\s]+)$/.exec(s) : null;
      if (!match) {
        const got = typeof s === "string"
          ? `"${s}"`
          : ep.node !== null && isMap(ep.node)
          ? "a map (write laptop:eth0 with no space)"
          : "something else";
        ctx.error(ep.pos, `endpoint: expected node:interface like laptop:eth0, got ${got}`);
        return;
      }
      endpoints.push({ node: match[1], iface: match[2] });
      endpointPos.push(ep.pos);
    });
    if (epEntry.val.node !== null && isSeq(epEntry.val.node) && epEntry.val.node.items.length < 2) {
      ctx.error(epEntry.val.pos, "endpoints: a link needs at least 2 endpoints");
    }
  }

  const link: LinkSpec = {
    name: name ?? (endpoints.length >= 2 ? `${endpoints[0].node}_${endpoints[1].node}` : ""),
    endpoints,
    delay: get("delay", LINK_FIELDS.delay) ?? MS,
    bandwidth: get("bandwidth", LINK_FIELDS.bandwidth) ?? 0,
    loss: get("loss", LINK_FIELDS.loss) ?? 0,
    duplicate: get("duplicate", LINK_FIELDS.duplicate) ?? 0,
    jitter: get("jitter", LINK_FIELDS.jitter) ?? 0,
    mtu: get("mtu", LINK_FIELDS.mtu) ?? 1500,
    queue: get("queue", LINK_FIELDS.queue) ?? 100,
    up: get("up", LINK_FIELDS.up) ?? true,
    pos: item.pos,
  };
  endpointPositions.set(link, {
    endpoints: endpointPos,
    name: nameEntry?.val.pos,
    list: epEntry?.val.pos ?? item.pos,
  });
  return link;
}

/** Where a script action's parts were written, and the source offset of its command text. */
export const actionPositions = new WeakMap<
  ScriptAction,
  { at: SourcePos; target: SourcePos; do: SourcePos; doOffset?: number }
>();

/** Reads one script action; its target and command are checked once every node and link is known. */
export function readAction(item: Val, ctx: Ctx): ScriptAction | undefined {
  const map = readMap({ ...item, label: "script action" }, ctx, {
    allowed: SCRIPT_KEYS,
    required: ["at", "do"],
    expected: "a map like {at: 2s, node: laptop, do: ping 10.0.0.5}",
  });
  if (!map) return undefined;
  const atEntry = map.get("at");
  const doEntry = map.get("do");
  const nodeEntry = map.get("node");
  const linkEntry = map.get("link");
  const at = atEntry && duration()(atEntry.val, ctx);
  const text = doEntry && str({ nonEmpty: true })(doEntry.val, ctx);
  const node = nodeEntry && str()(nodeEntry.val, ctx);
  const link = linkEntry && str()(linkEntry.val, ctx);
  if (!nodeEntry && !linkEntry) {
    ctx.error(item.pos, "script action: give node: (for ping, udp ...) or link: (for down, up)");
  }
  if (nodeEntry && linkEntry) {
    ctx.error(linkEntry.keyPos, "script action: give node: or link:, not both");
    return undefined;
  }
  if (at === undefined || text === undefined || (node === undefined && link === undefined)) return undefined;
  const action: ScriptAction = { at, do: text, command: { name: "", args: {} }, pos: item.pos };
  if (node !== undefined) action.node = node;
  else if (link !== undefined) action.link = link;
  actionPositions.set(action, {
    at: atEntry!.val.pos,
    target: (nodeEntry ?? linkEntry)!.val.pos,
    do: doEntry!.val.pos,
    doOffset: commandOffset(doEntry!.val.node, text, ctx.source),
  });
  return action;
}

/** Byte offset of the command text in the source, when it is written literally (so errors can point at a word). */
function commandOffset(node: Node | null, text: string, source: string): number | undefined {
  const range = node?.range;
  if (!range) return undefined;
  const i = source.slice(range[0], range[1]).indexOf(text);
  return i < 0 ? undefined : range[0] + i;
}

/**
 * A subscriber's dial-up line is captured as `<subscriber>_<isp>.pcap`, beside the links' captures: a
 * link of the same name would share its file, so the name is refused.
 */
export function checkLineNames(nodes: readonly NodeSpec[], links: readonly LinkSpec[], ctx: Ctx): void {
  for (const node of nodes) {
    if (node.kind !== "subscriber" || typeof node.config.isp !== "string") continue;
    const line = `${node.name}_${node.config.isp}`;
    for (const link of links) {
      if (link.name !== line) continue;
      const at = endpointPositions.get(link)?.name ?? link.pos;
      ctx.error(
        at,
        `link "${line}" has the name of ${node.name}'s dial-up line to ${node.config.isp} ` +
          `(both would be captured as ${line}.pcap); give the link another name`,
      );
    }
  }
}
