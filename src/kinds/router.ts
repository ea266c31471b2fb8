/** The `router` kind: forwards by longest-prefix match over static routes; may run L2TP/IPsec. */
import { Router } from "../devices/host.ts";
import { ipsecKey, withIpsec } from "./ipsec_keys.ts";
import { TCP_TOOLS } from "./commands.ts";
import { defineKind } from "./kind.ts";
import { wireguardKey, withWireguard } from "./wireguard_keys.ts";

/** A plain IP router. */
export const routerKind = defineKind({
  name: "router",
  summary: "forwards between its interfaces by longest-prefix match over static routes",
  routes: true,
  gateway: false,
  interfacesRequired: true,
  keys: { ...ipsecKey, ...wireguardKey },
  commands: ["ping", "udp send", "udp echo", ...TCP_TOOLS],
  create: (spec, settings, ctx) =>
    withWireguard(withIpsec(new Router(spec, ctx), settings.ipsec), settings.wireguard),
});
