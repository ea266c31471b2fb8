/**
 * ICMP errors through the NAT (RFC 5508): an error carries the start of the datagram it is about, and
 * that quote shows the address on the far side of the NAT, so both the outer header and the quote are
 * rewritten (with the quoted checksums patched) for the side the error goes to. An error about nothing
 * the NAT translated is not forwarded, so inside addresses never leak.
 */
import type { Packet } from "../../engine/packet.ts";
import { formatIp, readIp } from "../../wire/addr.ts";
import { PROTO_ESP, PROTO_ICMP, PROTO_UDP } from "../../wire/ipv4.ts";
import { PROTO_TCP } from "../../wire/tcp.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type Verdict } from "../ip.ts";
import { type NatCore, natDrop } from "./core.ts";
import { recordRewrite } from "./record.ts";
import {
  editInsideIcmp,
  formatTuple,
  type Layout,
  layoutOf,
  rewriteAddress,
  rewriteTuple,
  transportAt,
  type Tuple,
  tuplesOf,
} from "./rewrite.ts";
import { type Mapping, mappingKey, type NatProto } from "./table.ts";
import { tcpConnection, tcpConnectionOutside } from "./tcp.ts";

/** Destination unreachable and time exceeded: the errors that quote a datagram. */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 11;
}

/** The NAT protocol of an IP protocol number. */
export function protoOf(protocol: number): NatProto | "other" {
  if (protocol === PROTO_UDP) return "udp";
  if (protocol === PROTO_TCP) return "tcp";
  if (protocol === PROTO_ICMP) return "icmp";
  if (protocol === PROTO_ESP) return "esp";
  return "other";
}

/**
 * An ICMP error leaving towards the outside about a datagram that came in through a mapping (an
 * inside host's port unreachable, or this router's own "fragmentation needed"): the quoted datagram
 * still shows the inside address and must show the outside one.
 */
export function icmpErrorToOutside(nat: NatCore, packet: Packet, l: Layout, out: Interface): Verdict {
  const bytes = packet.bytes;
  const t = transportAt(l);
  const q = layoutOf(bytes, t + 8, l.end);
  const outerSrc = readIp(bytes, 12);
  const local = nat.host.ip.isLocal(outerSrc);
  if (!q) return local ? ACCEPT : natDrop(`${nat.host.name}: ICMP error with a truncated quote`);
  const quoted = tuplesOf(bytes, q);
  // The quoted datagram went remote → inside host: its destination is the inside endpoint.
  const m = mappingForInside(nat, q.protocol, quoted.dst, quoted.src);
  if (!m) {
    if (local) return ACCEPT;
    return natDrop(
      `${nat.host.name}: ICMP error from ${formatIp(outerSrc)} about ${
        formatTuple(protoOf(q.protocol), quoted.dst)
      } matches no NAT mapping: not forwarded (it would leak an inside address)`,
    );
  }
  const before = { src: { addr: outerSrc, port: 0 }, dst: { addr: readIp(bytes, 16), port: 0 } };
  editInsideIcmp(bytes, t, l.end, () => {
    if (m.proto === "esp") rewriteAddress(bytes, q, "dst", m.outside.addr);
    else rewriteTuple(bytes, q, "dst", m.outside);
  });
  if (!local) rewriteAddress(bytes, l, "src", m.outside.addr);
  recordRewrite(
    nat.host,
    packet,
    out,
    "icmp-error",
    m.proto,
    before,
    {
      src: { addr: readIp(bytes, 12), port: 0 },
      dst: before.dst,
    },
    m,
    `quoted ${formatTuple(m.proto, m.inside)} → ${formatTuple(m.proto, m.outside)}`,
  );
  return ACCEPT;
}

/** The mapping owning an inside endpoint that talked with `remote` (no side effects). */
function mappingForInside(nat: NatCore, protocol: number, inside: Tuple, remote: Tuple): Mapping | undefined {
  const proto = protoOf(protocol);
  if (proto === "esp") {
    return nat.table.onOutside("esp", 0).find((m) =>
      m.inside.addr === inside.addr && (m.scope === undefined || m.scope.addr === remote.addr)
    );
  }
  if (proto === "tcp") return tcpConnection(nat, inside, remote);
  if (proto !== "udp" && proto !== "icmp") return undefined;
  const fixed = nat.statics.get(`${proto}|${inside.addr}|${inside.port}`);
  if (fixed) return fixed;
  const r = proto === "icmp" ? { addr: remote.addr, port: 0 } : remote;
  return nat.table.findOutbound(mappingKey(proto, inside, r, nat.settings.mapping, false)) ??
    nat.table.findOutbound(mappingKey(proto, inside, r, nat.settings.mapping, true));
}

/**
 * An ICMP error from outside (the remote's port unreachable, a router's time exceeded or
 * fragmentation needed) about a datagram that left through a mapping: the outer destination and the
 * quoted source go back to the inside endpoint. Filtering does not apply (RFC 5508: errors may come
 * from any router on the path), but the quoted datagram must match a mapping.
 */
export function icmpErrorFromOutside(nat: NatCore, packet: Packet, l: Layout, iface: Interface): Verdict {
  const bytes = packet.bytes;
  const t = transportAt(l);
  const q = layoutOf(bytes, t + 8, l.end);
  if (!q || readIp(bytes, q.base + 12) !== nat.externalAddress) return ACCEPT;
  const quoted = tuplesOf(bytes, q);
  const proto = protoOf(q.protocol);
  let m: Mapping | undefined;
  if (proto === "esp") {
    m = nat.table.onOutside("esp", 0).find((e) => e.scope?.addr === quoted.dst.addr);
  } else if (proto === "tcp") {
    m = tcpConnectionOutside(nat, quoted.src.port, quoted.dst);
  } else if (proto === "udp" || proto === "icmp") {
    const candidates = nat.table.onOutside(proto, quoted.src.port);
    m = candidates.find((c) => !c.pinned || c.scope?.addr === quoted.dst.addr);
  }
  if (!m) return ACCEPT; // about the router's own traffic
  const before = { src: { addr: readIp(bytes, 12), port: 0 }, dst: { addr: readIp(bytes, 16), port: 0 } };
  const mapping = m;
  editInsideIcmp(bytes, t, l.end, () => {
    if (mapping.proto === "esp") rewriteAddress(bytes, q, "src", mapping.inside.addr);
    else rewriteTuple(bytes, q, "src", mapping.inside);
  });
  rewriteAddress(bytes, l, "dst", m.inside.addr);
  recordRewrite(
    nat.host,
    packet,
    iface,
    "icmp-error",
    m.proto,
    before,
    {
      src: before.src,
      dst: { addr: m.inside.addr, port: 0 },
    },
    m,
    `quoted ${formatTuple(m.proto, m.outside)} → ${formatTuple(m.proto, m.inside)}`,
  );
  return ACCEPT;
}
