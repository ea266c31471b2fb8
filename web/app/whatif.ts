/**
 * What-if editing: the settings a student may flip (link up/loss/MTU, a node's kind settings such as
 * passthrough or NAT behaviour), applied to the YAML text through the `yaml` package's Document so the
 * author's comments and layout survive, and a comparison of two runs that says what changed.
 */
import { isMap, isScalar, isSeq, type Node, parseDocument } from "yaml";
import { settingChoices } from "../../src/kinds/index.ts";
import { menuValue, proposalChoices } from "./proposal_choices.ts";
import { type RawNatConfig, resolveNatSettings } from "../../src/stack/nat/config.ts";
import type { NodeSpec, TopologyModel } from "../../src/topology/model.ts";
import type { IpsecConfig } from "../../src/stack/ipsec/config.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

/** One editable value and where it lives in the document. */
export interface Setting {
  /** Path in the YAML document, e.g. ["links", 0, "loss"] or ["nodes", "home", "passthrough", "ipsec"]. */
  path: (string | number)[];
  /** The node or link it belongs to. */
  owner: string;
  ownerType: "node" | "link";
  label: string;
  /** `onoff` is a switch written as the words on/off, as consumer routers label it. */
  type: "bool" | "onoff" | "enum" | "number" | "percent" | "text";
  value: boolean | number | string;
  options?: string[];
}

/**
 * The words a kind's setting may take, read from the kind's schema (src/kinds/), so the panel offers a
 * choice wherever the loader would accept one and never a word it would refuse. `path` is from the
 * node down, e.g. ["nat", "mapping"]; undefined when the setting is not a choice.
 */
export function choicesFor(kind: string, path: readonly (string | number)[]): string[] | undefined {
  const key = path.join("\u0000");
  const found = settingChoices(kind).find((c) => c.path.join("\u0000") === key);
  if (found) return [...found.options];
  // A proposal block's words are whole proposals, made from the enumerations of its map form.
  const proposals = path.every((p) => typeof p === "string") ? proposalChoices(kind, path as string[]) : [];
  return proposals.length > 0 ? proposals : undefined;
}

/**
 * The switches a NAT router always offers, with their effective values (the preset's when the file
 * does not set them), so a student can flip passthrough without knowing the key names.
 */
function natRouterSettings(node: NodeSpec): Setting[] {
  const eff = resolveNatSettings(node.config as RawNatConfig);
  const base = { owner: node.name, ownerType: "node" as const };
  const at = (...keys: string[]) => ["nodes", node.name, ...keys];
  return [
    {
      ...base,
      path: at("preset"),
      label: "preset",
      type: "enum",
      value: eff.preset,
      options: choicesFor(node.kind, ["preset"]),
    },
    {
      ...base,
      path: at("nat", "mapping"),
      label: "nat › mapping",
      type: "enum",
      value: eff.mapping,
      options: choicesFor(node.kind, ["nat", "mapping"]),
    },
    {
      ...base,
      path: at("nat", "filtering"),
      label: "nat › filtering",
      type: "enum",
      value: eff.filtering,
      options: choicesFor(node.kind, ["nat", "filtering"]),
    },
    {
      ...base,
      path: at("nat", "port-preservation"),
      label: "nat › port-preservation",
      type: "bool",
      value: eff.portPreservation,
    },
    { ...base, path: at("nat", "hairpin"), label: "nat › hairpin", type: "bool", value: eff.hairpin },
    {
      ...base,
      path: at("ipsec-passthrough"),
      label: "ipsec-passthrough",
      type: "enum",
      value: eff.ipsecPassthrough,
      options: choicesFor(node.kind, ["ipsec-passthrough"]),
    },
    {
      ...base,
      path: at("l2tp-passthrough"),
      label: "l2tp-passthrough",
      type: "onoff",
      value: eff.l2tpPassthrough,
    },
  ];
}

/**
 * The IPsec switches of any node that has an `ipsec:` block: on/off and NAT traversal, with their
 * effective values, so "what if there were no IPsec" and "what if NAT-T were off" are one click.
 */
