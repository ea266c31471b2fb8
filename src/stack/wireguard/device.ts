/**
 * A WireGuard interface on a node (wg0), as Linux's wireguard module gives one: a point-to-multipoint
 * IP interface whose routes are the peers' allowed IPs, a UDP socket on the listen port, and the
 * demultiplexer for the four message types. Cryptokey routing both ways (paper §2): an outgoing
 * packet goes to the peer whose allowed IPs hold its destination; a decrypted one is accepted only
 * if its source lies in the allowed IPs of the peer whose key opened it. Handshakes are answered
 * with a cookie reply instead when the node is under load and mac2 is missing (paper §5.3).
 */
import { bytesEqual, toBase64 } from "../../crypto/index.ts";
import type { SimContext } from "../../engine/context.ts";
import type { Packet } from "../../engine/packet.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler } from "../../engine/scheduler.ts";
import { type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, inSubnet, type Ip4, networkOf } from "../../wire/addr.ts";
import { protoLabel, summarize } from "../../wire/dissect.ts";
import { decodeIpv4 } from "../../wire/ipv4.ts";
import { hexNum } from "../../wire/octets.ts";
import {
  decodeWg,
  WG_COOKIE_REPLY,
  WG_INITIATION,
  WG_RESPONSE,
  WG_TRANSPORT,
  type WgInitiation,
  type WgResponse,
} from "../../wire/wireguard.ts";
import type { Interface } from "../interface.ts";
import type { IpStack, UdpMessage } from "../ip.ts";
import { COOKIE_LIFETIME, type WireguardConfig } from "./config.ts";
import {
  consumeInitiation,
  cookieFor,
  createCookieReply,
  identityOf,
  mac1Of,
  mac1Valid,
  mac2Valid,
  type StaticIdentity,
  timestampAfter,
} from "./handshake.ts";
import { type Endpoint, endpointText, WireguardPeer } from "./peer.ts";
import type { Keypair } from "./transport.ts";

/** What the interface needs from the node it runs on (narrow: the stack knows no devices). */
export interface WireguardHost {
  readonly name: string;
  readonly ip: IpStack;
  readonly ctx: SimContext;
  readonly rng: Prng;
  state(table: string, key: string, value: Record<string, unknown> | null, summary?: string): void;
  log(summary: string, detail?: Record<string, unknown>): void;
}

/** wg0 as the IP layer sees it: whatever is routed here is handed to the peer that owns the destination. */
class WireguardInterface implements Interface {
  readonly up = true;

  constructor(
    readonly name: string,
    public ip: Ip4,
    public prefixLength: number,
    public mtu: number,
    private device: WireguardDevice,
  ) {}

  output(packet: Packet, _nextHop: Ip4): void {
    this.device.sendInner(packet);
  }
}

/** One WireGuard interface with its peers. Create it with `attachWireguard`. */
export class WireguardDevice {
  readonly identity: StaticIdentity;
  readonly rng: Prng;
  readonly peers: WireguardPeer[];
  readonly iface: WireguardInterface;
  #indices = new Map<number, WireguardPeer>();
  #handshakeTimes: Micros[] = [];
  #cookieSecret?: { value: Uint8Array; at: Micros };

  constructor(readonly host: WireguardHost, readonly config: WireguardConfig) {
    this.identity = identityOf(config.privateKey);
    this.rng = host.rng.fork(`wireguard:${config.interfaceName}`);
    this.iface = new WireguardInterface(
      config.interfaceName,
      config.address,
      config.prefixLength,
      config.mtu,
      this,
    );
    this.peers = config.peers.map((peer) => new WireguardPeer(this, peer));
  }

  get sched(): Scheduler {
    return this.host.ctx.sched;
  }

  get ifname(): string {
    return this.config.interfaceName;
  }

  get mtu(): number {
    return this.config.mtu;
  }

  /** Application output on the node, as `wg` would log it (detail carries key-log secrets). */
  log(summary: string, detail?: Record<string, unknown>): void {
    this.host.log(summary, detail);
  }

