/**
 * IKEv2's data plane on a node: the installed CHILD_SAs (tunnel-mode ESP, RFC 4303 §3.1.2: the whole
 * inner IPv4 packet is the ESP payload, Next Header 4) and the virtual interface `ipsec0` that the
 * routing table points at, as an XFRM interface does on Linux. An outgoing packet takes the newest
 * SA whose traffic selectors hold its addresses; a decrypted one is accepted only if its addresses lie
 * in the selectors it was negotiated for. ESP rides in UDP 4500 when the IKE SA moved there (NAT).
 */
import type { Packet } from "../../engine/packet.ts";
import type { Micros } from "../../engine/time.ts";
import type { Timer } from "../../engine/scheduler.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { protoLabel, summarize } from "../../wire/dissect.ts";
import { decodeEspHeader, PROTO_ESP } from "../../wire/esp.ts";
import type { TrafficSelector } from "../../wire/ikev2.ts";
import { decodeIpv4 } from "../../wire/ipv4.ts";
import { hexNum } from "../../wire/octets.ts";
import { NAT_T_PORT } from "../../wire/isakmp.ts";
import type { Interface } from "../interface.ts";
import type { IpStack } from "../ip.ts";
import { ESP_CIPHERS, type EspProposal } from "../ipsec/config.ts";
import { type EspKeys, espOpen, espSeal, ReplayWindow } from "../ipsec/esp.ts";

/** IP protocol number of IPv4-in-IPv4, ESP's Next Header in tunnel mode. */
export const PROTO_IPIP = 4;

/** What the data plane needs from the IKE SA that owns a CHILD_SA. */
export interface ChildOwner {
  local: { ip: Ip4; port: number };
  remote: { ip: Ip4; port: number };
  /** ESP in UDP 4500 (a NAT was detected or encapsulation forced). */
  readonly udpEncap: boolean;
  /** Anything authenticated from the peer (resets the liveness timer). */
  heard(): void;
}

/** One installed CHILD_SA pair. */
export interface Child {
  owner: ChildOwner;
  proposal: EspProposal;
  spiIn: number;
  spiOut: number;
  inbound: EspKeys;
  outbound: EspKeys;
  /** Our side's selectors and the peer's. */
  local: TrafficSelector[];
  remote: TrafficSelector[];
  seqOut: number;
  replay: ReplayWindow;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  installedAt: Micros;
  /** A newer pair took over outbound; this one still opens what was already in flight. */
  rekeyed: boolean;
  timers: Timer[];
}

/** What the tunnel needs from its node. */
export interface TunnelHost {
  readonly name: string;
  readonly ip: IpStack;
  nextPacketId(): number;
  ivBytes(n: number): Uint8Array;
  emit(record: Record<string, unknown>): void;
  /** A pair's counters changed: publish its row (batched by the caller). */
  touched(child: Child): void;
}

export function selectorHolds(ts: TrafficSelector, ip: Ip4): boolean {
  return (ip >>> 0) >= (ts.start >>> 0) && (ip >>> 0) <= (ts.end >>> 0);
}

export function selectorText(ts: TrafficSelector): string {
  const start = ts.start >>> 0;
  const end = ts.end >>> 0;
  const size = end - start + 1;
  const bits = 32 - Math.log2(size);
  const cidr = Number.isInteger(bits) && (start & (size - 1 >>> 0)) === 0 ? `/${bits}` : `-${formatIp(end)}`;
  const proto = ts.protocol ? `[${ts.protocol}]` : "";
  return `${formatIp(start)}${cidr}${proto}`;
}

/** The virtual interface: whatever is routed here is sealed into the matching CHILD_SA. */
export class TunnelInterface implements Interface {
  readonly up = true;
  constructor(
    readonly name: string,
    readonly ip: Ip4,
    public prefixLength: number,
    public mtu: number,
    private tunnel: Tunnel,
  ) {}
  output(packet: Packet, _nextHop: Ip4): void {
    this.tunnel.send(packet, this);
  }
}

/** The node's CHILD_SAs. */
export class Tunnel {
  #bySpi = new Map<number, Child>();
  #removed = new Map<number, string>();

  constructor(readonly host: TunnelHost) {}

