/**
 * The `vpn` key of a host: named voluntary L2TP profiles (`vpn connect office`), each checked against
 * the others' rules and against the script's `vpn connect` / `vpn disconnect` actions.
 */
import type { NodeSpec, SourcePos, TopologyModel } from "../topology/model.ts";
import {
  bool,
  ipv4,
  list,
  network,
  obj,
  type ObjOut,
  oneOf,
  positionsOf,
  readMap,
  type Schema,
  str,
} from "../topology/schema.ts";
import type { Report } from "./kind.ts";
import { l2tpBlock, pppSchemas } from "./l2tp_keys.ts";
import { port } from "./nat_keys.ts";
import { actionsOn } from "../topology/script_index.ts";

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

const profilePositions = new WeakMap<object, Record<string, SourcePos>>();

/** Reads the `vpn` map of profile names to profiles. */
export function vpnProfiles(): Schema<Record<string, VpnProfileSettings>> {
  return (v, ctx) => {
    const entries = readMap(v, ctx, {
      expected: "a map of VPN names to their settings, like office: {server: ...}",
    });
    if (!entries) return undefined;
    const out: Record<string, VpnProfileSettings> = {};
    let ok = true;
    for (const [name, entry] of entries) {
      const profile = vpnProfile({ ...entry.val, label: `vpn ${name}` }, ctx);
      if (profile === undefined) ok = false;
      else {
        out[name] = profile;
        profilePositions.set(profile, { ...positionsOf(profile), self: entry.keyPos });
      }
    }
    return ok ? out : undefined;
  };
}

/** The `vpn` profiles of a host, checked against each other and the script. */
export function checkVpn(
  node: NodeSpec,
  profiles: Record<string, VpnProfileSettings> | undefined,
  model: TopologyModel,
  report: Report,
): void {
  for (const [name, profile] of Object.entries(profiles ?? {})) {
    const pos = profilePositions.get(profile) ?? {};
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
  for (const action of actionsOn(model, node.name)) {
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
