/**
 * Loads a topology file: YAML text in, a validated `TopologyModel` or every mistake found out, each as
 * `file:line:col: message`. Pure: the caller reads the file.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { formatDuration, MS, SECOND } from "../engine/time.ts";
import { parseCommand } from "./commands.ts";
import { getKind, kindNames } from "./kinds.ts";
import type {
  InterfaceSpec,
  LessonSpec,
  LinkEndpoint,
  LinkSpec,
  NodeSpec,
  RouteSpec,
  ScriptAction,
  SourcePos,
  TopologyError,
  TopologyModel,
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
  list,
  network,
  num,
  obj,
  positionsOf,
  readMap,
  type Schema,
  str,
  type Val,
} from "./schema.ts";
import {
  type Cidr,
  formatIpv4,
  formatSubnet,
  isPrivate,
  networkOf,
  parseIpv4,
  subnetsOverlap,
  suggestion,
} from "./values.ts";

/** The loader's answer: a model, or all the mistakes (sorted by position). */
export type LoadResult = { ok: true; model: TopologyModel } | { ok: false; errors: TopologyError[] };

/** Formats an error the way compilers do, so editors and terminals can jump to it. */
export function formatTopologyError(e: TopologyError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}

/** Names of nodes, interfaces and links: they appear in `node:iface` and in pcap file names. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_HINT = "a name of letters, digits, '-', '_' or '.', starting with a letter or digit";

const TOP_KEYS = ["name", "description", "seed", "duration", "lesson", "nodes", "links", "script"] as const;
const LINK_KEYS = [
  "name",
  "endpoints",
  "delay",
  "bandwidth",
  "loss",
  "duplicate",
  "jitter",
  "mtu",
  "queue",
  "up",
];
const SCRIPT_KEYS = ["at", "node", "link", "do"];
const DEFAULT_DURATION = 60 * SECOND;

const lessonSchema = obj({
  title: str({ nonEmpty: true }),
  story: str(),
  "look-for": list(str()),
  questions: list(str()),
}, { required: ["title"] });

const positionSchema = obj({ x: num(), y: num() }, { required: ["x", "y"] });

const routeSchema = obj({
  to: network(),
  via: ipv4(),
  dev: str(),
  metric: int(0, 65535),
}, { required: ["to"] });

const interfaceSchema = obj({ ip: interfaceAddress(), mtu: int(68, 65535) }, { required: ["ip"] });

/**
 * Parses and validates a topology. Never throws: YAML syntax errors, schema mistakes and
 * inconsistencies all come back as errors with positions.
 */
export function loadTopology(text: string, file: string): LoadResult {
  try {
    return load(text, file);
  } catch (e) {
    const message = `internal error while loading the topology: ${
      e instanceof Error ? e.message : String(e)
    }`;
    return { ok: false, errors: [{ file, line: 1, col: 1, message }] };
  }
}

