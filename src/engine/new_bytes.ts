/**
 * Deno's V8 keeps every typed array's bytes outside its heap, so each `new Uint8Array` costs a
 * calloc, a backing-store record and the collector's bookkeeping, about a microsecond (a view into an
 * existing buffer costs a tenth of that). A run builds over a million small arrays (headers, payloads,
 * MACs, IKE payloads), so small ones are carved out of shared slabs instead.
 */
const SLAB = 64 * 1024;
/** Larger arrays get their own buffer: a few of them would use up a slab. */
const LARGEST = 2048;
/** Every carved array starts on a multiple of 8, so a Uint32Array or BigUint64 view of it may be made. */
const ALIGN = 8;
let slab = new Uint8Array(SLAB);
let slabUsed = 0;

/**
 * A new zeroed array of `length` bytes. Its `buffer` may be a shared slab: a view of it must be made
 * from its `byteOffset` and `byteLength`, and it must not be transferred. A slab lives as long as any
 * array carved from it.
 */
export function newBytes(length: number): Uint8Array {
  // A bad length gets what `new Uint8Array` does with it (a RangeError, or a fraction cut), not a wrong view.
  if (length > LARGEST || !(length >= 0) || !Number.isInteger(length)) return new Uint8Array(length);
  if (slabUsed + length > SLAB) {
    slab = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += (length + ALIGN - 1) & ~(ALIGN - 1);
  return out;
}

/** A copy of `bytes` made with `newBytes` (later changes to either do not reach the other). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = newBytes(bytes.length);
  out.set(bytes);
  return out;
}

/** `Uint8Array.of` made with `newBytes`. */
export function bytesOf(...values: number[]): Uint8Array {
  const out = newBytes(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out;
}
