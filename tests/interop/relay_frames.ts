/**
 * The framing between the strongSwan interop tests and udp_unix_relay.ts, which share one Unix stream
 * socket for every UDP port: source port, destination port, payload length (16 bits each), payload.
 */

export interface RelayFrame {
  src: number;
  dst: number;
  payload: Uint8Array;
}

export function encodeFrame(src: number, dst: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(6 + payload.length);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  view.setUint16(0, src);
  view.setUint16(2, dst);
  view.setUint16(4, payload.length);
  frame.set(payload, 6);
  return frame;
}

/** Hands each whole frame read from `conn` to `each` until the stream ends or fails. */
export async function readFrames(
  conn: { read(buffer: Uint8Array): Promise<number | null> },
  each: (frame: RelayFrame) => void,
): Promise<void> {
  let buffer = new Uint8Array(0);
  const chunk = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(chunk).catch(() => null);
    if (n === null) return;
    const joined = new Uint8Array(buffer.length + n);
    joined.set(buffer);
    joined.set(chunk.subarray(0, n), buffer.length);
    buffer = joined;
    // A read may end inside a frame: keep the rest for the next one.
    while (buffer.length >= 6) {
      const view = new DataView(buffer.buffer, buffer.byteOffset);
      const length = view.getUint16(4);
      if (buffer.length < 6 + length) break;
      each({ src: view.getUint16(0), dst: view.getUint16(2), payload: buffer.slice(6, 6 + length) });
      buffer = buffer.slice(6 + length);
    }
  }
}
