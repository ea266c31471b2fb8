/**
 * Copies of packet bytes carved out of large shared buffers. The trace keeps every frame put on a wire,
 * and one ArrayBuffer (or even one Uint8Array view) per frame costs the garbage collector far more than
 * the bytes themselves; so a frame is stored as a length and its bytes inside a chunk that only ever
 * grows, and its owner holds a small integer handle, asking for a view only when it reads the bytes. A
 * chunk lives as long as the arena does, which the trace makes the run's lifetime anyway.
 */

const FIRST_CHUNK = 4 * 1024;
/** Also the handle's span per chunk: a handle is `chunk * SPAN + offset`, a small integer for V8. */
const SPAN = 256 * 1024;
/** Frames at least this long get a chunk of their own (a chunk's tail is not worth wasting on them). */
const GIANT = 16 * 1024;
/** Each stored frame starts with its length in two bytes (frames below GIANT fit). */
const PREFIX = 2;
/** The offset a giant's handle carries: never a frame's start in a shared chunk (a prefix needs two bytes). */
const WHOLE_CHUNK = SPAN - 1;

/** Stores copies of byte arrays in shared, append-only chunks, each found again by its handle. */
export class ByteArena {
  #chunks: Uint8Array[] = [];
  #chunk = new Uint8Array(0);
  /** Where `#chunk` is in `#chunks` (a giant may have been pushed after it). */
  #index = -1;
  #used = 0;
  #nextSize = FIRST_CHUNK;

  /** Stores a copy of `bytes` (later changes to `bytes` do not reach it); returns its handle. */
  put(bytes: Uint8Array): number {
    const length = bytes.length;
    if (length >= GIANT) {
      this.#chunks.push(bytes.slice());
      return (this.#chunks.length - 1) * SPAN + WHOLE_CHUNK;
    }
    if (this.#used + PREFIX + length > this.#chunk.length) {
      this.#chunk = new Uint8Array(this.#nextSize);
      this.#index = this.#chunks.push(this.#chunk) - 1;
      this.#used = 0;
      // Small runs stay small; busy links soon reach the largest chunk.
      this.#nextSize = Math.min(SPAN, this.#nextSize * 2);
    }
    const chunk = this.#chunk;
    const start = this.#used;
    chunk[start] = length >>> 8;
    chunk[start + 1] = length & 0xff;
    chunk.set(bytes, start + PREFIX);
    this.#used = start + PREFIX + length;
    return this.#index * SPAN + start;
  }

  /** A view of the bytes stored under `handle` (no copy: writing to it changes the stored bytes). */
  view(handle: number): Uint8Array {
    const chunk = this.#chunks[Math.floor(handle / SPAN)];
    const start = handle % SPAN;
    if (start === WHOLE_CHUNK) return chunk;
    const from = start + PREFIX;
    return chunk.subarray(from, from + ((chunk[start] << 8) | chunk[start + 1]));
  }

  /** How many bytes are stored under `handle`, without making a view. */
  length(handle: number): number {
    const chunk = this.#chunks[Math.floor(handle / SPAN)];
    const start = handle % SPAN;
    return start === WHOLE_CHUNK ? chunk.length : (chunk[start] << 8) | chunk[start + 1];
  }
}
