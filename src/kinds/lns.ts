/**
 * The `lns` kind: an L2TP network server terminating tunnels and PPP sessions, handing out addresses
 * from its pool and routing to its LAN; may run L2TP/IPsec.
 */
import { Lns, type LnsSettings } from "../devices/lns.ts";
import { bool, int, ipv4, list, oneOf, str } from "../topology/schema.ts";
import { formatIpv4, parseIpv4 } from "../topology/values.ts";
import { ipsecKey, withIpsec } from "./ipsec_keys.ts";
import { type Agree, defineKind, optional, required, type SettingsOf } from "./kind.ts";
import { l2tpBlock, type PoolRange, poolRange, pppKeys, users } from "./l2tp_keys.ts";
import { port } from "./nat_keys.ts";

const keys = {
  hostname: optional(str({ nonEmpty: true })),
  secret: optional(str({ nonEmpty: true })),
  challenge: optional(bool()),
  "hide-avps": optional(bool()),
  auth: optional(oneOf(["chap", "pap", "none"] as const)),
  users: optional(users()),
  pool: required(poolRange()),
  "local-address": required(ipv4()),
  dns: optional(list(ipv4(), { min: 1 })),
  "max-tunnels": optional(int(1, 65535)),
  "max-sessions": optional(int(1, 65535)),
  proxy: optional(oneOf(["accept", "renegotiate"] as const)),
  "answer-port": optional(port),
  l2tp: optional(l2tpBlock),
  ...pppKeys,
  ...ipsecKey,
};

const _agree: Agree<Omit<SettingsOf<typeof keys>, "ipsec">, LnsSettings> = true;

function inRange(ip: number, pool: PoolRange): boolean {
  return ip >= pool.first && ip <= pool.last;
}

/** An L2TP network server. */
export const lnsKind = defineKind({
  name: "lns",
  summary:
    "an L2TP network server: terminates tunnels and PPP sessions, hands out pool addresses, routes to its LAN",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys,
  commands: ["ping", "udp send", "udp echo"],
  check(node, settings, _model, report, positions) {
    const pool = settings.pool;
    const local = parseIpv4(settings["local-address"]);
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
    const auth = settings.auth ?? "chap";
    if (auth !== "none" && settings.users === undefined) {
      report(undefined, `node ${node.name}: auth ${auth} needs users (a map of user names to passwords)`);
    }
    if (settings.challenge === true && settings.secret === undefined) {
      report(positions.challenge, `challenge: true needs a secret (the shared tunnel secret)`);
    }
  },
  create: (spec, settings, ctx) => withIpsec(new Lns(spec, ctx, settings), settings.ipsec),
});
