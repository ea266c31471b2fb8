/**
 * Topology keys and commands of the L2TP module: the `lns` kind, the `vpn` profiles a `host` may
 * carry with the `vpn connect NAME` / `vpn disconnect NAME` commands, the `subscriber` kind (a
 * dial-up customer) with `dial` / `hangup`, and the `lac` block of an `isp` node. Imported once
 * from plugins.ts.
 */
import { SECOND } from "../engine/time.ts";
import { allowCommand, argText, parseWords, registerCommand } from "./commands.ts";
import { extendKind, getKind, type KindKey, registerKind, type Report } from "./kinds.ts";
import type { NodeSpec, SourcePos, TopologyModel } from "./model.ts";
import {
  bool,
  type Ctx,
  duration,
  int,
  ipv4,
  list,
  network,
  obj,
  oneOf,
  positionsOf,
  readMap,
  type Schema,
  str,
  type Val,
} from "./schema.ts";
import { type Cidr, formatIpv4, parseIpv4 } from "./values.ts";

/** An address range `10.10.99.100-10.10.99.199`, as xl2tpd's `ip range`. */
export interface PoolRange {
  first: number;
  last: number;
}

/** Reads `first-last` (both dotted quads, first ≤ last, at most 65536 addresses). */
export function poolRange(): Schema<PoolRange> {
  const text = str({ hint: "an address range like 10.10.99.100-10.10.99.199" });
  return (v, ctx) => {
    const s = text(v, ctx);
    if (s === undefined) return undefined;
    const parts = s.split("-").map((p) => p.trim());
    const hint = "write it like 10.10.99.100-10.10.99.199 (first address, a dash, last address)";
    if (parts.length !== 2) {
      ctx.error(v.pos, `${v.label}: "${s}" is not an address range (${hint})`);
      return undefined;
    }
    const first = parseIpv4(parts[0]);
    const last = parseIpv4(parts[1]);
    if (!first.ok || !last.ok) {
      ctx.error(v.pos, `${v.label}: ${!first.ok ? first.error : (last as { error: string }).error}`);
      return undefined;
    }
    if (first.value > last.value) {
      ctx.error(v.pos, `${v.label}: ${parts[0]} comes after ${parts[1]}; write the lower address first`);
      return undefined;
    }
    if (last.value - first.value >= 65536) {
      ctx.error(v.pos, `${v.label}: ${s} holds more than 65536 addresses`);
      return undefined;
    }
    return { first: first.value, last: last.value };
  };
}

/** A map of user names to passwords (`alice: wonderland`), like pppd's chap-secrets. */
function users(): Schema<Record<string, string>> {
  return (v: Val, ctx: Ctx) => {
    const entries = readMap(v, ctx, { expected: "a map of user names to passwords, like alice: wonderland" });
    if (!entries) return undefined;
    const out: Record<string, string> = {};
    let ok = true;
    for (const [name, entry] of entries) {
      const password = str()({ ...entry.val, label: `password of ${name}` }, ctx);
      if (password === undefined) ok = false;
      else out[name] = password;
    }
    return ok ? out : undefined;
  };
}

const port = int(1, 65535);

/** Timers and options of the L2TP control connection, shared by every role. */
export const l2tpBlock = obj({
  hello: duration(SECOND),
  retransmit: duration(1000),
  "retransmit-cap": duration(1000),
  retries: int(0, 30),
  window: int(1, 65535),
  "ack-delay": duration(0),
});

/** PPP's echo keepalive, as pppd's lcp-echo-interval and lcp-echo-failure. */
const pppKeys = {
  mru: int(128, 16384),
  "lcp-echo-interval": duration(0),
  "lcp-echo-failure": int(0, 1000),
};

