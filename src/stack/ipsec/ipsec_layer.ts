/**
 * The IPsec side of a node, as Linux's XFRM plus a charon-like IKEv1 daemon would be: a security
 * policy that requires ESP for L2TP (UDP port 1701) with the configured peers (RFC 3193), trap-style
 * (the first matching packet starts IKE and is dropped until the SA is up), the SA database with
 * transport-mode ESP, NAT-T on UDP 4500 (RFC 3948) with keepalives and the inner checksum fix-up,
 * and the IKE sockets on 500 and 4500. It plugs into the node's IpStack through its hooks, keeping
 * whatever hooks were there (outbound: ESP first, then theirs, as NAT sees ESP after XFRM on Linux).
 */
import { bytesOf, newBytes } from "../../crypto/bytes.ts";
import { toHex } from "../../crypto/index.ts";
import type { SimContext } from "../../engine/context.ts";
import { ByteArena } from "../../engine/byte_arena.ts";
import type { Packet } from "../../engine/packet.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler } from "../../engine/scheduler.ts";
import { SECOND } from "../../engine/time.ts";
import type { TraceInput } from "../../trace/record.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { protoLabel } from "../../wire/dissect.ts";
import {
  decodeEspHeader,
  NAT_KEEPALIVE,
  NON_ESP_MARKER_LEN,
  PROTO_ESP,
  udpEncapKind,
} from "../../wire/esp.ts";
import { decodeIpv4, IPV4_HEADER_LEN, type Ipv4Packet, PROTO_UDP, writeIpv4Header } from "../../wire/ipv4.ts";
import { decodeIsakmpHeader, EXCHANGE, FLAG_ENCRYPTION, IKE_PORT, NAT_T_PORT } from "../../wire/isakmp.ts";
import { L2TP_PORT } from "../../wire/l2tp.ts";
import { hexNum } from "../../wire/octets.ts";
import { UDP_HEADER_LEN, writeUdpHeaderUnchecked } from "../../wire/udp.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type IpStack, type UdpMessage, UNTOUCHED, type Verdict } from "../ip.ts";
import { ESP_CIPHERS, type IpsecConfig } from "./config.ts";
import { type ChildSa, type Endpoint, IkeSa, type Selector } from "./ike_sa.ts";
import { espOpen, espSeal } from "./esp.ts";
import { EspDecapRecord, EspEncapRecord } from "./esp_records.ts";
import { sendDelete } from "./informational.ts";
import { type LifetimeHost, scheduleLifetime } from "./lifetimes.ts";
import {
  adoptOnPeerDelete,
  completeReauthentication,
  DELETED_BY_PEER,
  type IkeLifetimeHost,
  scheduleIkeLifetime,
} from "./ike_lifetime.ts";
import { espProposalText, ikeProposalText } from "./proposal_text.ts";
import { type InstalledChild, SaDatabase } from "./sa_database.ts";
import { NatKeepalives } from "./keepalive.ts";
import { fixInnerChecksum } from "./inner_checksum.ts";

/** What the engine needs from the device it runs on (narrow: the stack knows no devices). */
export interface IpsecHost {
  readonly name: string;
  readonly ip: IpStack;
  readonly ctx: SimContext;
  readonly rng: Prng;
}

const drop = (reason: string): Verdict => ({ action: "drop", reason });

function udpPorts(ip: Ipv4Packet): { src: number; dst: number } | null {
  if (ip.protocol !== PROTO_UDP || ip.payload.length < UDP_HEADER_LEN) return null;
  return { src: (ip.payload[0] << 8) | ip.payload[1], dst: (ip.payload[2] << 8) | ip.payload[3] };
}

function isL2tp(ports: { src: number; dst: number } | null): boolean {
  return ports !== null && (ports.src === L2TP_PORT || ports.dst === L2TP_PORT);
}

/** IPsec for one node. Create it with `attachIpsec`. */
export class IpsecLayer {
  readonly config: IpsecConfig;
  readonly rng: Prng;
  #ike = new Map<string, IkeSa>();
  readonly #sad: SaDatabase;
  #decapsulated = new WeakSet<Packet>();
  /** The inner datagrams the encap and decap records keep (esp_records.ts). */
  #recorded = new ByteArena();
  readonly #keepalives: NatKeepalives;

