/**
 * The `pptp` key of a host: named PPTP client profiles (`pptp connect office`), each with the server,
 * the user and the password MS-CHAPv2 answers with, checked against the script's `pptp connect` and
 * `pptp disconnect` actions.
 *
 * ```yaml
 * pptp:
 *   office: { server: 203.0.113.10, user: alice, password: wonderland }
 * ```
 */
import { SECOND } from "../engine/time.ts";
import type { NodeSpec, TopologyModel } from "../topology/model.ts";
import { duration, ipv4, obj, type ObjOut, type Schema, str } from "../topology/schema.ts";
import type { Report } from "./kind.ts";
import { pppSchemas } from "./l2tp_keys.ts";
import { checkProfileActions, namedProfiles } from "./named_profiles.ts";

const profileFields = {
  server: ipv4(),
  user: str({ nonEmpty: true }),
  password: str(),
  echo: duration(SECOND),
  ...pppSchemas,
};

const pptpProfile = obj(profileFields, { required: ["server", "user", "password"] });

/** A profile as read. */
export type PptpProfileSettings = ObjOut<typeof profileFields, "server" | "user" | "password">;

/** Reads the `pptp` map of profile names to profiles. */
export function pptpProfiles(): Schema<Record<string, PptpProfileSettings>> {
  return namedProfiles(
    "pptp",
    pptpProfile,
    "a map of PPTP profile names to their settings, like office: {server: ..., user: ..., password: ...}",
  );
}

/** The script's `pptp connect/disconnect NAME` must name a profile of the node. */
export function checkPptp(
  node: NodeSpec,
  profiles: Record<string, PptpProfileSettings> | undefined,
  model: TopologyModel,
  report: Report,
): void {
  checkProfileActions("pptp", node, profiles, model, report);
}
