import type { Micros } from "./time.ts";

/** A pending event; `cancel()` makes it a no-op without the cost of removing it from the heap. */
export interface Timer {
  readonly at: Micros;
  readonly cancelled: boolean;
  cancel(): void;
}

class Entry implements Timer {
  cancelled = false;
  constructor(readonly at: Micros, readonly seq: number, readonly action: () => void) {}
  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Discrete-event scheduler: a binary min-heap ordered by (time, insertion sequence). The sequence
 * tie-break is what makes two events at the same microsecond run in the order they were scheduled,
 * so a run never depends on heap internals.
 */
export class Scheduler {
  #heap: Entry[] = [];
  #seq = 0;
  #now: Micros = 0;
  #executed = 0;
  #halted = false;

  get now(): Micros {
    return this.#now;
  }

  /** Events run so far (cancelled ones are not counted). */
  get executed(): number {
    return this.#executed;
  }

  get pending(): number {
    return this.#heap.length;
  }

  /** Runs `action` at absolute time `at` (never earlier than now). */
  at(at: Micros, action: () => void): Timer {
    const entry = new Entry(at > this.#now ? at : this.#now, this.#seq++, action);
    this.#push(entry);
    return entry;
  }

  /** Runs `action` after `delay` microseconds (rounded: simulated time is whole microseconds). */
  after(delay: Micros, action: () => void): Timer {
    const whole = Number.isInteger(delay) ? delay : Math.round(delay);
    return this.at(this.#now + (whole > 0 ? whole : 0), action);
  }

  /**
   * Stops the current `runUntil` once the running event returns (a run ceiling was reached). The point
   * where a run stops then depends only on the events, never on how the caller sliced the run.
   */
  halt(): void {
    this.#halted = true;
  }

  /** Whether `halt()` was called; a halted scheduler runs nothing more. */
  get halted(): boolean {
    return this.#halted;
  }

  /**
   * Runs events up to and including time `until`, at most `maxEvents` of them; the clock then stands at
   * `until` unless the budget ran out or the run was halted. Calling it again with the rest of a budget
   * continues exactly where it left off.
   */
  runUntil(until: Micros, maxEvents = Number.POSITIVE_INFINITY): void {
    const heap = this.#heap;
    let budget = maxEvents;
    // The pop is written out here rather than called: this loop is the engine's hottest code.
    while (heap.length > 0 && heap[0].at <= until && budget > 0 && !this.#halted) {
      const entry = heap[0];
      const last = heap.pop()!;
      const n = heap.length;
      if (n > 0) {
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          if (left >= n) break;
          let child = left;
          const right = left + 1;
          if (right < n) {
            const l = heap[left];
            const r = heap[right];
            if (r.at < l.at || (r.at === l.at && r.seq < l.seq)) child = right;
          }
          const c = heap[child];
          if (c.at > last.at || (c.at === last.at && c.seq > last.seq)) break;
          heap[i] = c;
          i = child;
        }
        heap[i] = last;
      }
      if (entry.cancelled) continue;
      this.#now = entry.at;
      this.#executed++;
      budget--;
      entry.action();
    }
    if (budget > 0 && !this.#halted) this.#now = Math.max(this.#now, until);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p.at < entry.at || (p.at === entry.at && p.seq < entry.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }
}
