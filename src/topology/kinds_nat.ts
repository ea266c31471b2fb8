/**
 * Node kinds and commands of the NAT module: `nat-router`, `isp`, `tap`, `stun-server`; the script
 * commands `nat-check`, `stun-server` (on any host) and `nat flush`. Imported once from plugins.ts.
 */
import { SECOND } from "../engine/time.ts";
import { startNatCheck, startStunServer } from "../devices/apps/stun.ts";
import { registerNodeCommand } from "../devices/device.ts";
import { BEHAVIOURS, IPSEC_MODES, PORT_ALLOCATIONS, PRESET_NAMES } from "../stack/nat/config.ts";
import { parseIp } from "../wire/addr.ts";
import "../wire/stun.ts";
import { STUN_ALT_PORT, STUN_PORT } from "../wire/stun.ts";
import { allowCommand, argDuration, argInt, argIpv4, parseWords, registerCommand } from "./commands.ts";
import { type KindKey, registerKind, type Report } from "./kinds.ts";
import type { NodeSpec, SourcePos, TopologyModel } from "./model.ts";
import { bool, duration, int, ipv4, list, obj, oneOf, type Schema, str } from "./schema.ts";
import { networkOf, parseIpv4 } from "./values.ts";

/** `on`/`off` (as consumer routers label the switch) or `true`/`false`. */
function onOff(): Schema<boolean> {
  return (v, ctx) => {
    const node = v.node as { value?: unknown } | null;
    const value = node?.value;
    if (value === true || value === "on") return true;
    if (value === false || value === "off") return false;
    ctx.error(
      v.pos,
      `${v.label}: expected on or off, got ${
        value === undefined || value === null ? "nothing" : `"${String(value)}"`
      }`,
    );
    return undefined;
  };
}

/** `1024-65535`: the range new outside ports are drawn from. */
function portRange(): Schema<{ low: number; high: number }> {
  const text = str({ hint: "a port range like 1024-65535" });
  return (v, ctx) => {
    const s = text(v, ctx);
    if (s === undefined) return undefined;
    const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(s);
    const low = m ? Number(m[1]) : NaN;
    const high = m ? Number(m[2]) : NaN;
    if (!m || low < 1 || high > 65535 || low > high) {
      ctx.error(
        v.pos,
        `${v.label}: "${s}" is not a port range (write it like 1024-65535, low to high, 1 to 65535)`,
      );
      return undefined;
    }
    return { low, high };
  };
}

const behaviour = oneOf(BEHAVIOURS);
const port = int(1, 65535);

const natBlock = obj({
  mapping: behaviour,
  filtering: behaviour,
  "port-preservation": bool(),
  "port-range": portRange(),
  "port-allocation": oneOf(PORT_ALLOCATIONS),
  "udp-timeout": duration(SECOND),
  "udp-stream-timeout": duration(SECOND),
  "icmp-timeout": duration(SECOND),
  "esp-timeout": duration(SECOND),
  hairpin: bool(),
  "inbound-refresh": bool(),
});

const portForward = obj({
  proto: oneOf(["udp", "esp"] as const),
  port,
  to: ipv4(),
  "to-port": port,
}, { required: ["proto", "to"] });

/** The NAT keys shared by `nat-router` and an ISP's `cgnat` block. */
const natKeys = {
  preset: oneOf(PRESET_NAMES),
  nat: natBlock,
  "port-forwards": list(portForward),
  "ipsec-passthrough": oneOf(IPSEC_MODES),
  "ipsec-keep-port-500": bool(),
  "l2tp-passthrough": onOff(),
  "l2tp-keep-port-1701": bool(),
};

const keysOf = (schemas: Record<string, Schema<unknown>>): Record<string, KindKey> =>
  Object.fromEntries(Object.entries(schemas).map(([k, schema]) => [k, { schema }]));

function ifaceNames(node: NodeSpec): string[] {
  return node.interfaces.map((i) => i.name);
}

function checkIface(node: NodeSpec, name: string, key: string, at: SourcePos | undefined, report: Report) {
  if (ifaceNames(node).includes(name)) return true;
  report(
    at,
    `${key}: ${node.name} has no interface "${name}" (it has ${ifaceNames(node).join(", ") || "none"})`,
  );
  return false;
}

