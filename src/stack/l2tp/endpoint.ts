/**
 * A node's L2TP service: the UDP 1701 socket, the tunnels by our Tunnel ID, the choice of Tunnel and
 * Session IDs, the limits, and the tie breaker between two SCCRQs crossing on the wire. LNS, LAC and
 * the voluntary client all use it; they differ in configuration and in what they do with sessions.
 */
import type { SimContext } from "../../engine/context.ts";
import type { Packet } from "../../engine/packet.ts";
import type { Prng } from "../../engine/prng.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { decodeL2tp, L2TP_PORT, messageTypeOf } from "../../wire/l2tp.ts";
import { findAvp } from "../../wire/l2tp_avp.ts";
import { MSG } from "../../wire/l2tp_names.ts";
import type { IpStack, UdpMessage } from "../ip.ts";
import type { L2tpTimers, TunnelSecurity } from "./config.ts";
import type { CallResult, L2tpSession } from "./session.ts";
import { type StopResult, Tunnel } from "./tunnel.ts";

/** What the L2TP service needs from the node it runs on (a `Device` fits). */
export interface L2tpHost {
  readonly name: string;
  readonly ctx: SimContext;
  readonly rng: Prng;
  readonly ip: IpStack;
  log(summary: string, detail?: Record<string, unknown>): void;
  state(table: string, key: string, value: Record<string, unknown> | null, summary?: string): void;
}

/** How a node's L2TP service behaves. */
export interface EndpointConfig {
  /** Host Name AVP; also selects the peer's secret in `secrets`. */
  hostname: string;
  /** The port we listen on and send from (1701). */
  port: number;
  /**
   * Responder only: answer an SCCRQ from this port instead (RFC 2661 §8.1 allows any); the tunnel then
   * stays on it. Some NATs and firewalls drop such replies, which is worth seeing.
   */
  answerPort?: number;
  timers: L2tpTimers;
  security: TunnelSecurity;
  /** Secrets by the peer's Host Name, overriding `security.secret` (like xl2tpd's l2tp-secrets). */
  secrets?: Record<string, string>;
  /** LNS: accept SCCRQs. */
  acceptTunnels: boolean;
  maxTunnels?: number;
  /** Limit on sessions over all tunnels. */
  maxSessions?: number;
  /** Send a Tie Breaker AVP in our SCCRQs (§4.4.3). */
  tieBreaker: boolean;
  /** (Tx/Rx) Connect Speed we report in ICCN, bits per second. */
  connectSpeed: number;
  /** The LNS section name xl2tpd prints ("LNS session is 'default'"). */
  sessionName?: string;
}

/** What tunnels need from the service that owns them. */
export interface TunnelOwner {
  readonly host: L2tpHost;
  readonly config: EndpointConfig;
  readonly rng: Prng;
  secretFor(peerHostname?: string): string | undefined;
  send(tunnel: Tunnel, bytes: Uint8Array, parent?: number, id?: number): Packet | undefined;
  newSessionId(tunnel: Tunnel): number;
  nextSerial(): number;
  acceptTunnel(tunnel: Tunnel): StopResult | undefined;
  incomingCall(session: L2tpSession): CallResult | undefined;
  tunnelUp(tunnel: Tunnel): void;
  tunnelDown(tunnel: Tunnel, reason: string): void;
  sessionClosed(session: L2tpSession): void;
  forgetTunnel(tunnel: Tunnel): void;
}

/** The L2TP service of one node. */
export class L2tpEndpoint implements TunnelOwner {
  readonly tunnels = new Map<number, Tunnel>();
  readonly rng: Prng;
  /** LNS: decide about an incoming call; return a CDN result to refuse it. */
  onIncomingCall?: (session: L2tpSession) => CallResult | undefined;
  onTunnelUp?: (tunnel: Tunnel) => void;
  onTunnelDown?: (tunnel: Tunnel, reason: string) => void;
  #serial = 1;
  #started = false;

  constructor(readonly host: L2tpHost, readonly config: EndpointConfig) {
    this.rng = host.ctx.rng.fork(`l2tp:${host.name}`);
  }

  /** Binds the UDP port(s). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const handler = { onMessage: (message: UdpMessage) => this.#onMessage(message) };
    this.host.ip.bindUdp(this.config.port, handler);
    const answer = this.config.answerPort;
    if (answer !== undefined && answer !== this.config.port) this.host.ip.bindUdp(answer, handler);
  }

  /** Sessions over every tunnel that have not ended. */
  get sessionCount(): number {
    let n = 0;
    for (const tunnel of this.tunnels.values()) n += tunnel.sessions.size;
    return n;
  }

