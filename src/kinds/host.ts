/** The `host` kind: an end system with a gateway, static routes, the script's tools and VPN profiles. */
import { Host, type HostSettings } from "../devices/host.ts";
import { TCP_TOOLS } from "./commands.ts";
import { checkOneIke, ikev2Key, withIkev2 } from "./ikev2_keys.ts";
import { ipsecKey, withIpsec } from "./ipsec_keys.ts";
import { type Agree, defineKind, optional, type SettingsOf } from "./kind.ts";
import { checkVpn, vpnProfiles } from "./vpn_keys.ts";
import { checkPptp, pptpProfiles } from "./pptp_keys.ts";
import { wireguardKey, withWireguard } from "./wireguard_keys.ts";

const keys = {
  vpn: optional(vpnProfiles()),
  pptp: optional(pptpProfiles()),
  ...ipsecKey,
  ...wireguardKey,
  ...ikev2Key,
};

const _agree: Agree<Omit<SettingsOf<typeof keys>, "ipsec" | "wireguard" | "ikev2">, HostSettings> = true;

/** An end host. */
export const hostKind = defineKind({
  name: "host",
  summary: "an end system: interfaces, a default gateway, static routes, ping and a small UDP app",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys,
  commands: [
    "ping",
    "udp send",
    "udp echo",
    "nat-check",
    "stun-server",
    "vpn connect",
    "vpn disconnect",
    "pptp connect",
    "pptp disconnect",
    ...TCP_TOOLS,
  ],
  check(node, settings, model, report, positions) {
    checkVpn(node, settings.vpn, model, report);
    checkPptp(node, settings.pptp, model, report);
    checkOneIke(settings, report, positions);
  },
  create: (spec, settings, ctx) =>
    withIkev2(
      withWireguard(withIpsec(new Host(spec, ctx, settings), settings.ipsec), settings.wireguard),
      settings.ikev2,
    ),
});
