/**
 * What a man in the middle can find in a frame it holds: where the payload of a chosen layer starts
 * (so a rule's offset means the same byte in every packet of that layer), and which checksums it can
 * recompute after changing bytes. An attacker reads every cleartext header exactly as the receiver
 * will, so the parsing here is the receiver's; what it cannot do is recompute an ESP ICV, whose key
 * it does not have.
 */
import { internetChecksum } from "../wire/checksum.ts";
import { udpEncapKind } from "../wire/esp.ts";
import { PROTO_ESP, PROTO_ICMP, PROTO_UDP, readIpv4Header, refreshIpv4Checksum } from "../wire/ipv4.ts";
import { decodeL2tp, L2TP_PORT } from "../wire/l2tp.ts";
import { decodePpp, PPP_IP } from "../wire/ppp.ts";
import { PROTO_TCP, refreshTcpChecksum } from "../wire/tcp.ts";
import { refreshUdpChecksum, UDP_HEADER_LEN } from "../wire/udp.ts";

/** The layers a rule can aim at; its offset counts from the start of that layer's payload. */
export const MITM_LAYERS = ["ip", "icmp", "udp", "l2tp", "esp"] as const;
export type MitmLayer = (typeof MITM_LAYERS)[number];

/** A rule's `match`: a layer, and for `udp` optionally a port (either source or destination). */
export interface MitmMatch {
  layer: MitmLayer;
  port?: number;
}

/** Where the payload of the matched layer lies in the frame, and a few words naming it. */
export interface Located {
  start: number;
  end: number;
  /** "L2TP data payload (the PPP frame)", "ESP payload (IV, ciphertext, ICV)", ... */
  what: string;
}

const NAT_T_PORT = 4500;

/** Reads `udp`, `udp:1701`, `l2tp`, `esp`...; null when the text is none of them. */
export function parseMatch(text: string): MitmMatch | null {
  const m = /^(ip|icmp|udp|l2tp|esp)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return null;
  const layer = m[1] as MitmLayer;
  if (m[2] === undefined) return { layer };
  const port = Number(m[2]);
  return layer === "udp" && port >= 1 && port <= 65535 ? { layer, port } : null;
}

/** The words a match is written with, for records and messages. */
export function formatMatch(match: MitmMatch): string {
  return match.port === undefined ? match.layer : `${match.layer}:${match.port}`;
}

/** The transport header of an unfragmented IPv4 datagram (later fragments carry none). */
function transport(frame: Uint8Array): { protocol: number; start: number; end: number } | null {
  const ip = readIpv4Header(frame);
  if (!ip || ip.version !== 4 || ip.headerLength < 20) return null;
  if (ip.fragmentUnits !== 0) return null;
  const end = Math.min(ip.totalLength, frame.length);
  if (end < ip.headerLength) return null;
  return { protocol: ip.protocol, start: ip.headerLength, end };
}

function port16(frame: Uint8Array, at: number): number {
  return (frame[at] << 8) | frame[at + 1];
}

/** Where the payload of `match`'s layer is in `frame`, or null when the frame has no such layer. */
export function locate(frame: Uint8Array, match: MitmMatch): Located | null {
  const t = transport(frame);
  if (!t) return null;
  if (match.layer === "ip") return { start: t.start, end: t.end, what: "IP payload" };
  if (match.layer === "icmp") {
    return t.protocol === PROTO_ICMP && t.end - t.start >= 8
      ? { start: t.start + 8, end: t.end, what: "ICMP data" }
      : null;
  }
  if (match.layer === "esp" && t.protocol === PROTO_ESP) {
    return { start: t.start + 8, end: t.end, what: "ESP payload (IV, ciphertext, ICV)" };
  }
  if (t.protocol !== PROTO_UDP || t.end - t.start < UDP_HEADER_LEN) return null;
  const src = port16(frame, t.start);
  const dst = port16(frame, t.start + 2);
  const body = t.start + UDP_HEADER_LEN;
  switch (match.layer) {
    case "udp":
      if (match.port !== undefined && src !== match.port && dst !== match.port) return null;
      return { start: body, end: t.end, what: "UDP payload" };
    case "esp": {
      if (src !== NAT_T_PORT && dst !== NAT_T_PORT) return null;
      if (udpEncapKind(frame.subarray(body, t.end)) !== "esp") return null;
      return { start: body + 8, end: t.end, what: "UDP-encapsulated ESP payload (IV, ciphertext, ICV)" };
    }
    case "l2tp": {
      if (src !== L2TP_PORT && dst !== L2TP_PORT) return null;
      const udpPayload = frame.subarray(body, t.end);
      const l2tp = decodeL2tp(udpPayload);
      if (!l2tp.ok || l2tp.value.kind !== "data") return null;
      const start = body + (l2tp.value.payload.byteOffset - udpPayload.byteOffset);
      return { start, end: start + l2tp.value.payload.length, what: "L2TP data payload (the PPP frame)" };
    }
  }
  return null;
}

