/**
 * TCP through the NAT (RFC 5382's behaviour for NAPT, with Linux conntrack's state machine): a
 * mapping is one connection, opened by an inside host's SYN (or a SYN from outside to a port forward)
 * and followed through SYN_SENT, ESTABLISHED, the FINs and TIME_WAIT, or CLOSE after a reset; each
 * state has Linux's idle timeout, so an established connection survives days of silence and a closed
 * one is forgotten within two minutes. Connections of one inside endpoint share its outside port as
 * the mapping behaviour says (endpoint-independent: one port for every remote). A segment that belongs
 * to no connection and opens none is dropped with the reason, never translated half-way.
 */
import type { Packet } from "../../engine/packet.ts";
import { formatDuration } from "../../engine/time.ts";
import { formatIp } from "../../wire/addr.ts";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from "../../wire/tcp.ts";
import { TCP_TRACK_TIMEOUTS, TcpTrack } from "../tcp/conntrack.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type Verdict } from "../ip.ts";
import { type NatCore, natDrop } from "./core.ts";
import { recordRewrite } from "./record.ts";
import { formatTuple, type Layout, rewriteTuple, transportAt, type Tuple, tuplesOf } from "./rewrite.ts";
import type { Mapping } from "./table.ts";

/** The key of a connection's mapping: the inside endpoint and the remote, both with ports. */
export function tcpKey(inside: Tuple, remote: Tuple): string {
  return `tcp|${inside.addr}|${inside.port}|${remote.addr}|${remote.port}`;
}

/** `SYN`, `SYN+ACK`, `FIN+ACK`, ...: the flags that move the tracked state, for the records. */
function flagWords(flags: number): string {
  const names: [number, string][] = [[TCP_SYN, "SYN"], [TCP_FIN, "FIN"], [TCP_RST, "RST"], [
    TCP_PSH,
    "PSH",
  ], [TCP_ACK, "ACK"]];
  return names.filter(([bit]) => flags & bit).map(([, name]) => name).join("+") || "no flags";
}

