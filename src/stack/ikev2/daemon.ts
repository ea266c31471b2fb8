/**
 * IKEv2 on a node, as charon plus the kernel's XFRM would be: the IKE sockets on UDP 500 and 4500
 * (non-ESP marker, NAT-keepalives, ESP-in-UDP, RFC 3948), plain ESP, the table of IKE SAs by SPI,
 * the address pool of a gateway, the virtual interface `ipsec0` and its routes, and the timers that
 * rekey, expire and check liveness. The exchanges themselves are in handshake.ts, child_exchange.ts
 * and informational.ts; the ESP data plane in tunnel.ts.
 */
import { toHex } from "../../crypto/index.ts";
import type { SimContext } from "../../engine/context.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler } from "../../engine/scheduler.ts";
import { formatDuration, SECOND } from "../../engine/time.ts";
import type { TraceInput } from "../../trace/record.ts";
import { formatIp, type Ip4, networkOf } from "../../wire/addr.ts";
import { NAT_KEEPALIVE, NON_ESP_MARKER_LEN, PROTO_ESP, udpEncapKind } from "../../wire/esp.ts";
import { decodeHeader, F_RESPONSE, type Ikev2Header, isIkev2, type Payload, X } from "../../wire/ikev2.ts";
import { IKE_PORT, NAT_T_PORT } from "../../wire/isakmp.ts";
import { hexNum } from "../../wire/octets.ts";
import type { IpStack, UdpMessage } from "../ip.ts";
import { ReplayWindow, splitKeyMaterial } from "../ipsec/esp.ts";
import { wiresharkEspSa } from "../ipsec/esp_sa_entry.ts";
import { espProposalText } from "../ipsec/proposal_text.ts";
import { type Ikev2Config, ikev2ProposalText } from "./config.ts";
import { rekeyChild, rekeyIke, respondCreateChild } from "./child_exchange.ts";
import type { ChildParams, ExchangeHost } from "./exchange_host.ts";
import { initiate, respondAuth, respondInit } from "./handshake.ts";
import { EXCHANGE_NAMES, Ikev2Sa } from "./ike_sa.ts";
import { deleteIke, livenessCheck, respondInformational } from "./informational.ts";
import { type Child, selectorText, Tunnel, TUNNEL_IFACE, TUNNEL_MTU, TunnelInterface } from "./tunnel.ts";

/** What the daemon needs from its device (narrow: the stack knows no devices). */
export interface Ikev2Host {
  readonly name: string;
  readonly ip: IpStack;
  readonly ctx: SimContext;
  readonly rng: Prng;
  state(table: string, key: string, value: Record<string, unknown> | null, summary?: string): void;
}

/** IKEv2 for one node. Create it with `attachIkev2`. */
export class Ikev2Daemon implements ExchangeHost {
  readonly rng: Prng;
  readonly tunnel: Tunnel;
  #sas = new Map<string, Ikev2Sa>();
  #leases = new Map<string, Ip4>();
  #iface?: TunnelInterface;
  #lastSent = new Map<Ikev2Sa, number>();
  #publishPending = new Set<Child>();

  constructor(readonly device: Ikev2Host, readonly config: Ikev2Config) {
    this.rng = device.rng.fork("ikev2");
    this.tunnel = new Tunnel({
      name: device.name,
      ip: device.ip,
      nextPacketId: () => device.ctx.nextPacketId(),
      ivBytes: (n) => this.rng.bytes(n),
      emit: (record) => this.#emit(record as Omit<TraceInput, "node">),
      touched: (child) => this.#schedulePublish(child),
    });
  }

  get node(): string {
    return this.device.name;
  }

  get sched(): Scheduler {
    return this.device.ctx.sched;
  }

