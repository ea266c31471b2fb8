/**
 * Derived views of a trace that every pane needs: which bytes a record shows, where a transmitted
 * packet arrived, which packets carry which, and the filter category of each record. Built once per
 * run in one pass, so stepping and filtering a 100k-record trace stay cheap. Pure: no DOM.
 */
import type { TraceRecord } from "../../src/trace/record.ts";
import { CATEGORIES, type Category, categoryOfProto } from "./categories.ts";
import { KIND_WORDS } from "./palette.ts";

/** The protocol filters the event list offers, plus everything else (the table is categories.ts). */
export { CATEGORIES, type Category } from "./categories.ts";

/** Per-record facts the panes look up by `seq`. */
export interface TraceIndex {
  records: TraceRecord[];
  /** Seq of the record whose `bytes` show the packet as it stood at this record, or -1. */
  bytesOf: Int32Array;
  /** For a `tx`: seq of the `rx` (or loss `drop`) at the far end, or -1 (still in flight at the end). */
  arrival: Int32Array;
  /** For an `rx` or in-flight `drop`: seq of the `tx` it came from, or -1. */
  departure: Int32Array;
  category: Category[];
  /** Seqs of all records about a packet, in order. */
  byPacket: Map<number, number[]>;
  /** inner packet id -> ids of the packets that carried it (outer, or a fragment's datagram pieces). */
  carriers: Map<number, number[]>;
  /** outer packet id -> ids of the packets it carried. */
  contents: Map<number, number[]>;
  /** Nodes named in the trace, in order of first appearance. */
  nodes: string[];
}

/** The filter category of one record: its protocol, NAT for translations and NAT tables, else OTHER. */
export function categoryOf(r: TraceRecord): Category {
  if (r.kind === "nat") return "NAT";
  if (r.kind === "state") return r.table !== undefined && /nat/i.test(r.table) ? "NAT" : "OTHER";
  return categoryOfProto(r.proto);
}

