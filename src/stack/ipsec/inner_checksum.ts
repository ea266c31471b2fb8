/**
 * The inner UDP checksum of transport-mode ESP behind a NAT (RFC 3948 §3.1.2): the sender computed
 * it over its own view of the addresses, which the NAT changed. With the peer's NAT-OA the receiver
 * updates it incrementally (RFC 1624); without, it recomputes it. Plain ESP through a NAT has no
 * such repair, and the datagram is dropped saying why.
 */
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { adjustChecksum } from "../../wire/checksum.ts";
import type { Ipv4Packet } from "../../wire/ipv4.ts";
import { hexNum } from "../../wire/octets.ts";
import { decodeUdp, refreshUdpChecksum } from "../../wire/udp.ts";
import type { InstalledChild } from "./sa_database.ts";

/** RFC 1624 update of a checksum field for an address that changed from `from` to `to`. */
function adjustForAddress(checksum: number, from: Ip4, to: Ip4): number {
  let c = adjustChecksum(checksum, from >>> 16, to >>> 16);
  c = adjustChecksum(c, from & 0xffff, to & 0xffff);
  return c;
}

/** Repairs `segment` (an inner UDP datagram) in place; returns why it is still wrong, or null. */
export function fixInnerChecksum(
  segment: Uint8Array,
  outer: Ipv4Packet,
  child: InstalledChild,
): string | null {
  if (((segment[6] << 8) | segment[7]) === 0) return null;
  if (child.udpEncap) {
    const original = child.peerOriginal;
    if (original) {
      let checksum = (segment[6] << 8) | segment[7];
      checksum = adjustForAddress(checksum, original.src, outer.src);
      checksum = adjustForAddress(checksum, original.dst, outer.dst);
      if (checksum === 0) checksum = 0xffff;
      segment[6] = checksum >>> 8;
      segment[7] = checksum & 0xff;
    } else {
      refreshUdpChecksum(segment, outer.src, outer.dst);
    }
  }
  if (decodeUdp(segment, outer.src, outer.dst).ok) return null;
  return `the UDP checksum inside ESP SPI ${hexNum(child.spiIn, 8)} does not match the outer addresses ${
    formatIp(outer.src)
  } → ${
    formatIp(outer.dst)
  }: a NAT rewrote the outer header but cannot fix a checksum it cannot see (transport-mode ESP through NAT needs NAT-T)`;
}
