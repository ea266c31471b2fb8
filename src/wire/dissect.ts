import { formatIp, type Ip4 } from "./addr.ts";
import { describeIcmpHeader, icmpSummary } from "./icmp.ts";
import { decodeUdp, describeUdpHeader, UDP_HEADER_LEN } from "./udp.ts";
import {
  describeIpv4Header,
  PROTO_ESP,
  PROTO_ICMP,
  PROTO_UDP,
  protocolName,
  readIpv4Header,
} from "./ipv4.ts";
import type { Field } from "./field.ts";
import type { ProtoLabel } from "../trace/record.ts";
import { espDissector, udpEncapDissector } from "./esp.ts";
import { IKE_PORT, NAT_T_PORT } from "./isakmp.ts";
import { isakmpDissector } from "./isakmp_describe.ts";
import { L2TP_PORT, l2tpDissector } from "./l2tp.ts";
import { STUN_ALT_PORT, STUN_PORT, stunDissector } from "./stun.ts";
import { PROTO_TCP } from "./tcp.ts";
import { greDissector, PROTO_GRE } from "./gre.ts";
import { tcpPptpDissector } from "./pptp.ts";
import { WG_PORT, wireguardDissector } from "./wireguard.ts";

/**
 * What rides on a UDP port: a label, a one-line summary and a field tree. Like Wireshark's
 * `udp.port` dissector table; the table itself is in `dissectorTables` below, one row per protocol module.
 */
export interface UdpDissector {
  label: ProtoLabel;
  /** For ports that carry more than one protocol (UDP 4500: IKE, ESP, keepalives): the label by content. */
  labelOf?(payload: Uint8Array): ProtoLabel;
  summarize(payload: Uint8Array): string;
  describe(bytes: Uint8Array, offset: number, end: number): Field[];
}

/**
 * What rides directly on IP (ESP is protocol 50): like `UdpDissector`, keyed by IP protocol number.
 * `payload` is the datagram's payload (no IP header).
 */
export type IpDissector = UdpDissector;

/** The dissector tables, built on first use: the protocol modules import this one for its types. */
let tables: { udp: Map<number, UdpDissector>; ip: Map<number, IpDissector> } | undefined;

function dissectorTables(): { udp: Map<number, UdpDissector>; ip: Map<number, IpDissector> } {
  tables ??= {
    udp: new Map([
      [L2TP_PORT, l2tpDissector],
      [STUN_PORT, stunDissector],
      [STUN_ALT_PORT, stunDissector],
      [IKE_PORT, isakmpDissector],
      [NAT_T_PORT, udpEncapDissector],
      [WG_PORT, wireguardDissector],
    ]),
    ip: new Map([[PROTO_ESP, espDissector], [PROTO_TCP, tcpPptpDissector], [PROTO_GRE, greDissector]]),
  };
  return tables;
}

function udpDissectorFor(srcPort: number, dstPort: number): UdpDissector | undefined {
  // The well-known port is usually the lower one; try the destination first as Wireshark does for replies.
  const udp = dissectorTables().udp;
  return udp.get(dstPort) ?? udp.get(srcPort);
}

function ipDissectorFor(protocol: number): IpDissector | undefined {
  return dissectorTables().ip.get(protocol);
}

interface Layers {
  src: string;
  dst: string;
  protocol: number;
  headerLength: number;
  totalLength: number;
  fragment: boolean;
  /** Fragment Offset in units of 8 bytes (non-zero: a later fragment). */
  fragmentUnits: number;
  moreFragments: boolean;
  srcIp: Ip4;
  dstIp: Ip4;
}

function ipLayers(bytes: Uint8Array): Layers | null {
  const h = readIpv4Header(bytes);
  if (!h || h.version !== 4) return null;
  const headerLength = h.headerLength;
  const totalLength = Math.min(h.totalLength, bytes.length);
  // A header that claims less than 20 bytes, more than was received, or more than the datagram is
  // not something to lay fields over: the inspector shows it as malformed, as decodeIpv4 rejects it.
  if (headerLength < 20 || headerLength > totalLength) return null;
  return {
    src: formatIp(h.src),
    dst: formatIp(h.dst),
    protocol: h.protocol,
    headerLength,
    totalLength,
    fragment: h.moreFragments || h.fragmentUnits !== 0,
    fragmentUnits: h.fragmentUnits,
    moreFragments: h.moreFragments,
    srcIp: h.src,
    dstIp: h.dst,
  };
}

