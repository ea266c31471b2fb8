/**
 * The stored trace as the array every reader takes (`TraceRecord[]`: the CLI, the summary, the checks,
 * the grading, the pcap writer, the tests), without an object per record: a read-only `Proxy` over
 * the record store that makes each record when it is read. `Array.isArray` holds, indexing, `length`,
 * iteration, spreading and `JSON.stringify` work, and the array methods readers use (`filter`, `map`,
 * `find`, `some`, …) walk the store directly instead of through the proxy's traps, several times
 * faster. Writes throw: a run's trace is what happened.
 *
 * Not a real array in two ways: `structuredClone` refuses a proxy (the browser's worker posts
 * `plainRecords(records)`, a real array), and a per-hop record read twice is two equal objects, not
 * the same one (record_store.ts).
 */
import type { TraceRecord } from "./record.ts";

/** What the list reads from. */
export interface RecordSource {
  readonly length: number;
  /** The record at `index` (0 ≤ index < length). */
  read(index: number): TraceRecord;
}

type Visit<T> = (record: TraceRecord, index: number, list: TraceRecord[]) => T;

/** `key` as an array index, or -1 when it is not one (a method name, "length", "01", "1e3"). */
function arrayIndex(key: string): number {
  const length = key.length;
  // Up to 2^32 - 2, so at most ten digits; no leading zero but in "0" itself.
  if (length === 0 || length > 10 || (length > 1 && key.charCodeAt(0) === 48)) return -1;
  let index = 0;
  for (let i = 0; i < length; i++) {
    const digit = key.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    index = index * 10 + digit;
  }
  return index < 2 ** 32 - 1 ? index : -1;
}

/** `index` as `Array.prototype.slice` and `at` read a relative index. */
function relative(index: number | undefined, length: number, missing: number): number {
  if (index === undefined) return missing;
  const n = Math.trunc(index) || 0;
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}

/** A read-only array view of `source`, live: records stored later show up in it. */
export function recordList(source: RecordSource): TraceRecord[] {
  const target: TraceRecord[] = [];
  // deno-lint-ignore prefer-const
  let list: TraceRecord[];
  function* values(): IterableIterator<TraceRecord> {
    for (let i = 0; i < source.length; i++) yield source.read(i);
  }
  const methods: Record<string | symbol, unknown> = {
    [Symbol.iterator]: values,
    values,
    at(index: number): TraceRecord | undefined {
      const n = Math.trunc(index) || 0;
      const i = n < 0 ? source.length + n : n;
      return i >= 0 && i < source.length ? source.read(i) : undefined;
    },
    slice(start?: number, end?: number): TraceRecord[] {
      const length = source.length;
      const from = relative(start, length, 0);
      const to = relative(end, length, length);
      const out: TraceRecord[] = [];
      for (let i = from; i < to; i++) out.push(source.read(i));
      return out;
    },
    forEach(visit: Visit<unknown>, self?: unknown): void {
      for (let i = 0; i < source.length; i++) visit.call(self, source.read(i), i, list);
    },
    filter(test: Visit<unknown>, self?: unknown): TraceRecord[] {
      const out: TraceRecord[] = [];
      for (let i = 0; i < source.length; i++) {
        const record = source.read(i);
        if (test.call(self, record, i, list)) out.push(record);
      }
      return out;
    },
    map(make: Visit<unknown>, self?: unknown): unknown[] {
      const length = source.length;
      const out = new Array(length);
      for (let i = 0; i < length; i++) out[i] = make.call(self, source.read(i), i, list);
      return out;
    },
    find(test: Visit<unknown>, self?: unknown): TraceRecord | undefined {
      for (let i = 0; i < source.length; i++) {
        const record = source.read(i);
        if (test.call(self, record, i, list)) return record;
      }
      return undefined;
    },
    findIndex(test: Visit<unknown>, self?: unknown): number {
      for (let i = 0; i < source.length; i++) if (test.call(self, source.read(i), i, list)) return i;
      return -1;
    },
    findLast(test: Visit<unknown>, self?: unknown): TraceRecord | undefined {
      for (let i = source.length - 1; i >= 0; i--) {
        const record = source.read(i);
        if (test.call(self, record, i, list)) return record;
      }
      return undefined;
    },
    findLastIndex(test: Visit<unknown>, self?: unknown): number {
      for (let i = source.length - 1; i >= 0; i--) if (test.call(self, source.read(i), i, list)) return i;
      return -1;
    },
    some(test: Visit<unknown>, self?: unknown): boolean {
      for (let i = 0; i < source.length; i++) if (test.call(self, source.read(i), i, list)) return true;
      return false;
    },
    every(test: Visit<unknown>, self?: unknown): boolean {
      for (let i = 0; i < source.length; i++) if (!test.call(self, source.read(i), i, list)) return false;
      return true;
    },
    reduce(
      ...args: [(acc: unknown, record: TraceRecord, index: number, list: TraceRecord[]) => unknown, unknown?]
    ) {
      const [step] = args;
      let i = 0;
      let acc: unknown;
      if (args.length > 1) acc = args[1];
      else if (source.length === 0) throw new TypeError("Reduce of empty array with no initial value");
      else acc = source.read(i++);
      for (; i < source.length; i++) acc = step(acc, source.read(i), i, list);
      return acc;
    },
  };
  const readOnly = (): never => {
    throw new TypeError("a run's trace records are read-only");
  };
  list = new Proxy(target, {
    get(target, key, receiver) {
      if (typeof key === "string") {
        const index = arrayIndex(key);
        if (index >= 0) return index < source.length ? source.read(index) : undefined;
        if (key === "length") return source.length;
      }
      if (Object.hasOwn(methods, key)) return methods[key];
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") {
        const index = arrayIndex(key);
        if (index >= 0) return index < source.length;
      }
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      const keys: (string | symbol)[] = [];
      for (let i = 0; i < source.length; i++) keys.push(String(i));
      for (const key of Reflect.ownKeys(target)) keys.push(key);
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === "string") {
        const index = arrayIndex(key);
        if (index >= 0) {
          if (index >= source.length) return undefined;
          return { value: source.read(index), writable: false, enumerable: true, configurable: true };
        }
        // The target's own `length` is fixed (not configurable): report it with the store's value.
        if (key === "length") {
          return { value: source.length, writable: true, enumerable: false, configurable: false };
        }
      }
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
  });
  return list;
}