  /** What ike_lifetime.ts needs: the clock, the log, the pairs, a way to start a fresh phase 1. */
  get #ikeLifeHost(): IkeLifetimeHost {
    const sad = this.#sad;
    return {
      config: this.config,
      sched: this.sched,
      log: (summary) => this.#log(summary),
      get children() {
        return sad.all;
      },
      reauthenticate: (old) => {
        const fresh = IkeSa.initiate(
          this,
          { ip: old.local.ip, port: IKE_PORT },
          { ip: old.remote.ip, port: IKE_PORT },
        );
        fresh.predecessor = old;
        this.#ike.set(toHex(fresh.icookie), fresh);
        return fresh;
      },
    };
  }

  /** What lifetimes.ts needs: the clock, the log, the SA database. */
  get #lifeHost(): LifetimeHost {
    return { config: this.config, sched: this.sched, sad: this.#sad, log: (summary) => this.#log(summary) };
  }

  constructor(readonly host: IpsecHost, config: IpsecConfig) {
    this.config = config;
    this.rng = host.rng.fork("ipsec");
    this.#keepalives = new NatKeepalives(host.ctx.sched);
    this.#sad = new SaDatabase({
      config,
      sched: host.ctx.sched,
      log: (summary, detail) => this.#log(summary, detail),
      publish: (spiIn, value, summary) =>
        this.#emit({
          kind: "state",
          proto: "ESP",
          table: "ipsec-sas",
          key: hexNum(spiIn, 8),
          value,
          summary,
        }),
    });
  }

  get node(): string {
    return this.host.name;
  }

  get sched(): Scheduler {
    return this.host.ctx.sched;
  }

  /** Live IKE SAs (for tests and tools). */
  get ikeSas(): IkeSa[] {
    return [...this.#ike.values()];
  }

  /** Installed ESP SA pairs (for tests and tools). */
  get childSas(): readonly ChildSa[] {
    return this.#sad.all;
  }

  /** Hooks the node's IP stack, binds UDP 500 and 4500 and publishes the policy. */
  install(): void {
    const stack = this.host.ip;
    // Plain ESP is a protocol of its own: the stack reassembles it first, then hands it here.
    stack.registerProtocol(PROTO_ESP, (packet, ip, iface) => {
      const reason = this.#inboundEsp(packet, ip, iface, ip.payload, null);
      if (reason) stack.drop(packet, reason, iface);
    });
    const previous = stack.hooks;
    stack.hooks = {
      prerouting: (packet, ip, iface) => {
        if (previous.prerouting) {
          const verdict = previous.prerouting(packet, ip, iface);
          if (verdict.action !== "accept") return verdict;
          if (!verdict.untouched) {
            const again = decodeIpv4(packet.bytes);
            if (!again.ok) return drop(`malformed after rewrite: ${again.error}`);
            ip = again.value;
            // Ours changes nothing, but theirs may have: the stack must not take the bytes as they came.
            const ours = this.prerouting(packet, ip, iface);
            return ours.action === "accept" ? ACCEPT : ours;
          }
        }
        return this.prerouting(packet, ip, iface);
      },
      postrouting: (packet, ip, out, nextHop) => {
        const verdict = this.postrouting(packet, ip);
        if (verdict.action !== "accept" || !previous.postrouting) return verdict;
        if (verdict.untouched) return previous.postrouting(packet, ip, out, nextHop);
        const again = decodeIpv4(packet.bytes);
        if (!again.ok) return drop(`malformed after ESP: ${again.error}`);
        return previous.postrouting(packet, again.value, out, nextHop);
      },
    };
    stack.bindUdp(IKE_PORT, { onMessage: (m) => this.#ikeMessage(m.payload, m, IKE_PORT) });
    stack.bindUdp(NAT_T_PORT, { onMessage: (m) => this.#natTMessage(m) });
    this.#emit({
      kind: "state",
      proto: "IKE",
      table: "ipsec-policy",
      key: "l2tp",
      value: {
        traffic: `UDP port ${L2TP_PORT} (L2TP)`,
        peers: this.config.peers === "any" ? "any" : this.config.peers.join(", "),
        action: "require ESP, transport mode",
        "nat-t": this.config.natT,
        ike: this.config.ike.proposals.map(ikeProposalText).join(", "),
        esp: this.config.esp.proposals.map(espProposalText).join(", "),
        keepalive: this.config.keepalive ? `${this.config.keepalive / SECOND}s` : "off",
      },
      summary: `ipsec-policy: UDP ${L2TP_PORT} with ${
        this.config.peers === "any" ? "any peer" : this.config.peers.join(", ")
      } requires ESP`,
    });
  }

  /** Whether the policy requires ESP for L2TP with `peer`. */
  requiresIpsec(peer: Ip4): boolean {
    return this.config.peers === "any" || this.config.peers.includes(formatIp(peer));
  }

  // ---- hooks ----

  /** Inbound: cleartext L2TP from a peer whose traffic must be protected is refused. */
  prerouting(packet: Packet, ip: Ipv4Packet, _iface: Interface): Verdict {
    if (this.#decapsulated.has(packet) || !this.host.ip.isLocal(ip.dst)) return UNTOUCHED;
    if (ip.moreFragments || ip.fragmentOffset > 0) return UNTOUCHED;
    if (isL2tp(udpPorts(ip)) && this.requiresIpsec(ip.src)) {
      return drop(
        `cleartext L2TP (UDP ${L2TP_PORT}) from ${
          formatIp(ip.src)
        } refused: ${this.node}'s IPsec policy requires ESP for L2TP with this peer`,
      );
    }
    return UNTOUCHED;
  }

  /** Outbound: L2TP to a peer is sealed into ESP in place, or trapped while IKE runs. */
  postrouting(packet: Packet, ip: Ipv4Packet): Verdict {
    if (ip.moreFragments || ip.fragmentOffset > 0 || !this.host.ip.isLocal(ip.src)) return UNTOUCHED;
    const ports = udpPorts(ip);
    if (!isL2tp(ports) || !this.requiresIpsec(ip.dst)) return UNTOUCHED;
    const child = this.#sad.outbound(ip.dst, packet.saRef);
    if (child) {
      this.#encapsulate(packet, ip, child);
      return ACCEPT;
    }
    const selector: Selector = {
      local: { ip: ip.src, port: ports!.src },
      remote: { ip: ip.dst, port: ports!.dst },
    };
    const sa = this.#ikeWith(ip.dst);
    if (sa) sa.requestChild(selector);
    else {
      const created = IkeSa.initiate(
        this,
        { ip: ip.src, port: IKE_PORT },
        { ip: ip.dst, port: IKE_PORT },
        selector,
      );
      this.#ike.set(toHex(created.icookie), created);
    }
    return drop(
      `waiting for IPsec SA with ${
        formatIp(ip.dst)
      }: the policy requires ESP for UDP ${L2TP_PORT} and IKE is negotiating`,
    );
  }

  #ikeWith(peer: Ip4): IkeSa | undefined {
    for (const sa of this.#ike.values()) if (sa.remote.ip === peer && sa.state !== "FAILED") return sa;
    return undefined;
  }

  // ---- ESP ----

  #encapsulate(packet: Packet, ip: Ipv4Packet, child: InstalledChild): void {
    const inner = packet.bytes;
    const seq = ++child.seqOut;
    const iv = this.rng.bytes(ESP_CIPHERS[child.outbound.encryption].iv);
    const ike = child.ike;
    const udpEncap = child.udpEncap;
    // Sealed behind room for the headers that carry it, so the ESP packet is not copied to add them.
    const bytes = espSeal(
      child.outbound,
      seq,
      ip.payload,
      ip.protocol,
      iv,
      IPV4_HEADER_LEN + (udpEncap ? UDP_HEADER_LEN : 0),
    );
    if (udpEncap) writeUdpHeaderUnchecked(bytes, IPV4_HEADER_LEN, ike.local.port, ike.remote.port);
    writeIpv4Header(bytes, { ...ip, protocol: udpEncap ? PROTO_UDP : PROTO_ESP });
    const innerId = packet.id;
    packet.id = this.host.ctx.nextPacketId();
    packet.parent = innerId;
    packet.bytes = bytes;
    child.packetsOut++;
    child.bytesOut += ip.payload.length;
    if (udpEncap) this.#keepalives.sent(ike);
    this.host.ctx.trace.emit(
      new EspEncapRecord(this.node, packet.id, innerId, this.#recorded, inner, {
        spi: child.spiOut,
        seq,
        udpEncap,
      }),
    );
    this.#sad.schedulePublish(child);
  }

  /** Opens an ESP packet for us; returns why it was dropped, or null when it went on inside. */
  #inboundEsp(
    packet: Packet,
    outer: Ipv4Packet,
    iface: Interface,
    esp: Uint8Array,
    udp: { srcPort: number } | null,
  ): string | null {
    const header = decodeEspHeader(esp);
    if (!header.ok) return `malformed ESP: ${header.error}`;
    const { spi, seq } = header.value;
    const child = this.#sad.inbound(spi);
    if (!child) {
      const removed = this.#sad.removalReason(spi);
      if (removed) return `ESP SPI ${hexNum(spi, 8)} from ${formatIp(outer.src)} dropped: ${removed}`;
      return `ESP packet with unknown SPI ${hexNum(spi, 8)} from ${
        formatIp(outer.src)
      }: no IPsec SA with that SPI on ${this.node}`;
    }
    if (child.udpEncap !== (udp !== null)) {
      return child.udpEncap
        ? `plain ESP for SPI ${hexNum(spi, 8)}, but the SA was negotiated with NAT-T (UDP 4500 encapsulation)`
        : `UDP-encapsulated ESP for SPI ${hexNum(spi, 8)}, but the SA was negotiated without NAT-T`;
    }
    const replay = child.replay.check(seq);
    if (replay) return `ESP SPI ${hexNum(spi, 8)}: ${replay}`;
    const opened = espOpen(child.inbound, esp);
    if (!opened.ok) return `ESP SPI ${hexNum(spi, 8)} seq ${seq}: ${opened.error}`;
    child.replay.update(seq);
    child.ike.dpd.heard();
    child.packetsIn++;
    child.bytesIn += opened.value.payload.length;
    if (udp && (udp.srcPort !== child.ike.remote.port || outer.src !== child.ike.remote.ip)) {
      // The NAT gave the peer a new mapping (e.g. after the old one expired): follow it.
      this.#log(
        `NAT mapping of ${formatIp(child.ike.remote.ip)} changed: peer now at ${
          formatIp(outer.src)
        }[${udp.srcPort}]`,
      );
      const before = child.ike.remote.ip;
      child.ike.remote = { ip: outer.src, port: udp.srcPort };
      this.#sad.moved(child, before);
      this.#publishIke(child.ike);
    }
    const payload = opened.value.payload;
    const innerProto = opened.value.nextHeader;
    if (innerProto === PROTO_UDP && payload.length >= UDP_HEADER_LEN) {
      const problem = fixInnerChecksum(payload, outer, child);
      if (problem) return problem;
    }
    const bytes = newBytes(IPV4_HEADER_LEN + payload.length);
    bytes.set(payload, IPV4_HEADER_LEN);
    writeIpv4Header(bytes, { ...outer, protocol: innerProto });
    const inner: Packet = { id: this.host.ctx.nextPacketId(), bytes, parent: packet.id, saRef: child.spiIn };
    this.#decapsulated.add(inner);
    // The record keeps a copy: the stack may rewrite the inner datagram (NAT, TTL) on its way.
    this.host.ctx.trace.emit(
      new EspDecapRecord(
        this.node,
        iface.name,
        inner.id,
        packet.id,
        protoLabel(bytes),
        this.#recorded,
        bytes,
        {
          spi,
          seq,
          udpEncap: udp !== null,
        },
      ),
    );
    this.#sad.schedulePublish(child);
    this.host.ip.receive(inner, iface);
    return null;
  }

  // ---- IKE transport ----

  #natTMessage(m: UdpMessage): void {
    switch (udpEncapKind(m.payload)) {
      case "keepalive":
        return; // RFC 3948 §2.3: the receiver ignores keepalives
      case "ike":
        return this.#ikeMessage(m.payload.subarray(NON_ESP_MARKER_LEN), m, NAT_T_PORT);
      case "esp": {
        const outer = decodeIpv4(m.packet.bytes);
        if (!outer.ok) return;
        const reason = this.#inboundEsp(m.packet, outer.value, m.iface, m.payload, { srcPort: m.srcPort });
        if (reason) this.host.ip.drop(m.packet, reason, m.iface);
        return;
      }
      case "malformed":
        return this.host.ip.drop(
          m.packet,
          `UDP ${NAT_T_PORT} payload of ${m.payload.length} bytes is neither IKE nor ESP`,
          m.iface,
        );
    }
  }

  #ikeMessage(bytes: Uint8Array, m: UdpMessage, port: number): void {
    const head = decodeIsakmpHeader(bytes);
    if (!head.ok) return this.host.ip.drop(m.packet, `malformed ISAKMP: ${head.error}`, m.iface);
    const header = head.value.header;
    const key = toHex(header.initiatorCookie);
    let sa = this.#ike.get(key);
    const from: Endpoint = { ip: m.src, port: m.srcPort };
    if (!sa) {
      const phase1 = header.exchange === EXCHANGE.MAIN || header.exchange === EXCHANGE.AGGRESSIVE;
      const fresh = phase1 && header.responderCookie.every((b) => b === 0) &&
        (header.flags & FLAG_ENCRYPTION) === 0;
      if (!fresh) {
        return this.host.ip.drop(
          m.packet,
          `IKE message for unknown cookies ${toHex(header.initiatorCookie)}_i ${
            toHex(header.responderCookie)
          }_r`,
          m.iface,
        );
      }
      if (!this.requiresIpsec(m.src)) {
        return this.host.ip.drop(
          m.packet,
          `IKE from ${formatIp(m.src)} refused: not one of ${this.node}'s IPsec peers`,
          m.iface,
        );
      }
      if (header.exchange === EXCHANGE.AGGRESSIVE && !this.config.aggressive) {
        // charon refuses it too unless told otherwise, for the reason in aggressive.ts.
        this.#log(
          `Aggressive Mode PSK from ${formatIp(m.src)} refused: aggressive mode is off on ${this.node}`,
        );
        return this.host.ip.drop(
          m.packet,
          `Aggressive Mode IKE from ${
            formatIp(m.src)
          } refused: ${this.node} allows Main Mode only (aggressive: false), since Aggressive Mode sends a hash of the pre-shared key in clear`,
          m.iface,
        );
      }
      sa = IkeSa.respond(this, { ip: m.dst, port }, from, header);
      this.#ike.set(key, sa);
    }
    sa.receive(bytes, from, port);
  }

  // ---- IkeHost ----

  sendIke(sa: IkeSa, message: Uint8Array): void {
    const payload = sa.floated ? newBytes(NON_ESP_MARKER_LEN + message.length) : message;
    if (sa.floated) payload.set(message, NON_ESP_MARKER_LEN);
    const srcPort = sa.floated ? NAT_T_PORT : IKE_PORT;
    this.host.ip.sendUdp(sa.remote.ip, srcPort, sa.remote.port, payload, { src: sa.local.ip });
    if (sa.floated) this.#keepalives.sent(sa);
  }

  log(summary: string, detail?: Record<string, unknown>): void {
    this.#log(summary, detail);
  }

  changed(sa: IkeSa): void {
    this.#publishIke(sa);
  }

  established(sa: IkeSa): void {
    if (sa.natLocal && sa.floated && this.config.keepalive > 0) {
      this.#keepalives.start(
        sa,
        this.config.keepalive,
        () => this.#ike.has(toHex(sa.icookie)),
        () =>
          this.host.ip.sendUdp(sa.remote.ip, NAT_T_PORT, sa.remote.port, bytesOf(NAT_KEEPALIVE), {
            src: sa.local.ip,
          }),
      );
    }
    scheduleIkeLifetime(this.#ikeLifeHost, sa);
    completeReauthentication(this.#ikeLifeHost, sa);
  }

  childEstablished(child: ChildSa): void {
    const { installed, rekeyed } = this.#sad.install(child);
    this.#log(this.#sad.establishedText(child), { esp: this.#sad.keysOf(child) });
    this.#sad.publish(installed);
    scheduleLifetime(this.#lifeHost, installed, rekeyed);
  }

  failed(sa: IkeSa, reason: string): void {
    this.#log(`IKE_SA with ${formatIp(sa.remote.ip)} failed: ${reason}`);
    this.#forget(sa, `IKE_SA failed: ${reason}`);
  }

  closed(sa: IkeSa, reason: string, restart: boolean): void {
    this.#log(`IKE_SA with ${formatIp(sa.remote.ip)} closed: ${reason}`);
    if (reason === DELETED_BY_PEER) adoptOnPeerDelete(this.#ikeLifeHost, sa, this.ikeSas);
    const selectors = this.#sad.all.filter((c) => c.ike === sa).map((c) => c.selector);
    this.#forget(sa, `IKE_SA closed: ${reason}`);
    if (!restart) return;
    if (!sa.initiator || selectors.length === 0) {
      return this.#log(
        `dpd action restart: nothing to restart as ${sa.initiator ? "there was no CHILD_SA" : "responder"}`,
      );
    }
    this.#log(`dpd action restart: initiating a new IKE_SA to ${formatIp(sa.remote.ip)}`);
    const fresh = IkeSa.initiate(
      this,
      { ip: sa.local.ip, port: IKE_PORT },
      { ip: sa.remote.ip, port: IKE_PORT },
      selectors[0],
    );
    this.#ike.set(toHex(fresh.icookie), fresh);
    for (const selector of selectors.slice(1)) fresh.requestChild(selector);
  }

  childDeleted(sa: IkeSa, spiOut: number): void {
    // The SPI should be the sender's inbound one (our outbound); charon, failing to install a pair it
    // answered, names the initiator's SPI instead, so either side's SPI of the pair is accepted.
    const mine = this.#sad.all.filter((c) => c.ike === sa);
    const child = mine.find((c) => c.spiOut === spiOut) ?? mine.find((c) => c.spiIn === spiOut);
    if (!child) return this.#log(`no CHILD_SA with SPI ${hexNum(spiOut, 8)} to delete`);
    this.#log(`closing CHILD_SA with SPIs ${hexNum(child.spiIn, 8)}_i ${hexNum(child.spiOut, 8)}_o`);
    this.#sad.remove(child, "deleted by the peer (DELETE)");
  }

  /**
   * Tears down everything negotiated with `peer`, telling it with DELETEs (ESP first, then the
   * ISAKMP SA), as `swanctl --terminate` does.
   */
  terminate(peer: Ip4, reason = "terminated"): void {
    for (const sa of this.ikeSas.filter((s) => s.remote.ip === peer && s.established)) {
      const children = this.#sad.all.filter((c) => c.ike === sa);
      if (children.length) sendDelete(sa, { esp: children.map((c) => c.spiIn) });
      sendDelete(sa, "isakmp");
      sa.close(reason);
    }
  }

  /** Forgets an IKE SA with its timers and ESP SAs. */
  #forget(sa: IkeSa, reason: string): void {
    this.#ike.delete(toHex(sa.icookie));
    this.#keepalives.stop(sa);
    for (const child of this.#sad.all) if (child.ike === sa) this.#sad.remove(child, reason);
  }

  allocateSpi(): number {
    for (;;) {
      const spi = this.rng.nextU32();
      // SPIs 1–255 are reserved (RFC 4303 §2.1); 0 means "no SPI".
      if (spi > 255 && !this.#sad.has(spi)) return spi;
    }
  }

  // ---- trace ----

  #emit(record: Omit<TraceInput, "node">): void {
    this.host.ctx.trace.emit({ node: this.node, ...record } as TraceInput);
  }

  #log(summary: string, detail?: Record<string, unknown>): void {
    this.#emit({ kind: "app", proto: "IKE", summary, ...(detail ? { detail } : {}) });
  }

  #publishIke(sa: IkeSa): void {
    const row = sa.row();
    this.#emit({
      kind: "state",
      proto: "IKE",
      table: "ike-sas",
      key: toHex(sa.icookie),
      value: row,
      summary: `ike-sas ${formatIp(sa.remote.ip)} ${row.state}`,
    });
  }
}
