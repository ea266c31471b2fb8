/** The `router` kind: forwards by longest-prefix match over static routes; may run L2TP/IPsec. */
import { Router } from "../devices/host.ts";
import { checkOneIke, ikev2Key, withIkev2 } from "./ikev2_keys.ts";
import { ipsecKey, withIpsec } from "./ipsec_keys.ts";
import { TCP_TOOLS } from "./commands.ts";
import { defineKind } from "./kind.ts";
import { withMssClamp } from "../devices/mss_clamp.ts";
import { mssClampKey } from "./tcp_keys.ts";
import { wireguardKey, withWireguard } from "./wireguard_keys.ts";

/** A plain IP router. */
export const routerKind = defineKind({
  name: "router",
  summary: "forwards between its interfaces by longest-prefix match over static routes",
  routes: true,
  gateway: false,
  interfacesRequired: true,
  keys: { ...ipsecKey, ...wireguardKey, ...mssClampKey, ...ikev2Key },
  commands: ["ping", "udp send", "udp echo", ...TCP_TOOLS],
  check(_node, settings, _model, report, positions) {
    checkOneIke(settings, report, positions);
  },
  create: (spec, settings, ctx) =>
    withIkev2(
      withMssClamp(
        withWireguard(withIpsec(new Router(spec, ctx), settings.ipsec), settings.wireguard),
        settings["tcp-mss-clamp"],
      ),
      settings.ikev2,
    ),
});
