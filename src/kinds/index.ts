/**
 * The one list of node kinds and script commands. The loader reads kinds and commands from here, the
 * builder (and so `simulate()`) makes devices with the kinds' factories, the CLI prints both in
 * `--help`, and the browser's what-if panel reads each kind's choices. Nothing registers itself: a new
 * kind is a module in this folder and one line in `KINDS`. (Packet dissectors have their own static
 * list in src/wire/dissect.ts.)
 */
import type { CommandDef } from "../topology/commands.ts";
import type { Schema } from "../topology/schema.ts";
import { COMMAND_SPECS } from "./commands.ts";
import { firewallKind } from "./firewall.ts";
import { hostKind } from "./host.ts";
import { ispKind } from "./isp.ts";
import type { NodeKind } from "./kind.ts";
import { lnsKind } from "./lns.ts";
import { mitmKind } from "./mitm.ts";
import { pptpServerKind } from "./pptp_server.ts";
import { natRouterKind } from "./nat_router.ts";
import { routerKind } from "./router.ts";
import { stunServerKind } from "./stun_server.ts";
import { subscriberKind } from "./subscriber.ts";
import { tapKind } from "./tap.ts";

export type { NodeKind } from "./kind.ts";

/** Every node kind, in the order `--help` and error messages list them. */
export const KINDS: readonly NodeKind[] = [
  hostKind,
  routerKind,
  natRouterKind,
  firewallKind,
  ispKind,
  tapKind,
  mitmKind,
  stunServerKind,
  lnsKind,
  pptpServerKind,
  subscriberKind,
];

/** Every script command, each with the kinds that list it among their commands (link commands: none). */
export const COMMANDS: readonly CommandDef[] = COMMAND_SPECS.map((spec) =>
  spec.target === "node"
    ? { ...spec, kinds: KINDS.filter((k) => k.commands.includes(spec.name)).map((k) => k.name) }
    : spec
);

const byName = new Map(KINDS.map((kind) => [kind.name, kind]));

/** The kind called `name`, if there is one. */
export function getKind(name: string): NodeKind | undefined {
  return byName.get(name);
}

/** Names of all kinds, in `KINDS` order. */
export function kindNames(): string[] {
  return KINDS.map((kind) => kind.name);
}

/** A setting of a kind that takes one of a fixed set of words, and those words. */
export interface SettingChoices {
  /** Keys from the node down, e.g. `["nat", "mapping"]` or `["ipsec", "nat-t"]`. */
  path: readonly string[];
  options: readonly string[];
}

/**
 * The settings of kind `name` that take one word of a fixed set (a NAT behaviour, a preset, an IPsec
 * passthrough mode, NAT-T...), with their words, read from the kind's schemas: what the what-if panel
 * offers as a choice. Empty for an unknown kind.
 */
export function settingChoices(name: string): SettingChoices[] {
  const found: SettingChoices[] = [];
  const walk = (schema: Schema<unknown>, path: string[]) => {
    if (schema.options) found.push({ path, options: schema.options });
    for (const [key, field] of Object.entries(schema.fields ?? {})) walk(field, [...path, key]);
  };
  for (const [key, def] of Object.entries(getKind(name)?.keys ?? {})) walk(def.schema, [key]);
  return found;
}