  /** Adds wg0 and its routes, binds the listen port, and starts the peers when the run starts. */
  install(): void {
    const ip = this.host.ip;
    // A route through wg0 that covers a peer's own endpoint would send the tunnel into itself:
    // pin the endpoint to the route it has now, as wg-quick does with its policy rule.
    for (const peer of this.peers) {
      const endpoint = peer.endpoint;
      if (!endpoint) continue;
      const covered = this.peers.some((p) => p.allows(endpoint.ip));
      const before = ip.routes.lookup(endpoint.ip);
      if (covered && before) {
        ip.routes.add({ ...before, network: endpoint.ip, prefixLength: 32, origin: "static" });
      }
    }
    ip.addInterface(this.iface);
    for (const peer of this.peers) {
      for (const prefix of peer.config.allowedIps) {
        const connected = prefix.prefixLength === this.iface.prefixLength &&
          networkOf(prefix.network, prefix.prefixLength) ===
            networkOf(this.iface.ip, this.iface.prefixLength);
        if (connected) continue; // wg0's own subnet is routed already
        ip.routes.add({
          network: prefix.network,
          prefixLength: prefix.prefixLength,
          iface: this.ifname,
          metric: 0,
          origin: "static",
        });
      }
    }
    ip.bindUdp(this.config.listenPort, { onMessage: (message) => this.#receive(message) });
    this.host.state("wireguard", this.ifname, {
      "public key": toBase64(this.identity.publicKey),
      "listening port": this.config.listenPort,
    });
    for (const peer of this.peers) this.publishPeer(peer);
    this.sched.at(0, () => {
      for (const peer of this.peers) peer.start();
    });
  }

  /** A fresh receiver index for `peer` (random, as the paper asks, so indices say nothing). */
  newIndex(peer: WireguardPeer): number {
    let index: number;
    do index = this.rng.nextU32(); while (this.#indices.has(index));
    this.#indices.set(index, peer);
    return index;
  }

  /** Keeps an index pointing at its peer while a keypair uses it. */
  bindKeypair(index: number, peer: WireguardPeer): void {
    this.#indices.set(index, peer);
  }

  releaseIndex(index: number): void {
    this.#indices.delete(index);
  }

  /** Cryptokey routing, outbound: the peer with the longest allowed-IPs match for `dst`. */
  peerFor(dst: Ip4): WireguardPeer | undefined {
    let best: WireguardPeer | undefined;
    let bestLength = -1;
    for (const peer of this.peers) {
      for (const prefix of peer.config.allowedIps) {
        if (prefix.prefixLength > bestLength && inSubnet(dst, prefix.network, prefix.prefixLength)) {
          best = peer;
          bestLength = prefix.prefixLength;
        }
      }
    }
    return best;
  }

  /** An inner packet the IP layer routed to wg0. */
  sendInner(packet: Packet): void {
    const decoded = decodeIpv4(packet.bytes);
    if (!decoded.ok) return this.dropInner(packet, `malformed IPv4: ${decoded.error}`);
    const peer = this.peerFor(decoded.value.dst);
    if (!peer) {
      return this.dropInner(
        packet,
        `${this.ifname}: no peer has allowed-ips covering ${formatIp(decoded.value.dst)}`,
      );
    }
    peer.send(packet);
  }

  dropInner(packet: Packet, reason: string): void {
    this.host.ip.drop(packet, reason, this.iface);
  }

  sendHandshake(_peer: WireguardPeer, bytes: Uint8Array, to: Endpoint): void {
    this.host.ip.sendUdp(to.ip, this.config.listenPort, to.port, bytes);
  }

  /** Sends sealed transport data; the encap record links it to the inner packet it carries. */
  sendTransport(
    peer: WireguardPeer,
    bytes: Uint8Array,
    inner: Packet | null,
    keypair: Keypair,
    counter: bigint,
    to: Endpoint,
  ): void {
    const id = this.host.ctx.nextPacketId();
    if (inner) {
      this.host.ctx.trace.emit({
        kind: "encap",
        node: this.host.name,
        iface: this.ifname,
        pkt: id,
        parent: inner.id,
        proto: "WG",
        summary: `${summarize(inner.bytes)} in WireGuard to ${peer.name} (receiver ${
          hexNum(keypair.remoteIndex, 8)
        }, counter ${counter})`,
        detail: { layers: ["IP", "UDP", "WG", "IP"], peer: peer.name, counter: String(counter) },
      });
    }
    this.host.ip.sendUdp(to.ip, this.config.listenPort, to.port, bytes, {
      id,
      ...(inner ? { parent: inner.id } : {}),
    });
    this.publishPeer(peer);
  }

  /** The peer's row in the `wireguard` table, like one block of `wg show`. */
  publishPeer(peer: WireguardPeer): void {
    this.host.state("wireguard", `${this.ifname} peer ${peer.name}`, {
      endpoint: endpointText(peer.endpoint),
      "allowed ips": peer.config.allowedIps.map((p) => `${formatIp(p.network)}/${p.prefixLength}`).join(", "),
      "latest handshake": peer.latestHandshake === undefined ? "never" : `${peer.latestHandshake / SECOND}s`,
      keypair: peer.current ? hexNum(peer.current.localIndex, 8) : "none",
      transfer: `${peer.rxBytes} B received, ${peer.txBytes} B sent`,
      ...(peer.config.persistentKeepalive
        ? { "persistent keepalive": `${peer.config.persistentKeepalive / SECOND}s` }
        : {}),
    });
  }

  // --- receiving ----------------------------------------------------------------------------

  #receive(message: UdpMessage): void {
    const reason = this.#dispatch(message);
    if (reason) this.host.ip.drop(message.packet, reason, message.iface);
  }

  #dispatch(message: UdpMessage): string | null {
    const decoded = decodeWg(message.payload);
    if (!decoded.ok) return `${this.ifname}: ${decoded.error}`;
    const from: Endpoint = { ip: message.src, port: message.srcPort };
    const wg = decoded.value;
    switch (wg.type) {
      case WG_INITIATION:
      case WG_RESPONSE:
        return this.#handshakeMessage(message, wg, from);
      case WG_COOKIE_REPLY: {
        const peer = this.#indices.get(wg.receiver);
        if (!peer || peer.pendingIndex !== wg.receiver) {
          return `${this.ifname}: cookie reply for unknown index ${hexNum(wg.receiver, 8)}`;
        }
        return peer.onCookieReply(wg);
      }
      case WG_TRANSPORT: {
        const peer = this.#indices.get(wg.receiver);
        if (!peer) {
          return `${this.ifname}: transport data for unknown receiver index ${hexNum(wg.receiver, 8)}`;
        }
        const opened = peer.onTransport(wg, from);
        if ("drop" in opened) return `${this.ifname}: ${opened.drop}`;
        if (opened.plaintext.length > 0) return this.#deliverInner(peer, opened.plaintext, message);
        return null;
      }
    }
  }

  #handshakeMessage(message: UdpMessage, wg: WgInitiation | WgResponse, from: Endpoint): string | null {
    if (!mac1Valid(message.payload, this.identity.publicKey)) {
      return `${this.ifname}: mac1 is wrong: the sender does not know this interface's public key`;
    }
    if (this.#underLoad()) {
      const cookie = cookieFor(this.#secret(), from.ip, from.port);
      if (!mac2Valid(message.payload, cookie)) {
        const nonce = this.rng.bytes(24);
        const reply = createCookieReply(
          this.identity.publicKey,
          wg.sender,
          mac1Of(message.payload),
          cookie,
          nonce,
        );
        this.host.log(
          `${this.ifname}: under load: a cookie reply to ${endpointText(from)} instead of a handshake`,
        );
        this.host.ip.sendUdp(from.ip, this.config.listenPort, from.port, reply, {
          parent: message.packet.id,
        });
        return null;
      }
    }
    if (wg.type === WG_RESPONSE) {
      const peer = this.#indices.get(wg.receiver);
      if (!peer) return `${this.ifname}: handshake response for unknown index ${hexNum(wg.receiver, 8)}`;
      return peer.onResponse(wg, from);
    }
    const consumed = consumeInitiation(this.identity, wg);
    if (!consumed.ok) return `${this.ifname}: ${consumed.error}`;
    const peer = this.peers.find((p) => bytesEqual(p.config.publicKey, consumed.value.initiatorStatic));
    if (!peer) {
      return `${this.ifname}: initiation from unknown public key ${
        toBase64(consumed.value.initiatorStatic)
      } (add it as a peer)`;
    }
    if (!timestampAfter(consumed.value.timestamp, peer.lastTimestamp)) {
      return `${this.ifname}: initiation from ${peer.name} replayed (timestamp not newer than the last one)`;
    }
    return peer.respond(consumed.value, from);
  }

  /** More handshake messages in the last second than `under-load` allows (0: always under load). */
  #underLoad(): boolean {
    const now = this.sched.now;
    this.#handshakeTimes = this.#handshakeTimes.filter((t) => now - t < SECOND);
    this.#handshakeTimes.push(now);
    return this.config.underLoad === 0 || this.#handshakeTimes.length > this.config.underLoad;
  }

