import type { FrameId } from "../trace/sent_frames.ts";

/**
 * An IPv4 datagram in flight. `id` follows the datagram across hops and NAT rewrites so the trace can
 * tell one packet's story; fragments and encapsulating packets get new ids that point at `parent`.
 */
export interface Packet {
  id: number;
  bytes: Uint8Array;
  parent?: number;
  /**
   * The IPsec SA that carried it in, or that it must leave through (Linux's SAref): a daemon that
   * answers each peer through the SA its traffic came in on can serve several peers that share one
   * address and port (clients behind one NAT).
   */
  saRef?: number;
  /**
   * The frame these bytes came in (its number in the trace's `SentFrames`), set by the link when nothing
   * changed them on the wire. It stays true only until someone rewrites the bytes (a hook: NAT,
   * filters), so a reader must know none did; the IP layer uses it to name a forwarded datagram without writing its line now.
   */
  arrived?: FrameId;
  /**
   * Set by a router that changed nothing but the TTL (lowered once) of the frame `arrived` named, and
   * read by the link that sends it: its `tx` record then rebuilds the bytes from that frame's instead
   * of storing another copy.
   */
  lowered?: FrameId;
}
