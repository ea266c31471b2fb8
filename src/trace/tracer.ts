import type { Scheduler } from "../engine/scheduler.ts";
import type { TraceInput, TraceRecord } from "./record.ts";

/** Collects trace records in order, stamping each with the scheduler's clock and a sequence number. */
export class Tracer {
  readonly records: TraceRecord[] = [];
  #sched: Scheduler;

  constructor(sched: Scheduler) {
    this.#sched = sched;
  }

  emit(input: TraceInput): TraceRecord {
    const record = { seq: this.records.length, t: this.#sched.now, ...input } as TraceRecord;
    this.records.push(record);
    return record;
  }
}
