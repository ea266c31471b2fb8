import { newBytes } from "../crypto/bytes.ts";
import { formatIp, type Ip4, readIp, writeIp } from "./addr.ts";
import { adjustChecksum, internetChecksum } from "./checksum.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";

export const PROTO_ICMP = 1;
export const PROTO_UDP = 17;
export const PROTO_ESP = 50;

export const FLAG_DF = 0x4000;
export const FLAG_MF = 0x2000;
export const IPV4_HEADER_LEN = 20;
/** The Fragment Offset bits of the flags-and-offset word (in units of 8 bytes). */
const OFFSET_MASK = 0x1fff;

/**
 * The fixed fields of an IPv4 header, read where they lie and not checked: each reader decides what it
 * accepts (the stack's `decodeIpv4` is strict; the inspector and the NAT, which also reads the headers
 * ICMP errors quote, are lenient in their own ways).
 */
export interface Ipv4HeaderFields {
  version: number;
  /** IHL × 4. */
  headerLength: number;
  totalLength: number;
  tos: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment Offset in units of 8 bytes, as written. */
  fragmentUnits: number;
  ttl: number;
  protocol: number;
  src: Ip4;
  dst: Ip4;
}

/** Reads the header starting at `base`; null when fewer than 20 bytes are there. */
export function readIpv4Header(bytes: Uint8Array, base = 0): Ipv4HeaderFields | null {
  if (bytes.length < base + IPV4_HEADER_LEN) return null;
  const flagsAndOffset = (bytes[base + 6] << 8) | bytes[base + 7];
  return {
    version: bytes[base] >>> 4,
    headerLength: (bytes[base] & 0x0f) * 4,
    totalLength: (bytes[base + 2] << 8) | bytes[base + 3],
    tos: bytes[base + 1],
    id: (bytes[base + 4] << 8) | bytes[base + 5],
    dontFragment: (flagsAndOffset & FLAG_DF) !== 0,
    moreFragments: (flagsAndOffset & FLAG_MF) !== 0,
    fragmentUnits: flagsAndOffset & OFFSET_MASK,
    ttl: bytes[base + 8],
    protocol: bytes[base + 9],
    src: readIp(bytes, base + 12),
    dst: readIp(bytes, base + 16),
  };
}

/** An IPv4 datagram. `payload` is a view into the decoded buffer, not a copy. */
export interface Ipv4Packet {
  tos: number;
  /** Identification, shared by the fragments of one datagram. */
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  src: Ip4;
  dst: Ip4;
  /** Raw options (length a multiple of 4); kept only so forwarding can copy them. */
  options: Uint8Array;
  payload: Uint8Array;
}

/** Builds the datagram bytes; lengths and the header checksum are always computed here. */
export function encodeIpv4(packet: Ipv4Packet): Uint8Array {
  const optionsLength = (packet.options.length + 3) & ~3;
  const headerLength = IPV4_HEADER_LEN + optionsLength;
  const bytes = newBytes(headerLength + packet.payload.length);
  bytes.set(packet.options, IPV4_HEADER_LEN);
  writeIpv4Header(bytes, packet, headerLength);
  bytes.set(packet.payload, headerLength);
  return bytes;
}

/**
 * Writes the header of `packet` at the front of `bytes`, the whole datagram (its length is the Total
 * Length), for a sender that builds the payload in place behind it (ESP); options, if any, must already
 * be behind the fixed header. `packet.options` and `packet.payload` are not read.
 */
export function writeIpv4Header(
  bytes: Uint8Array,
  packet: Omit<Ipv4Packet, "options" | "payload">,
  headerLength = IPV4_HEADER_LEN,
): void {
  const flags = (packet.dontFragment ? FLAG_DF : 0) | (packet.moreFragments ? FLAG_MF : 0) |
    (packet.fragmentOffset >>> 3);
  bytes[0] = 0x40 | (headerLength / 4);
  bytes[1] = packet.tos;
  bytes[2] = bytes.length >>> 8;
  bytes[3] = bytes.length & 0xff;
  bytes[4] = (packet.id >>> 8) & 0xff;
  bytes[5] = packet.id & 0xff;
  bytes[6] = flags >>> 8;
  bytes[7] = flags & 0xff;
  bytes[8] = packet.ttl;
  bytes[9] = packet.protocol;
  bytes[10] = 0;
  bytes[11] = 0;
  writeIp(bytes, 12, packet.src);
  writeIp(bytes, 16, packet.dst);
  const checksum = internetChecksum(bytes, 0, headerLength);
  bytes[10] = checksum >>> 8;
  bytes[11] = checksum & 0xff;
}

/**
 * Parses and checks a datagram. Options are skipped (their length is honoured, their content not
 * interpreted), which is what a router that does not implement any option does. Trailing bytes beyond
 * Total Length (link padding) are ignored.
 */
