/**
 * The ladder (sequence) diagram of a flow between two nodes: one lifeline per node the flow's packets
 * cross, one arrow per hop, in trace order. A packet belongs to the flow when it starts at one end and
 * is delivered at the other, or starts at one end towards an address on the path and dies on the way
 * (so the dropped ESP reply at a NAT router is part of laptop <-> LNS).
 */
import type { LinkInfo } from "../../src/sim.ts";
import type { ProtoLabel } from "../../src/trace/record.ts";
import { splitSummary } from "./message.ts";
import type { TraceIndex } from "./trace_index.ts";

/** One arrow: a transmission from one lifeline to another, or a drop at one lifeline. */
export interface LadderMessage {
  /** The record the arrow starts at (a `tx`, or a `drop` that never left the node). */
  seq: number;
  /** The record where it ends (`rx`, a loss `drop`), or -1 when still in flight at the end. */
  endSeq: number;
  from: string;
  to: string;
  dropped: boolean;
  pkt: number;
  proto: ProtoLabel | undefined;
  label: string;
  /** Whether a NAT on the way rewrote this hop's addresses (then the label keeps them). */
  natted: boolean;
}

export interface Ladder {
  lifelines: string[];
  messages: LadderMessage[];
}

/** Shortest path between two nodes over the links, in node names (BFS in link order: deterministic). */
export function pathBetween(links: LinkInfo[], a: string, b: string): string[] {
  const neighbours = new Map<string, string[]>();
  for (const link of links) {
    for (const x of link.endpoints) {
      for (const y of link.endpoints) {
        if (x.node === y.node) continue;
        const list = neighbours.get(x.node) ?? [];
        if (!list.includes(y.node)) list.push(y.node);
        neighbours.set(x.node, list);
      }
    }
  }
  const previous = new Map<string, string>([[a, a]]);
  const queue = [a];
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (at === b) break;
    for (const next of neighbours.get(at) ?? []) {
      if (previous.has(next)) continue;
      previous.set(next, at);
      queue.push(next);
    }
  }
  if (!previous.has(b)) return [a, b];
  const path = [b];
  while (path[0] !== a) path.unshift(previous.get(path[0])!);
  return path;
}

function destinationIp(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes || bytes.length < 20 || bytes[0] >> 4 !== 4) return undefined;
  return `${bytes[16]}.${bytes[17]}.${bytes[18]}.${bytes[19]}`;
}

/** Builds the ladder for the flow between nodes `a` and `b`. */
export function buildLadder(index: TraceIndex, links: LinkInfo[], a: string, b: string): Ladder {
  const { records } = index;
  const path = pathBetween(links, a, b);
  const onPath = new Set(path);
  const pathAddresses = new Set<string>();
  for (const link of links) {
    for (const ep of link.endpoints) if (onPath.has(ep.node)) pathAddresses.add(ep.ip);
  }
  const ends = new Set([a, b]);
  // An ESP packet ends in its decapsulation at the far end, not in a delivery: that counts too.
  const unwrappedAt = new Map<number, string>();
  for (const r of records) {
    if (r.kind === "decap" && r.parent !== undefined) unwrappedAt.set(r.parent, r.node);
  }
  const members = new Set<number>();
  for (const [pkt, seqs] of index.byPacket) {
    const origin = records[seqs[0]].node;
    if (!ends.has(origin)) continue;
    let deliveredAt: string | undefined = unwrappedAt.get(pkt);
    let died = false;
    for (const s of seqs) {
      const r = records[s];
      if (r.kind === "deliver") deliveredAt = r.node;
      if (r.kind === "drop") died = true;
    }
    const other = origin === a ? b : a;
    if (deliveredAt === other) members.add(pkt);
    else if (deliveredAt === undefined && died) {
      const dst = destinationIp(records[index.bytesOf[seqs[0]]]?.bytes);
      if (dst !== undefined && pathAddresses.has(dst)) members.add(pkt);
    }
  }

  const messages: LadderMessage[] = [];
  const lifelines = [...path];
  const addLifeline = (name: string) => {
    if (!lifelines.includes(name)) lifelines.push(name);
  };
  for (const pkt of members) {
    let firstAddresses: string | undefined;
    for (const s of index.byPacket.get(pkt)!) {
      const r = records[s];
      if (r.kind === "tx") {
        const { from, to: dst } = splitSummary(r.summary);
        const addresses = `${from} ${dst}`;
        firstAddresses ??= addresses;
        const end = index.arrival[s];
        const endRecord = end >= 0 ? records[end] : undefined;
        const to = endRecord?.kind === "rx" ? endRecord.node : peerOn(links, r.link, r.node) ?? r.node;
        addLifeline(r.node);
        addLifeline(to);
        messages.push({
          seq: s,
          endSeq: end,
          from: r.node,
          to,
          dropped: endRecord?.kind === "drop",
          pkt,
          proto: r.proto,
          label: r.summary,
          natted: addresses !== firstAddresses,
        });
      } else if (r.kind === "drop" && index.departure[s] < 0) {
        addLifeline(r.node);
        const label = r.reason ?? r.summary;
        messages.push({
          seq: s,
          endSeq: s,
          from: r.node,
          to: r.node,
          dropped: true,
          pkt,
          proto: r.proto,
          label,
          natted: false,
        });
      }
    }
  }
  messages.sort((x, y) => x.seq - y.seq);
  return { lifelines, messages };
}

