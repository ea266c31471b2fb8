/**
 * Checks that need the whole topology: endpoints exist and plug in once, one subnet per link, unique
 * addresses, reachable next hops, script targets and commands.
 */
import { formatDuration } from "../engine/time.ts";
import { COMMANDS, getKind } from "../kinds/index.ts";
import { parseCommand } from "./commands.ts";
import type { InterfaceSpec, LinkSpec, SourcePos, TopologyModel } from "./model.ts";
import { Ctx } from "./schema.ts";
import {
  type Cidr,
  formatSubnet,
  isPrivate,
  networkOf,
  parseIpv4,
  subnetsOverlap,
  suggestion,
} from "./values.ts";
import { actionPositions, type Declared, endpointPositions, routePositions } from "./read.ts";

/** Resolves endpoints, checks names, interface reuse and one subnet per link. */
export function checkLinks(
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
 *
 * Each interface is compared, in file order, with the earlier interfaces that could be in conflict
 * with it: those on its node or link, and those with its address or an overlapping subnet when either
 * side is public. Every other pair is fine by the rules above, so a thousand homes that all use
 * 192.168.1.0/24 cost no more than one.
 */
export function checkAddresses(model: TopologyModel, linkOf: Map<InterfaceSpec, LinkSpec>, ctx: Ctx): void {
  const all = model.nodes.flatMap((node) =>
    node.interfaces.map((spec) => {
      const cidr = cidrOf(spec);
      return { node, spec, cidr, link: linkOf.get(spec), isPublic: !isPrivate(cidr.ip) };
    })
  );
  const where = (x: (typeof all)[number]) => `${x.node.name}:${x.spec.name} (line ${x.spec.pos.line})`;
  const lengths = [...new Set(all.map((x) => x.cidr.prefixLength))];
  const everyone = new OverlapIndex(lengths);
  const publicOnes = new OverlapIndex(lengths);
  const byNode = new Map<unknown, number[]>();
  const byLink = new Map<unknown, number[]>();
  const reportedPairs = new Set<string>();
  for (let j = 0; j < all.length; j++) {
    const b = all[j];
    const candidates = new Set<number>(
      b.isPublic ? everyone.conflicts(b.cidr) : publicOnes.conflicts(b.cidr),
    );
    for (const i of byNode.get(b.node) ?? []) candidates.add(i);
    if (b.link) {
      for (const i of byLink.get(b.link) ?? []) candidates.add(i);
    }
    for (const i of [...candidates].sort((x, y) => x - y)) {
      const a = all[i];
      const sameNode = a.node === b.node;
      const linkA = a.link;
      const linkB = b.link;
      const sameLink = linkA !== undefined && linkA === linkB;
      const isPublic = a.isPublic || b.isPublic;
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
    everyone.add(b.cidr, j);
    if (b.isPublic) publicOnes.add(b.cidr, j);
    groupInto(byNode, b.node, j);
    if (b.link) groupInto(byLink, b.link, j);
  }
}

function groupInto(groups: Map<unknown, number[]>, key: unknown, index: number): void {
  const group = groups.get(key);
  if (group) group.push(index);
  else groups.set(key, [index]);
}

/**
 * Interfaces by address and subnet, answering "which of you share my address or overlap my subnet".
 * Two subnets overlap when they agree on the shorter prefix, so each entry is filed under its network
 * at its own length and at every shorter length in use.
 */
class OverlapIndex {
  #byIp = new Map<number, number[]>();
  /** Prefix length L → network at L → entries of length exactly L. */
  #exact = new Map<number, Map<number, number[]>>();
  /** Prefix length L → network at L → entries longer than L. */
  #inside = new Map<number, Map<number, number[]>>();

  constructor(readonly lengths: number[]) {}

  add(cidr: Cidr, index: number): void {
    groupInto(this.#byIp as Map<unknown, number[]>, cidr.ip, index);
    file(this.#exact, cidr.prefixLength, networkOf(cidr.ip, cidr.prefixLength), index);
    for (const length of this.lengths) {
      if (length < cidr.prefixLength) file(this.#inside, length, networkOf(cidr.ip, length), index);
    }
  }

  /** Entries with this address, or whose subnet overlaps this one. */
  conflicts(cidr: Cidr): number[] {
    const found = [...(this.#byIp.get(cidr.ip) ?? [])];
    for (const length of this.lengths) {
      if (length <= cidr.prefixLength) {
        found.push(...(this.#exact.get(length)?.get(networkOf(cidr.ip, length)) ?? []));
      }
    }
    const own = cidr.prefixLength;
    found.push(...(this.#inside.get(own)?.get(networkOf(cidr.ip, own)) ?? []));
    return found;
  }
}

function file(
  maps: Map<number, Map<number, number[]>>,
  length: number,
  network: number,
  index: number,
): void {
  let byNetwork = maps.get(length);
  if (!byNetwork) {
    byNetwork = new Map();
    maps.set(length, byNetwork);
  }
  const entries = byNetwork.get(network);
  if (entries) entries.push(index);
  else byNetwork.set(network, [index]);
}

/** Every next hop must sit on a subnet the node is directly connected to. */
export function checkRoutes(model: TopologyModel, ctx: Ctx, declared: Declared): void {
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
export function checkScript(
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
    const r = parseCommand(action.do, kind, COMMANDS);
    if (r.ok) action.command = r.command;
    else ctx.error(at.doOffset !== undefined ? ctx.at(at.doOffset + r.offset) : at.do, r.error);
  }
}