export function decodeIpv4(bytes: Uint8Array): Decoded<Ipv4Packet> {
  const h = readIpv4Header(bytes);
  if (!h) return fail(`truncated IPv4 header (${bytes.length} bytes)`);
  if (h.version !== 4) return fail(`not IPv4 (version ${h.version})`);
  const { headerLength, totalLength } = h;
  if (headerLength < IPV4_HEADER_LEN) return fail(`IPv4 header length ${headerLength} is below 20`);
  if (totalLength < headerLength) return fail(`IPv4 total length ${totalLength} is below the header length`);
  if (totalLength > bytes.length) {
    return fail(`IPv4 total length ${totalLength} exceeds the ${bytes.length} bytes received`);
  }
  if (internetChecksum(bytes, 0, headerLength) !== 0) return fail("bad IPv4 header checksum");
  return ok({
    tos: h.tos,
    id: h.id,
    dontFragment: h.dontFragment,
    moreFragments: h.moreFragments,
    fragmentOffset: h.fragmentUnits * 8,
    ttl: h.ttl,
    protocol: h.protocol,
    src: h.src,
    dst: h.dst,
    options: bytes.subarray(IPV4_HEADER_LEN, headerLength),
    payload: bytes.subarray(headerLength, totalLength),
  });
}

export function ipv4HeaderLength(bytes: Uint8Array): number {
  return (bytes[0] & 0x0f) * 4;
}

/** Lowers TTL by one in place, patching the checksum incrementally as a router does. */
export function decrementTtl(bytes: Uint8Array): void {
  const oldWord = (bytes[8] << 8) | bytes[9];
  bytes[8] -= 1;
  const newWord = (bytes[8] << 8) | bytes[9];
  const checksum = adjustChecksum((bytes[10] << 8) | bytes[11], oldWord, newWord);
  bytes[10] = checksum >>> 8;
  bytes[11] = checksum & 0xff;
}

/** A copy of `bytes` with the TTL lowered `times` times by `decrementTtl`, as that many routers leave it. */
export function lowerTtl(bytes: Uint8Array, times: number): Uint8Array {
  const copy = bytes.slice();
  for (let i = 0; i < times; i++) decrementTtl(copy);
  return copy;
}

/** Recomputes the header checksum after in-place edits (NAT rewrites). */
export function refreshIpv4Checksum(bytes: Uint8Array): void {
  bytes[10] = 0;
  bytes[11] = 0;
  const checksum = internetChecksum(bytes, 0, ipv4HeaderLength(bytes));
  bytes[10] = checksum >>> 8;
  bytes[11] = checksum & 0xff;
}

const PROTOCOL_NAMES: Record<number, string> = {
  1: "ICMP",
  4: "IPIP",
  6: "TCP",
  17: "UDP",
  47: "GRE",
  50: "ESP",
  51: "AH",
};

export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES[protocol] ?? `proto ${protocol}`;
}

/** The inspector's field tree for the IPv4 header at `offset`. */
export function describeIpv4Header(bytes: Uint8Array, offset = 0): Field {
  const available = Math.max(0, bytes.length - offset);
  if (available < 20) {
    // Too short to hold the fixed header: say so, and keep the range inside the buffer.
    return {
      name: "Internet Protocol Version 4",
      value: `truncated: ${available} bytes (the header needs at least 20)`,
      start: Math.min(offset, bytes.length),
      end: Math.min(offset, bytes.length) + available,
    };
  }
  // An IHL past the end of the buffer is shown as written, but its ranges stop at the last byte.
  const written = (bytes[offset] & 0x0f) * 4;
  const headerLength = Math.min(written, available);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const flagsAndOffset = view.getUint16(6);
  const at = (start: number, length: number) => ({ start: offset + start, end: offset + start + length });
  const checksumOk = internetChecksum(bytes, offset, offset + headerLength) === 0;
  return {
    name: "Internet Protocol Version 4",
    value: `${formatIp(readIp(bytes, offset + 12))} → ${formatIp(readIp(bytes, offset + 16))}`,
    ...at(0, headerLength),
    children: [
      { name: "Version", value: String(bytes[offset] >>> 4), ...at(0, 1) },
      {
        name: "Header Length",
        value: written > available
          ? `${written} bytes (past the end: ${available} captured)`
          : `${written} bytes`,
        ...at(0, 1),
      },
      { name: "Type of Service", value: `0x${bytes[offset + 1].toString(16).padStart(2, "0")}`, ...at(1, 1) },
      { name: "Total Length", value: String(view.getUint16(2)), ...at(2, 2) },
      { name: "Identification", value: `0x${view.getUint16(4).toString(16).padStart(4, "0")}`, ...at(4, 2) },
      {
        name: "Flags",
        value: [(flagsAndOffset & FLAG_DF) && "DF", (flagsAndOffset & FLAG_MF) && "MF"].filter(Boolean).join(
          ", ",
        ) ||
          "none",
        ...at(6, 1),
      },
      { name: "Fragment Offset", value: String((flagsAndOffset & 0x1fff) * 8), ...at(6, 2) },
      { name: "Time to Live", value: String(bytes[offset + 8]), ...at(8, 1) },
      { name: "Protocol", value: `${protocolName(bytes[offset + 9])} (${bytes[offset + 9]})`, ...at(9, 1) },
      {
        name: "Header Checksum",
        value: `0x${view.getUint16(10).toString(16).padStart(4, "0")} [${
          checksumOk ? "correct" : "incorrect"
        }]`,
        ...at(10, 2),
      },
      { name: "Source Address", value: formatIp(readIp(bytes, offset + 12)), ...at(12, 4) },
      { name: "Destination Address", value: formatIp(readIp(bytes, offset + 16)), ...at(16, 4) },
      ...(headerLength > 20
        ? [{ name: "Options", value: `${headerLength - 20} bytes`, ...at(20, headerLength - 20) }]
        : []),
    ],
  };
}
