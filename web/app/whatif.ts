/**
 * What-if editing: the settings a student may flip (link up/loss/MTU, a node's kind settings such as
 * passthrough or NAT behaviour), applied to the YAML text through the `yaml` package's Document so the
 * author's comments and layout survive, and a comparison of two runs that says what changed.
 */
import { isMap, isScalar, isSeq, type Node, parseDocument } from "yaml";
import type { TopologyModel } from "../../src/topology/model.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

/** One editable value and where it lives in the document. */
export interface Setting {
  /** Path in the YAML document, e.g. ["links", 0, "loss"] or ["nodes", "home", "passthrough", "ipsec"]. */
  path: (string | number)[];
  /** The node or link it belongs to. */
  owner: string;
  ownerType: "node" | "link";
  label: string;
  type: "bool" | "enum" | "number" | "percent" | "text";
  value: boolean | number | string;
  options?: string[];
}

/** Words a kind setting may take, by key name, so the panel can offer a choice instead of a text box. */
export const KNOWN_OPTIONS: Record<string, string[]> = {
  mapping: ["endpoint-independent", "address-dependent", "address-and-port-dependent"],
  filtering: ["endpoint-independent", "address-dependent", "address-and-port-dependent"],
};

/** Keys every node has that are structure, not behaviour. */
const STRUCTURAL = new Set(["kind", "position", "interfaces", "routes", "gateway"]);

function keyName(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

function settingFromScalar(
  value: unknown,
  path: (string | number)[],
  owner: string,
  label: string,
): Setting | undefined {
  const base = { path, owner, ownerType: "node" as const, label };
  const key = String(path[path.length - 1]);
  if (typeof value === "boolean") return { ...base, type: "bool", value };
  if (typeof value === "number") return { ...base, type: "number", value };
  if (typeof value === "string") {
    const options = KNOWN_OPTIONS[key];
    if (options && options.includes(value)) return { ...base, type: "enum", value, options };
    return { ...base, type: "text", value };
  }
  return undefined;
}

function walkConfig(
  node: Node | null,
  path: (string | number)[],
  owner: string,
  label: string,
  out: Setting[],
): void {
  if (node === null) return;
  if (isScalar(node)) {
    const s = settingFromScalar(node.value, path, owner, label);
    if (s) out.push(s);
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const k = keyName(pair.key);
      walkConfig(pair.value as Node | null, [...path, k], owner, label === "" ? k : `${label} › ${k}`, out);
    }
  }
  // Lists (e.g. port forwards) are structure: edit them in the source.
}

/** The settings of a loaded topology, nodes first (in file order), then links. */
export function listSettings(text: string, model: TopologyModel): Setting[] {
  const doc = parseDocument(text);
  const out: Setting[] = [];
  const nodes = doc.get("nodes", true);
  if (isMap(nodes)) {
    for (const pair of nodes.items) {
      const name = keyName(pair.key);
      const body = pair.value;
      if (!isMap(body)) continue;
      for (const item of body.items) {
        const k = keyName(item.key);
        if (STRUCTURAL.has(k)) continue;
        walkConfig(item.value as Node | null, ["nodes", name, k], name, k, out);
      }
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
  path: (string | number)[],
  value: boolean | number | string,
): string {
  const doc = parseDocument(text);
  let written: unknown = value;
  // Loss is written as a percentage, the way lesson authors write it.
  if (path[0] === "links" && path[2] === "loss" && typeof value === "number") {
    written = `${Math.round(value * 100_000) / 1000}%`;
  }
  doc.setIn(path, written);
  return doc.toString();
}

/** What a re-run changed, in terms a student can act on. */
export interface RunComparison {
  /** Seq (in both runs) of the first record that differs, or -1 when the runs are the same. */
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

/** Compares two runs of (nearly) the same topology. */
export function compareRuns(before: TraceRecord[], after: TraceRecord[], limit = 5): RunComparison {
  let first = -1;
  const n = Math.min(before.length, after.length);
  for (let i = 0; i < n; i++) {
    if (!sameRecord(before[i], after[i])) {
      first = i;
      break;
    }
  }
  if (first < 0 && before.length !== after.length) first = n;
  const dropsOf = (records: TraceRecord[]) => records.filter((r) => r.kind === "drop");
  const b = dropsOf(before);
  const a = dropsOf(after);
  const beforeKeys = new Set(b.map(dropKey));
  const afterKeys = new Set(a.map(dropKey));
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
    firstDifference: first,
    dropsBefore: b.length,
    dropsAfter: a.length,
    newDrops: unique(a, beforeKeys),
    goneDrops: unique(b, afterKeys),
  };
  if (first >= 0) {
    if (first < before.length) result.before = before[first];
    if (first < after.length) result.after = after[first];
  }
  return result;
}