function load(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const ctx = new Ctx(
    file,
    text,
    lines,
    (alias) => (alias as unknown as { resolve(d: unknown): Node | null }).resolve(doc),
  );
  if (doc.errors.length > 0) {
    for (const e of doc.errors) ctx.error(ctx.at(e.pos[0]), `YAML syntax: ${e.message.split("\n")[0]}`);
    return { ok: false, errors: sorted(ctx.errors) };
  }
  const start = doc.contents?.range ? ctx.at(doc.contents.range[0]) : { line: 1, col: 1 };
  const top = ctx.val(doc.contents, start, "topology");
  if (top.node === null) {
    ctx.error(top.pos, "the file is empty; a topology needs at least name and nodes");
    return { ok: false, errors: ctx.errors };
  }
  const entries = readMap(top, ctx, {
    allowed: TOP_KEYS,
    required: ["name", "nodes"],
    expected: "a map with name, nodes, links and script",
  });
  if (!entries) return { ok: false, errors: ctx.errors };
  const get = <T>(key: string, schema: Schema<T>): T | undefined => {
    const e = entries.get(key);
    return e ? schema(e.val, ctx) : undefined;
  };

  const name = get("name", str({ nonEmpty: true })) ?? "";
  const description = get("description", str()) ?? "";
  const seed = get("seed", int(0, 0xffffffff)) ?? 1;
  const runFor = get("duration", duration(1)) ?? DEFAULT_DURATION;
  const lessonRaw = get("lesson", lessonSchema);
  const lesson: LessonSpec | undefined = lessonRaw && {
    title: lessonRaw.title ?? "",
    story: lessonRaw.story ?? "",
    lookFor: lessonRaw["look-for"] ?? [],
    questions: lessonRaw.questions ?? [],
  };

  const nodes: NodeSpec[] = [];
  const declared: Declared = { nodes: new Map(), links: new Set() };
  const nodesEntry = entries.get("nodes");
  const nodeMap = nodesEntry &&
    readMap(nodesEntry.val, ctx, { expected: "a map of node names to their settings" });
  for (const entry of nodeMap?.values() ?? []) {
    const node = readNode(entry, ctx, declared);
    if (node) nodes.push(node);
  }

  const links: LinkSpec[] = [];
  const linksEntry = entries.get("links");
  if (linksEntry) {
    forEachItem(linksEntry.val, ctx, "a list of links", (item) => {
      const link = readLink(item, ctx, declared);
      if (link) links.push(link);
    });
  }

  const script: ScriptAction[] = [];
  const scriptEntry = entries.get("script");
  if (scriptEntry) {
    forEachItem(scriptEntry.val, ctx, "a list of timed actions", (item) => {
      const action = readAction(item, ctx);
      if (action) script.push(action);
    });
  }

  const model: TopologyModel = { file, name, description, seed, duration: runFor, nodes, links, script };
  if (lesson) model.lesson = lesson;

  const { linkOf } = checkLinks(model, ctx, declared);
  checkAddresses(model, linkOf, ctx);
  checkRoutes(model, ctx, declared);
  checkScript(model, ctx, declared, entries.get("duration")?.val.pos);
  for (const node of nodes) {
    const def = getKind(node.kind);
    // A node missing a required key already has its error; its check would only trip over the gap.
    const complete = Object.entries(def?.keys ?? {}).every(([key, k]) => !k.required || key in node.config);
    if (!def?.check || !complete) continue;
    def.check(
      node,
      model,
      (pos, message) => ctx.error(pos ?? node.pos, message),
      configPositions.get(node) ?? {},
    );
  }

  return ctx.errors.length > 0 ? { ok: false, errors: sorted(ctx.errors) } : { ok: true, model };
}

function sorted(errors: TopologyError[]): TopologyError[] {
  return errors.map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.col - b.e.col || a.i - b.i)
    .map(({ e }) => e);
}

