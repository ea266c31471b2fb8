/**
 * Bounded runs (`--keep`): a huge run keeps only the packet records the user asked for, so its memory
 * follows what is kept rather than what happened. Device tables, application output, key records and
 * link changes are few and everything else reads them (`--show`, `--keys`, the lesson's checks), so
 * they are always kept. Each kept record keeps the `seq` it has in the full run: the gaps are the
 * records left out, and a bounded run's records can be laid beside a full run's.
 */
import type { TraceKind, TraceRecord } from "./record.ts";
import type { KeepTest } from "./tracer.ts";

/** What to keep: a packet record is kept when it matches every dimension given (any value within one). */
export interface KeepFilter {
  nodes?: string[];
  links?: string[];
  /** Protocol labels as records carry them (`ESP`, `IKE`, `L2TP`, …), compared case-insensitively. */
  protos?: string[];
}

/** The kinds a bounded run may leave out: one record per packet per step, the bulk of every trace. */
const PACKET_KINDS: ReadonlySet<TraceKind> = new Set<TraceKind>([
  "tx",
  "rx",
  "forward",
  "deliver",
  "drop",
  "nat",
  "encap",
  "decap",
]);

/**
 * The test a record must pass to be stored. It carries the same test on a packet record's fields, so
 * the tracer can test its per-hop rows without making each into an object (tracer.ts, `KeepTest`).
 */
export function keepTest(filter: KeepFilter): KeepTest {
  const nodes = filter.nodes && filter.nodes.length > 0 ? new Set(filter.nodes) : undefined;
  const links = filter.links && filter.links.length > 0 ? new Set(filter.links) : undefined;
  const protos = filter.protos && filter.protos.length > 0
    ? new Set(filter.protos.map((p) => p.toUpperCase()))
    : undefined;
  const packet = (node: string, link: string | undefined, proto: string | undefined) => {
    if (nodes && !nodes.has(node)) return false;
    if (links && (link === undefined || !links.has(link))) return false;
    if (protos && (proto === undefined || !protos.has(proto))) return false;
    return true;
  };
  const test = (record: TraceRecord) =>
    !PACKET_KINDS.has(record.kind) || packet(record.node, record.link, record.proto);
  return Object.assign(test, { packet });
}

/** The filter in the words of the command line, e.g. `node=lns proto=IKE,ESP`. */
export function describeKeep(filter: KeepFilter): string {
  const parts: string[] = [];
  if (filter.nodes?.length) parts.push(`node=${filter.nodes.join(",")}`);
  if (filter.links?.length) parts.push(`link=${filter.links.join(",")}`);
  if (filter.protos?.length) parts.push(`proto=${filter.protos.join(",")}`);
  return parts.join(" ");
}

/**
 * Reads one `--keep` value (`node=NAME[,NAME…]`, `link=…` or `proto=…`) into `filter`, checking the
 * names against the topology; returns a sentence on a mistake.
 */
export function addKeepSpec(
  filter: KeepFilter,
  text: string,
  known: { nodes: readonly string[]; links: readonly string[] },
): string | undefined {
  const match = /^(node|link|proto)=(.+)$/.exec(text);
  if (!match) return `--keep ${text}: expected node=NAME, link=NAME or proto=NAME (names comma-separated)`;
  const [, dimension, list] = match;
  const names = list.split(",").map((n) => n.trim()).filter((n) => n !== "");
  if (names.length === 0) return `--keep ${text}: no names after "${dimension}="`;
  if (dimension === "proto") {
    (filter.protos ??= []).push(...names);
    return undefined;
  }
  const pool = dimension === "node" ? known.nodes : known.links;
  const unknown = names.filter((n) => !pool.includes(n));
  if (unknown.length > 0) {
    return `--keep ${text}: no ${dimension} named ${unknown.map((n) => `"${n}"`).join(", ")} ` +
      `(the topology has: ${pool.join(", ")})`;
  }
  if (dimension === "node") (filter.nodes ??= []).push(...names);
  else (filter.links ??= []).push(...names);
  return undefined;
}
