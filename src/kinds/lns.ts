/**
 * The `lns` kind: an L2TP network server terminating tunnels and PPP sessions, handing out addresses
 * from its pool and routing to its LAN; may run L2TP/IPsec.
 */
import { Lns, type LnsSettings } from "../devices/lns.ts";
import { bool, int, oneOf, str } from "../topology/schema.ts";
import { ipsecKey, withIpsec } from "./ipsec_keys.ts";
import { type Agree, defineKind, optional, type SettingsOf } from "./kind.ts";
import { l2tpBlock, pppKeys, users } from "./l2tp_keys.ts";
import { checkPool, pppServerKeys } from "./ppp_server_keys.ts";
import { port } from "./nat_keys.ts";
import { withMssClamp } from "../devices/mss_clamp.ts";
import { mssClampKey } from "./tcp_keys.ts";

const keys = {
  hostname: optional(str({ nonEmpty: true })),
  secret: optional(str({ nonEmpty: true })),
  challenge: optional(bool()),
  "hide-avps": optional(bool()),
  auth: optional(oneOf(["chap", "pap", "none"] as const)),
  users: optional(users()),
  ...pppServerKeys,
  "max-tunnels": optional(int(1, 65535)),
  "max-sessions": optional(int(1, 65535)),
  proxy: optional(oneOf(["accept", "renegotiate"] as const)),
  "answer-port": optional(port),
  l2tp: optional(l2tpBlock),
  ...pppKeys,
  ...ipsecKey,
  ...mssClampKey,
};

const _agree: Agree<Omit<SettingsOf<typeof keys>, "ipsec" | "tcp-mss-clamp">, LnsSettings> = true;

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
    checkPool(node, settings, report, positions, "the LNS");
    const auth = settings.auth ?? "chap";
    if (auth !== "none" && settings.users === undefined) {
      report(undefined, `node ${node.name}: auth ${auth} needs users (a map of user names to passwords)`);
    }
    if (settings.challenge === true && settings.secret === undefined) {
      report(positions.challenge, `challenge: true needs a secret (the shared tunnel secret)`);
    }
  },
  create: (spec, settings, ctx) =>
    withMssClamp(withIpsec(new Lns(spec, ctx, settings), settings.ipsec), settings["tcp-mss-clamp"]),
});
