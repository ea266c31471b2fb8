/**
 * In-place header rewriting for NAT. Every changed 16-bit word is folded into the checksums that cover
 * it with RFC 1624's incremental update, so a checksum that was right stays right and one that was wrong
 * stays wrong (a NAT must not launder corruption), and payloads NAT does not own are never re-read.
 */
import { formatIp, type Ip4, readIp } from "../../wire/addr.ts";
import { adjustChecksum, onesSum } from "../../wire/checksum.ts";
import { IPV4_HEADER_LEN, PROTO_ICMP, PROTO_UDP, readIpv4Header } from "../../wire/ipv4.ts";
import { PROTO_TCP } from "../../wire/tcp.ts";

function read16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function write16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value & 0xff;
}

/** A checksum field; a UDP checksum of 0 means "none" and stays 0, and a computed 0 is sent as 0xffff. */
interface Sum {
  at: number;
  udp: boolean;
}

function adjust(bytes: Uint8Array, sum: Sum, oldWord: number, newWord: number): void {
  const current = read16(bytes, sum.at);
  if (sum.udp && current === 0) return;
  let next = adjustChecksum(current, oldWord, newWord);
  if (sum.udp && next === 0) next = 0xffff;
  write16(bytes, sum.at, next);
}

function setWord(bytes: Uint8Array, at: number, value: number, sums: readonly Sum[]): void {
  const old = read16(bytes, at);
  if (old === value) return;
  write16(bytes, at, value);
  for (const sum of sums) adjust(bytes, sum, old, value);
}

/**
 * The layout of one IPv4 datagram (or of the datagram quoted in an ICMP error) starting at `base`.
 * `end` is where the bytes that belong to it stop (a quote is usually cut short).
 */
export interface Layout {
  base: number;
  end: number;
  headerLength: number;
  protocol: number;
  /** This piece carries the transport header (it is not a later fragment). */
  hasTransport: boolean;
  /** This piece is a fragment (first or later) of a larger datagram. */
  fragment: boolean;
  /** More fragments follow this one. */
  moreFragments: boolean;
}

/** Reads the layout of the IPv4 header at `base`, or null when the bytes cannot hold one. */
export function layoutOf(bytes: Uint8Array, base = 0, end = bytes.length): Layout | null {
  const h = end < base + IPV4_HEADER_LEN ? null : readIpv4Header(bytes, base);
  if (!h) return null;
  const headerLength = h.headerLength;
  if (headerLength < IPV4_HEADER_LEN || end < base + headerLength) return null;
  return {
    base,
    end: Math.min(end, base + Math.max(h.totalLength, headerLength)),
    headerLength,
    protocol: h.protocol,
    hasTransport: h.fragmentUnits === 0,
    fragment: h.fragmentUnits !== 0 || h.moreFragments,
    moreFragments: h.moreFragments,
  };
}

/** Where the transport header starts. */
export function transportAt(l: Layout): number {
  return l.base + l.headerLength;
}

/** ICMP echo request (8) or reply (0): their identifier plays the role of a port. */
export function isEcho(type: number): boolean {
  return type === 8 || type === 0;
}

/** An address with a port (UDP, TCP) or echo identifier (ICMP); 0 when the protocol has neither. */
export interface Tuple {
  addr: Ip4;
  port: number;
}

/** Whether the datagram at `l` starts with UDP or TCP ports (both put them in the first four bytes). */
function hasPorts(l: Layout): boolean {
  return l.hasTransport && (l.protocol === PROTO_UDP || l.protocol === PROTO_TCP) &&
    l.end >= transportAt(l) + 4;
}

/**
 * The transport checksums that cover the addresses and ports of the datagram at `l`, when the bytes
 * hold them (a quote in an ICMP error may stop before TCP's checksum at offset 16).
 */
function transportSums(l: Layout): Sum[] {
  const t = transportAt(l);
  if (!l.hasTransport) return [];
  if (l.protocol === PROTO_UDP && l.end >= t + 8) return [{ at: t + 6, udp: true }];
  if (l.protocol === PROTO_TCP && l.end >= t + 18) return [{ at: t + 16, udp: false }];
  return [];
}

