/**
 * PPP over a frame carrier (an L2TP session, a dial-up line), seen from the IP layer: a `PppLink`
 * drives one `PppSession` and, once IPCP is up, plugs a point-to-point `PppInterface` (ppp0) into the
 * node's IP stack with a host route to the peer. Datagrams routed to ppp0 become PPP frames handed to
 * the carrier; frames from the carrier become datagrams the IP stack receives on ppp0. Lineage is
 * kept across the layers: the carrier learns which inner packet a frame holds, and every datagram
 * coming out of PPP is a new packet whose parent is the outer packet that carried it.
 */
import type { Packet } from "../../engine/packet.ts";
import { type Ip4, parseIp } from "../../wire/addr.ts";
import { protoLabel, summarize } from "../../wire/dissect.ts";
import type { Interface } from "../interface.ts";
import type { Route } from "../routing.ts";
import { type PppConfig, type PppHost, PppSession, type PppUpInfo, type ProxyStart } from "../ppp/session.ts";
import type { L2tpHost } from "./endpoint.ts";

/** Where PPP frames go: `inner` is the IPv4 datagram inside the frame, when there is one. */
export type FrameSender = (frame: Uint8Array, inner?: Packet) => boolean;

/** A point-to-point interface whose datagrams travel in PPP frames. */
export class PppInterface implements Interface {
  prefixLength = 32;
  #up = true;

  constructor(
    readonly name: string,
    public ip: Ip4,
    public peer: Ip4,
    public mtu: number,
    private link: PppLink,
  ) {}

  get up(): boolean {
    return this.#up;
  }

  /** Marks the interface down; the IP layer stops routing through it. */
  down(): void {
    this.#up = false;
  }

  output(packet: Packet, _nextHop: Ip4): void {
    this.link.sendDatagram(packet, this);
  }
}

/** Options for a `PppLink`. */
export interface PppLinkOptions {
  /** Interface name ("ppp0"); also labels the PPP session in the trace. */
  name: string;
  config: PppConfig;
  send: FrameSender;
  /** LNS taking over a LAC's negotiation (compulsory tunnelling). */
  proxy?: ProxyStart;
}

/** One PPP session and, while IPCP is up, its interface on the node. */
export class PppLink {
  readonly ppp: PppSession;
  readonly name: string;
  iface?: PppInterface;
  /** IPCP came up and the interface exists. */
  onUp?: (iface: PppInterface, info: PppUpInfo) => void;
  /** PPP is dead (after the interface and its routes are gone). */
  onDown?: (reason: string) => void;
  #inner?: Packet;
  #outer?: Packet;

  constructor(private host: L2tpHost, options: PppLinkOptions) {
    this.name = options.name;
    const pppHost: PppHost = {
      sched: host.ctx.sched,
      rng: host.ctx.rng.fork(`ppp:${host.name}:${options.name}`),
      trace: host.ctx.trace,
      node: host.name,
      label: options.name,
    };
    const send = (frame: Uint8Array) => {
      options.send(frame, this.#inner);
    };
    this.ppp = options.proxy
      ? PppSession.fromProxy(pppHost, options.config, send, options.proxy)
      : new PppSession(pppHost, options.config, send);
    this.ppp.onUp = (info) => this.#up(info);
    this.ppp.onDown = (reason) => this.#down(reason);
    this.ppp.onIp = (datagram) => this.#receive(datagram);
  }

  /** A frame from the carrier; `outer` is the datagram that carried it, for lineage. */
  input(frame: Uint8Array, outer?: Packet): void {
    this.#outer = outer;
    try {
      this.ppp.input(frame);
    } finally {
      this.#outer = undefined;
    }
  }

  /** Sends a datagram the IP layer routed to our interface. */
  sendDatagram(packet: Packet, iface: PppInterface): void {
    if (!iface.up) return this.host.ip.drop(packet, `${this.host.name}:${iface.name} is down`, iface);
    if (this.#inner) {
      // The tunnel's own packet came back to the tunnel: its route to the server outside it is unusable
      // (that interface is down), so the default route through the tunnel caught it. Sending it would
      // wrap it inside itself for ever.
      return this.host.ip.drop(
        packet,
        `${iface.name}: routing loop: the tunnel's own packet was routed back into ${iface.name} (the route to the server outside the tunnel is down)`,
        iface,
      );
    }
    this.#inner = packet;
    let sent: boolean;
    try {
      sent = this.ppp.sendIp(packet.bytes);
    } finally {
      this.#inner = undefined;
    }
    if (!sent) {
      this.host.ip.drop(packet, `${iface.name}: PPP is not open (IPCP ${this.ppp.ipcpState})`, iface);
    }
  }

  #receive(datagram: Uint8Array): void {
    const iface = this.iface;
    if (!iface) return;
    const bytes = datagram.slice();
    const outer = this.#outer;
    const packet: Packet = { id: this.host.ctx.nextPacketId(), bytes, parent: outer?.id };
    this.host.ctx.trace.emit({
      kind: "decap",
      node: this.host.name,
      iface: iface.name,
      pkt: packet.id,
      parent: outer?.id,
      proto: protoLabel(bytes),
      summary: `${summarize(bytes)} out of PPP on ${iface.name}`,
    });
    this.host.ip.receive(packet, iface);
  }

  #up(info: PppUpInfo): void {
    const ip = this.host.ip;
    const local = parseIp(info.localAddress)!;
    const peer = parseIp(info.peerAddress)!;
    this.#removeInterface();
    const iface = new PppInterface(this.name, local, peer, info.mru, this);
    this.iface = iface;
    ip.addInterface(iface);
    ip.routes.add({ network: peer, prefixLength: 32, iface: iface.name, metric: 0, origin: "ppp" });
    this.host.state("interfaces", iface.name, {
      address: `${info.localAddress}/32`,
      peer: info.peerAddress,
      mtu: iface.mtu,
    });
    this.onUp?.(iface, info);
    publishRoutes(this.host);
  }

  /** Removes the interface, lets the owner undo its routes, then publishes the table once. */
  #down(reason: string): void {
    const had = this.iface !== undefined;
    this.#removeInterface();
    this.onDown?.(reason);
    if (had) publishRoutes(this.host);
  }

  #removeInterface(): void {
    const iface = this.iface;
    if (!iface) return;
    iface.down();
    this.iface = undefined;
    const ip = this.host.ip;
    ip.removeInterface(iface);
    ip.routes.remove((route) => route.iface === iface.name);
    this.host.state("interfaces", iface.name, null);
  }
}

/** Records the rows of the routing table that changed since it was last published. */
export function publishRoutes(host: L2tpHost): void {
  for (const row of host.ip.publishedRoutes.changes(host.ip.routes.routes)) {
    host.state("routes", row.key, row.value);
  }
}

/**
 * The host route that keeps the VPN server reachable the way it was before the tunnel took the
 * default route (else the tunnel's own packets would be routed into the tunnel); none when the server
 * is already reached through the tunnel's interface or not at all.
 */
export function serverHostRoute(ip: L2tpHost["ip"], server: Ip4, tunnelIface: string): Route | undefined {
  const before = ip.route(server);
  if (!before || before.iface.name === tunnelIface) return undefined;
  return {
    network: server,
    prefixLength: 32,
    via: before.route.via,
    iface: before.iface.name,
    metric: 0,
    origin: "static",
  };
}