  /**
   * A tunnel to `peer` we can place calls on: an existing one being set up or established, or a new
   * one (its SCCRQ goes out now).
   */
  tunnelTo(peer: Ip4, port = L2TP_PORT): Tunnel {
    // Any live tunnel to the peer will do, whichever side opened it: after a tie breaker the
    // winner's tunnel carries both sides' calls.
    for (const tunnel of this.tunnels.values()) {
      if (tunnel.peer === peer && tunnel.state !== "closing" && tunnel.state !== "closed") return tunnel;
    }
    const tunnel = new Tunnel(this, this.#newTunnelId(), peer, port, this.config.port, true);
    this.tunnels.set(tunnel.localId, tunnel);
    tunnel.open();
    return tunnel;
  }

  // --- TunnelOwner -----------------------------------------------------------------------------

  secretFor(peerHostname?: string): string | undefined {
    if (peerHostname !== undefined && this.config.secrets?.[peerHostname] !== undefined) {
      return this.config.secrets[peerHostname];
    }
    return this.config.security.secret;
  }

  send(tunnel: Tunnel, bytes: Uint8Array, parent?: number, id?: number): Packet | undefined {
    return this.host.ip.sendUdp(tunnel.peer, tunnel.localPort, tunnel.peerPort, bytes, {
      parent,
      id,
      ...(tunnel.saRef !== undefined ? { saRef: tunnel.saRef } : {}),
    });
  }

  newSessionId(tunnel: Tunnel): number {
    for (;;) {
      const id = this.rng.int(1, 0xffff);
      if (!tunnel.sessions.has(id)) return id;
    }
  }

  nextSerial(): number {
    return this.#serial++;
  }

  acceptTunnel(_tunnel: Tunnel): StopResult | undefined {
    const max = this.config.maxTunnels;
    if (max !== undefined) {
      const live = [...this.tunnels.values()].filter((t) => !t.initiator && t.state !== "closed").length;
      if (live > max) {
        this.host.log(`${this.host.name}: refusing tunnel: already ${max} tunnels (max-tunnels)`);
        return { result: 2, error: 4, message: `Too many tunnels (limit ${max})` };
      }
    }
    return undefined;
  }

  incomingCall(session: L2tpSession): CallResult | undefined {
    const max = this.config.maxSessions;
    if (max !== undefined && this.sessionCount > max) {
      this.host.log(`${this.host.name}: refusing call: already ${max} sessions (max-sessions)`);
      return { result: 4, message: `Too many sessions (limit ${max})` };
    }
    if (!this.onIncomingCall) return { result: 2, error: 6, message: "This tunnel cannot accept calls" };
    return this.onIncomingCall(session);
  }

  tunnelUp(tunnel: Tunnel): void {
    this.onTunnelUp?.(tunnel);
  }

  tunnelDown(tunnel: Tunnel, reason: string): void {
    this.onTunnelDown?.(tunnel, reason);
  }

  sessionClosed(_session: L2tpSession): void {}

  forgetTunnel(tunnel: Tunnel): void {
    if (this.tunnels.get(tunnel.localId) === tunnel) this.tunnels.delete(tunnel.localId);
  }

  // --- receiving -------------------------------------------------------------------------------

  #newTunnelId(): number {
    for (;;) {
      const id = this.rng.int(1, 0xffff);
      if (!this.tunnels.has(id)) return id;
    }
  }