  /** The cookie secret, replaced every two minutes. */
  #secret(): Uint8Array {
    const now = this.sched.now;
    if (!this.#cookieSecret || now - this.#cookieSecret.at >= COOKIE_LIFETIME) {
      this.#cookieSecret = { value: this.rng.bytes(32), at: now };
    }
    return this.#cookieSecret.value;
  }

  #deliverInner(peer: WireguardPeer, plaintext: Uint8Array, message: UdpMessage): string | null {
    const length = plaintext.length >= 4 && plaintext[0] >> 4 === 4 ? (plaintext[2] << 8) | plaintext[3] : 0;
    if (length < 20 || length > plaintext.length) {
      return `${this.ifname}: decrypted data is not an IPv4 packet`;
    }
    const bytes = plaintext.slice(0, length);
    const inner = decodeIpv4(bytes);
    if (!inner.ok) return `${this.ifname}: decrypted packet: ${inner.error}`;
    const packet: Packet = { id: this.host.ctx.nextPacketId(), bytes, parent: message.packet.id };
    if (!peer.allows(inner.value.src)) {
      this.host.ip.drop(
        packet,
        `${this.ifname}: ${peer.name} may not send from ${
          formatIp(inner.value.src)
        } (not in its allowed-ips)`,
        this.iface,
      );
      return null;
    }
    this.host.ctx.trace.emit({
      kind: "decap",
      node: this.host.name,
      iface: this.ifname,
      pkt: packet.id,
      parent: message.packet.id,
      proto: protoLabel(bytes),
      summary: `${summarize(bytes)} out of WireGuard from ${peer.name}`,
      bytes: bytes.slice(),
    });
    this.host.ip.receive(packet, this.iface);
    return null;
  }
}
