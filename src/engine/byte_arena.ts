/**
 * Copies of packet bytes carved out of large shared buffers. Every hop gives the receiver its own copy
 * of a frame, and the trace keeps nearly all of them; one ArrayBuffer per copy costs the garbage collector
 * far more than the bytes themselves, so copies are views into chunks that only ever grow. A chunk lives
 * as long as any copy in it does, which the trace makes the run's lifetime anyway.
 */

const FIRST_CHUNK = 4 * 1024;
const LARGEST_CHUNK = 256 * 1024;

/** Hands out copies of byte arrays as views into shared, append-only chunks. */
export class ByteArena {
  #chunk = new Uint8Array(0);
  #used = 0;
  #nextSize = FIRST_CHUNK;

  /** A copy of `bytes` that nothing else aliases: writing to it changes no other copy. */
  copy(bytes: Uint8Array): Uint8Array {
    const length = bytes.length;
    if (length > LARGEST_CHUNK / 4) return bytes.slice(); // a rare giant: not worth a chunk's tail
    if (this.#used + length > this.#chunk.length) {
      this.#chunk = new Uint8Array(this.#nextSize);
      this.#used = 0;
      // Small runs stay small; busy links soon reach the largest chunk.
      this.#nextSize = Math.min(LARGEST_CHUNK, this.#nextSize * 2);
    }
    const start = this.#used;
    this.#used = start + length;
    const out = this.#chunk.subarray(start, start + length);
    out.set(bytes);
    return out;
  }
}