/** The protocol a datagram is "about", for colouring and filtering. */
export function protoLabel(bytes: Uint8Array): ProtoLabel {
  // Read in place, as ipLayers does but without writing the addresses as text: every hop asks this.
  const h = readIpv4Header(bytes);
  if (!h || h.version !== 4) return "IP";
  const ip = {
    headerLength: h.headerLength,
    totalLength: Math.min(h.totalLength, bytes.length),
    protocol: h.protocol,
  };
  if (ip.headerLength < 20 || ip.headerLength > ip.totalLength) return "IP";
  if (h.moreFragments || h.fragmentUnits !== 0) return "IP";
  if (ip.protocol === PROTO_ICMP) return "ICMP";
  if (ip.protocol === 50) return "ESP";
  if (ip.protocol === PROTO_UDP && ip.totalLength >= ip.headerLength + UDP_HEADER_LEN) {
    const at = ip.headerLength;
    const dissector = udpDissectorFor((bytes[at] << 8) | bytes[at + 1], (bytes[at + 2] << 8) | bytes[at + 3]);
    if (dissector?.labelOf) return dissector.labelOf(bytes.subarray(at + UDP_HEADER_LEN, ip.totalLength));
    return dissector?.label ?? "UDP";
  }
  const dissector = ipDissectorFor(ip.protocol);
  if (dissector?.labelOf) return dissector.labelOf(bytes.subarray(ip.headerLength, ip.totalLength));
  return dissector?.label ?? "IP";
}

/** One line in the spirit of tcpdump: `10.0.0.2.40000 > 10.0.0.5.7: UDP length 5`. */
export function summarize(bytes: Uint8Array): string {
  const ip = ipLayers(bytes);
  if (!ip) return `malformed (${bytes.length} bytes)`;
  if (ip.fragmentUnits !== 0) {
    return `${ip.src} > ${ip.dst}: ${protocolName(ip.protocol)} fragment offset ${ip.fragmentUnits * 8}` +
      `${ip.moreFragments ? " +" : ""} len ${ip.totalLength - ip.headerLength}`;
  }
  const more = ip.fragment ? " (first fragment)" : "";
  const payload = bytes.subarray(ip.headerLength, ip.totalLength);
  if (ip.protocol === PROTO_ICMP) return `${ip.src} > ${ip.dst}: ${icmpSummary(payload)}${more}`;
  if (ip.protocol === PROTO_UDP && payload.length >= UDP_HEADER_LEN) {
    const srcPort = (payload[0] << 8) | payload[1];
    const dstPort = (payload[2] << 8) | payload[3];
    const dissector = udpDissectorFor(srcPort, dstPort);
    const inner = dissector && !ip.fragment
      ? dissector.summarize(payload.subarray(UDP_HEADER_LEN))
      : `UDP len ${payload.length - UDP_HEADER_LEN}`;
    return `${ip.src}.${srcPort} > ${ip.dst}.${dstPort}: ${inner}${more}`;
  }
  const ipDissector = ip.fragment ? undefined : ipDissectorFor(ip.protocol);
  if (ipDissector) return `${ip.src} > ${ip.dst}: ${ipDissector.summarize(payload)}`;
  return `${ip.src} > ${ip.dst}: ${protocolName(ip.protocol)} len ${payload.length}${more}`;
}

/** The whole field tree of a datagram, outermost layer first, for the inspector. */
export function describe(bytes: Uint8Array): Field[] {
  const ip = ipLayers(bytes);
  if (!ip) return [{ name: "Malformed packet", value: `${bytes.length} bytes`, start: 0, end: bytes.length }];
  const fields: Field[] = [describeIpv4Header(bytes, 0)];
  const start = ip.headerLength;
  const end = ip.totalLength;
  if (ip.fragmentUnits !== 0) {
    fields.push({ name: "Fragment data", value: `${end - start} bytes`, start, end });
    return fields;
  }
  if (ip.protocol === PROTO_ICMP && end - start >= 8) {
    fields.push(describeIcmpHeader(bytes, start, end));
  } else if (ip.protocol === PROTO_UDP && end - start >= UDP_HEADER_LEN) {
    const payload = bytes.subarray(start, end);
    const decoded = ip.fragment ? null : decodeUdp(payload, ip.srcIp, ip.dstIp);
    fields.push(describeUdpHeader(bytes, start, decoded ? decoded.ok : null));
    const srcPort = (payload[0] << 8) | payload[1];
    const dstPort = (payload[2] << 8) | payload[3];
    const dissector = udpDissectorFor(srcPort, dstPort);
    const dataStart = start + UDP_HEADER_LEN;
    if (dissector && !ip.fragment) fields.push(...dissector.describe(bytes, dataStart, end));
    else if (end > dataStart) {
      fields.push({ name: "Data", value: `${end - dataStart} bytes`, start: dataStart, end });
    }
  } else if (ipDissectorFor(ip.protocol) && !ip.fragment) {
    fields.push(...ipDissectorFor(ip.protocol)!.describe(bytes, start, end));
  } else if (end > start) {
    fields.push({ name: protocolName(ip.protocol), value: `${end - start} bytes`, start, end });
  }
  return fields;
}
