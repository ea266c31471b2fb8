/**
 * Packet records whose summary line is written only when something reads it. A busy run emits millions
 * of `tx`, `rx` and `forward` records and most summaries are never shown (a bounded run drops the
 * records, a pcap export never looks); writing them all was a fifth of the ping flood's CPU and a
 * quarter of its memory. The line is made from the bytes the record already holds, which nothing
 * changes once they are on the wire (the pcap export relies on the same), so it reads exactly as if
 * it had been written when the record was emitted.
 *
 * The records behave as plain ones for reading (`r.summary`, `r.detail`, the JSON and text writers);
 * a structured clone (postMessage) copies only own data, so `plainRecords` turns them into plain
 * objects first.
 */
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
  declare seq: number;
  declare t: number;
  abstract get summary(): string;
  abstract set summary(text: string);
}

/** An interface put `bytes` on `link`. */
export class TxRecord extends LazyRecord {
  readonly kind = "tx";
  #frames: FrameNamer;
  #summary: string | undefined = undefined;

  constructor(
    frames: FrameNamer,
    readonly node: string,
    readonly iface: string,
    readonly link: string,
    readonly pkt: number,
    readonly proto: ProtoLabel,
    readonly bytes: Uint8Array,
  ) {
    super();
    this.#frames = frames;
  }

  get summary(): string {
    return this.#summary ??= flat(this.#frames.summarize(this.bytes));
  }

  set summary(text: string) {
    this.#summary = text;
  }
}

/** An interface took the frame of `sent` off the link; `duplicate` for the link's second copy. */
export class RxRecord extends LazyRecord {
  readonly kind = "rx";
  declare detail?: Record<string, unknown>;
  #sent: TxRecord;
  #duplicate: boolean;
  #summary: string | undefined = undefined;

  constructor(sent: TxRecord, readonly node: string, readonly iface: string, duplicate: boolean) {
    super();
    this.#sent = sent;
    this.#duplicate = duplicate;
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

  get summary(): string {
    if (this.#summary !== undefined) return this.#summary;
    return this.#duplicate ? (this.#summary = flat(`${this.#sent.summary} (duplicate)`)) : this.#sent.summary;
  }

  set summary(text: string) {
    this.#summary = text;
  }
}

/** A router chose `iface` and `nextHop` for the datagram in `bytes` that came in on `inIface`. */
export class ForwardRecord extends LazyRecord {
  readonly kind = "forward";
  #summarize: (bytes: Uint8Array) => string;
  #bytes: Uint8Array;
  #in: string;
  #nextHop: Ip4;
  #summary: string | undefined = undefined;
  #detail: Record<string, unknown> | undefined = undefined;

  constructor(
    summarize: (bytes: Uint8Array) => string,
    readonly node: string,
    readonly iface: string,
    readonly pkt: number,
    readonly proto: ProtoLabel,
    bytes: Uint8Array,
    inIface: string,
    nextHop: Ip4,
  ) {
    super();
    this.#summarize = summarize;
    this.#bytes = bytes;
    this.#in = inIface;
    this.#nextHop = nextHop;
  }

  get summary(): string {
    return this.#summary ??= flat(
      `${this.#summarize(this.#bytes)} → ${this.iface} via ${formatIp(this.#nextHop)}`,
    );
  }

  set summary(text: string) {
    this.#summary = text;
  }

  /** Writes the line now, from the bytes as they are (before a hook rewrites them). */
  writeSummary(): void {
    void this.summary;
  }

  get detail(): Record<string, unknown> {
    return this.#detail ??= { in: this.#in, out: this.iface, nextHop: formatIp(this.#nextHop) };
  }

  set detail(detail: Record<string, unknown>) {
    this.#detail = detail;
  }
}

const GETTERS = ["link", "pkt", "proto", "summary", "detail"] as const;

/** `record` with every field as its own data property, as a structured clone needs. */
export function plainRecord(record: TraceRecord): TraceRecord {
  if (!(record instanceof LazyRecord)) return record;
  const plain = { ...record } as TraceRecord;
  for (const field of GETTERS) {
    const value = record[field];
    if (value !== undefined) (plain as unknown as Record<string, unknown>)[field] = value;
  }
  return plain;
}

/** The records as plain objects (see `plainRecord`). */
export function plainRecords(records: readonly TraceRecord[]): TraceRecord[] {
  return records.map(plainRecord);
}