function forEachItem(v: Val, ctx: Ctx, expected: string, each: (item: Val) => void): void {
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

function checkName(name: string, pos: SourcePos, what: string, ctx: Ctx): boolean {
  if (NAME.test(name)) return true;
  ctx.error(pos, `${what} "${name}" is not a valid name (expected ${NAME_HINT}, at most 64 characters)`);
  return false;
}

const configPositions = new WeakMap<NodeSpec, Record<string, SourcePos>>();

/**
 * Every node, interface and link name written in the file, valid or not: a reference to something that
 * exists but has its own mistake is not reported a second time as dangling.
 */
interface Declared {
  nodes: Map<string, Set<string>>;
  links: Set<string>;
}

function readNode(entry: Entry, ctx: Ctx, declared: Declared): NodeSpec | undefined {
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

const routePositions = new WeakMap<RouteSpec, { via?: SourcePos; dev?: SourcePos }>();

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
const endpointPositions = new WeakMap<
  LinkSpec,
  { endpoints: SourcePos[]; name?: SourcePos; list: SourcePos }
>();

function readLink(item: Val, ctx: Ctx, declared: Declared): LinkSpec | undefined {
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
  const name = get("name", str());
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
    delay: get("delay", duration()) ?? MS,
    bandwidth: get("bandwidth", bandwidth()) ?? 0,
    loss: get("loss", fraction()) ?? 0,
    duplicate: get("duplicate", fraction()) ?? 0,
    jitter: get("jitter", duration()) ?? 0,
    mtu: get("mtu", int(68, 65535)) ?? 1500,
    queue: get("queue", int(1, 1_000_000)) ?? 100,
    up: get("up", bool()) ?? true,
    pos: item.pos,
  };
  endpointPositions.set(link, {
    endpoints: endpointPos,
    name: nameEntry?.val.pos,
    list: epEntry?.val.pos ?? item.pos,
  });
  return link;
}

const actionPositions = new WeakMap<
  ScriptAction,
  { at: SourcePos; target: SourcePos; do: SourcePos; doOffset?: number }
>();

function readAction(item: Val, ctx: Ctx): ScriptAction | undefined {
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

/** Resolves endpoints, checks names, interface reuse and one subnet per link. */
function checkLinks(
  model: TopologyModel,
  ctx: Ctx,
  declared: Declared,
): { linkOf: Map<InterfaceSpec, LinkSpec> } {
  const nodes = new Map(model.nodes.map((n) => [n.name, n]));
  const linkOf = new Map<InterfaceSpec, LinkSpec>();
  const names = new Map<string, LinkSpec>();
  for (const link of model.links) {
    const at = endpointPositions.get(link)!;
    if (link.name !== "") {
      const prev = names.get(link.name);
      if (prev) {
        const given = at.name !== undefined;
        ctx.error(
          at.name ?? at.list,
          given
            ? `duplicate link name "${link.name}" (also used by the link at line ${prev.pos.line})`
            : `this link would be called "${link.name}" like the link at line ${prev.pos.line}; give one of them a name:`,
        );
      } else names.set(link.name, link);
    }
    const ifaces: { spec: InterfaceSpec; label: string; pos: SourcePos }[] = [];
    const seen = new Set<string>();
    link.endpoints.forEach((ep, i) => {
      const pos = at.endpoints[i];
      if (seen.has(`${ep.node}:${ep.iface}`)) {
        ctx.error(pos, `${ep.node}:${ep.iface} is listed twice on this link`);
        return;
      }
      seen.add(`${ep.node}:${ep.iface}`);
      const node = nodes.get(ep.node);
      if (!node) {
        if (!declared.nodes.has(ep.node)) {
          ctx.error(pos, `unknown node "${ep.node}"${suggestion(ep.node, declared.nodes.keys())}`);
        }
        return;
      }
      const spec = node.interfaces.find((f) => f.name === ep.iface);
      if (!spec && declared.nodes.get(ep.node)?.has(ep.iface)) return;
      if (!spec) {
        const has = node.interfaces.map((f) => f.name);
        const list = has.length > 0 ? `; it has ${has.join(", ")}` : "";
        ctx.error(pos, `node ${ep.node} has no interface "${ep.iface}"${suggestion(ep.iface, has)}${list}`);
        return;
      }
      const other = linkOf.get(spec);
      if (other) {
        ctx.error(
          pos,
          `${ep.node}:${ep.iface} is already on link "${other.name}" (line ${other.pos.line}); an interface plugs into one link`,
        );
        return;
      }
      linkOf.set(spec, link);
      ifaces.push({ spec, label: `${ep.node}:${ep.iface}`, pos });
    });
    const first = ifaces[0];
    for (const x of ifaces.slice(1)) {
      const a = cidrOf(first.spec);
      const b = cidrOf(x.spec);
      if (
        a.prefixLength !== b.prefixLength ||
        networkOf(a.ip, a.prefixLength) !== networkOf(b.ip, b.prefixLength)
      ) {
        ctx.error(
          x.pos,
          `${x.label} (${x.spec.ip}/${x.spec.prefixLength}) is not in the subnet of ${first.label} ` +
            `(${formatSubnet(a)}) on link "${link.name}"; endpoints of one link share one subnet`,
        );
      }
    }
  }
  return { linkOf };
}

function cidrOf(spec: InterfaceSpec): Cidr {
  const ip = parseIpv4(spec.ip);
  return { ip: ip.ok ? ip.value : 0, prefixLength: spec.prefixLength };
}

/**
 * Duplicate addresses and overlapping subnets. Private addresses may repeat in separate sites (two homes
 * behind NAT both using 192.168.1.0/24); they may not repeat on one node or one link. Public addresses
 * and subnets must be unique everywhere.
 */
function checkAddresses(model: TopologyModel, linkOf: Map<InterfaceSpec, LinkSpec>, ctx: Ctx): void {
  const all = model.nodes.flatMap((node) =>
    node.interfaces.map((spec) => ({ node, spec, cidr: cidrOf(spec) }))
  );
  const where = (x: (typeof all)[number]) => `${x.node.name}:${x.spec.name} (line ${x.spec.pos.line})`;
  const reportedPairs = new Set<string>();
  for (let j = 0; j < all.length; j++) {
    const b = all[j];
    for (let i = 0; i < j; i++) {
      const a = all[i];
      const sameNode = a.node === b.node;
      const linkA = linkOf.get(a.spec);
      const linkB = linkOf.get(b.spec);
      const sameLink = linkA !== undefined && linkA === linkB;
      const isPublic = !isPrivate(a.cidr.ip) || !isPrivate(b.cidr.ip);
      if (a.cidr.ip === b.cidr.ip) {
        if (sameNode || sameLink || isPublic) {
          const why = sameNode || sameLink ? "" : " (public addresses must be unique)";
          ctx.error(b.spec.pos, `duplicate address ${b.spec.ip}: also on ${where(a)}${why}`);
          break;
        }
        continue;
      }
      if (!subnetsOverlap(a.cidr, b.cidr)) continue;
      if (sameNode) {
        ctx.error(
          b.spec.pos,
          `${b.node.name}:${b.spec.name} subnet ${formatSubnet(b.cidr)} overlaps ${
            formatSubnet(a.cidr)
          } on ` +
            `${a.node.name}:${a.spec.name}; a node cannot tell which interface to use`,
        );
        break;
      }
      const pair = [linkA?.name, linkB?.name].sort().join("\u0000");
      if (isPublic && linkA && linkB && linkA !== linkB && !reportedPairs.has(pair)) {
        reportedPairs.add(pair);
        ctx.error(
          b.spec.pos,
          `subnet ${formatSubnet(b.cidr)} of link "${linkB.name}" overlaps ${
            formatSubnet(a.cidr)
          } of link "${linkA.name}"` +
            ` (public subnets must not overlap)`,
        );
        break;
      }
    }
  }
}

/** Every next hop must sit on a subnet the node is directly connected to. */
function checkRoutes(model: TopologyModel, ctx: Ctx, declared: Declared): void {
  for (const node of model.nodes) {
    const subnets = node.interfaces.map((f) => ({ spec: f, cidr: cidrOf(f) }));
    const list = subnets.map((s) => `${formatSubnet(s.cidr)} on ${s.spec.name}`).join(", ") || "none";
    for (const route of node.routes) {
      const at = routePositions.get(route) ?? { via: route.pos };
      let onDev = subnets;
      if (route.iface !== undefined) {
        const dev = subnets.find((s) => s.spec.name === route.iface);
        if (!dev && declared.nodes.get(node.name)?.has(route.iface)) continue;
        if (!dev) {
          const names = subnets.map((s) => s.spec.name);
          ctx.error(
            at.dev ?? route.pos,
            `${node.name} has no interface "${route.iface}"${suggestion(route.iface, names)}`,
          );
          continue;
        }
        onDev = [dev];
      }
      if (route.via === undefined) continue;
      const via = parseIpv4(route.via);
      if (!via.ok) continue;
      const viaPos = at.via ?? route.pos;
      if (subnets.some((s) => s.cidr.ip === via.value)) {
        ctx.error(viaPos, `next hop ${route.via} is ${node.name}'s own address; use the neighbour's address`);
        continue;
      }
      const reachable = onDev.some((s) =>
        networkOf(via.value, s.cidr.prefixLength) === networkOf(s.cidr.ip, s.cidr.prefixLength)
      );
      if (!reachable) {
        const scope = route.iface !== undefined
          ? `the subnet of ${route.iface}`
          : `any subnet of ${node.name}`;
        ctx.error(viaPos, `next hop ${route.via} is not on ${scope} (directly connected: ${list})`);
      }
    }
  }
}

/** Script targets must exist, times must fall inside the run, and commands must parse. */
function checkScript(
  model: TopologyModel,
  ctx: Ctx,
  declared: Declared,
  durationPos: SourcePos | undefined,
): void {
  const nodes = new Map(model.nodes.map((n) => [n.name, n]));
  const links = new Set(model.links.map((l) => l.name));
  for (const action of model.script) {
    const at = actionPositions.get(action)!;
    if (action.at > model.duration) {
      const where = durationPos ? `duration at line ${durationPos.line}` : "default duration";
      ctx.error(
        at.at,
        `at ${formatDuration(action.at)} is after the end of the run (${
          formatDuration(model.duration)
        }, the ${where})`,
      );
    }
    let kind: string | undefined;
    if (action.node !== undefined) {
      const node = nodes.get(action.node);
      if (!node) {
        if (!declared.nodes.has(action.node)) {
          ctx.error(
            at.target,
            `unknown node "${action.node}"${suggestion(action.node, declared.nodes.keys())}`,
          );
        }
        continue;
      }
      if (!getKind(node.kind)) continue;
      kind = node.kind;
    } else if (action.link !== undefined && !links.has(action.link)) {
      if (!declared.links.has(action.link)) {
        ctx.error(at.target, `unknown link "${action.link}"${suggestion(action.link, links)}`);
      }
      continue;
    }
    const r = parseCommand(action.do, kind);
    if (r.ok) action.command = r.command;
    else ctx.error(at.doOffset !== undefined ? ctx.at(at.doOffset + r.offset) : at.do, r.error);
  }
}