const opens = (flags: number) => (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN;

/** The flags byte, or the drop verdict for a segment too short to carry one. */
function flagsOf(nat: NatCore, bytes: Uint8Array, l: Layout): number | Verdict {
  const t = transportAt(l);
  if (l.end >= t + 14) return bytes[t + 13];
  return natDrop(
    `${nat.host.name}: TCP segment from ${formatIp(tuplesOf(bytes, l).src.addr)} too short ` +
      `for its flags (${l.end - t} bytes of header): not translated`,
  );
}

/** Follows one segment in a connection's tracked state; the row changes only when the state does. */
function follow(nat: NatCore, m: Mapping, flags: number, inbound: boolean): void {
  const track = m.tcp!;
  const before = track.state;
  track.update(flags, inbound === (m.opened === "inbound"));
  if (track.state === before) return nat.table.touch(m, inbound);
  if (inbound) m.replied = true;
  nat.table.retime(
    m,
    `${before} → ${track.state} on ${flagWords(flags)} from ${inbound ? "outside" : "inside"}`,
  );
}

/** The outside port a new connection from `src` to `dst` uses, or a drop when none is free. */
function outsidePortFor(nat: NatCore, src: Tuple, dst: Tuple): number | Verdict {
  const forward = nat.statics.get(`tcp|${src.addr}|${src.port}`);
  if (forward) return forward.outside.port; // a server behind a port forward keeps its public port
  const mapping = nat.settings.mapping;
  if (mapping !== "address-and-port-dependent") {
    const sibling = nat.table.mappings.find((o) =>
      o.proto === "tcp" && !o.isStatic && o.inside.addr === src.addr && o.inside.port === src.port &&
      (mapping === "endpoint-independent" || o.scope?.addr === dst.addr)
    );
    if (sibling) return sibling.outside.port;
  }
  const port = nat.table.allocatePort("tcp", src.port);
  if (port !== undefined) return port;
  const { low, high } = nat.settings.portRange;
  return natDrop(
    `${nat.host.name}: no free outside port in ${low}-${high} for TCP from ${formatTuple("tcp", src)} — ` +
      `widen nat port-range, or let closed connections leave TIME_WAIT`,
  );
}

function open(
  nat: NatCore,
  inside: Tuple,
  outsidePort: number,
  remote: Tuple,
  opened: "outbound" | "inbound",
  reason: string,
): Mapping {
  return nat.table.add({
    proto: "tcp",
    inside,
    outside: { addr: nat.externalAddress, port: outsidePort },
    key: tcpKey(inside, remote),
    scope: { addr: remote.addr, port: remote.port },
    remote,
    tcp: new TcpTrack(nat.settings.tcpEstablishedTimeout),
    opened,
  }, reason);
}

/** A segment leaving by the outside interface: its connection's source, or a new connection's. */
export function tcpToOutside(nat: NatCore, packet: Packet, l: Layout, out: Interface): Verdict {
  const bytes = packet.bytes;
  const flags = flagsOf(nat, bytes, l);
  if (typeof flags !== "number") return flags;
  const { src, dst } = tuplesOf(bytes, l);
  let m = nat.table.findOutbound(tcpKey(src, dst));
  if (m) {
    follow(nat, m, flags, false);
  } else {
    if (!opens(flags)) {
      return natDrop(
        `${nat.host.name}: TCP ${flagWords(flags)} from ${formatTuple("tcp", src)} to ${
          formatTuple("tcp", dst)
        } dropped: no NAT connection for it — only a SYN opens one (the connection began before ` +
          `the mapping existed, or its entry expired or was flushed)`,
      );
    }
    const port = outsidePortFor(nat, src, dst);
    if (typeof port !== "number") return port;
    m = open(
      nat,
      src,
      port,
      dst,
      "outbound",
      `SYN_SENT: created by ${formatTuple("tcp", src)} connecting to ${formatTuple("tcp", dst)}`,
    );
  }
  rewriteTuple(bytes, l, "src", m.outside);
  recordRewrite(nat.host, packet, out, "snat", "tcp", { src, dst }, { src: m.outside, dst }, m);
  return ACCEPT;
}

/** Whether `remote` may open a new connection to the port of `m` (simultaneous open, hole punching). */
function mayOpen(nat: NatCore, m: Mapping, remote: Tuple): boolean {
  const { mapping, filtering } = nat.settings;
  if (mapping === "address-and-port-dependent" || filtering === "address-and-port-dependent") return false;
  if (mapping === "address-dependent" || filtering === "address-dependent") {
    return m.scope?.addr === remote.addr;
  }
  return true;
}

/** A segment that arrived on the outside interface for the outside address. */
export function tcpFromOutside(nat: NatCore, packet: Packet, l: Layout, iface: Interface): Verdict {
  const bytes = packet.bytes;
  const flags = flagsOf(nat, bytes, l);
  if (typeof flags !== "number") return flags;
  const { src, dst } = tuplesOf(bytes, l);
  const candidates = nat.table.onOutside("tcp", dst.port);
  let m = candidates.find((c) => c.scope?.addr === src.addr && c.scope.port === src.port);
  if (m) {
    follow(nat, m, flags, true);
  } else {
    const forward = candidates.find((c) => c.isStatic);
    const sibling = forward ? undefined : candidates.find((c) => mayOpen(nat, c, src));
    const target = forward ?? sibling;
    if (!opens(flags) || !target) {
      if (nat.host.tcpPortInUse?.(dst.port)) return ACCEPT; // the router's own connection or server
      return natDrop(noConnection(nat, src, dst, flags, candidates));
    }
    const why = forward
      ? `SYN_SENT: opened by ${formatTuple("tcp", src)} through the port forward of ${
        formatTuple("tcp", forward.outside)
      }`
      : `SYN_SENT: opened by ${formatTuple("tcp", src)} to the mapped port of ${
        formatTuple("tcp", target.inside)
      } (filtering is ${nat.settings.filtering})`;
    m = open(nat, target.inside, dst.port, src, "inbound", why);
  }
  rewriteTuple(bytes, l, "dst", m.inside);
  recordRewrite(nat.host, packet, iface, "dnat", "tcp", { src, dst }, { src, dst: m.inside }, m);
  return ACCEPT;
}

function noConnection(nat: NatCore, src: Tuple, dst: Tuple, flags: number, candidates: Mapping[]): string {
  const what = `TCP ${flagWords(flags)} from ${formatTuple("tcp", src)} to ${formatTuple("tcp", dst)}`;
  if (!opens(flags)) {
    return `${nat.host.name}: ${what} dropped: it belongs to no connection the NAT tracks — never opened ` +
      `from inside, or its entry expired (closed ones last ${
        formatDuration(TCP_TRACK_TIMEOUTS.TIME_WAIT)
      } in TIME_WAIT, reset ones ${formatDuration(TCP_TRACK_TIMEOUTS.CLOSE)})`;
  }
  if (candidates.length === 0) {
    return `${nat.host.name}: no NAT mapping for TCP ${formatTuple("tcp", dst)}: ${what} dropped — ` +
      `nothing inside listens there for the Internet; add a port forward (proto: tcp) for a server`;
  }
  return `${nat.host.name}: ${what} dropped: outside port ${dst.port} belongs to connections of ${
    formatTuple("tcp", candidates[0].inside)
  } with other remotes, and the NAT (mapping ${nat.settings.mapping}, filtering ${nat.settings.filtering}) ` +
    `lets no one else open a connection to it — add a port forward (proto: tcp)`;
}

/** The connection of an inside endpoint with `remote` (for the ICMP errors about its segments). */
export function tcpConnection(nat: NatCore, inside: Tuple, remote: Tuple): Mapping | undefined {
  return nat.table.findOutbound(tcpKey(inside, remote));
}

/** The connection on an outside port with `remote` (for ICMP errors from outside). */
export function tcpConnectionOutside(nat: NatCore, port: number, remote: Tuple): Mapping | undefined {
  return nat.table.onOutside("tcp", port).find((c) =>
    c.scope?.addr === remote.addr && c.scope.port === remote.port
  );
}
