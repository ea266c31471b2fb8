import type { Scheduler } from "../engine/scheduler.ts";
import { LazyRecord } from "./lazy_record.ts";
import type { TraceInput, TraceRecord } from "./record.ts";

/**
 * Collects trace records in order, stamping each with the scheduler's clock and a sequence number.
 * Given a `keep` test (a bounded run, see keep.ts), it stores only the records that pass; every record
 * still gets its sequence number and reaches the listeners.
 */
export class Tracer {
  readonly records: TraceRecord[] = [];
  #sched: Scheduler;
  #keep?: (record: TraceRecord) => boolean;
  #emitted = 0;
  #labels = new Set<string>();
  #listeners: ((record: TraceRecord) => void)[] = [];
  /** Holds the last summary read as a number, so that read (see `emit`) is never optimised away. */
  #flattenSink = 0;

  constructor(sched: Scheduler, keep?: (record: TraceRecord) => boolean) {
    this.#sched = sched;
    this.#keep = keep;
  }

  /** Records emitted so far, stored or not. */
  get emitted(): number {
    return this.#emitted;
  }

  /** Every protocol label emitted so far in a bounded run, so it can say when a `proto=` matched nothing. */
  get labels(): ReadonlySet<string> {
    return this.#labels;
  }

  /** Stamps `input` in place (callers always pass a fresh object) and appends it if it is kept. */
  emit(input: TraceInput): TraceRecord {
    const record = input as TraceRecord;
    record.seq = this.#emitted++;
    record.t = this.#sched.now;
    if (this.#keep === undefined) this.#store(record);
    else {
      if (record.proto !== undefined) this.#labels.add(record.proto);
      if (this.#keep(record)) this.#store(record);
    }
    for (const listener of this.#listeners) listener(record);
    return record;
  }

  #store(record: TraceRecord): void {
    // A summary built by concatenation is held by V8 as a tree of its pieces until something reads it
    // whole, several times the size of the text; converting it to a number reads it whole once and
    // leaves it stored as one flat string (the ping flood's trace: 730 → 575 MiB, CPU down a third).
    // Lazy records (lazy_record.ts) flatten their own summary when it is first read.
    if (!(record instanceof LazyRecord)) this.#flattenSink = +record.summary;
    this.records.push(record);
  }

  /**
   * Calls `listener` with every record emitted from now on (an eavesdropper watching a link, say).
   * Listeners may emit records of their own; those reach the listeners too.
   */
  subscribe(listener: (record: TraceRecord) => void): void {
    this.#listeners.push(listener);
  }
}
