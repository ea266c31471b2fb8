/**
 * Compact packet records for the per-hop path. A busy run emits millions of `tx`, `rx` and `forward`
 * records and most are never shown (a bounded run drops them, a pcap export reads only the bytes), so
 * they hold as little as they can: a `tx` record a handle to its copy of the frame in the link's arena
 * and one shared `LinkEnd` for its node, interface and link; an `rx` record the `tx` it received; a
 * `forward` record the `rx` it came in as and one shared `ForwardHop`. Kinds and names come from the
 * prototype or the shared objects, and summary lines are written only when read, from the stored
 * copy, which nothing changes once it is on the wire, so they read exactly as if written at emission.
 * On the ping flood this took the trace from about 530 to about 190 bytes per hop.
 *
 * The records behave as plain ones for reading (`r.summary`, `r.bytes`, the JSON and text writers);
 * a structured clone (postMessage) copies only own data, so `plainRecords` turns them into plain
 * objects first.
 */
import type { ByteArena } from "../engine/byte_arena.ts";
import type { FrameNamer } from "../engine/context.ts";
import { formatIp, type Ip4 } from "../wire/addr.ts";
import type { ProtoLabel, TraceRecord } from "./record.ts";

/**
 * A flat copy of a string built by concatenation: V8 keeps those as a tree of their pieces, several
 * times the text's size, until something reads them whole.
 */
function flat(text: string): string {
  _flatSink = +text;
  return text;
}
/** Keeps the read in `flat` from being optimised away. */
let _flatSink = 0;

/** What every lazy record shares, so the tracer can tell them apart from plain ones. */
export abstract class LazyRecord {
  // Set here, not left to the tracer, so they are slots of the object rather than properties added later.
  seq = 0;
  t = 0;
  abstract get summary(): string;
}

/**
 * One interface's end of a link, as the records made there name it. Made once per end and shared by
 * every record, so a record holds one reference instead of three names, the namer and the store.
 */
export class LinkEnd {
  constructor(
    readonly node: string,
    readonly iface: string,
    readonly link: string,
    readonly frames: FrameNamer,
    /** Where the frames sent from this end are kept (one arena per link). */
    readonly arena: ByteArena,
  ) {}
}

/** An interface put `bytes` on `link`; the record keeps its own copy of them in the link's arena. */
export class TxRecord extends LazyRecord {
  readonly pkt: number;
  readonly proto: ProtoLabel;
  #end: LinkEnd;
  #handle: number;
  #summary: string | undefined = undefined;

  constructor(end: LinkEnd, pkt: number, proto: ProtoLabel, bytes: Uint8Array) {
    super();
    this.pkt = pkt;
    this.proto = proto;
    this.#end = end;
    this.#handle = end.arena.put(bytes);
  }

  // On the prototype, not in each of a million records.
  get kind(): "tx" {
    return "tx";
  }

  get node(): string {
    return this.#end.node;
  }

  get iface(): string {
    return this.#end.iface;
  }

  get link(): string {
    return this.#end.link;
  }

  /** A view of the stored copy, made on each read: what was sent, whatever the receiver did since. */
  get bytes(): Uint8Array {
    return this.#end.arena.view(this.#handle);
  }

  // Kept once written: the `rx` and `forward` records of the same frame read it too.
  get summary(): string {
    return this.#summary ??= flat(this.#end.frames.summarize(this.bytes));
  }

  /** The frame the bytes were stored for: this one (see `LoweredTxRecord`). */
  get root(): TxRecord {
    return this;
  }

  /** TTL decrements since the root: none. */
  get lowered(): number {
    return 0;
  }
}

/**
 * A router put on `link` the datagram that arrived in `root`'s frame, its TTL lowered `lowered` times on
 * the way (one per router) and nothing else changed: the bytes are not stored again but rebuilt from
 * the root's when read, so a datagram crossing ten routers is kept once, not eleven times. The link
 * makes one only when the IP layer says so (`Packet.lowered`) and the frames' namer can rebuild.
 */
export class LoweredTxRecord extends LazyRecord {
  #end: LinkEnd;
  #root: TxRecord;
  #lowered: number;

  constructor(end: LinkEnd, from: SentFrame) {
    super();
    this.#end = end;
    this.#root = from.root;
    this.#lowered = from.lowered + 1;
  }

  get kind(): "tx" {
    return "tx";
  }

  get node(): string {
    return this.#end.node;
  }

  get iface(): string {
    return this.#end.iface;
  }

  get link(): string {
    return this.#end.link;
  }

  get pkt(): number {
    return this.#root.pkt;
  }

  get proto(): ProtoLabel {
    return this.#root.proto;
  }

  /** A fresh copy on each read, rebuilt from the first frame as the routers on the way changed it. */
  get bytes(): Uint8Array {
    return this.#end.frames.lowered!(this.#root.bytes, this.#lowered);
  }

  /** The first frame's line: the TTL, all that differs, is not in it. */
  get summary(): string {
    return this.#root.summary;
  }

  get root(): TxRecord {
    return this.#root;
  }

  get lowered(): number {
    return this.#lowered;
  }
}

/** Either kind of `tx` record, as the records that refer to one read it. */
export type SentFrame = TxRecord | LoweredTxRecord;

/** An interface took the frame of `sent` off the link. */
export class RxRecord extends LazyRecord {
  declare detail?: Record<string, unknown>;
  #end: LinkEnd;
  #sent: SentFrame;

  constructor(sent: SentFrame, end: LinkEnd) {
    super();
    this.#end = end;
    this.#sent = sent;
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
    return this.#sent.link;
  }

  get pkt(): number {
    return this.#sent.pkt;
  }

  get proto(): ProtoLabel {
    return this.#sent.proto;
  }

  /** The `tx` record of the frame taken in. */
  get sent(): SentFrame {
    return this.#sent;
  }

  /** The line of the frame as it was sent (a duplicate's own line says so; this one does not). */
  get frameSummary(): string {
    return this.#sent.summary;
  }

  get summary(): string {
    return this.#sent.summary;
  }
}

/** The link's second copy of a frame: a class of its own, so no other record carries a flag for it. */
export class DuplicateRxRecord extends RxRecord {
  override get summary(): string {
    return `${this.frameSummary} (duplicate)`;
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

/**
 * A router chose `hop` for a datagram. What it forwarded is `from`: the `rx` record of the frame it
 * arrived in, when the bytes are still that frame's but for the TTL (which the line does not show), or
 * else the line written from the bytes at the time (a hook such as NAT had rewritten them).
 */
export class ForwardRecord extends LazyRecord {
  #hop: ForwardHop;
  #from: RxRecord | ForwardedBytes;

  constructor(hop: ForwardHop, from: RxRecord | ForwardedBytes) {
    super();
    this.#hop = hop;
    this.#from = from;
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

  get pkt(): number {
    return this.#from.pkt;
  }

  get proto(): ProtoLabel {
    return this.#from.proto;
  }

  // Not kept: a forward line is read about once (the text trace, the view), and a field for it in each
  // of a million records would cost more than writing it again on a second read.
  get summary(): string {
    const from = this.#from;
    const line = from instanceof RxRecord ? from.frameSummary : from.line;
    return `${line} → ${this.#hop.out} via ${formatIp(this.#hop.nextHop)}`;
  }

  get detail(): Record<string, unknown> {
    const hop = this.#hop;
    return { in: hop.in, out: hop.out, nextHop: formatIp(hop.nextHop) };
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