function ipsecSettings(node: NodeSpec): Setting[] {
  const ipsec = node.config.ipsec as IpsecConfig | undefined;
  if (!ipsec) return [];
  const base = { owner: node.name, ownerType: "node" as const };
  return [
    {
      ...base,
      path: ["nodes", node.name, "ipsec", "enabled"],
      label: "ipsec › enabled",
      type: "bool",
      value: ipsec.enabled,
    },
    {
      ...base,
      path: ["nodes", node.name, "ipsec", "nat-t"],
      label: "ipsec › nat-t",
      type: "enum",
      value: ipsec.natT,
      options: choicesFor(node.kind, ["ipsec", "nat-t"]),
    },
  ];
}

/** Settings offered for a node whatever its file says, by kind. */
const KIND_SETTINGS: Record<string, (node: NodeSpec) => Setting[]> = {
  "nat-router": natRouterSettings,
};

/** Keys every node has that are structure, not behaviour. */
const STRUCTURAL = new Set(["kind", "position", "interfaces", "routes", "gateway", "inside", "outside"]);

function keyName(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

/** A single IPsec proposal written as text, as a menu of the proposals the schema allows. */
function proposalSetting(
  value: string,
  keys: readonly (string | number)[],
  kind: string,
): Pick<Setting, "type" | "value" | "options"> | undefined {
  if (keys.length !== 2 || keys[0] !== "ipsec" || (keys[1] !== "ike" && keys[1] !== "esp")) return undefined;
  const block = keys as string[];
  const current = menuValue(block, value);
  const options = choicesFor(kind, block) ?? [];
  if (current === undefined || !options.includes(current)) return undefined;
  return { type: "enum", value: current, options };
}

function settingFromScalar(
  value: unknown,
  path: (string | number)[],
  owner: string,
  label: string,
  kind: string,
): Setting | undefined {
  const base = { path, owner, ownerType: "node" as const, label };
  if (typeof value === "boolean") return { ...base, type: "bool", value };
  if (typeof value === "number") return { ...base, type: "number", value };
  if (typeof value === "string") {
    // path is ["nodes", name, ...keys]: the kind's schema knows the keys from the node down.
    const options = choicesFor(kind, path.slice(2));
    if (options && options.includes(value)) return { ...base, type: "enum", value, options: [...options] };
    const proposal = proposalSetting(value, path.slice(2), kind);
    if (proposal) return { ...base, ...proposal };
    if (value === "on" || value === "off") return { ...base, type: "onoff", value: value === "on" };
    return { ...base, type: "text", value };
  }
  return undefined;
}

function walkConfig(
  node: Node | null,
  path: (string | number)[],
  owner: string,
  label: string,
  kind: string,
  out: Setting[],
): void {
  if (node === null) return;
  if (isScalar(node)) {
    const s = settingFromScalar(node.value, path, owner, label, kind);
    if (s) out.push(s);
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const k = keyName(pair.key);
      const sub = label === "" ? k : `${label} › ${k}`;
      walkConfig(pair.value as Node | null, [...path, k], owner, sub, kind, out);
    }
  }
  // Lists (e.g. port forwards) are structure: edit them in the source.
}

/** The settings of a loaded topology, nodes first (in file order), then links. */
export function listSettings(text: string, model: TopologyModel): Setting[] {
  const doc = parseDocument(text);
  const out: Setting[] = [];
  const nodes = doc.get("nodes", true);
  const specs = new Map(model.nodes.map((n) => [n.name, n]));
  if (isMap(nodes)) {
    for (const pair of nodes.items) {
      const name = keyName(pair.key);
      const body = pair.value;
      if (!isMap(body)) continue;
      const spec = specs.get(name);
      const fixed = spec ? [...(KIND_SETTINGS[spec.kind]?.(spec) ?? []), ...ipsecSettings(spec)] : [];
      const written: Setting[] = [];
      for (const item of body.items) {
        const k = keyName(item.key);
        if (STRUCTURAL.has(k)) continue;
        walkConfig(item.value as Node | null, ["nodes", name, k], name, k, spec?.kind ?? "", written);
      }
      // The kind's own switches first; then anything else the file sets, without repeating a path.
      const taken = new Set(fixed.map((s) => s.path.join("\u0000")));
      out.push(...fixed, ...written.filter((s) => !taken.has(s.path.join("\u0000"))));
    }
  }
  const links = doc.get("links", true);
  if (isSeq(links)) {
    model.links.forEach((link, i) => {
      const owner = link.name;
      const base = { owner, ownerType: "link" as const };
      out.push({ ...base, path: ["links", i, "up"], label: "up", type: "bool", value: link.up });
      out.push({ ...base, path: ["links", i, "loss"], label: "loss", type: "percent", value: link.loss });
      out.push({ ...base, path: ["links", i, "mtu"], label: "MTU", type: "number", value: link.mtu });
    });
  }
  return out;
}

