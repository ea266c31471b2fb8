/**
 * Records that write their text when read. A busy run emits millions of packet records and shows few,
 * so the per-hop ones (`tx`, `rx`, `forward`) are not kept as objects at all: the record store
 * (record_store.ts) holds them as rows of numbers, and the classes here are what a reader gets for a
 * row, made when it is read: a few fields naming the row's frame (sent_frames.ts) and its shared
 * `LinkEnd` or `ForwardHop`, with the kind, names, line and bytes answered from the prototype. A line
 * is written from the stored copy of the frame, which nothing changes once it is on the wire, so the
 * records read exactly as if written at emission. Other modules' lazy records (NAT rows and rewrites,
 * ESP) are kept as objects and extend `LazyRecord` too.
 *
 * The records behave as plain ones for reading (`r.summary`, `r.bytes`, the JSON and text writers);
 * a structured clone (postMessage) copies only own data, so `plainRecords` turns them into plain
 * objects first.
 */
import { formatDuration, type Micros } from "../engine/time.ts";
import { formatIp, type Ip4 } from "../wire/addr.ts";
import type { ProtoLabel, TraceRecord } from "./record.ts";
import { flat, type FrameId, type LinkEnd, type SentFrames } from "./sent_frames.ts";

/** What every lazy record shares, so the tracer can tell them apart from plain ones. */
export abstract class LazyRecord {
  // Set here, not left to the tracer, so they are slots of the object rather than properties added later.
  seq = 0;
  t = 0;
  abstract get summary(): string;
}

/** A record read back from the store: its position and time are its own data, as in a plain record. */
abstract class HopRecord extends LazyRecord {
  constructor(seq: number, t: Micros) {
    super();
    this.seq = seq;
    this.t = t;
  }
}

/** An interface put frame `frame` on a link (the pcap writer exports exactly these). */
export class TxRecord extends HopRecord {
  #frames: SentFrames;
  #frame: FrameId;

  constructor(frames: SentFrames, seq: number, t: Micros, frame: FrameId) {
    super(seq, t);
    this.#frames = frames;
    this.#frame = frame;
  }

  get kind(): "tx" {
    return "tx";
  }

  get node(): string {
    return this.#frames.end(this.#frame).node;
  }

  get iface(): string {
    return this.#frames.end(this.#frame).iface;
  }

  get link(): string {
    return this.#frames.end(this.#frame).link;
  }

  get pkt(): number {
    return this.#frames.pkt(this.#frame);
  }

  get proto(): ProtoLabel {
    return this.#frames.proto(this.#frame);
  }

  /** What was sent, whatever the receiver did since (see `SentFrames.bytes`). */
  get bytes(): Uint8Array {
    return this.#frames.bytes(this.#frame);
  }

  get summary(): string {
    return this.#frames.summary(this.#frame);
  }
}

/** The interface at `end` took frame `frame` off the link. */
export class RxRecord extends HopRecord {
  #frames: SentFrames;
  #end: LinkEnd;
  #frame: FrameId;
  #jitter: Micros;

  constructor(frames: SentFrames, seq: number, t: Micros, end: LinkEnd, frame: FrameId, jitter: Micros) {
    super(seq, t);
    this.#frames = frames;
    this.#end = end;
    this.#frame = frame;
    this.#jitter = jitter;
  }

  get kind(): "rx" {
    return "rx";
  }

  get node(): string {
    return this.#end.node;
  }

  get iface(): string {
    return this.#end.iface;
  }

  get link(): string {
    return this.#frames.end(this.#frame).link;
  }

  get pkt(): number {
    return this.#frames.pkt(this.#frame);
  }

  get proto(): ProtoLabel {
    return this.#frames.proto(this.#frame);
  }

  get summary(): string {
    return this.#frames.summary(this.#frame);
  }

  /** The extra delay the frame had, when the link has jitter. */
  get detail(): Record<string, unknown> | undefined {
    return this.#jitter > 0 ? { jitter: formatDuration(this.#jitter) } : undefined;
  }
}

