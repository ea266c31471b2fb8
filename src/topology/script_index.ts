/**
 * The script's actions grouped by the node they act on. Kind checks look up one node's actions; each
 * scanning the whole script made loading quadratic (1,000 hosts × 2,000 actions, several times over).
 */
import type { ScriptAction, TopologyModel } from "./model.ts";

const NONE: readonly ScriptAction[] = [];

/** Built once per script array; rebuilt if actions were added since (the loader fills it before checks). */
const cache = new WeakMap<readonly ScriptAction[], { length: number; byNode: Map<string, ScriptAction[]> }>();

/** The actions of `model.script` aimed at `node`, in script order. */
export function actionsOn(model: TopologyModel, node: string): readonly ScriptAction[] {
  let entry = cache.get(model.script);
  if (!entry || entry.length !== model.script.length) {
    const byNode = new Map<string, ScriptAction[]>();
    for (const action of model.script) {
      if (action.node === undefined) continue;
      const list = byNode.get(action.node);
      if (list) list.push(action);
      else byNode.set(action.node, [action]);
    }
    entry = { length: model.script.length, byNode };
    cache.set(model.script, entry);
  }
  return entry.byNode.get(node) ?? NONE;
}