  get all(): Child[] {
    return [...this.#bySpi.values()];
  }

  has(spi: number): boolean {
    return this.#bySpi.has(spi);
  }

  install(child: Child): void {
    this.#bySpi.set(child.spiIn, child);
  }

  remove(child: Child, reason: string): void {
    for (const t of child.timers) t.cancel();
    this.#bySpi.delete(child.spiIn);
    this.#removed.set(child.spiIn, reason);
  }

  /** The newest live pair whose selectors hold the packet's addresses. */
  outbound(src: Ip4, dst: Ip4): Child | undefined {
    let best: Child | undefined;
    for (const c of this.#bySpi.values()) {
      if (c.rekeyed) continue;
      if (!c.remote.some((ts) => selectorHolds(ts, dst)) || !c.local.some((ts) => selectorHolds(ts, src))) {
        continue;
      }
      if (!best || c.installedAt >= best.installedAt) best = c;
    }
    return best;
  }

  /** An inner packet routed to the tunnel interface. */
  send(packet: Packet, iface: Interface): void {
    const ip = decodeIpv4(packet.bytes);
    if (!ip.ok) return this.host.ip.drop(packet, `malformed IPv4: ${ip.error}`, iface);
    const child = this.outbound(ip.value.src, ip.value.dst);
    if (!child) {
      return this.host.ip.drop(
        packet,
        `${iface.name}: no CHILD_SA covers ${formatIp(ip.value.src)} → ${
          formatIp(ip.value.dst)
        } (IKEv2 not up yet?)`,
        iface,
      );
    }
    const seq = ++child.seqOut;
    const iv = this.host.ivBytes(ESP_CIPHERS[child.outbound.encryption].iv);
    const esp = espSeal(child.outbound, seq, packet.bytes, PROTO_IPIP, iv);
    const id = this.host.nextPacketId();
    const { owner } = child;
    this.host.emit({
      kind: "encap",
      iface: iface.name,
      pkt: id,
      parent: packet.id,
      proto: "ESP",
      summary: `ESP SPI ${hexNum(child.spiOut, 8)} seq ${seq}${
        owner.udpEncap ? " in UDP 4500" : ""
      }, tunnel mode: ${summarize(packet.bytes)}`,
      detail: { spi: hexNum(child.spiOut, 8), seq, udpEncap: owner.udpEncap, layers: ["IP", "ESP", "IP"] },
    });
    child.packetsOut++;
    child.bytesOut += packet.bytes.length;
    const options = { src: owner.local.ip, id, parent: packet.id };
    if (owner.udpEncap) {
      this.host.ip.sendUdp(owner.remote.ip, NAT_T_PORT, owner.remote.port, esp, options, false);
    } else this.host.ip.sendIp(owner.remote.ip, PROTO_ESP, esp, options);
    this.host.touched(child);
  }

  /** Opens ESP addressed to us; returns why it was dropped, or null when the inner packet went on. */
  receive(
    outer: Packet,
    esp: Uint8Array,
    from: { ip: Ip4; port: number } | null,
    iface: Interface,
  ): string | null {
    const header = decodeEspHeader(esp);
    if (!header.ok) return `malformed ESP: ${header.error}`;
    const { spi, seq } = header.value;
    const child = this.#bySpi.get(spi);
    if (!child) {
      const why = this.#removed.get(spi);
      return `ESP SPI ${hexNum(spi, 8)}: ${why ?? `no CHILD_SA with that SPI on ${this.host.name}`}`;
    }
    if (child.owner.udpEncap !== (from !== null)) {
      return `ESP SPI ${hexNum(spi, 8)} arrived ${
        from ? "in UDP 4500" : "as plain ESP"
      }, but the CHILD_SA uses ${child.owner.udpEncap ? "UDP encapsulation" : "plain ESP"}`;
    }
    const replay = child.replay.check(seq);
    if (replay) return `ESP SPI ${hexNum(spi, 8)}: ${replay}`;
    const opened = espOpen(child.inbound, esp);
    if (!opened.ok) return `ESP SPI ${hexNum(spi, 8)} seq ${seq}: ${opened.error}`;
    if (opened.value.nextHeader !== PROTO_IPIP) {
      return `ESP SPI ${
        hexNum(spi, 8)
      }: next header ${opened.value.nextHeader}, but a tunnel-mode SA carries IPv4 (4)`;
    }
    const bytes = opened.value.payload;
    const inner = decodeIpv4(bytes);
    if (!inner.ok) return `ESP SPI ${hexNum(spi, 8)}: the inner packet is not IPv4 (${inner.error})`;
    child.replay.update(seq);
    child.owner.heard();
    if (from && (from.ip !== child.owner.remote.ip || from.port !== child.owner.remote.port)) {
      // RFC 7296 §2.23: follow the peer's new NAT mapping, as charon does for authenticated traffic.
      child.owner.remote = { ...from };
    }
    const tunnelIface = this.host.ip.interface(TUNNEL_IFACE) ?? iface;
    const packet: Packet = { id: this.host.nextPacketId(), bytes, parent: outer.id };
    if (
      !child.remote.some((ts) => selectorHolds(ts, inner.value.src)) ||
      !child.local.some((ts) => selectorHolds(ts, inner.value.dst))
    ) {
      this.host.ip.drop(
        packet,
        `ESP SPI ${hexNum(spi, 8)}: ${formatIp(inner.value.src)} → ${
          formatIp(inner.value.dst)
        } is outside the CHILD_SA's traffic selectors`,
        tunnelIface,
      );
      return null;
    }
    child.packetsIn++;
    child.bytesIn += bytes.length;
    this.host.emit({
      kind: "decap",
      iface: tunnelIface.name,
      pkt: packet.id,
      parent: outer.id,
      proto: protoLabel(bytes),
      summary: `ESP SPI ${hexNum(spi, 8)} seq ${seq}${from ? " from UDP 4500" : ""}, tunnel mode: ${
        summarize(bytes)
      }`,
      bytes: bytes.slice(),
      detail: { spi: hexNum(spi, 8), seq, udpEncap: from !== null },
    });
    this.host.touched(child);
    this.host.ip.receive(packet, tunnelIface);
    return null;
  }
}

/** The name of the virtual interface on both roles. */
export const TUNNEL_IFACE = "ipsec0";
/** Its MTU: room for the outer IPv4 header, UDP 4500 and ESP with a 16-byte IV and ICV. */
export const TUNNEL_MTU = 1400;
