/**
 * Pieces of a datagram: the fragments a router splits it into to fit an MTU (RFC 791), and the part of
 * it an ICMP error quotes (RFC 792). Pure functions over bytes, beside the IP layer that uses them.
 */
import { encodeIpv4, ipv4HeaderLength, type Ipv4Packet } from "../wire/ipv4.ts";

/** The offending datagram's header plus 8 bytes of payload, as RFC 792 asks an ICMP error to quote. */
export function quote(bytes: Uint8Array): Uint8Array {
  return bytes.slice(0, Math.min(bytes.length, ipv4HeaderLength(bytes) + 8));
}

/** Splits a datagram so each piece fits `mtu`; offsets are multiples of 8 as RFC 791 requires. */
export function fragmentDatagram(ip: Ipv4Packet, mtu: number): Uint8Array[] {
  const headerLength = 20; // options are not copied into fragments (none we model has the copy flag)
  const chunk = Math.floor((mtu - headerLength) / 8) * 8;
  const fragments: Uint8Array[] = [];
  for (let at = 0; at < ip.payload.length; at += chunk) {
    const last = at + chunk >= ip.payload.length;
    fragments.push(encodeIpv4({
      ...ip,
      options: new Uint8Array(0),
      fragmentOffset: ip.fragmentOffset + at,
      moreFragments: ip.moreFragments || !last,
      payload: ip.payload.subarray(at, Math.min(ip.payload.length, at + chunk)),
    }));
  }
  return fragments;
}