const lnsKeys: Record<string, KindKey> = {
  hostname: { schema: str({ nonEmpty: true }) },
  secret: { schema: str({ nonEmpty: true }) },
  challenge: { schema: bool() },
  "hide-avps": { schema: bool() },
  auth: { schema: oneOf(["chap", "pap", "none"] as const) },
  users: { schema: users() },
  pool: { schema: poolRange(), required: true },
  "local-address": { schema: ipv4(), required: true },
  dns: { schema: list(ipv4(), { min: 1 }) },
  "max-tunnels": { schema: int(1, 65535) },
  "max-sessions": { schema: int(1, 65535) },
  proxy: { schema: oneOf(["accept", "renegotiate"] as const) },
  "answer-port": { schema: port },
  l2tp: { schema: l2tpBlock },
  ...Object.fromEntries(Object.entries(pppKeys).map(([k, schema]) => [k, { schema }])),
};

function inRange(ip: number, pool: PoolRange): boolean {
  return ip >= pool.first && ip <= pool.last;
}

registerKind({
  name: "lns",
  summary:
    "an L2TP network server: terminates tunnels and PPP sessions, hands out pool addresses, routes to its LAN",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys: lnsKeys,
  check(node, _model, report, positions) {
    const pool = node.config.pool as PoolRange;
    const local = parseIpv4(node.config["local-address"] as string);
    if (local.ok && inRange(local.value, pool)) {
      report(
        positions["local-address"],
        `local-address ${
          formatIpv4(local.value)
        } lies inside the pool; the LNS would hand its own address out`,
      );
    }
    for (const iface of node.interfaces) {
      const ip = parseIpv4(iface.ip);
      if (ip.ok && inRange(ip.value, pool)) {
        report(positions.pool, `pool: ${iface.ip} (interface ${iface.name}) lies inside the pool`);
      }
    }
    const auth = (node.config.auth as string | undefined) ?? "chap";
    if (auth !== "none" && node.config.users === undefined) {
      report(undefined, `node ${node.name}: auth ${auth} needs users (a map of user names to passwords)`);
    }
    if (node.config.challenge === true && node.config.secret === undefined) {
      report(positions.challenge, `challenge: true needs a secret (the shared tunnel secret)`);
    }
  },
});

/** One `vpn` profile of a host: a voluntary L2TP tunnel to an LNS. */
const vpnProfile = obj({
  server: ipv4(),
  user: str({ nonEmpty: true }),
  password: str(),
  secret: str({ nonEmpty: true }),
  challenge: bool(),
  "hide-avps": bool(),
  hostname: str({ nonEmpty: true }),
  auth: oneOf(["any", "chap", "pap", "none"] as const),
  routes: oneOf(["full", "split"] as const),
  networks: list(network(), { min: 1 }),
  port,
  l2tp: l2tpBlock,
  ...pppKeys,
}, { required: ["server"] });

function vpnProfiles(): Schema<Record<string, Record<string, unknown>>> {
  return (v, ctx) => {
    const entries = readMap(v, ctx, {
      expected: "a map of VPN names to their settings, like office: {server: ...}",
    });
    if (!entries) return undefined;
    const out: Record<string, Record<string, unknown>> = {};
    let ok = true;
    for (const [name, entry] of entries) {
      const profile = vpnProfile({ ...entry.val, label: `vpn ${name}` }, ctx);
      if (profile === undefined) ok = false;
      else {
        out[name] = profile as Record<string, unknown>;
        profilePositions.set(profile, { ...positionsOf(profile), self: entry.keyPos });
      }
    }
    return ok ? out : undefined;
  };
}

const profilePositions = new WeakMap<object, Record<string, SourcePos>>();

