/**
 * The stored trace, in columns. Per-hop records (`tx`, `rx`, `forward`: nearly all of a busy run's) are
 * rows of numbers, a kind and up to three references (a frame, a link end, a forward hop, a jitter), and
 * become objects only when read (lazy_record.ts); every other record is kept as the object it was
 * emitted as, in a list the row points into. A million hops are then a few dozen typed arrays that the
 * garbage collector neither copies nor marks, where objects cost it most of the run's time: on the
 * ping flood (1.34 million records) GC was 45% of the CPU with one object per record.
 *
 * A record read twice is two objects (equal, not identical) unless it was stored as an object.
 */
import type { Micros } from "../engine/time.ts";
import { Column, float64, int32, uint8 } from "./column.ts";
import { DuplicateRxRecord, type ForwardHop, ForwardRecord, RxRecord, TxRecord } from "./lazy_record.ts";
import type { ProtoLabel, TraceRecord } from "./record.ts";
import { SentFrames } from "./sent_frames.ts";

/** What a row holds; the references `a`, `b`, `c` mean what the kind says. */
export const RowKind = {
  /** `a`: the index of the record in the object list. */
  Object: 0,
  /** `a`: the frame sent. */
  Tx: 1,
  /** `a`: the receiving link end, `b`: the frame, `c`: the jitter it had (µs). */
  Rx: 2,
  /** As `Rx`, for the link's second copy of a frame. */
  DuplicateRx: 3,
  /** `a`: the forward hop, `b`: the frame the datagram arrived in. */
  Forward: 4,
} as const;
/** One of `RowKind`'s values. */
export type RowKind = typeof RowKind[keyof typeof RowKind];

/** The run's stored records, in the order stored. */
export class RecordStore {
  /** The frames the rows name (every frame sent, stored or not). */
  readonly frames = new SentFrames();
  #length = 0;
  #kind = new Column(uint8);
  #t = new Column(float64);
  /** `seq - row`: zero unless a bounded run left records out, so that column is mostly never made. */
  #skipped = new Column(int32);
  #a = new Column(int32);
  #b = new Column(int32);
  #c = new Column(int32);
  #objects: TraceRecord[] = [];
  #hops: ForwardHop[] = [];
  #hopIds = new Map<ForwardHop, number>();

  /** How many records are stored. */
  get length(): number {
    return this.#length;
  }

  /** The number rows name `hop` by (made on its first use). */
  hopId(hop: ForwardHop): number {
    let id = this.#hopIds.get(hop);
    if (id === undefined) {
      id = this.#hops.push(hop) - 1;
      this.#hopIds.set(hop, id);
    }
    return id;
  }

  /** Appends a record kept as an object (its `seq` and `t` already stamped). */
  pushObject(record: TraceRecord): void {
    this.pushRow(RowKind.Object, record.seq, record.t, this.#objects.push(record) - 1, 0, 0);
  }

  /** Appends a row. */
  pushRow(kind: RowKind, seq: number, t: Micros, a: number, b: number, c: number): void {
    const row = this.#length++;
    this.#kind.set(row, kind);
    this.#t.set(row, t);
    this.#skipped.set(row, seq - row);
    this.#a.set(row, a);
    this.#b.set(row, b);
    this.#c.set(row, c);
  }

  /** The record stored at `row` (0 ≤ row < length). */
  read(row: number): TraceRecord {
    const kind = this.#kind.get(row) as RowKind;
    const a = this.#a.get(row);
    if (kind === RowKind.Object) return this.#objects[a];
    const seq = row + this.#skipped.get(row);
    return this.make(kind, seq, this.#t.get(row), a, this.#b.get(row), this.#c.get(row));
  }

  /** The node of a per-hop row's record, without making it. */
  rowNode(kind: RowKind, a: number): string {
    if (kind === RowKind.Tx) return this.frames.end(a).node;
    return kind === RowKind.Forward ? this.#hops[a].node : this.frames.endById(a).node;
  }

  /** The link of a per-hop row's record (a forward has none), without making it. */
  rowLink(kind: RowKind, a: number, b: number): string | undefined {
    if (kind === RowKind.Tx) return this.frames.end(a).link;
    return kind === RowKind.Forward ? undefined : this.frames.end(b).link;
  }

  /** The protocol of a per-hop row's record, without making it. */
  rowProto(kind: RowKind, a: number, b: number): ProtoLabel {
    return this.frames.proto(kind === RowKind.Tx ? a : b);
  }

  /** The record a row with these values reads as, whether or not it is stored. */
  make(kind: RowKind, seq: number, t: Micros, a: number, b: number, c: number): TraceRecord {
    const frames = this.frames;
    switch (kind) {
      case RowKind.Tx:
        return new TxRecord(frames, seq, t, a);
      case RowKind.Rx:
        return new RxRecord(frames, seq, t, frames.endById(a), b, c);
      case RowKind.DuplicateRx:
        return new DuplicateRxRecord(frames, seq, t, frames.endById(a), b, c);
      case RowKind.Forward:
        return new ForwardRecord(frames, seq, t, this.#hops[a], b);
      default:
        throw new Error(`record store: row kind ${kind} has no record class`);
    }
  }
}
