/**
 * The NAT settings shared by `nat-router` and an ISP's `cgnat` block (a preset, RFC 4787 behaviours,
 * timeouts, port forwards, IPsec and L2TP passthrough) and the checks both kinds make with them.
 */
import { SECOND } from "../engine/time.ts";
import { BEHAVIOURS, IPSEC_MODES, PORT_ALLOCATIONS, PRESET_NAMES } from "../stack/nat/config.ts";
import { TCP_TRACK_TIMEOUTS } from "../stack/tcp/conntrack.ts";
import type { NodeSpec, SourcePos } from "../topology/model.ts";
import { bool, duration, int, ipv4, list, obj, oneOf, type Schema, str } from "../topology/schema.ts";
import { networkOf, parseIpv4 } from "../topology/values.ts";
import { optional, type Report } from "./kind.ts";

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

/** A port, 1 to 65535. */
export const port = int(1, 65535);

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
  // Up to Linux's default of 5 days (write 120h): longer than a run, which is the point of it.
  "tcp-established-timeout": duration(SECOND, TCP_TRACK_TIMEOUTS.ESTABLISHED),
  hairpin: bool(),
  "inbound-refresh": bool(),
});

const portForward = obj({
  proto: oneOf(["udp", "tcp", "esp"] as const),
  port,
  to: ipv4(),
  "to-port": port,
}, { required: ["proto", "to"] });

/** The NAT keys' schemas, shared by `nat-router` and an ISP's `cgnat` block. */
export const natSchemas = {
  preset: oneOf(PRESET_NAMES),
  nat: natBlock,
  "port-forwards": list(portForward),
  "ipsec-passthrough": oneOf(IPSEC_MODES),
  "ipsec-keep-port-500": bool(),
  "l2tp-passthrough": onOff(),
  "l2tp-keep-port-1701": bool(),
  "pptp-passthrough": onOff(),
};

/** The NAT keys of a node kind. */
export const natKeys = {
  preset: optional(natSchemas.preset),
  nat: optional(natSchemas.nat),
  "port-forwards": optional(natSchemas["port-forwards"]),
  "ipsec-passthrough": optional(natSchemas["ipsec-passthrough"]),
  "ipsec-keep-port-500": optional(natSchemas["ipsec-keep-port-500"]),
  "l2tp-passthrough": optional(natSchemas["l2tp-passthrough"]),
  "l2tp-keep-port-1701": optional(natSchemas["l2tp-keep-port-1701"]),
  "pptp-passthrough": optional(natSchemas["pptp-passthrough"]),
};

/** The names of a node's interfaces. */
export function ifaceNames(node: NodeSpec): string[] {
  return node.interfaces.map((i) => i.name);
}

/** Reports (and returns false) when `node` has no interface `name`, named by setting `key`. */
export function checkIface(
  node: NodeSpec,
  name: string,
  key: string,
  at: SourcePos | undefined,
  report: Report,
): boolean {
  if (ifaceNames(node).includes(name)) return true;
  report(
    at,
    `${key}: ${node.name} has no interface "${name}" (it has ${ifaceNames(node).join(", ") || "none"})`,
  );
  return false;
}

/** Port forwards must point into an inside subnet, with ports where the protocol has them. */
export function checkForwards(
  node: NodeSpec,
  forwards: readonly { proto: string; port?: number; to: string }[],
  inside: readonly string[],
  at: SourcePos | undefined,
  report: Report,
): void {
  const seen = new Set<string>();
  for (const f of forwards) {
    if ((f.proto === "udp" || f.proto === "tcp") && f.port === undefined) {
      report(at, `port-forwards: the ${f.proto} forward to ${f.to} needs a port (the outside port to open)`);
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
