import { newBytes } from "../crypto/bytes.ts";
import type { SimContext } from "../engine/context.ts";
import type { Packet } from "../engine/packet.ts";
import type { Timer } from "../engine/scheduler.ts";
import { SECOND } from "../engine/time.ts";
import { formatIp, type Ip4 } from "../wire/addr.ts";
import { protoLabel, summarize } from "../wire/dissect.ts";
import type { ForwardHop } from "../trace/lazy_record.ts";
import type { FrameId } from "../trace/sent_frames.ts";
import {
  decodeIcmp,
  encodeIcmp,
  EXCEEDED_REASSEMBLY,
  EXCEEDED_TTL,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_TIME_EXCEEDED,
  type IcmpMessage,
  UNREACH_FRAG_NEEDED,
  UNREACH_NET,
  UNREACH_PORT,
} from "../wire/icmp.ts";
import {
  decodeIpv4,
  decrementTtl,
  encodeIpv4,
  IPV4_HEADER_LEN,
  type Ipv4Packet,
  PROTO_ICMP,
  PROTO_UDP,
  readIpv4Header,
} from "../wire/ipv4.ts";
import { decodeUdp, encodeUdp } from "../wire/udp.ts";
import { fragmentDatagram, quote } from "./fragment.ts";
import type { Interface } from "./interface.ts";
import { PublishedRoutes, type Route, RoutingTable } from "./routing.ts";
import { CopiedDeliverRecord, DeliverRecord } from "./lazy_lines.ts";
import { ByteArena } from "../engine/byte_arena.ts";

import type { IpHooks } from "./hooks.ts";

export { ACCEPT, type IpHooks, UNTOUCHED, type Verdict } from "./hooks.ts";

export interface UdpMessage {
  src: Ip4;
  srcPort: number;
  dst: Ip4;
  dstPort: number;
  payload: Uint8Array;
  packet: Packet;
  iface: Interface;
}

export interface UdpSocketHandler {
  onMessage(message: UdpMessage): void;
  /** An ICMP error quoting a datagram this socket sent (port unreachable, fragmentation needed, ...). */
  onError?(error: { icmp: IcmpMessage; from: Ip4; quotedDst: Ip4; quotedDstPort: number }): void;
}

export interface IcmpListener {
  (message: IcmpMessage, ip: Ipv4Packet, packet: Packet): void;
}

export interface SendOptions {
  src?: Ip4;
  ttl?: number;
  dontFragment?: boolean;
  tos?: number;
  /** Packet this one carries or answers, for lineage in the trace. */
  parent?: number;
  /**
   * The id to give the new packet. An encapsulating layer allocates it first so its `encap` record
   * can come before the packet's `tx`, as the layers happen.
   */
  id?: number;
  /** The IPsec SA the packet must leave through (see `Packet.saRef`). */
  saRef?: number;
}

/** Local delivery of an IP protocol the stack does not handle itself (ESP, 50), after reassembly. */
export type ProtocolHandler = (packet: Packet, ip: Ipv4Packet, iface: Interface) => void;

/**
 * An ICMP error quoting a datagram of a registered protocol that this node sent (or the local
 * "message too long" when its own interface cannot carry a DF datagram): TCP's path MTU discovery.
 */
export type ProtocolErrorHandler = (message: IcmpMessage, from: Ip4) => void;

const REASSEMBLY_TIMEOUT = 30 * SECOND; // Linux's ipfrag_time default

interface Reassembly {
  pieces: { offset: number; data: Uint8Array; packet: number }[];
  totalLength?: number;
  first?: Uint8Array;
  timer: Timer;
}

/**
 * The IPv4 layer shared by every device: interfaces, routing, forwarding (when enabled), ICMP,
 * UDP sockets, fragmentation and reassembly. Devices differ only in what they plug in.
 */
