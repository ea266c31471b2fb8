/**
 * An IPv4 datagram in flight. `id` follows the datagram across hops and NAT rewrites so the trace can
 * tell one packet's story; fragments and encapsulating packets get new ids that point at `parent`.
 */
export interface Packet {
  id: number;
  bytes: Uint8Array;
  parent?: number;
}