/** The YAML text with one value changed; comments, order and the rest of the text stay as written. */
export function applySetting(
  text: string,
  setting: Pick<Setting, "path" | "type">,
  value: boolean | number | string,
): string {
  const doc = parseDocument(text);
  let written: unknown = value;
  // Loss is written as a percentage and on/off switches as the words, the way lesson authors write them.
  if (setting.type === "percent" && typeof value === "number") {
    written = `${Math.round(value * 100_000) / 1000}%`;
  }
  if (setting.type === "onoff") written = value ? "on" : "off";
  doc.setIn(setting.path, written);
  return doc.toString();
}

/** What a re-run changed, in terms a student can act on. */
export interface RunComparison {
  /**
   * Seq in the new run of the first event that differs, or -1 when the runs are the same. Table rows
   * (`state`) are skipped when anything else differs, since a changed setting shows up there at t=0
   * before it changes what happens to a packet.
   */
  firstDifference: number;
  before?: TraceRecord;
  after?: TraceRecord;
  dropsBefore: number;
  dropsAfter: number;
  /** Drops in the new run whose place and reason did not occur before, first few only. */
  newDrops: TraceRecord[];
  /** Places and reasons of drops that no longer happen. */
  goneDrops: TraceRecord[];
}

function sameRecord(a: TraceRecord, b: TraceRecord): boolean {
  return a.t === b.t && a.kind === b.kind && a.node === b.node && a.summary === b.summary &&
    a.reason === b.reason;
}

const dropKey = (r: TraceRecord) => `${r.node}\u0000${r.reason ?? ""}`;

/** The first position where the two lists differ, or -1. */
function firstMismatch(a: TraceRecord[], b: TraceRecord[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!sameRecord(a[i], b[i])) return i;
  return a.length === b.length ? -1 : n;
}

/** Compares two runs of (nearly) the same topology. */
export function compareRuns(before: TraceRecord[], after: TraceRecord[], limit = 5): RunComparison {
  const events = (records: TraceRecord[]) => records.filter((r) => r.kind !== "state");
  let [b, a] = [events(before), events(after)];
  let at = firstMismatch(b, a);
  if (at < 0) {
    [b, a] = [before, after];
    at = firstMismatch(b, a);
  }
  const dropsOf = (records: TraceRecord[]) => records.filter((r) => r.kind === "drop");
  const dropsBefore = dropsOf(before);
  const dropsAfter = dropsOf(after);
  const beforeKeys = new Set(dropsBefore.map(dropKey));
  const afterKeys = new Set(dropsAfter.map(dropKey));
  const unique = (list: TraceRecord[], other: Set<string>) => {
    const seen = new Set<string>();
    return list.filter((r) => {
      const k = dropKey(r);
      if (other.has(k) || seen.has(k)) return false;
      seen.add(k);
      return true;
    }).slice(0, limit);
  };
  const result: RunComparison = {
    firstDifference: at < 0 ? -1 : at < a.length ? a[at].seq : Math.max(0, after.length - 1),
    dropsBefore: dropsBefore.length,
    dropsAfter: dropsAfter.length,
    newDrops: unique(dropsAfter, beforeKeys),
    goneDrops: unique(dropsBefore, afterKeys),
  };
  if (at >= 0) {
    if (at < b.length) result.before = b[at];
    if (at < a.length) result.after = a[at];
  }
  return result;
}