/** Source and destination of the datagram at `l`, with ports for UDP and TCP, the identifier for ICMP echo. */
export function tuplesOf(bytes: Uint8Array, l: Layout): { src: Tuple; dst: Tuple } {
  const t = transportAt(l);
  const src = readIp(bytes, l.base + 12);
  const dst = readIp(bytes, l.base + 16);
  if (hasPorts(l)) {
    return { src: { addr: src, port: read16(bytes, t) }, dst: { addr: dst, port: read16(bytes, t + 2) } };
  }
  if (l.hasTransport && l.protocol === PROTO_ICMP && l.end >= t + 6 && isEcho(bytes[t])) {
    const id = read16(bytes, t + 4);
    return { src: { addr: src, port: id }, dst: { addr: dst, port: id } };
  }
  return { src: { addr: src, port: 0 }, dst: { addr: dst, port: 0 } };
}

/**
 * Rewrites the source or destination address and port of the datagram at `l` (for ICMP echo the "port"
 * is the identifier, which both directions share). The IPv4 header checksum, the UDP or TCP checksum
 * (whose pseudo-header holds the addresses) and the ICMP checksum follow incrementally.
 */
export function rewriteTuple(bytes: Uint8Array, l: Layout, side: "src" | "dst", to: Tuple): void {
  const t = transportAt(l);
  const ipSum: Sum = { at: l.base + 10, udp: false };
  const portSums = transportSums(l);
  const addrAt = l.base + (side === "src" ? 12 : 16);
  setWord(bytes, addrAt, to.addr >>> 16, [ipSum, ...portSums]);
  setWord(bytes, addrAt + 2, to.addr & 0xffff, [ipSum, ...portSums]);
  if (!l.hasTransport) return;
  if (hasPorts(l)) {
    setWord(bytes, side === "src" ? t : t + 2, to.port, portSums);
  } else if (l.protocol === PROTO_ICMP && l.end >= t + 6 && isEcho(bytes[t])) {
    setWord(bytes, t + 4, to.port, l.end >= t + 4 ? [{ at: t + 2, udp: false }] : []);
  }
}

/** Rewrites only the source or destination address (ESP, non-first fragments, ICMP errors' outer header). */
export function rewriteAddress(bytes: Uint8Array, l: Layout, side: "src" | "dst", addr: Ip4): void {
  const sums: Sum[] = [{ at: l.base + 10, udp: false }, ...transportSums(l)];
  const at = l.base + (side === "src" ? 12 : 16);
  setWord(bytes, at, addr >>> 16, sums);
  setWord(bytes, at + 2, addr & 0xffff, sums);
}

function folded(bytes: Uint8Array, start: number, end: number, skip: number): number {
  let sum = onesSum(bytes, start, skip) + onesSum(bytes, skip + 2, end);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Runs `edit` (which changes bytes inside an ICMP message, e.g. the datagram an error quotes) and then
 * updates the ICMP checksum at `sumAt` by the difference between the ones'-complement sums before and
 * after, the same incremental rule as for a single word.
 */
export function editInsideIcmp(bytes: Uint8Array, start: number, end: number, edit: () => void): void {
  const sumAt = start + 2;
  const before = folded(bytes, start, end, sumAt);
  edit();
  const after = folded(bytes, start, end, sumAt);
  if (before !== after) write16(bytes, sumAt, adjustChecksum(read16(bytes, sumAt), before, after));
}

/** `192.168.1.10:5000`, `192.168.1.10 id 7` for ICMP echo, or the bare address. */
export function formatTuple(proto: string, t: Tuple): string {
  if (proto === "udp" || proto === "tcp") return `${formatIp(t.addr)}:${t.port}`;
  if (proto === "icmp") return `${formatIp(t.addr)} id ${t.port}`;
  return formatIp(t.addr);
}