/** Port forwards must point into an inside subnet, with ports where the protocol has them. */
function checkForwards(
  node: NodeSpec,
  forwards: { proto: string; port?: number; to: string }[],
  inside: string[],
  at: SourcePos | undefined,
  report: Report,
): void {
  const seen = new Set<string>();
  for (const f of forwards) {
    if (f.proto === "udp" && f.port === undefined) {
      report(at, `port-forwards: the udp forward to ${f.to} needs a port (the outside port to open)`);
    }
    const key = `${f.proto}|${f.port ?? 0}`;
    if (seen.has(key)) {
      report(
        at,
        `port-forwards: ${f.proto}${f.port ? ` port ${f.port}` : ""} is forwarded twice (to one host only)`,
      );
    }
    seen.add(key);
    const to = parseIpv4(f.to);
    const inSubnet = to.ok && node.interfaces.some((i) => {
      const ip = parseIpv4(i.ip);
      return inside.includes(i.name) && ip.ok &&
        networkOf(ip.value, i.prefixLength) === networkOf(to.value, i.prefixLength);
    });
    if (!inSubnet) {
      report(
        at,
        `port-forwards: ${f.to} is not on an inside network of ${node.name} (inside: ${inside.join(", ")})`,
      );
    }
  }
}

registerKind({
  name: "nat-router",
  summary:
    "a NAT router: NAPT with RFC 4787 mapping/filtering, timeouts, port forwards, IPsec/L2TP passthrough",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys: {
    ...keysOf(natKeys),
    inside: { schema: list(str({ nonEmpty: true }), { min: 1 }) },
    outside: { schema: str({ nonEmpty: true }), required: true },
  },
  check(node, _model, report, positions) {
    const outside = node.config.outside as string;
    checkIface(node, outside, "outside", positions.outside, report);
    const inside = (node.config.inside as string[] | undefined) ??
      ifaceNames(node).filter((n) => n !== outside);
    for (const name of inside) {
      if (!checkIface(node, name, "inside", positions.inside, report)) continue;
      if (name === outside) {
        report(positions.inside, `inside: ${name} is the outside interface; it cannot be both`);
      }
    }
    if (inside.length === 0) {
      report(
        positions.outside,
        `${node.name} needs an inside interface besides the outside one (${outside})`,
      );
    }
    const forwards = node.config["port-forwards"] as
      | { proto: string; port?: number; to: string }[]
      | undefined;
    if (forwards) checkForwards(node, forwards, inside, positions["port-forwards"], report);
  },
});

/** Keys other modules add to `isp` (the LAC's `lac:` block), registered with `registerIspKey`. */
const ispKeys: Record<string, KindKey> = {
  upstream: { schema: str({ nonEmpty: true }), required: true },
  subscribers: { schema: list(str({ nonEmpty: true }), { min: 1 }) },
  cgnat: {
    schema: ((v, ctx) => {
      const node = v.node as { value?: unknown } | null;
      if (node && (node.value === true || node.value === false)) return node.value;
      return obj({ ...natKeys, inside: list(str({ nonEmpty: true }), { min: 1 }) })(v, ctx);
    }) as Schema<unknown>,
  },
};

/** Adds a key to the `isp` kind (the extension point in src/devices/isp.ts pairs with it). */
export function registerIspKey(key: string, def: KindKey): void {
  ispKeys[key] = def;
}

registerKind({
  name: "isp",
  summary: "an ISP access router: subscriber interfaces, an upstream, optional carrier-grade NAT (cgnat)",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys: ispKeys,
  check(node, _model, report, positions) {
    const upstream = node.config.upstream as string;
    checkIface(node, upstream, "upstream", positions.upstream, report);
    const subscribers = (node.config.subscribers as string[] | undefined) ??
      ifaceNames(node).filter((n) => n !== upstream);
    for (const name of subscribers) {
      if (!checkIface(node, name, "subscribers", positions.subscribers, report)) continue;
      if (name === upstream) report(positions.subscribers, `subscribers: ${name} is the upstream interface`);
    }
    const cgnat = node.config.cgnat as Record<string, unknown> | boolean | undefined;
    if (cgnat && typeof cgnat === "object") {
      const inside = (cgnat.inside as string[] | undefined) ?? subscribers;
      for (const name of inside) checkIface(node, name, "cgnat inside", positions.cgnat, report);
      const forwards = cgnat["port-forwards"] as { proto: string; port?: number; to: string }[] | undefined;
      if (forwards) checkForwards(node, forwards, inside, positions.cgnat, report);
    }
  },
});

