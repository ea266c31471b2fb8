/**
 * The `firewall` kind: a router with an ordered, stateful rule list between its inside and outside
 * interfaces, a default policy, and optional MSS clamping. Each rule may name `proto`, `src`, `dst`,
 * `src-port`, `dst-port` (a port or `low-high`), `icmp-type`, `icmp-code`, `direction` (`in` from the
 * outside, `out` from the inside) and `established`; the first match decides.
 */
import { FirewallRouter } from "../devices/firewall.ts";
import { withMssClamp } from "../devices/mss_clamp.ts";
import type { FirewallRule, FirewallSettings } from "../stack/firewall/rules.ts";
import { bool, int, list, network, obj, oneOf, positionsOf, type Schema, str } from "../topology/schema.ts";
import { defineKind, optional } from "./kind.ts";
import { checkIface } from "./nat_keys.ts";
import { mssClampKey } from "./tcp_keys.ts";

/** `500` or `1024-65535`, as an inclusive range. */
function portRange(): Schema<[number, number]> {
  return (v, ctx) => {
    const value = (v.node as { value?: unknown } | null)?.value;
    const m = typeof value === "number"
      ? [String(value), String(value), String(value)]
      : typeof value === "string"
      ? /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(value)
      : null;
    const low = m ? Number(m[1]) : NaN;
    const high = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || low < 1 || high > 65535 || low > high) {
      ctx.error(
        v.pos,
        `${v.label}: expected a port like 500 or a range like 1024-65535, got ${
          JSON.stringify(value ?? null)
        }`,
      );
      return undefined;
    }
    return [low, high];
  };
}

const ruleSchema = obj({
  name: str({ nonEmpty: true }),
  action: oneOf(["accept", "drop", "reject"] as const),
  proto: oneOf(["tcp", "udp", "icmp", "esp"] as const),
  src: network(),
  dst: network(),
  "src-port": portRange(),
  "dst-port": portRange(),
  "icmp-type": int(0, 255),
  "icmp-code": int(0, 255),
  direction: oneOf(["in", "out"] as const),
  established: bool(),
}, { required: ["action"] });

type RuleInput = NonNullable<ReturnType<typeof ruleSchema>>;

const keys = {
  inside: optional(list(str({ nonEmpty: true }), { min: 1 })),
  policy: optional(oneOf(["accept", "drop", "reject"] as const)),
  rules: optional(list(ruleSchema)),
  ...mssClampKey,
};

function toRule(input: RuleInput, index: number): FirewallRule {
  const block = (c: { ip: number; prefixLength: number }) => ({
    network: c.ip,
    prefixLength: c.prefixLength,
  });
  return {
    name: input.name ?? `rule ${index + 1}`,
    action: input.action,
    ...(input.proto ? { proto: input.proto } : {}),
    ...(input.src ? { src: block(input.src) } : {}),
    ...(input.dst ? { dst: block(input.dst) } : {}),
    ...(input["src-port"] ? { srcPort: input["src-port"] } : {}),
    ...(input["dst-port"] ? { dstPort: input["dst-port"] } : {}),
    ...(input["icmp-type"] !== undefined ? { icmpType: input["icmp-type"] } : {}),
    ...(input["icmp-code"] !== undefined ? { icmpCode: input["icmp-code"] } : {}),
    ...(input.direction ? { direction: input.direction } : {}),
    ...(input.established !== undefined ? { established: input.established } : {}),
  };
}

/** A stateful firewall. */
export const firewallKind = defineKind({
  name: "firewall",
  summary:
    "a router with an ordered stateful rule list (proto, ports, ICMP type/code, direction, established)",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys,
  commands: ["ping", "udp send", "udp echo"],
  check(node, settings, _model, report, positions) {
    for (const name of settings.inside ?? []) checkIface(node, name, "inside", positions.inside, report);
    for (const rule of settings.rules ?? []) {
      // A rule that failed to read is not in the list, so each complaint points at the rule's own keys.
      const at = positionsOf(rule);
      const where = (key: string) => at[key] ?? at.action ?? positions.rules;
      const ports = rule["src-port"] ? "src-port" : rule["dst-port"] ? "dst-port" : undefined;
      if (ports && rule.proto !== "tcp" && rule.proto !== "udp") {
        report(where(ports), `rules: ${ports} needs proto tcp or udp`);
      }
      const icmp = rule["icmp-type"] !== undefined
        ? "icmp-type"
        : rule["icmp-code"] !== undefined
        ? "icmp-code"
        : undefined;
      if (icmp && rule.proto !== "icmp") report(where(icmp), `rules: ${icmp} needs proto icmp`);
      if (rule.direction && !settings.inside) {
        report(where("direction"), "rules: direction needs inside: (the interfaces on the protected side)");
      }
    }
  },
  create(spec, settings, ctx) {
    const firewall: FirewallSettings = {
      rules: (settings.rules ?? []).map(toRule),
      policy: settings.policy ?? "accept",
      inside: settings.inside ?? [],
    };
    return withMssClamp(new FirewallRouter(spec, ctx, firewall), settings["tcp-mss-clamp"]);
  },
});
