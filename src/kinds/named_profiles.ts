/**
 * A host's client profiles by name, as its `vpn:` (L2TP) and `pptp:` blocks hold them: each profile is
 * read by its block's schema under a label like `vpn office`, keeps where it was written for later
 * complaints, and the script's `vpn connect office` / `pptp disconnect office` must name one of them.
 * The two blocks differ in their profiles' fields, not in how the names work.
 */
import type { NodeSpec, SourcePos, TopologyModel } from "../topology/model.ts";
import { positionsOf, readMap, type Schema } from "../topology/schema.ts";
import { actionsOn } from "../topology/script_index.ts";
import type { Report } from "./kind.ts";

/** The blocks whose profiles the script's `BLOCK connect NAME` and `BLOCK disconnect NAME` name. */
export type ProfileBlock = "vpn" | "pptp";

const written = new WeakMap<object, Record<string, SourcePos>>();

/** Reads a map of profile names to profiles; `expected` shows the form when the block is not a map. */
export function namedProfiles<T extends object>(
  block: ProfileBlock,
  profile: Schema<T>,
  expected: string,
): Schema<Record<string, T>> {
  return (v, ctx) => {
    const entries = readMap(v, ctx, { expected });
    if (!entries) return undefined;
    const out: Record<string, T> = {};
    let ok = true;
    for (const [name, entry] of entries) {
      const read = profile({ ...entry.val, label: `${block} ${name}` }, ctx);
      if (read === undefined) ok = false;
      else {
        out[name] = read;
        written.set(read, { ...positionsOf(read), self: entry.keyPos });
      }
    }
    return ok ? out : undefined;
  };
}

/** Where a profile's keys were written, and `self` for its name (empty for one not read from a file). */
export function profilePositions(profile: object): Record<string, SourcePos> {
  return written.get(profile) ?? {};
}

/** Reports each connect or disconnect action on the node that names no profile of its block. */
export function checkProfileActions(
  block: ProfileBlock,
  node: NodeSpec,
  profiles: Record<string, unknown> | undefined,
  model: TopologyModel,
  report: Report,
): void {
  for (const action of actionsOn(model, node.name)) {
    if (action.command.name !== `${block}-connect` && action.command.name !== `${block}-disconnect`) continue;
    const name = action.command.args.name as string;
    if (!profiles || !(name in profiles)) {
      const known = Object.keys(profiles ?? {});
      report(
        action.pos,
        `${node.name} has no ${block} profile "${name}"${
          known.length ? ` (it has ${known.join(", ")})` : ` (add one under ${block}: in the node)`
        }`,
      );
    }
  }
}