/** The `vpn` profiles of a host, checked against each other and the script. */
function checkVpn(node: NodeSpec, model: TopologyModel, report: Report): void {
  const profiles = node.config.vpn as Record<string, Record<string, unknown>> | undefined;
  for (const [name, profile] of Object.entries(profiles ?? {})) {
    const pos = profilePositions.get(profile) ?? {};
    const routes = (profile.routes as string | undefined) ?? "full";
    if (routes === "split" && profile.networks === undefined) {
      report(
        pos.routes ?? pos.self,
        `vpn ${name}: routes: split needs networks (the ones to send through the tunnel)`,
      );
    }
    if (routes === "full" && profile.networks !== undefined) {
      report(pos.networks, `vpn ${name}: networks is only used with routes: split`);
    }
    const auth = (profile.auth as string | undefined) ?? "any";
    if (auth !== "none" && profile.user === undefined) {
      report(pos.self, `vpn ${name}: missing user (or set auth: none)`);
    }
    if (profile.challenge === true && profile.secret === undefined) {
      report(pos.challenge, `vpn ${name}: challenge: true needs a secret`);
    }
  }
  for (const action of model.script) {
    if (action.node !== node.name) continue;
    if (action.command.name !== "vpn-connect" && action.command.name !== "vpn-disconnect") continue;
    const name = action.command.args.name as string;
    if (!profiles || !(name in profiles)) {
      const known = Object.keys(profiles ?? {});
      report(
        action.pos,
        `${node.name} has no vpn profile "${name}"${
          known.length ? ` (it has ${known.join(", ")})` : " (add one under vpn: in the node)"
        }`,
      );
    }
  }
}

// Hosts gain a `vpn` key: added to the registered kind rather than replacing it, so other modules'
// additions to `host` survive.
extendKind("host", { vpn: { schema: vpnProfiles() as Schema<unknown> } });
const host = getKind("host")!;
const hostCheck = host.check;
host.check = (node, model, report, positions) => {
  hostCheck?.(node, model, report, positions);
  checkVpn(node, model, report);
};

registerCommand({
  name: "vpn connect",
  id: "vpn-connect",
  target: "node",
  kinds: ["host"],
  usage: "vpn connect NAME",
  parse: (tokens) => parseWords(tokens, { positional: [["name", argText]], options: {} }),
});
registerCommand({
  name: "vpn disconnect",
  id: "vpn-disconnect",
  target: "node",
  kinds: ["host"],
  usage: "vpn disconnect NAME",
  parse: (tokens) => parseWords(tokens, { positional: [["name", argText]], options: {} }),
});

/** The subscriber's dial-up settings. */
registerKind({
  name: "subscriber",
  summary: "a dial-up customer: its modem line to an ISP carries PPP, which the ISP's LAC tunnels to an LNS",
  routes: false,
  gateway: false,
  interfacesRequired: false,
  keys: {
    isp: { schema: str({ nonEmpty: true }), required: true },
    user: { schema: str({ nonEmpty: true }), required: true },
    password: { schema: str() },
    auth: { schema: oneOf(["any", "chap", "pap"] as const) },
    number: { schema: str({ pattern: /^[0-9+*#]{1,32}$/, hint: "a phone number of digits" }) },
    ...Object.fromEntries(Object.entries(pppKeys).map(([k, schema]) => [k, { schema }])),
  },
  check(node, model, report, positions) {
    const ispName = node.config.isp as string;
    const isp = model.nodes.find((n) => n.name === ispName);
    if (!isp) {
      report(positions.isp, `isp: there is no node "${ispName}"`);
    } else if (isp.kind !== "isp" || isp.config.lac === undefined) {
      report(
        positions.isp,
        `isp: ${ispName} is not an isp node with a lac block, so nobody answers the line`,
      );
    }
  },
});

registerCommand({
  name: "dial",
  target: "node",
  kinds: ["subscriber"],
  usage: "dial",
  parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
});
registerCommand({
  name: "hangup",
  target: "node",
  kinds: ["subscriber"],
  usage: "hangup",
  parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
});
allowCommand("ping", "subscriber");
allowCommand("ping", "lns");
for (const name of ["udp send", "udp echo"]) {
  allowCommand(name, "lns");
  allowCommand(name, "subscriber");
}

/** The `lac` block of an isp node (its device side is src/devices/lac.ts). */
export const lacBlock = obj({
  lns: ipv4(),
  secret: str({ nonEmpty: true }),
  challenge: bool(),
  "hide-avps": bool(),
  hostname: str({ nonEmpty: true }),
  auth: oneOf(["chap", "pap"] as const),
  realm: str({ nonEmpty: true }),
  l2tp: l2tpBlock,
}, { required: ["lns"] });
extendKind("isp", { lac: { schema: lacBlock } });

/** Typed view of the `networks` of a split tunnel. */
export type Networks = Cidr[];
