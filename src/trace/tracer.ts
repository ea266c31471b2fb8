import type { ByteArena } from "../engine/byte_arena.ts";
import type { FrameNamer } from "../engine/context.ts";
import type { Scheduler } from "../engine/scheduler.ts";
import { type ForwardedBytes, ForwardedRecord, type ForwardHop, LazyRecord } from "./lazy_record.ts";
import type { ProtoLabel, TraceInput, TraceRecord } from "./record.ts";
import { recordList } from "./record_list.ts";
import { RecordStore, RowKind } from "./record_store.ts";
import { flat, type FrameId, type LinkEnd, type SentFrames } from "./sent_frames.ts";

/**
 * A bounded run's test of what to store (keep.ts). With `packet`, the same test on a packet record's
 * node, link and protocol: the tracer then tests its per-hop rows on those and makes no object for them.
 */
export interface KeepTest {
  (record: TraceRecord): boolean;
  readonly packet?: (node: string, link: string | undefined, proto: ProtoLabel | undefined) => boolean;
}

/**
 * Collects trace records in order, stamping each with the scheduler's clock and a sequence number.
 * Devices hand in most records as objects (`emit`); links and routers report their per-hop records
 * (`send`, `receive`, `forward`) as numbers, which the store keeps as rows (record_store.ts). Given a
 * `keep` test (a bounded run, see keep.ts), it stores only the records that pass; every record still
 * gets its sequence number and reaches the listeners.
 */
export class Tracer {
  /** The stored records, read as an array (record_list.ts). */
  readonly records: TraceRecord[];
  #store = new RecordStore();
  #sched: Scheduler;
  #keep?: KeepTest;
  #emitted = 0;
  #labels = new Set<string>();
  #listeners: ((record: TraceRecord) => void)[] = [];
  #ceiling = Number.POSITIVE_INFINITY;
  #atCeiling: () => void = () => {};

  constructor(sched: Scheduler, keep?: KeepTest) {
    this.#sched = sched;
    this.#keep = keep;
    this.records = recordList(this.#store);
  }

  /** Records emitted so far, stored or not. */
  get emitted(): number {
    return this.#emitted;
  }

  /** Records stored so far (`records.length`, without going through the list). */
  get stored(): number {
    return this.#store.length;
  }

  /** Every protocol label emitted so far in a bounded run, so it can say when a `proto=` matched nothing. */
  get labels(): ReadonlySet<string> {
    return this.#labels;
  }

  /** The frames sent so far: what the per-hop records name, for the links that send more. */
  get frames(): SentFrames {
    return this.#store.frames;
  }

  /** Calls `reached` after each record stored once `count` are. */
  ceiling(count: number, reached: () => void): void {
    this.#ceiling = count;
    this.#atCeiling = reached;
  }

  /** The end of a link an interface sends and receives on, as the per-hop records name it. */
  linkEnd(node: string, iface: string, link: string, frames: FrameNamer, arena: ByteArena): LinkEnd {
    return this.#store.frames.linkEnd(node, iface, link, frames, arena);
  }

  /** Stamps `input` in place (callers always pass a fresh object) and appends it if it is kept. */
  emit(input: TraceInput): TraceRecord {
    const record = input as TraceRecord;
    record.seq = this.#emitted++;
    record.t = this.#sched.now;
    if (this.#keep === undefined || this.#kept(record)) {
      // A summary kept as V8's tree of concatenated pieces is several times the text's size (the ping
      // flood's trace: 730 → 575 MiB once flattened, CPU down a third). Lazy records write theirs later.
      if (!(record instanceof LazyRecord)) flat(record.summary);
      this.#store.pushObject(record);
      this.#checkCeiling();
    }
    for (const listener of this.#listeners) listener(record);
    return record;
  }

  /** A `tx`: `end` put `bytes` (a copy is kept) on its link. Returns the frame's number. */
  send(end: LinkEnd, pkt: number, proto: ProtoLabel, bytes: Uint8Array): FrameId {
    const frame = this.#store.frames.put(end, pkt, proto, bytes);
    this.#row(RowKind.Tx, frame, 0, 0);
    return frame;
  }

  /**
   * A `tx`: `end` put on its link the datagram that arrived in frame `from`, its TTL lowered once and
   * nothing else changed (see `SentFrames.putLowered`). Returns the frame's number.
   */
  sendLowered(end: LinkEnd, from: FrameId): FrameId {
    const frame = this.#store.frames.putLowered(end, from);
    this.#row(RowKind.Tx, frame, 0, 0);
    return frame;
  }

  /** An `rx`: `end` took `frame` off its link, the link's second copy when `duplicate`. */
  receive(end: LinkEnd, frame: FrameId, duplicate: boolean, jitter: number): void {
    this.#row(duplicate ? RowKind.DuplicateRx : RowKind.Rx, end.id, frame, jitter);
  }

  /**
   * A `forward`: a router chose `hop` for a datagram, `from` the frame it arrived in when its bytes are
   * still that frame's but for the TTL, or else the line written from them (a hook had rewritten them).
   */
  forward(hop: ForwardHop, from: FrameId | ForwardedBytes): void {
    if (typeof from !== "number") return void this.emit(new ForwardedRecord(hop, from));
    this.#row(RowKind.Forward, this.#store.hopId(hop), from, 0);
  }

  /**
   * Calls `listener` with every record emitted from now on (an eavesdropper watching a link, say).
   * Listeners may emit records of their own; those reach the listeners too.
   */
  subscribe(listener: (record: TraceRecord) => void): void {
    this.#listeners.push(listener);
  }

  /** Stamps and stores a per-hop record; it becomes an object only for a keep test or a listener. */
  #row(kind: RowKind, a: number, b: number, c: number): void {
    const seq = this.#emitted++;
    const t = this.#sched.now;
    const store = this.#store;
    let record: TraceRecord | undefined;
    let kept = true;
    const keep = this.#keep;
    if (keep?.packet !== undefined) {
      const proto = store.rowProto(kind, a, b);
      this.#labels.add(proto);
      kept = keep.packet(store.rowNode(kind, a), store.rowLink(kind, a, b), proto);
    } else if (keep !== undefined) {
      record = store.make(kind, seq, t, a, b, c);
      kept = this.#kept(record);
    }
    if (kept) {
      store.pushRow(kind, seq, t, a, b, c);
      this.#checkCeiling();
    }
    if (this.#listeners.length === 0) return;
    record ??= store.make(kind, seq, t, a, b, c);
    for (const listener of this.#listeners) listener(record);
  }

  #kept(record: TraceRecord): boolean {
    if (record.proto !== undefined) this.#labels.add(record.proto);
    return this.#keep!(record);
  }

  #checkCeiling(): void {
    if (this.#store.length >= this.#ceiling) this.#atCeiling();
  }
}
