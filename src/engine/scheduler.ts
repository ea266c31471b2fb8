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
    const entry = new Entry(Math.max(at, this.#now), this.#seq++, action);
    this.#push(entry);
    return entry;
  }

  /** Runs `action` after `delay` microseconds. */
  after(delay: Micros, action: () => void): Timer {
    return this.at(this.#now + Math.max(0, Math.round(delay)), action);
  }

  /** Runs events up to and including time `until`; the clock then stands at `until`. */
  runUntil(until: Micros, maxEvents = Number.POSITIVE_INFINITY): void {
    const heap = this.#heap;
    let budget = maxEvents;
    while (heap.length > 0 && heap[0].at <= until && budget > 0) {
      const entry = this.#pop();
      if (entry.cancelled) continue;
      this.#now = entry.at;
      this.#executed++;
      budget--;
      entry.action();
    }
    if (budget > 0) this.#now = Math.max(this.#now, until);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): Entry {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