  /** Live IKE SAs (for tests and tools). */
  get sas(): Ikev2Sa[] {
    return [...this.#sas.values()];
  }

  /** Binds the IKE ports and ESP; a gateway brings up ipsec0 over its pool; a client dials at `startAt`. */
  install(): void {
    const ip = this.device.ip;
    ip.registerProtocol(PROTO_ESP, (packet, outer, iface) => {
      const why = this.tunnel.receive(packet, outer.payload, null, iface);
      if (why) ip.drop(packet, why, iface);
    });
    ip.bindUdp(IKE_PORT, { onMessage: (m) => this.#ike(m.payload, m) });
    ip.bindUdp(NAT_T_PORT, { onMessage: (m) => this.#natT(m) });
    const c = this.config;
    if (c.role === "server" && c.pool) {
      const gatewayIp = (networkOf(c.pool.network, c.pool.prefixLength) + 1) >>> 0;
      this.#iface = new TunnelInterface(
        TUNNEL_IFACE,
        gatewayIp,
        c.pool.prefixLength,
        TUNNEL_MTU,
        this.tunnel,
      );
      ip.addInterface(this.#iface);
    }
    this.device.state("ikev2", "connection", {
      role: c.role,
      ...(c.gateway !== undefined ? { gateway: formatIp(c.gateway) } : {}),
      ...(c.pool ? { pool: `${formatIp(c.pool.network)}/${c.pool.prefixLength}` } : {}),
      networks: c.networks.map((n) => `${formatIp(n.network)}/${n.prefixLength}`).join(", "),
      ike: c.ike.proposals.map(ikev2ProposalText).join(", "),
      esp: c.esp.proposals.map(espProposalText).join(", "),
      "local id": c.localId || "%any (own address)",
      "remote id": c.remoteId || "%any",
    });
    if (c.role === "client" && c.gateway !== undefined) {
      const gateway = c.gateway;
      this.sched.at(c.startAt, () => this.connect(gateway));
    }
  }

  /** Starts an IKE SA to `gateway` (swanctl --initiate). */
  connect(gateway: Ip4): void {
    const src = this.device.ip.route(gateway)?.iface.ip;
    if (src === undefined) return this.log(`no route to gateway ${formatIp(gateway)}: cannot initiate`);
    const sa = new Ikev2Sa(this, true, this.ikeSpi(), { ip: src, port: IKE_PORT }, {
      ip: gateway,
      port: IKE_PORT,
    });
    this.adopt(sa);
    initiate(this, sa);
    this.changed(sa);
  }

  /** Deletes every IKE SA with DELETE (swanctl --terminate). */
  terminate(reason = "terminated"): void {
    for (const sa of this.sas.filter((s) => s.established)) deleteIke(this, sa, reason);
  }

  // ---- receiving ----

  #natT(m: UdpMessage): void {
    switch (udpEncapKind(m.payload)) {
      case "keepalive":
        return;
      case "ike":
        return this.#ike(m.payload.subarray(NON_ESP_MARKER_LEN), m);
      case "esp": {
        const why = this.tunnel.receive(m.packet, m.payload, { ip: m.src, port: m.srcPort }, m.iface);
        if (why) this.device.ip.drop(m.packet, why, m.iface);
        return;
      }
      case "malformed":
        return this.device.ip.drop(m.packet, `UDP ${NAT_T_PORT} payload is neither IKE nor ESP`, m.iface);
    }
  }

  #ike(bytes: Uint8Array, m: UdpMessage): void {
    const drop = (why: string) => this.device.ip.drop(m.packet, why, m.iface);
    if (!isIkev2(bytes)) return drop(`${this.node} speaks IKEv2 only: an IKEv1 (ISAKMP) message is ignored`);
    const decoded = decodeHeader(bytes);
    if (!decoded.ok) return drop(`malformed IKEv2: ${decoded.error}`);
    const header = decoded.value.header;
    let sa = this.#sas.get(toHex(header.spiI));
    if (!sa) {
      const fresh = header.exchange === X.IKE_SA_INIT && (header.flags & F_RESPONSE) === 0 &&
        header.spiR.every((b) => b === 0);
      if (!fresh) {
        return drop(`IKEv2 message for unknown SPIs ${toHex(header.spiI)}_i ${toHex(header.spiR)}_r`);
      }
      if (this.config.role !== "server") {
        return drop(`${this.node} is an IKEv2 client: it answers no IKE_SA_INIT`);
      }
      sa = new Ikev2Sa(this, false, header.spiI.slice(), { ip: m.dst, port: m.dstPort }, {
        ip: m.src,
        port: m.srcPort,
      });
      let kept = false;
      const fresh2 = sa;
      const why = sa.receive(header, bytes, () => kept = respondInit(this, fresh2, header, bytes));
      if (why) return drop(why);
      if (kept) this.adopt(sa);
      return;
    }
    if (m.dstPort === NAT_T_PORT && !sa.floated) {
      // The initiator moved to 4500 after NAT detection (RFC 7296 §2.23): follow it there.
      sa.floated = true;
      sa.local = { ip: sa.local.ip, port: NAT_T_PORT };
      this.log(`peer switched to UDP ${NAT_T_PORT}`);
    }
    if (sa.floated) sa.remote = { ip: m.src, port: m.srcPort };
    const why = sa.receive(header, bytes, (payloads, h) => this.#request(sa!, payloads, h));
    if (why) drop(why);
    this.changed(sa);
  }

  #request(sa: Ikev2Sa, payloads: Payload[], header: Ikev2Header): void {
    switch (header.exchange) {
      case X.IKE_AUTH:
        if (sa.initiator || sa.state !== "CONNECTING") return this.log("unexpected IKE_AUTH request ignored");
        return respondAuth(this, sa, payloads, header.messageId);
      case X.CREATE_CHILD_SA:
        return respondCreateChild(this, sa, payloads, header);
      case X.INFORMATIONAL:
        return respondInformational(this, sa, payloads, header);
      default:
        this.log(
          `unexpected ${EXCHANGE_NAMES[header.exchange] ?? `exchange ${header.exchange}`} request ignored`,
        );
    }
  }

  // ---- SaHost / ExchangeHost ----

  send(sa: Ikev2Sa, message: Uint8Array): void {
    const payload = sa.floated ? new Uint8Array(NON_ESP_MARKER_LEN + message.length) : message;
    if (sa.floated) payload.set(message, NON_ESP_MARKER_LEN);
    this.device.ip.sendUdp(sa.remote.ip, sa.local.port, sa.remote.port, payload, { src: sa.local.ip });
    this.#lastSent.set(sa, this.sched.now);
  }

  log(summary: string, detail?: Record<string, unknown>): void {
    this.#emit({ kind: "app", proto: "IKE", summary, ...(detail ? { detail } : {}) });
  }

  changed(sa: Ikev2Sa): void {
    if (!this.#sas.has(sa.key)) return;
    this.device.state("ikev2-sas", sa.key, sa.row(), `ikev2-sas ${formatIp(sa.remote.ip)} ${sa.state}`);
  }

  adopt(sa: Ikev2Sa): void {
    this.#sas.set(sa.key, sa);
  }

  closed(sa: Ikev2Sa, reason: string): void {
    this.log(`IKE_SA with ${formatIp(sa.remote.ip)} closed: ${reason}`);
    for (const child of [...sa.children]) this.removeChild(child, `IKE_SA closed: ${reason}`);
    this.#sas.delete(sa.key);
    this.#lastSent.delete(sa);
    this.device.state("ikev2-sas", sa.key, null, `ikev2-sas ${formatIp(sa.remote.ip)} gone`);
    if (!sa.replacedBy && this.config.role === "client" && sa.vip !== undefined) this.#clientDown();
  }

  allocateSpi(): number {
    for (;;) {
      const spi = this.rng.nextU32();
      if (spi > 255 && !this.tunnel.has(spi)) return spi;
    }
  }

  ikeSpi(): Uint8Array {
    for (;;) {
      const spi = this.rng.bytes(8);
      if (!this.#sas.has(toHex(spi)) && spi.some((b) => b !== 0)) return spi;
    }
  }

  leaseAddress(sa: Ikev2Sa): Ip4 | null {
    const pool = this.config.pool;
    if (!pool) return null;
    const known = this.#leases.get(sa.peerId);
    if (known !== undefined) return known;
    const used = new Set(this.#leases.values());
    const base = networkOf(pool.network, pool.prefixLength) >>> 0;
    const size = 2 ** (32 - pool.prefixLength);
    for (let i = 2; i < size - 1; i++) {
      const ip = (base + i) >>> 0;
      if (!used.has(ip)) {
        this.#leases.set(sa.peerId, ip);
        return ip;
      }
    }
    return null;
  }

  installChild(sa: Ikev2Sa, p: ChildParams, replaces?: Child): Child {
    const keys = (spi: number, material: Uint8Array) => ({
      spi,
      encryption: p.proposal.encryption,
      integrity: p.proposal.integrity,
      ...splitKeyMaterial(p.proposal.encryption, material),
    });
    const child: Child = {
      owner: sa,
      proposal: p.proposal,
      spiIn: p.spiIn,
      spiOut: p.spiOut,
      inbound: keys(p.spiIn, p.inKeys),
      outbound: keys(p.spiOut, p.outKeys),
      local: p.local,
      remote: p.remote,
      seqOut: 0,
      replay: new ReplayWindow(),
      packetsIn: 0,
      packetsOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      installedAt: this.sched.now,
      rekeyed: false,
      timers: [],
    };
    if (replaces) replaces.rekeyed = true;
    this.tunnel.install(child);
    sa.children.push(child);
    this.log(
      `CHILD_SA established with SPIs ${hexNum(child.spiIn, 8)}_i ${hexNum(child.spiOut, 8)}_o and TS ${
        p.local.map(selectorText).join(" ")
      } === ${p.remote.map(selectorText).join(" ")}${sa.floated ? " (UDP-encapsulated)" : ""}`,
      { esp: this.#espKeys(child) },
    );
    const life = this.config.esp.lifetime;
    if (sa.initiator && this.config.margin < life) {
      child.timers.push(this.sched.after(life - this.config.margin, () => {
        if (!child.rekeyed && this.tunnel.has(child.spiIn)) rekeyChild(this, child.owner as Ikev2Sa, child);
      }));
    }
    child.timers.push(this.sched.after(life, () => {
      if (this.tunnel.has(child.spiIn)) this.removeChild(child, `lifetime ${formatDuration(life)} expired`);
    }));
    if (this.config.role === "client" && !replaces) this.#clientUp(sa, child);
    this.#publishChild(child);
    this.changed(sa);
    return child;
  }

  removeChild(child: Child, reason: string): void {
    if (!this.tunnel.has(child.spiIn)) return;
    this.tunnel.remove(child, reason);
    const owner = child.owner as Ikev2Sa;
    owner.children = owner.children.filter((c) => c !== child);
    this.log(`CHILD_SA ${hexNum(child.spiIn, 8)}_i ${hexNum(child.spiOut, 8)}_o removed: ${reason}`);
    this.device.state(
      "ipsec-sas",
      hexNum(child.spiIn, 8),
      null,
      `ipsec-sas ${hexNum(child.spiIn, 8)} removed`,
    );
    this.changed(owner);
  }

  ikeEstablished(sa: Ikev2Sa, rekeyOf?: Ikev2Sa): void {
    sa.establishedAt = this.sched.now;
    this.changed(sa);
    const c = this.config;
    if (sa.initiator && c.margin < c.ike.lifetime) {
      sa.after(c.ike.lifetime - c.margin, () => {
        if (sa.established) rekeyIke(this, sa);
      });
    }
    if (c.dpdDelay > 0) this.#scheduleDpd(sa);
    if (sa.natLocal && c.keepalive > 0 && !rekeyOf) this.#keepalives(sa);
  }

  #scheduleDpd(sa: Ikev2Sa): void {
    const delay = this.config.dpdDelay;
    const check = () => {
      if (!sa.established) return;
      const idle = this.sched.now - sa.lastHeard;
      if (idle >= delay && !sa.busy) livenessCheck(this, sa);
      sa.after(Math.max(1, delay - (idle >= delay ? 0 : idle)), check);
    };
    sa.after(delay, check);
  }

  /** RFC 3948 §2.3 keepalives from behind a NAT, while the IKE SA (or its successor) lives. */
  #keepalives(first: Ikev2Sa): void {
    const interval = this.config.keepalive;
    const tick = () => {
      const sa = this.sas.find((s) => s.established && s.remote.ip === first.remote.ip);
      if (!sa) return;
      const idle = this.sched.now - (this.#lastSent.get(sa) ?? 0);
      if (idle >= interval) {
        this.device.ip.sendUdp(sa.remote.ip, NAT_T_PORT, sa.remote.port, Uint8Array.of(NAT_KEEPALIVE), {
          src: sa.local.ip,
        });
        this.#lastSent.set(sa, this.sched.now);
      }
      this.sched.after(interval, tick);
    };
    this.sched.after(interval, tick);
  }

  // ---- the client's virtual IP ----

  #clientUp(sa: Ikev2Sa, child: Child): void {
    if (this.#iface || sa.vip === undefined) return;
    const ip = this.device.ip;
    const gateway = sa.remote.ip;
    const before = ip.routes.lookup(gateway);
    // A route through ipsec0 that covers the gateway itself would send IKE into the tunnel: pin it.
    if (
      before &&
      child.remote.some((ts) => (ts.start >>> 0) <= (gateway >>> 0) && (gateway >>> 0) <= (ts.end >>> 0))
    ) {
      ip.routes.add({ ...before, network: gateway, prefixLength: 32, origin: "static" });
    }
    this.#iface = new TunnelInterface(TUNNEL_IFACE, sa.vip, 32, TUNNEL_MTU, this.tunnel);
    ip.addInterface(this.#iface);
    for (const prefix of this.config.networks) {
      ip.routes.add({
        network: prefix.network,
        prefixLength: prefix.prefixLength,
        iface: TUNNEL_IFACE,
        metric: 0,
        origin: "static",
      });
    }
    this.device.state("interfaces", TUNNEL_IFACE, { address: `${formatIp(sa.vip)}/32`, mtu: TUNNEL_MTU });
    this.#publishRoutes();
  }

  #clientDown(): void {
    const iface = this.#iface;
    if (!iface) return;
    this.#iface = undefined;
    const ip = this.device.ip;
    ip.removeInterface(iface);
    ip.routes.remove((r) => r.iface === TUNNEL_IFACE);
    this.device.state("interfaces", TUNNEL_IFACE, null);
    this.#publishRoutes();
  }

  #publishRoutes(): void {
    for (const row of this.device.ip.publishedRoutes.changes(this.device.ip.routes.routes)) {
      this.device.state("routes", row.key, row.value);
    }
  }

  // ---- trace ----

  #emit(record: Omit<TraceInput, "node">): void {
    this.device.ctx.trace.emit({ node: this.node, ...record } as TraceInput);
  }

  #espKeys(child: Child): Record<string, unknown>[] {
    const owner = child.owner as Ikev2Sa;
    return [
      wiresharkEspSa(child.outbound.spi, child.outbound, owner.local.ip, owner.remote.ip, owner.floated),
      wiresharkEspSa(child.inbound.spi, child.inbound, owner.remote.ip, owner.local.ip, owner.floated),
    ];
  }

  /** Counters change with every packet: publish at most once a second, as the IKEv1 SAD does. */
  #schedulePublish(child: Child): void {
    if (this.#publishPending.has(child)) return;
    this.#publishPending.add(child);
    this.sched.after(SECOND, () => {
      this.#publishPending.delete(child);
      this.#publishChild(child);
    });
  }

  #publishChild(child: Child): void {
    if (!this.tunnel.has(child.spiIn)) return;
    const owner = child.owner as Ikev2Sa;
    this.device.state("ipsec-sas", hexNum(child.spiIn, 8), {
      protocol: "IKEv2",
      mode: "tunnel",
      peer: `${formatIp(owner.remote.ip)}[${owner.remote.port}]`,
      "spi in": hexNum(child.spiIn, 8),
      "spi out": hexNum(child.spiOut, 8),
      esp: espProposalText(child.proposal),
      encap: owner.floated ? "UDP 4500" : "none",
      ts: `${child.local.map(selectorText).join(" ")} === ${child.remote.map(selectorText).join(" ")}`,
      state: child.rekeyed ? "rekeyed" : "installed",
      packets: `${child.packetsIn} in, ${child.packetsOut} out`,
      bytes: `${child.bytesIn} in, ${child.bytesOut} out`,
    });
  }
}