function peerOn(links: LinkInfo[], linkName: string | undefined, node: string): string | undefined {
  const link = links.find((l) => l.name === linkName);
  if (!link || link.endpoints.length !== 2) return undefined;
  return link.endpoints.find((e) => e.node !== node)?.node;
}

/**
 * Index of the message the cursor is on: the latest one about the cursor's packet `pkt` (so a receive
 * in busy, interleaved traffic lights its own arrow), else the last one starting at or before it.
 */
export function messageAt(ladder: Ladder, seq: number, pkt?: number): number {
  let lo = 0;
  let hi = ladder.messages.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ladder.messages[mid].seq <= seq) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (pkt !== undefined) {
    for (let i = found; i >= 0 && i > found - 500; i--) if (ladder.messages[i].pkt === pkt) return i;
  }
  return found;
}

/**
 * The flow to show first: the pair of nodes that exchanged the most delivered packets (ties: the pair
 * seen first), so a lesson's main conversation is on screen without choosing.
 */
export function busiestFlow(index: TraceIndex): [string, string] | null {
  const counts = new Map<string, { pair: [string, string]; count: number; first: number }>();
  for (const [, seqs] of index.byPacket) {
    const origin = index.records[seqs[0]].node;
    const delivered = seqs.map((s) => index.records[s]).find((r) => r.kind === "deliver");
    if (!delivered || delivered.node === origin) continue;
    const pair: [string, string] = origin < delivered.node
      ? [origin, delivered.node]
      : [delivered.node, origin];
    const key = pair.join("\u0000");
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { pair, count: 1, first: seqs[0] });
  }
  let best: { pair: [string, string]; count: number; first: number } | null = null;
  for (const e of counts.values()) {
    if (!best || e.count > best.count || (e.count === best.count && e.first < best.first)) best = e;
  }
  if (!best) return null;
  // Put the side that spoke first on the left, as people draw ladders.
  const firstSpeaker = index.records[best.first].node;
  return best.pair[0] === firstSpeaker ? best.pair : [best.pair[1], best.pair[0]];
}

/**
 * The arrow's words in `room` characters: the whole summary when it fits, else the protocol part
 * after "addresses: " (the addresses are in the tooltip and the inspector), shortened with an ellipsis.
 * With `keepAddresses` (a NAT rewrote them on this hop) the addresses stay and the message shrinks.
 */
export function fitLabel(summary: string, room: number, keepAddresses = false): string {
  if (summary.length <= room) return summary;
  const { from, to, message } = splitSummary(summary);
  if (keepAddresses && from !== undefined) {
    const tail = ` ${from} → ${to}`;
    const left = room - tail.length;
    if (left >= 6) {
      return `${message.length <= left ? message : `${message.slice(0, left - 1).trimEnd()}…`}${tail}`;
    }
  }
  const text = from !== undefined ? message : summary;
  return text.length <= room ? text : `${text.slice(0, Math.max(1, room - 1))}…`;
}
