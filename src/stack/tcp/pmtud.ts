/**
 * Path MTU discovery (RFC 1191): the MTU an ICMP fragmentation-needed message teaches. Old routers
 * send 0 for the next-hop MTU; then the next plateau below the quoted datagram's length is tried.
 */

/** RFC 1191 §7 plateau table, for a fragmentation-needed message that gives no next-hop MTU. */
const PLATEAUS = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68];

/** The path MTU to use after an error reporting `nextHopMtu` for a datagram of `quotedLength` bytes. */
export function pathMtuFromError(nextHopMtu: number, quotedLength: number): number {
  return nextHopMtu >= 68 ? nextHopMtu : PLATEAUS.find((p) => p < quotedLength) ?? 68;
}
