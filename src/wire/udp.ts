import { newBytes } from "../crypto/bytes.ts";
import type { Ip4 } from "./addr.ts";
import { finishChecksum, onesSum } from "./checksum.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { PROTO_UDP } from "./ipv4.ts";

export const UDP_HEADER_LEN = 8;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** As found on the wire; 0 means the sender computed none. */
  checksum: number;
  payload: Uint8Array;
}

/** The unfolded ones' sum of RFC 768's pseudo-header, word by word (no bytes are built for it). */
function pseudoHeaderSum(src: Ip4, dst: Ip4, length: number): number {
  // The length field is 16 bits: a longer datagram is summed as its field would read.
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + PROTO_UDP + (length & 0xffff);
}

/** The checksum over the pseudo-header and `segment` (whose checksum field must hold 0). */
export function udpChecksum(src: Ip4, dst: Ip4, segment: Uint8Array): number {
  const checksum = finishChecksum(
    onesSum(segment, 0, segment.length, pseudoHeaderSum(src, dst, segment.length)),
  );
  // A computed zero is sent as all ones: zero on the wire means "no checksum" (RFC 768).
  return checksum === 0 ? 0xffff : checksum;
}

/**
 * Builds a UDP segment. `withChecksum: false` leaves the field 0, which UDP-encapsulated ESP
 * requires (RFC 3948 §2.1).
 */
export function encodeUdp(
  src: Ip4,
  dst: Ip4,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
  withChecksum = true,
): Uint8Array {
  const segment = newBytes(UDP_HEADER_LEN + payload.length);
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, segment.length);
  segment.set(payload, UDP_HEADER_LEN);
  if (withChecksum) view.setUint16(6, udpChecksum(src, dst, segment));
  return segment;
}

/**
 * Writes the header of a segment that starts at `at` and runs to the end of `bytes`, its payload
 * already in place, with checksum 0 ("none", RFC 768), as NAT-T sends ESP in UDP (RFC 3948 §2.1).
 */
export function writeUdpHeaderUnchecked(
  bytes: Uint8Array,
  at: number,
  srcPort: number,
  dstPort: number,
): void {
  const length = bytes.length - at;
  bytes[at] = srcPort >>> 8;
  bytes[at + 1] = srcPort & 0xff;
  bytes[at + 2] = dstPort >>> 8;
  bytes[at + 3] = dstPort & 0xff;
  bytes[at + 4] = length >>> 8;
  bytes[at + 5] = length & 0xff;
  bytes[at + 6] = 0;
  bytes[at + 7] = 0;
}

/** Parses a segment and verifies its checksum against the addresses of the carrying datagram. */
export function decodeUdp(segment: Uint8Array, src: Ip4, dst: Ip4): Decoded<UdpDatagram> {
  if (segment.length < UDP_HEADER_LEN) return fail(`truncated UDP header (${segment.length} bytes)`);
  const length = (segment[4] << 8) | segment[5];
  if (length < UDP_HEADER_LEN || length > segment.length) {
    return fail(`UDP length ${length} does not fit the ${segment.length} bytes carried`);
  }
  const checksum = (segment[6] << 8) | segment[7];
  const used = segment.subarray(0, length);
  if (checksum !== 0 && finishChecksum(onesSum(used, 0, length, pseudoHeaderSum(src, dst, length))) !== 0) {
    return fail("bad UDP checksum");
  }
  return ok({
    srcPort: (segment[0] << 8) | segment[1],
    dstPort: (segment[2] << 8) | segment[3],
    checksum,
    payload: segment.subarray(UDP_HEADER_LEN, length),
  });
}

/** Recomputes the checksum of a segment in place (after NAT changed an address or port). */
export function refreshUdpChecksum(segment: Uint8Array, src: Ip4, dst: Ip4): void {
  if (((segment[6] << 8) | segment[7]) === 0) return; // no checksum stays no checksum
  segment[6] = 0;
  segment[7] = 0;
  const checksum = udpChecksum(src, dst, segment.subarray(0, (segment[4] << 8) | segment[5]));
  segment[6] = checksum >>> 8;
  segment[7] = checksum & 0xff;
}

export function describeUdpHeader(bytes: Uint8Array, offset: number, checksumOk: boolean | null): Field {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const at = (start: number, length: number) => ({ start: offset + start, end: offset + start + length });
  const checksum = view.getUint16(6);
  return {
    name: "User Datagram Protocol",
    value: `${view.getUint16(0)} → ${view.getUint16(2)}`,
    // The length field is untrusted: the range never ends inside the 8-byte header nor past the data.
    ...at(0, Math.min(Math.max(view.getUint16(4), UDP_HEADER_LEN), bytes.length - offset)),
    children: [
      { name: "Source Port", value: String(view.getUint16(0)), ...at(0, 2) },
      { name: "Destination Port", value: String(view.getUint16(2)), ...at(2, 2) },
      { name: "Length", value: String(view.getUint16(4)), ...at(4, 2) },
      {
        name: "Checksum",
        value: `0x${checksum.toString(16).padStart(4, "0")}` +
          (checksum === 0
            ? " [none]"
            : checksumOk === null
            ? ""
            : checksumOk
            ? " [correct]"
            : " [incorrect]"),
        ...at(6, 2),
      },
    ],
  };
}