registerKind({
  name: "tap",
  summary: "an eavesdropper on a link: records every frame it sees there, changes nothing",
  routes: false,
  gateway: false,
  interfacesRequired: false,
  keys: { link: { schema: str({ nonEmpty: true }), required: true } },
  check(node, model: TopologyModel, report, positions) {
    const name = node.config.link as string;
    const names = model.links.map((l) => l.name);
    if (!names.includes(name)) {
      report(
        positions.link,
        `link: there is no link "${name}" to tap (links: ${names.join(", ") || "none"})`,
      );
    }
  },
});

registerKind({
  name: "stun-server",
  summary: "a STUN server (RFC 5389/5780) with two addresses and two ports, for nat-check",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys: {
    "alternate-address": { schema: ipv4() },
    port: { schema: port },
    "alternate-port": { schema: port },
  },
  check(node, model, report, positions) {
    const alt = node.config["alternate-address"] as string | undefined;
    const first = node.interfaces[0];
    if (alt !== undefined && first) {
      if (node.interfaces.some((i) => i.ip === alt)) {
        report(positions["alternate-address"], `alternate-address ${alt} is already an interface address`);
      }
      const onLink = model.links.find((l) =>
        l.endpoints.some((e) => e.node === node.name && e.iface === first.name)
      );
      if (onLink && onLink.endpoints.length > 2) {
        report(
          positions["alternate-address"],
          `alternate-address works on a point-to-point link; ${first.name} is on the shared segment ${onLink.name} ` +
            `(give ${node.name} a second interface instead)`,
        );
      }
    }
    if (alt === undefined && node.interfaces.length < 2) {
      report(
        undefined,
        `${node.name}: a STUN server needs two addresses for RFC 5780 (set alternate-address, or give it two interfaces)`,
      );
    }
    const p = (node.config.port as number | undefined) ?? STUN_PORT;
    const ap = (node.config["alternate-port"] as number | undefined) ?? STUN_ALT_PORT;
    if (p === ap) report(positions["alternate-port"], `alternate-port must differ from port (${p})`);
  },
});

// ---- commands ----------------------------------------------------------------------------------------

registerCommand({
  name: "nat-check",
  target: "node",
  kinds: ["host"],
  usage: "nat-check SERVER [port N] [rto T] [tries N]",
  parse: (tokens) =>
    parseWords(tokens, {
      positional: [["server", argIpv4]],
      options: { port: argInt(1, 65535), rto: argDuration, tries: argInt(1, 10) },
      defaults: { port: STUN_PORT, rto: 500_000, tries: 3 },
    }),
});

registerCommand({
  name: "stun-server",
  target: "node",
  kinds: ["host"],
  usage: "stun-server [port N] [alternate-port N]",
  parse: (tokens) =>
    parseWords(tokens, {
      positional: [],
      options: { port: argInt(1, 65535), "alternate-port": argInt(1, 65535) },
      defaults: { port: STUN_PORT, "alternate-port": STUN_ALT_PORT },
    }),
});

registerCommand({
  name: "nat flush",
  id: "nat-flush",
  target: "node",
  kinds: ["nat-router", "isp"],
  usage: "nat flush",
  parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
});

for (const kind of ["nat-router", "isp", "stun-server"]) {
  for (const command of ["ping", "udp send", "udp echo"]) allowCommand(command, kind);
}
allowCommand("nat-check", "stun-server");

registerNodeCommand("nat-check", (device, command) => {
  const args = command.args as { server: string; port: number; rto: number; tries: number };
  startNatCheck(device, { server: parseIp(args.server)!, port: args.port, rto: args.rto, tries: args.tries });
});

registerNodeCommand("stun-server", (device, command) => {
  const args = command.args as { port: number; "alternate-port": number };
  const [first, second] = device.ip.interfaces;
  if (!first) return device.log("stun-server: no interface to listen on");
  startStunServer(device, {
    primary: first.ip,
    alternate: second?.ip,
    port: args.port,
    altPort: args["alternate-port"],
  });
});
