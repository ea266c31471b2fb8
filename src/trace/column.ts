/**
 * A growable column of numbers for the record store: fixed-size typed-array chunks, so a column of a
 * million entries is a few dozen buffers the garbage collector never looks into, grows without copying,
 * and wastes at most one chunk. A chunk is made when a non-zero value is first written to it and reads
 * as zeros until then, so a column that is almost always zero (a bounded run's skipped count, a link's
 * jitter) costs nothing where it stays zero.
 */

/** Entries per chunk: 16 Ki, so a `Float64Array` chunk is 128 KiB and a small run makes one of each. */
const SHIFT = 14;
const SIZE = 1 << SHIFT;
const MASK = SIZE - 1;

/** The typed arrays a column may be made of. */
export type ColumnArray = Float64Array | Int32Array | Uint32Array | Uint8Array;

/** One column: `get(i)` is what `set(i, v)` last wrote there, or 0. */
export class Column<A extends ColumnArray> {
  #chunks: (A | undefined)[] = [];
  #make: (length: number) => A;

  constructor(make: (length: number) => A) {
    this.#make = make;
  }

  get(index: number): number {
    const chunk = this.#chunks[index >>> SHIFT];
    return chunk === undefined ? 0 : chunk[index & MASK];
  }

  set(index: number, value: number): void {
    const at = index >>> SHIFT;
    let chunk = this.#chunks[at];
    if (chunk === undefined) {
      // A missing chunk already reads as zero.
      if (value === 0) return;
      chunk = this.#chunks[at] = this.#make(SIZE);
    }
    chunk[index & MASK] = value;
  }
}

/** Makers for the column types the store uses (one function each, so each column stays one shape). */
export const float64 = (length: number): Float64Array => new Float64Array(length);
export const int32 = (length: number): Int32Array => new Int32Array(length);
export const uint32 = (length: number): Uint32Array => new Uint32Array(length);
export const uint8 = (length: number): Uint8Array => new Uint8Array(length);
