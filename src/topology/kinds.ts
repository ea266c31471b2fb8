/**
 * The registry of node kinds the loader accepts. A kind says which keys its nodes may carry beyond the
 * common ones (`kind`, `position`, `interfaces`, and `routes`/`gateway` where allowed) and how to read
 * them; later modules register `nat-router`, `isp`, `lns`, `tap` here with their own keys.
 */
import type { NodeSpec, SourcePos, TopologyModel } from "./model.ts";
import type { Schema } from "./schema.ts";

/** Reports a mistake found by a kind's cross-check (at the node's name when `pos` is unknown). */
export type Report = (pos: SourcePos | undefined, message: string) => void;

/** One kind-specific key. */
export interface KindKey {
  schema: Schema<unknown>;
  required?: boolean;
}

/** A node kind's schema. */
export interface KindDef {
  name: string;
  /** One line for `--help` and error messages. */
  summary: string;
  /** Whether nodes of this kind may have a `routes` list. */
  routes: boolean;
  /** Whether nodes of this kind may have a `gateway` (turned into a default route). */
  gateway: boolean;
  /** Whether `interfaces` must be given (false: optional). */
  interfacesRequired: boolean;
  /** Extra keys, stored in `NodeSpec.config` under the same name. */
  keys: Record<string, KindKey>;
  /**
   * Checks that need the whole model (an interface named in config exists, ...). `positions` holds
   * where each config key's value was written. Runs only when every required key is present.
   */
  check?(node: NodeSpec, model: TopologyModel, report: Report, positions: Record<string, SourcePos>): void;
}

const kinds = new Map<string, KindDef>();

/** Keys added to a kind by other modules, kept so a kind registered later still gets them. */
const extensions = new Map<string, Record<string, KindKey>>();

/** Adds (or replaces) a kind, with the keys `extendKind` added to that name. */
export function registerKind(def: KindDef): void {
  kinds.set(def.name, { ...def, keys: { ...def.keys, ...extensions.get(def.name) } });
}

/**
 * Lets nodes of kind `name` carry more keys (e.g. `ipsec` on host, router and lns), whether the kind
 * is registered before or after this call.
 */
export function extendKind(name: string, keys: Record<string, KindKey>): void {
  extensions.set(name, { ...extensions.get(name), ...keys });
  const def = kinds.get(name);
  if (def) Object.assign(def.keys, keys);
}

/** The kind called `name`, if registered. */
export function getKind(name: string): KindDef | undefined {
  return kinds.get(name);
}

/** Names of all registered kinds, in registration order. */
export function kindNames(): string[] {
  return [...kinds.keys()];
}

registerKind({
  name: "host",
  summary: "an end system: interfaces, a default gateway, static routes, ping and a small UDP app",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys: {},
});

registerKind({
  name: "router",
  summary: "forwards between its interfaces by longest-prefix match over static routes",
  routes: true,
  gateway: false,
  interfacesRequired: true,
  keys: {},
});