export class IpStack {
  readonly routes = new RoutingTable();
  /** What the trace last showed of `routes`; whoever publishes the table diffs against it. */
  readonly publishedRoutes = new PublishedRoutes();
  hooks: IpHooks = {};
  #interfaces: Interface[] = [];
  /** Name → the first interface of that name; every packet looks its interface up here. */
  #byName = new Map<string, Interface>();
  /** Local address → how many interfaces carry it (an LNS gives every ppp interface the same one). */
  #localAddresses = new Map<Ip4, number>();
  #udp = new Map<number, UdpSocketHandler>();
  #icmpListeners = new Set<IcmpListener>();
  #protocols = new Map<number, ProtocolHandler>();
  #protocolErrors = new Map<number, ProtocolErrorHandler>();
  #reassembly = new Map<string, Reassembly>();
  #ipId = 0;
  /** Copies of the bytes behind lazily written lines (lazy_lines.ts); made on first use. */
  #copyArena: ByteArena | undefined;
  /** In interface → out interface → next hop → what the forward records along that path share. */
  #forwardHops = new Map<Interface, Map<Interface, Map<Ip4, ForwardHop>>>();
  /** Answer echo requests (every real stack does by default). */
  answerPings = true;

  constructor(readonly node: string, readonly ctx: SimContext, public forwarding: boolean) {}

  /** The interfaces in the order they were added. */
  get interfaces(): readonly Interface[] {
    return this.#interfaces;
  }

  addInterface(iface: Interface): void {
    this.#interfaces.push(iface);
    if (!this.#byName.has(iface.name)) this.#byName.set(iface.name, iface);
    this.#localAddresses.set(iface.ip, (this.#localAddresses.get(iface.ip) ?? 0) + 1);
    if (iface.peer === undefined) {
      this.routes.add({
        network: iface.ip,
        prefixLength: iface.prefixLength,
        iface: iface.name,
        metric: 0,
        origin: "connected",
      });
    }
  }

  /** Forgets `iface` (a PPP link went down); its routes are the caller's to remove. */
  removeInterface(iface: Interface): void {
    const at = this.#interfaces.indexOf(iface);
    if (at < 0) return;
    this.#interfaces.splice(at, 1);
    if (this.#byName.get(iface.name) === iface) {
      this.#byName.delete(iface.name);
      const next = this.#interfaces.find((other) => other.name === iface.name);
      if (next) this.#byName.set(next.name, next);
    }
    const count = this.#localAddresses.get(iface.ip)! - 1;
    if (count > 0) this.#localAddresses.set(iface.ip, count);
    else this.#localAddresses.delete(iface.ip);
  }

  interface(name: string): Interface | undefined {
    return this.#byName.get(name);
  }

  isLocal(ip: Ip4): boolean {
    return this.#localAddresses.has(ip);
  }

  get #copies(): ByteArena {
    return this.#copyArena ??= new ByteArena();
  }

  /** Made once: a route lookup per packet should not allocate a closure. */
  #interfaceUp = (name: string): boolean => this.#byName.get(name)?.up ?? false;