  #onMessage(udp: UdpMessage): void {
    const decoded = decodeL2tp(udp.payload);
    if (!decoded.ok) return this.host.ip.drop(udp.packet, `malformed L2TP: ${decoded.error}`, udp.iface);
    const message = decoded.value;
    if (message.tunnelId === 0) {
      if (message.kind === "control" && messageTypeOf(message) === MSG.SCCRQ) {
        return this.#onSccrq(udp, message);
      }
      return this.host.ip.drop(
        udp.packet,
        `L2TP ${message.kind} message for tunnel 0 that is not an SCCRQ`,
        udp.iface,
      );
    }
    const tunnel = this.tunnels.get(message.tunnelId);
    if (!tunnel) {
      return this.host.ip.drop(
        udp.packet,
        `${this.host.name}: no L2TP tunnel ${message.tunnelId} (it was cleared or never existed)`,
        udp.iface,
      );
    }
    if (udp.src !== tunnel.peer) {
      return this.host.ip.drop(
        udp.packet,
        `L2TP tunnel ${tunnel.localId} belongs to ${formatIp(tunnel.peer)}, not ${formatIp(udp.src)}`,
        udp.iface,
      );
    }
    if (tunnel.peerPortFixed && udp.srcPort !== tunnel.peerPort) {
      return this.host.ip.drop(
        udp.packet,
        `L2TP tunnel ${tunnel.localId} talks to port ${tunnel.peerPort}, this came from port ${udp.srcPort}`,
        udp.iface,
      );
    }
    // Like xl2tpd with SAref: answer through the IPsec SA the peer's traffic came in on.
    if (udp.packet.saRef !== undefined) tunnel.saRef = udp.packet.saRef;
    if (message.kind === "control") tunnel.receiveControl(message, udp.srcPort);
    else tunnel.receiveData(message, udp.packet);
  }

  #onSccrq(udp: UdpMessage, message: Extract<ReturnType<typeof decodeL2tp>, { ok: true }>["value"]): void {
    if (message.kind !== "control") return;
    const theirId = findAvp(message.avps, "assignedTunnelId")?.id;
    // A retransmitted SCCRQ goes to the tunnel it already created, whose channel acknowledges it.
    for (const tunnel of this.tunnels.values()) {
      if (
        !tunnel.initiator && tunnel.peer === udp.src && tunnel.peerPort === udp.srcPort &&
        tunnel.peerId !== 0 && tunnel.peerId === theirId
      ) {
        return tunnel.receiveControl(message, udp.srcPort);
      }
    }
    const tie = this.#tieBreak(udp, findAvp(message.avps, "tieBreaker")?.value);
    if (tie.ignore) return;
    if (!this.config.acceptTunnels) {
      return this.host.ip.drop(
        udp.packet,
        `${this.host.name} is not an LNS: it does not accept L2TP tunnels (SCCRQ from ${formatIp(udp.src)})`,
        udp.iface,
      );
    }
    const localPort = this.config.answerPort ?? this.config.port;
    const tunnel = new Tunnel(this, this.#newTunnelId(), udp.src, udp.srcPort, localPort, false);
    if (udp.packet.saRef !== undefined) tunnel.saRef = udp.packet.saRef;
    this.tunnels.set(tunnel.localId, tunnel);
    tunnel.receiveControl(message, udp.srcPort);
    for (const session of tie.calls) tunnel.adopt(session);
  }

  /**
   * §4.4.3: when our own SCCRQ to the same peer is outstanding, the lower Tie Breaker wins; a side
   * with a Tie Breaker beats one without; equal values make both give up. `ignore`: drop the received
   * SCCRQ; `calls`: our calls that were waiting for the tunnel we discarded, to move to the peer's.
   */
  #tieBreak(udp: UdpMessage, theirs: bigint | undefined): { ignore: boolean; calls: L2tpSession[] } {
    const ours = [...this.tunnels.values()].find((t) =>
      t.initiator && t.peer === udp.src && t.state === "wait-ctl-reply"
    );
    if (!ours || (ours.tieBreaker === undefined && theirs === undefined)) return { ignore: false, calls: [] };
    const mine = ours.tieBreaker;
    const weWin = mine !== undefined && (theirs === undefined || mine < theirs);
    const tie = mine !== undefined && theirs !== undefined && mine === theirs;
    if (weWin) {
      this.host.log(
        `${this.host.name}: tie breaker: our SCCRQ (tunnel ${ours.localId}) wins over ${
          formatIp(udp.src)
        }'s; ignoring theirs`,
      );
      return { ignore: true, calls: [] };
    }
    this.host.log(
      `${this.host.name}: tie breaker: ${
        tie ? "equal values, both sides discard" : `${formatIp(udp.src)}'s SCCRQ wins`
      }; discarding our tunnel ${ours.localId}`,
    );
    const calls = ours.abandon(tie ? "tie breaker: equal values" : "tie breaker lost to the peer's SCCRQ");
    if (!tie) return { ignore: false, calls };
    for (const session of calls) {
      session.close({ result: 1, by: "tunnel" }, "tie breaker: both tunnels discarded");
    }
    return { ignore: true, calls: [] };
  }
}