function addTo(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** Builds the index in one pass over the records (which are in seq order). */
export function indexTrace(records: TraceRecord[]): TraceIndex {
  const n = records.length;
  const bytesOf = new Int32Array(n).fill(-1);
  const arrival = new Int32Array(n).fill(-1);
  const departure = new Int32Array(n).fill(-1);
  const category: Category[] = new Array(n);
  const byPacket = new Map<number, number[]>();
  const carriers = new Map<number, number[]>();
  const contents = new Map<number, number[]>();
  const nodes: string[] = [];
  const seenNodes = new Set<string>();
  // The latest transmission of a packet on a link: what an rx there received.
  const lastTx = new Map<string, number>();
  // The latest record with bytes for a packet: what a forward/deliver/nat there is about.
  const lastBytes = new Map<number, number>();

  for (let i = 0; i < n; i++) {
    const r = records[i];
    category[i] = categoryOf(r);
    for (const name of r.node.split(",")) {
      if (!seenNodes.has(name)) {
        seenNodes.add(name);
        nodes.push(name);
      }
    }
    if (r.pkt === undefined) {
      // Frames that are not a datagram of their own (PPP on a dial-up line) still show their bytes.
      if (r.bytes) bytesOf[i] = i;
      continue;
    }
    const list = byPacket.get(r.pkt);
    if (list) list.push(i);
    else byPacket.set(r.pkt, [i]);

    const key = r.link !== undefined ? `${r.pkt}/${r.link}` : "";
    if (r.bytes) {
      bytesOf[i] = i;
      lastBytes.set(r.pkt, i);
      if (r.kind === "tx") lastTx.set(key, i);
    } else if (r.kind === "rx" || (r.kind === "drop" && r.link !== undefined)) {
      // An rx, or a loss on the wire: both are about the frame last sent on that link.
      const tx = lastTx.get(key);
      if (tx !== undefined) {
        bytesOf[i] = tx;
        departure[i] = tx;
        if (arrival[tx] < 0) arrival[tx] = i;
      } else bytesOf[i] = lastBytes.get(r.pkt) ?? -1;
      if (r.kind === "rx" && bytesOf[i] >= 0) lastBytes.set(r.pkt, bytesOf[i]);
    } else {
      bytesOf[i] = lastBytes.get(r.pkt) ?? -1;
    }

    if (r.parent !== undefined) {
      // encap: pkt (outer) carries parent (inner); decap: pkt (inner) came out of parent (outer);
      // anything else with a parent is a fragment (piece) of the parent datagram.
      const [outer, inner] = r.kind === "decap" ? [r.parent, r.pkt] : [r.pkt, r.parent];
      if (outer !== inner) {
        addTo(carriers, inner, outer);
        addTo(contents, outer, inner);
      }
    }
  }
  return { records, bytesOf, arrival, departure, category, byPacket, carriers, contents, nodes };
}

/** The wire bytes a record shows (its own, or the transmission it is about), if any. */
export function bytesFor(index: TraceIndex, seq: number): Uint8Array | undefined {
  const at = index.bytesOf[seq];
  return at >= 0 ? index.records[at].bytes : undefined;
}

/** What the event list shows: a set of categories, a kind filter and free text. */
export interface EventFilter {
  categories: ReadonlySet<Category>;
  /** `all` records, only frames put `on the wire` (tx), or only `drops`. */
  kinds: "all" | "wire" | "drops";
  text: string;
}

/** Every category on, all kinds, no text. */
export function defaultFilter(): EventFilter {
  return { categories: new Set(CATEGORIES), kinds: "all", text: "" };
}

/** The text a search matches against: what a student sees in the row, plus the drop reason. */
export function searchText(r: TraceRecord): string {
  return [
    r.node,
    r.kind,
    KIND_WORDS[r.kind],
    r.proto ?? "",
    r.link ?? "",
    r.iface ?? "",
    r.pkt !== undefined ? `#${r.pkt}` : "",
    r.table ?? "",
    r.summary,
    r.reason ?? "",
  ].join(" ").toLowerCase();
}

/** Seqs of the records the filter lets through, in order. */
export function filterRecords(index: TraceIndex, filter: EventFilter): Int32Array {
  const out = new Int32Array(index.records.length);
  const words = filter.text.toLowerCase().split(/\s+/).filter((w) => w !== "");
  let count = 0;
  for (let i = 0; i < index.records.length; i++) {
    const r = index.records[i];
    if (!filter.categories.has(index.category[i])) continue;
    if (filter.kinds === "wire" && r.kind !== "tx") continue;
    if (filter.kinds === "drops" && r.kind !== "drop") continue;
    if (words.length > 0) {
      const hay = searchText(r);
      if (!words.every((w) => hay.includes(w))) continue;
    }
    out[count++] = i;
  }
  return out.slice(0, count);
}

/** Position of the last entry <= seq in a sorted seq list, or -1 when all are after it. */
export function positionAtOrBefore(list: ArrayLike<number>, seq: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= seq) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The record a lineage jump should land on: the first one about `pkt` at or after `seq`, else its last. */
export function recordOfPacket(index: TraceIndex, pkt: number, seq: number): number | undefined {
  const list = index.byPacket.get(pkt);
  if (!list || list.length === 0) return undefined;
  const at = positionAtOrBefore(list, seq - 1) + 1;
  return list[Math.min(at, list.length - 1)];
}

/** Packets in flight at a cursor: transmissions at or before it whose arrival is after it. */
export function inFlight(index: TraceIndex, seq: number, lookBack = 2000): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, seq - lookBack); i <= seq && i < index.records.length; i++) {
    if (index.records[i].kind !== "tx") continue;
    const end = index.arrival[i];
    if (end > seq || (end < 0 && i === seq)) out.push(i);
  }
  return out;
}