  /** The route and next hop towards `dst`, skipping interfaces that are down. */
  route(dst: Ip4): { route: Route; iface: Interface; nextHop: Ip4 } | undefined {
    const route = this.routes.lookup(dst, this.#interfaceUp);
    if (!route) return undefined;
    const iface = this.interface(route.iface)!;
    return { route, iface, nextHop: route.via ?? dst };
  }

  bindUdp(port: number, handler: UdpSocketHandler): void {
    this.#udp.set(port, handler);
  }

  unbindUdp(port: number): void {
    this.#udp.delete(port);
  }

  udpBound(port: number): boolean {
    return this.#udp.has(port);
  }

  /** Hands locally addressed datagrams of `protocol` to `handler` (reassembled first, like UDP). */
  registerProtocol(protocol: number, handler: ProtocolHandler, onError?: ProtocolErrorHandler): void {
    this.#protocols.set(protocol, handler);
    if (onError) this.#protocolErrors.set(protocol, onError);
  }

  onIcmp(listener: IcmpListener): () => void {
    this.#icmpListeners.add(listener);
    return () => this.#icmpListeners.delete(listener);
  }

  newPacketId(): number {
    return this.ctx.nextPacketId();
  }

  /** Sends a UDP datagram from this node; returns the packet, or undefined if it could not be routed. */
  sendUdp(
    dst: Ip4,
    srcPort: number,
    dstPort: number,
    payload: Uint8Array,
    options: SendOptions = {},
    withChecksum = true,
  ): Packet | undefined {
    const src = options.src ?? this.route(dst)?.iface.ip;
    if (src === undefined) return this.#unroutable(dst, PROTO_UDP, `${dstPort}`);
    return this.sendIp(dst, PROTO_UDP, encodeUdp(src, dst, srcPort, dstPort, payload, withChecksum), {
      ...options,
      src,
    });
  }

  sendIcmp(dst: Ip4, message: IcmpMessage, options: SendOptions = {}): Packet | undefined {
    return this.sendIp(dst, PROTO_ICMP, encodeIcmp(message), options);
  }

  /** Builds and sends a locally originated datagram. */
  sendIp(dst: Ip4, protocol: number, payload: Uint8Array, options: SendOptions = {}): Packet | undefined {
    const found = this.route(dst);
    if (!found) return this.#unroutable(dst, protocol, "");
    const ip: Ipv4Packet = {
      tos: options.tos ?? 0,
      id: this.#nextIpId(),
      dontFragment: options.dontFragment ?? false,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: options.ttl ?? 64,
      protocol,
      src: options.src ?? found.iface.ip,
      dst,
      options: newBytes(0),
      payload,
    };
    const bytes = encodeIpv4(ip);
    // The header as decoding `bytes` gives it, payload a view of them: the hooks need not decode it.
    ip.options = bytes.subarray(IPV4_HEADER_LEN, IPV4_HEADER_LEN);
    ip.payload = bytes.subarray(IPV4_HEADER_LEN);
    const packet: Packet = { id: options.id ?? this.ctx.nextPacketId(), bytes, parent: options.parent };
    if (options.saRef !== undefined) packet.saRef = options.saRef;
    this.#output(packet, found.iface, found.nextHop, true, ip);
    return packet;
  }

  /** Entry point for every datagram an interface receives. */
  receive(packet: Packet, iface: Interface): void {
    // What the link said about the bytes holds only on the way in: taken here, so a packet that comes
    // back in later (NAT's loopback, a tunnel) cannot carry a stale record.
    let arrived = packet.arrived;
    packet.arrived = undefined;
    packet.lowered = undefined;
    const decoded = decodeIpv4(packet.bytes);
    if (!decoded.ok) return this.drop(packet, `malformed IPv4: ${decoded.error}`, iface);
    let ip = decoded.value;
    if (this.hooks.prerouting) {
      const verdict = this.hooks.prerouting(packet, ip, iface);
      if (verdict.action === "drop") return this.drop(packet, verdict.reason, iface);
      if (verdict.action === "consumed") return;
      if (!verdict.untouched) {
        arrived = undefined;
        const again = decodeIpv4(packet.bytes);
        if (!again.ok) return this.drop(packet, `malformed after rewrite: ${again.error}`, iface);
        ip = again.value;
      }
    }
    if (this.isLocal(ip.dst) || ip.dst === 0xffffffff) return this.#deliverLocal(packet, ip, iface, arrived);
    if (!this.forwarding) {
      return this.drop(
        packet,
        `${formatIp(ip.dst)} is not an address of ${this.node} and it does not forward`,
        iface,
      );
    }
    this.#forward(packet, ip, iface, arrived);
  }

  drop(packet: Packet, reason: string, iface?: Interface): void {
    this.ctx.trace.emit({
      kind: "drop",
      node: this.node,
      iface: iface?.name,
      pkt: packet.id,
      proto: protoLabel(packet.bytes),
      summary: summarize(packet.bytes),
      reason,
      bytes: packet.bytes.slice(),
    });
  }

  #unroutable(dst: Ip4, protocol: number, port: string): undefined {
    this.ctx.trace.emit({
      kind: "drop",
      node: this.node,
      proto: protocol === PROTO_ICMP ? "ICMP" : "UDP",
      summary: `to ${formatIp(dst)}${port ? ` port ${port}` : ""}`,
      reason: `${this.node} has no route to ${
        formatIp(dst)
      } (network unreachable): add a route or a default gateway`,
    });
    return undefined;
  }