/** Recomputes the checksum of the ICMP, UDP or TCP segment at [start, end); its name if it changed. */
function fixTransport(
  frame: Uint8Array,
  ipStart: number,
  protocol: number,
  start: number,
  end: number,
): string | null {
  const header = readIpv4Header(frame, ipStart)!;
  const segment = frame.subarray(start, end);
  const before = segment.length >= 8
    ? port16(segment, protocol === PROTO_TCP ? 16 : protocol === PROTO_UDP ? 6 : 2)
    : 0;
  if (protocol === PROTO_ICMP && segment.length >= 8) {
    segment[2] = 0;
    segment[3] = 0;
    const sum = internetChecksum(segment);
    segment[2] = sum >>> 8;
    segment[3] = sum & 0xff;
    return before !== sum ? "ICMP" : null;
  }
  if (protocol === PROTO_UDP && segment.length >= UDP_HEADER_LEN) {
    refreshUdpChecksum(segment, header.src, header.dst);
    return before !== port16(segment, 6) ? "UDP" : null;
  }
  if (protocol === PROTO_TCP && segment.length >= 20) {
    refreshTcpChecksum(segment, header.src, header.dst);
    return before !== port16(segment, 16) ? "TCP" : null;
  }
  return null;
}

/**
 * Recomputes every checksum the attacker can after changing bytes: an IPv4 packet inside cleartext
 * L2TP/PPP (header and ICMP/UDP/TCP), then the outer ICMP, UDP or TCP checksum, as a tool that rewrites
 * packets (scapy, netsed, a proxy) does. Returns the names of the checksums whose value changed,
 * inner ones prefixed "inner". An outer UDP checksum of zero stays zero (none was sent, RFC 768).
 */
export function fixChecksums(frame: Uint8Array): string[] {
  const t = transport(frame);
  if (!t) return [];
  const fixed: string[] = [];
  const ppp = locate(frame, { layer: "l2tp" });
  if (ppp) {
    const decoded = decodePpp(frame.subarray(ppp.start, ppp.end));
    if (decoded.ok && decoded.value.protocol === PPP_IP) {
      const innerStart = ppp.start +
        (decoded.value.payload.byteOffset - frame.subarray(ppp.start).byteOffset);
      const inner = frame.subarray(innerStart, ppp.end);
      const header = readIpv4Header(inner);
      if (
        header && header.version === 4 && header.headerLength >= 20 && header.headerLength <= inner.length
      ) {
        const before = port16(inner, 10);
        refreshIpv4Checksum(inner);
        if (port16(inner, 10) !== before) fixed.push("inner IPv4 header");
        if (header.fragmentUnits === 0) {
          const end = innerStart + Math.min(header.totalLength, inner.length);
          const name = fixTransport(
            frame,
            innerStart,
            header.protocol,
            innerStart + header.headerLength,
            end,
          );
          if (name) fixed.push(`inner ${name}`);
        }
      }
    }
  }
  const name = fixTransport(frame, 0, t.protocol, t.start, t.end);
  if (name) fixed.push(name);
  return fixed;
}
