/**
 * The `vpn` key of a host: named voluntary L2TP profiles (`vpn connect office`), each checked against
 * the others' rules and against the script's `vpn connect` / `vpn disconnect` actions.
 */
import type { NodeSpec, TopologyModel } from "../topology/model.ts";
import { bool, ipv4, list, network, obj, type ObjOut, oneOf, type Schema, str } from "../topology/schema.ts";
import type { Report } from "./kind.ts";
import { l2tpBlock, pppSchemas } from "./l2tp_keys.ts";
import { port } from "./nat_keys.ts";
import { checkProfileActions, namedProfiles, profilePositions } from "./named_profiles.ts";

const profileFields = {
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
  ...pppSchemas,
};

/** One `vpn` profile of a host: a voluntary L2TP tunnel to an LNS. */
const vpnProfile = obj(profileFields, { required: ["server"] });

/** A profile as read. */
export type VpnProfileSettings = ObjOut<typeof profileFields, "server">;

/** Reads the `vpn` map of profile names to profiles. */
export function vpnProfiles(): Schema<Record<string, VpnProfileSettings>> {
  return namedProfiles("vpn", vpnProfile, "a map of VPN names to their settings, like office: {server: ...}");
}

/** The `vpn` profiles of a host, checked against each other and the script. */
export function checkVpn(
  node: NodeSpec,
  profiles: Record<string, VpnProfileSettings> | undefined,
  model: TopologyModel,
  report: Report,
): void {
  for (const [name, profile] of Object.entries(profiles ?? {})) {
    const pos = profilePositions(profile);
    const routes = profile.routes ?? "full";
    if (routes === "split" && profile.networks === undefined) {
      report(
        pos.routes ?? pos.self,
        `vpn ${name}: routes: split needs networks (the ones to send through the tunnel)`,
      );
    }
    if (routes === "full" && profile.networks !== undefined) {
      report(pos.networks, `vpn ${name}: networks is only used with routes: split`);
    }
    const auth = profile.auth ?? "any";
    if (auth !== "none" && profile.user === undefined) {
      report(pos.self, `vpn ${name}: missing user (or set auth: none)`);
    }
    if (profile.challenge === true && profile.secret === undefined) {
      report(pos.challenge, `vpn ${name}: challenge: true needs a secret`);
    }
  }
  checkProfileActions("vpn", node, profiles, model, report);
}
