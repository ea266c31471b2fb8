/**
 * The byte stream a TCP sender still owns: bytes written by the application and not yet acknowledged.
 * Chunks stay as written; segments are copied out of them by offset, so re-segmenting after a path
 * MTU change costs nothing special.
 */

/** A FIFO of bytes addressed by offset from its head. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  /** A copy of `length` bytes starting `offset` bytes after the head (fewer if the queue is shorter). */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(length, this.#length - offset)));
    let skip = offset;
    let filled = 0;
    for (const chunk of this.#chunks) {
      if (filled === out.length) break;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const part = chunk.subarray(skip, Math.min(chunk.length, skip + out.length - filled));
      out.set(part, filled);
      filled += part.length;
      skip = 0;
    }
    return out;
  }

  /** Drops `count` bytes from the head (they were acknowledged). */
  consume(count: number): void {
    let left = Math.min(count, this.#length);
    this.#length -= left;
    while (left > 0) {
      const head = this.#chunks[0];
      if (head.length <= left) {
        left -= head.length;
        this.#chunks.shift();
      } else {
        this.#chunks[0] = head.subarray(left);
        left = 0;
      }
    }
  }
}
