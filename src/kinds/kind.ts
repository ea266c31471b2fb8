/**
 * What a node kind is: the keys its YAML may carry (each with its schema), the commands it runs, the
 * cross-checks that need the whole file, and the factory of its device. A kind module writes its keys
 * once; the settings type its device receives is derived from them (`SettingsOf`), and `Agree` proves
 * at compile time that the device's own settings interface names the same keys with the same types,
 * so a renamed key fails the type check instead of silently reading `undefined`.
 */
import type { SimContext } from "../engine/context.ts";
import type { Device } from "../devices/device.ts";
import type { DeviceSpec } from "../devices/spec.ts";
import type { NodeSpec, SourcePos, TopologyModel } from "../topology/model.ts";
import type { Schema } from "../topology/schema.ts";

/** Reports a mistake found by a kind's cross-check (at the node's name when `pos` is unknown). */
export type Report = (pos: SourcePos | undefined, message: string) => void;

/** One kind-specific key: how its value is read, and whether a node must write it. */
export interface KindKey<T = unknown> {
  schema: Schema<T>;
  required?: boolean;
}

/** An optional key. */
export function optional<T>(schema: Schema<T>): { schema: Schema<T> } {
  return { schema };
}

/** A key every node of the kind must write. */
export function required<T>(schema: Schema<T>): { schema: Schema<T>; required: true } {
  return { schema, required: true };
}

type RequiredNames<K> = { [N in keyof K]: K[N] extends { required: true } ? N : never }[keyof K];
type ValueOf<E> = E extends { schema: Schema<infer T> } ? T : never;

/** The typed settings a kind's keys produce: required keys present, the others optional. */
export type SettingsOf<K> =
  & { [N in RequiredNames<K>]: ValueOf<K[N]> }
  & { [N in Exclude<keyof K, RequiredNames<K>>]?: ValueOf<K[N]> };

/** `true` when A and B have the same keys and each is assignable to the other, else `false`. */
export type Agree<A, B> = [A] extends [B]
  ? [B] extends [A] ? [keyof A] extends [keyof B] ? [keyof B] extends [keyof A] ? true
      : false
    : false
  : false
  : false;

/** A kind as its module writes it, with its settings typed from its keys. */
export interface KindSpec<K extends Record<string, KindKey>> {
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
  keys: K;
  /** The script commands (by name, as in `do:`) nodes of this kind can run. */
  commands: readonly string[];
  /**
   * Checks that need the whole model (an interface named in the settings exists, ...). `positions`
   * holds where each key's value was written. Runs only when every required key is present.
   */
  check?(
    node: NodeSpec,
    settings: SettingsOf<K>,
    model: TopologyModel,
    report: Report,
    positions: Record<string, SourcePos>,
  ): void;
  /** Builds the device of a validated node. */
  create(spec: DeviceSpec, settings: SettingsOf<K>, ctx: SimContext): Device;
}

/** A kind as the loader, the builder and the tools read it (its settings type no longer needed). */
export interface NodeKind {
  readonly name: string;
  readonly summary: string;
  readonly routes: boolean;
  readonly gateway: boolean;
  readonly interfacesRequired: boolean;
  readonly keys: Readonly<Record<string, KindKey>>;
  readonly commands: readonly string[];
  check?(node: NodeSpec, model: TopologyModel, report: Report, positions: Record<string, SourcePos>): void;
  create(spec: NodeSpec, ctx: SimContext): Device;
}

/** Turns a kind module's spec into the kind the tools read. */
export function defineKind<K extends Record<string, KindKey>>(spec: KindSpec<K>): NodeKind {
  // The loader stored exactly these keys, each read by its schema, so the config is these settings.
  const settingsOf = (node: NodeSpec) => node.config as SettingsOf<K>;
  const check = spec.check;
  return {
    name: spec.name,
    summary: spec.summary,
    routes: spec.routes,
    gateway: spec.gateway,
    interfacesRequired: spec.interfacesRequired,
    keys: spec.keys,
    commands: spec.commands,
    ...(check
      ? { check: (node, model, report, positions) => check(node, settingsOf(node), model, report, positions) }
      : {}),
    create: (node, ctx) => spec.create(node, settingsOf(node), ctx),
  };
}