  #forwardHop(inIface: Interface, out: Interface, nextHop: Ip4): ForwardHop {
    let byOut = this.#forwardHops.get(inIface);
    if (!byOut) this.#forwardHops.set(inIface, byOut = new Map());
    let byNextHop = byOut.get(out);
    if (!byNextHop) byOut.set(out, byNextHop = new Map());
    let hop = byNextHop.get(nextHop);
    if (!hop) byNextHop.set(nextHop, hop = { node: this.node, in: inIface.name, out: out.name, nextHop });
    return hop;
  }

  #nextIpId(): number {
    this.#ipId = (this.#ipId + 1) & 0xffff;
    return this.#ipId;
  }

  #forward(packet: Packet, ip: Ipv4Packet, inIface: Interface, arrived: FrameId | undefined): void {
    if (ip.ttl <= 1) {
      this.drop(packet, `TTL expired at ${this.node}`, inIface);
      this.#sendError(ip, packet, {
        type: ICMP_TIME_EXCEEDED,
        code: EXCEEDED_TTL,
        mtu: 0,
        quoted: quote(packet.bytes),
      });
      return;
    }
    const found = this.route(ip.dst);
    if (!found) {
      this.drop(packet, `${this.node} has no route to ${formatIp(ip.dst)}`, inIface);
      this.#sendError(ip, packet, {
        type: ICMP_DEST_UNREACHABLE,
        code: UNREACH_NET,
        mtu: 0,
        quoted: quote(packet.bytes),
      });
      return;
    }
    if (this.hooks.forward) {
      const verdict = this.hooks.forward(packet, ip, inIface, found.iface);
      if (verdict.action === "drop") return this.drop(packet, verdict.reason, inIface);
      if (verdict.action === "consumed") return;
    }
    decrementTtl(packet.bytes);
    // With no hook before this point the bytes are the frame they arrived in but for the TTL, which the
    // line does not show: the record names that frame and writes nothing now. Otherwise the line is
    // written from the bytes as they are, before a later hook (NAT) or the next hop changes them.
    if (this.hooks.forward) arrived = undefined;
    this.ctx.trace.forward(
      this.#forwardHop(inIface, found.iface, found.nextHop),
      arrived ?? { line: summarize(packet.bytes), pkt: packet.id, proto: protoLabel(packet.bytes) },
    );
    // Only the TTL changed, and nothing after this may change more: the link need not store it again.
    if (arrived !== undefined && this.hooks.postrouting === undefined) packet.lowered = arrived;
    // Only a postrouting hook reads the header. A forward hook may have rewritten the bytes (MSS
    // clamping); without one they are `ip` but the TTL, so the hook need not decode them again.
    const lowered = this.hooks.postrouting && !this.hooks.forward ? { ...ip, ttl: ip.ttl - 1 } : undefined;
    this.#output(packet, found.iface, found.nextHop, false, lowered);
  }

  /** Hooks, fragments and sends `packet`; `header` is its decoded header when the caller has it. */
  #output(packet: Packet, iface: Interface, nextHop: Ip4, local: boolean, header?: Ipv4Packet): void {
    if (this.hooks.postrouting) {
      let ip = header;
      if (ip === undefined) {
        const decoded = decodeIpv4(packet.bytes);
        if (!decoded.ok) return this.drop(packet, `malformed IPv4: ${decoded.error}`, iface);
        ip = decoded.value;
      }
      const verdict = this.hooks.postrouting(packet, ip, iface, nextHop);
      if (verdict.action === "drop") return this.drop(packet, verdict.reason, iface);
      if (verdict.action === "consumed") return;
    }
    if (packet.bytes.length <= iface.mtu) return iface.output(packet, nextHop);
    const decoded = decodeIpv4(packet.bytes);
    if (!decoded.ok) return this.drop(packet, `malformed IPv4: ${decoded.error}`, iface);
    const ip = decoded.value;
    if (ip.dontFragment) {
      const reason =
        `${packet.bytes.length}-byte packet with DF set does not fit the MTU ${iface.mtu} of ${this.node}:${iface.name}`;
      this.drop(packet, local ? `${reason} (message too long)` : reason, iface);
      if (!local) {
        this.#sendError(ip, packet, {
          type: ICMP_DEST_UNREACHABLE,
          code: UNREACH_FRAG_NEEDED,
          mtu: iface.mtu,
          quoted: quote(packet.bytes),
        });
      } else {
        this.#notifyLocalError(ip, {
          type: ICMP_DEST_UNREACHABLE,
          code: UNREACH_FRAG_NEEDED,
          mtu: iface.mtu,
          quoted: quote(packet.bytes),
        }, ip.src);
      }
      return;
    }
    for (const fragment of fragmentDatagram(ip, iface.mtu)) {
      iface.output({ id: this.ctx.nextPacketId(), bytes: fragment, parent: packet.id }, nextHop);
    }
  }

  /** `arrived` is the frame whose bytes `packet` still has, if it has them. */
  #deliverLocal(packet: Packet, ip: Ipv4Packet, iface: Interface, arrived?: FrameId): void {
    if (ip.moreFragments || ip.fragmentOffset > 0) {
      arrived = undefined;
      const whole = this.#reassemble(packet, ip);
      if (!whole) return;
      const redecoded = decodeIpv4(whole.bytes);
      if (!redecoded.ok) {
        return this.drop(whole, `reassembled datagram is malformed: ${redecoded.error}`, iface);
      }
      packet = whole;
      ip = redecoded.value;
    }
    if (ip.protocol === PROTO_ICMP) return this.#deliverIcmp(packet, ip, iface, arrived);
    if (ip.protocol === PROTO_UDP) return this.#deliverUdp(packet, ip, iface, arrived);
    const handler = this.#protocols.get(ip.protocol);
    if (handler) return handler(packet, ip, iface);
    this.drop(packet, `${this.node} does not speak IP protocol ${ip.protocol}`, iface);
  }

  #deliverUdp(packet: Packet, ip: Ipv4Packet, iface: Interface, arrived?: FrameId): void {
    const decoded = decodeUdp(ip.payload, ip.src, ip.dst);
    if (!decoded.ok) return this.drop(packet, decoded.error, iface);
    const udp = decoded.value;
    const socket = this.#udp.get(udp.dstPort);
    if (!socket) {
      this.drop(packet, `${this.node}: nothing listens on UDP port ${udp.dstPort}`, iface);
      if (ip.dst !== 0xffffffff) {
        this.#sendError(ip, packet, {
          type: ICMP_DEST_UNREACHABLE,
          code: UNREACH_PORT,
          mtu: 0,
          quoted: quote(packet.bytes),
        });
      }
      return;
    }
    this.ctx.trace.emit(
      arrived !== undefined
        ? new DeliverRecord(this.node, iface.name, this.ctx.trace.frames, arrived, udp.dstPort)
        : new CopiedDeliverRecord(this.node, iface.name, packet.id, this.#copies, packet.bytes, udp.dstPort),
    );
    socket.onMessage({
      src: ip.src,
      srcPort: udp.srcPort,
      dst: ip.dst,
      dstPort: udp.dstPort,
      payload: udp.payload,
      packet,
      iface,
    });
  }

  #deliverIcmp(packet: Packet, ip: Ipv4Packet, iface: Interface, arrived?: FrameId): void {
    const decoded = decodeIcmp(ip.payload);
    if (!decoded.ok) return this.drop(packet, decoded.error, iface);
    const message = decoded.value;
    this.ctx.trace.emit(
      arrived !== undefined
        ? new DeliverRecord(this.node, iface.name, this.ctx.trace.frames, arrived, -1)
        : new CopiedDeliverRecord(this.node, iface.name, packet.id, this.#copies, packet.bytes, -1),
    );
    if (message.type === ICMP_ECHO_REQUEST && "identifier" in message && this.answerPings) {
      this.sendIcmp(ip.src, { ...message, type: ICMP_ECHO_REPLY }, { src: ip.dst, parent: packet.id });
    }
    if (
      (message.type === ICMP_DEST_UNREACHABLE || message.type === ICMP_TIME_EXCEEDED) && "quoted" in message
    ) {
      this.#notifyLocalError(ip, message, ip.src);
    }
    for (const listener of this.#icmpListeners) listener(message, ip, packet);
  }

  /** Tells the UDP socket whose datagram an ICMP error quotes. */
  #notifyLocalError(_ip: Ipv4Packet, message: IcmpMessage, from: Ip4): void {
    if (!("quoted" in message)) return;
    const quoted = message.quoted;
    const header = quoted.length < 28 ? null : readIpv4Header(quoted);
    if (!header) return;
    if (header.protocol !== PROTO_UDP) return this.#protocolErrors.get(header.protocol)?.(message, from);
    const headerLength = header.headerLength;
    if (quoted.length < headerLength + 4) return;
    const srcPort = (quoted[headerLength] << 8) | quoted[headerLength + 1];
    const dstPort = (quoted[headerLength + 2] << 8) | quoted[headerLength + 3];
    const quotedDst = header.dst;
    this.#udp.get(srcPort)?.onError?.({ icmp: message, from, quotedDst, quotedDstPort: dstPort });
  }

  /** Sends an ICMP error about `ip`, following RFC 1812's rules on when not to. */
  #sendError(ip: Ipv4Packet, cause: Packet, message: IcmpMessage): void {
    if (ip.fragmentOffset > 0) return; // only the first fragment may cause an error
    if (ip.dst === 0xffffffff || ip.src === 0 || ip.src === 0xffffffff) return;
    if (ip.protocol === PROTO_ICMP) {
      const type = ip.payload[0];
      if (type !== ICMP_ECHO_REQUEST && type !== ICMP_ECHO_REPLY) return; // never an error about an error
    }
    const back = this.route(ip.src);
    if (!back) return;
    this.sendIcmp(ip.src, message, { src: back.iface.ip, parent: cause.id });
  }

  #reassemble(packet: Packet, ip: Ipv4Packet): Packet | undefined {
    const key = `${ip.src}-${ip.dst}-${ip.protocol}-${ip.id}`;
    let entry = this.#reassembly.get(key);
    if (!entry) {
      const timer = this.ctx.sched.after(REASSEMBLY_TIMEOUT, () => {
        const stale = this.#reassembly.get(key);
        this.#reassembly.delete(key);
        if (!stale) return;
        this.ctx.trace.emit({
          kind: "drop",
          node: this.node,
          pkt: packet.id,
          proto: "IP",
          summary: `${stale.pieces.length} fragment(s) of datagram id ${ip.id} from ${formatIp(ip.src)}`,
          reason: `reassembly timed out after ${REASSEMBLY_TIMEOUT / SECOND}s: a fragment never arrived`,
        });
        if (stale.first) {
          const first = decodeIpv4(stale.first);
          if (first.ok) {
            this.#sendError(first.value, packet, {
              type: ICMP_TIME_EXCEEDED,
              code: EXCEEDED_REASSEMBLY,
              mtu: 0,
              quoted: quote(stale.first),
            });
          }
        }
      });
      entry = { pieces: [], timer };
      this.#reassembly.set(key, entry);
    }
    if (!entry.pieces.some((piece) => piece.offset === ip.fragmentOffset)) {
      entry.pieces.push({ offset: ip.fragmentOffset, data: ip.payload.slice(), packet: packet.id });
    }
    if (ip.fragmentOffset === 0) entry.first = packet.bytes.slice();
    if (!ip.moreFragments) entry.totalLength = ip.fragmentOffset + ip.payload.length;
    if (entry.totalLength === undefined || !entry.first) return undefined;
    entry.pieces.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const piece of entry.pieces) {
      if (piece.offset > covered) return undefined;
      covered = Math.max(covered, piece.offset + piece.data.length);
    }
    if (covered < entry.totalLength) return undefined;
    entry.timer.cancel();
    this.#reassembly.delete(key);
    const payload = newBytes(entry.totalLength);
    for (const piece of entry.pieces) {
      payload.set(piece.data.subarray(0, entry.totalLength - piece.offset), piece.offset);
    }
    const first = decodeIpv4(entry.first);
    if (!first.ok) return undefined;
    const bytes = encodeIpv4({ ...first.value, moreFragments: false, fragmentOffset: 0, payload });
    const whole: Packet = { id: this.ctx.nextPacketId(), bytes, parent: entry.pieces[0].packet };
    this.ctx.trace.emit({
      kind: "decap",
      node: this.node,
      pkt: whole.id,
      parent: whole.parent,
      proto: protoLabel(bytes),
      summary: `reassembled ${entry.pieces.length} fragments into ${bytes.length} bytes: ${summarize(bytes)}`,
      detail: { fragments: entry.pieces.map((piece) => piece.packet) },
    });
    return whole;
  }
}