/** The link's second copy of a frame: a class of its own, so no row carries a flag for it. */
export class DuplicateRxRecord extends RxRecord {
  override get summary(): string {
    return `${super.summary} (duplicate)`;
  }
}

/**
 * Where a router forwarded to and from: its node, the in and out interfaces and the next hop. A router
 * forwards along few such paths, so it makes each once and every forward record shares it.
 */
export interface ForwardHop {
  readonly node: string;
  readonly in: string;
  readonly out: string;
  readonly nextHop: Ip4;
}

/** A forwarded datagram named by the line written from its bytes when it was forwarded. */
export interface ForwardedBytes {
  readonly line: string;
  readonly pkt: number;
  readonly proto: ProtoLabel;
}

/** What every forward record says, from its hop and the line of what it forwarded. */
abstract class ForwardBase extends LazyRecord {
  #hop: ForwardHop;

  constructor(hop: ForwardHop) {
    super();
    this.#hop = hop;
  }

  get kind(): "forward" {
    return "forward";
  }

  get node(): string {
    return this.#hop.node;
  }

  get iface(): string {
    return this.#hop.out;
  }

  protected abstract get line(): string;

  // Not kept: a forward line is read about once (the text trace, the view).
  get summary(): string {
    return `${this.line} → ${this.#hop.out} via ${formatIp(this.#hop.nextHop)}`;
  }

  get detail(): Record<string, unknown> {
    const hop = this.#hop;
    return { in: hop.in, out: hop.out, nextHop: formatIp(hop.nextHop) };
  }
}

/**
 * A router chose `hop` for the datagram that arrived in frame `frame`, its bytes still that frame's but
 * for the TTL (which the line does not show). Read back from a row of the store.
 */
export class ForwardRecord extends ForwardBase {
  #frames: SentFrames;
  #frame: FrameId;

  constructor(frames: SentFrames, seq: number, t: Micros, hop: ForwardHop, frame: FrameId) {
    super(hop);
    this.seq = seq;
    this.t = t;
    this.#frames = frames;
    this.#frame = frame;
  }

  get pkt(): number {
    return this.#frames.pkt(this.#frame);
  }

  get proto(): ProtoLabel {
    return this.#frames.proto(this.#frame);
  }

  protected get line(): string {
    return this.#frames.summary(this.#frame);
  }
}

/**
 * A router chose `hop` for a datagram that a hook (NAT, a filter) may have rewritten: named by the line
 * written from its bytes at the time. Kept as an object, like other records.
 */
export class ForwardedRecord extends ForwardBase {
  readonly pkt: number;
  readonly proto: ProtoLabel;
  readonly #line: string;

  constructor(hop: ForwardHop, from: ForwardedBytes) {
    super(hop);
    this.pkt = from.pkt;
    this.proto = from.proto;
    // Kept for the run: flat, not the tree of pieces a concatenated line is (see `flat`).
    this.#line = flat(from.line);
  }

  protected get line(): string {
    return this.#line;
  }
}

/** What lazy records answer from their prototype (or from the records they refer to). */
const GETTERS = ["kind", "node", "iface", "link", "pkt", "proto", "summary", "bytes", "detail"] as const;
/** And what the lazy `state` records outside the trace answer so (the NAT's rows: stack/nat/row_record.ts). */
const STATE_GETTERS = ["table", "value"] as const;

/** `record` with every field as its own data property, as a structured clone needs. */
export function plainRecord(record: TraceRecord): TraceRecord {
  if (!(record instanceof LazyRecord)) return record;
  const plain = { ...record } as TraceRecord;
  for (const field of [...GETTERS, ...STATE_GETTERS]) {
    const value = record[field];
    if (value !== undefined) (plain as unknown as Record<string, unknown>)[field] = value;
  }
  return plain;
}

/** The records as plain objects (see `plainRecord`). */
export function plainRecords(records: readonly TraceRecord[]): TraceRecord[] {
  return records.map(plainRecord);
}
