/**
 * A host's TCP: demultiplexes arriving segments to connections by their four-tuple, keeps listeners,
 * answers segments for no connection with a reset (RFC 9293 §3.10.7.1), picks ephemeral ports and
 * initial sequence numbers, hands ICMP fragmentation-needed to the connection it quotes, and keeps the
 * `tcp` table (connections, cwnd, RTT) in the trace. It talks to the rest of the node through the
 * narrow `TcpHost`, so it knows no devices.
 */
import type { Packet } from "../../engine/packet.ts";
import type { Scheduler } from "../../engine/scheduler.ts";
import { type Micros, MS } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { readIpv4Header } from "../../wire/ipv4.ts";
import { u16, u32 } from "../../wire/octets.ts";
import {
  decodeTcp,
  encodeTcp,
  mssOption,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type TcpSegment,
} from "../../wire/tcp.ts";
import { TcpConnection } from "./connection.ts";
import type { TcpEvents, TcpOptions } from "./connection_types.ts";
import { segmentLength } from "./seq.ts";
import { seqAdd } from "./seq.ts";

/** What TCP needs from the node it runs on. */
export interface TcpHost {
  readonly node: string;
  readonly sched: Scheduler;
  /** The source address and first-hop MTU towards `dst`, or undefined when there is no route. */
  path(dst: Ip4): { src: Ip4; mtu: number } | undefined;
  /** Sends `segment` from `src` to `dst` in an IPv4 datagram with Don't Fragment set (PMTUD). */
  send(src: Ip4, dst: Ip4, segment: Uint8Array, parent?: number): void;
  /** A uniformly random 32-bit number from the node's own stream. */
  random32(): number;
  /** Records that `packet` reached TCP. */
  delivered(packet: Packet, summary: string): void;
  /** Records that `packet` was discarded, and why. */
  drop(packet: Packet, reason: string): void;
  /** Records a row of the node's `tcp` table (null removes it). */
  state(key: string, value: Record<string, unknown> | null, summary?: string): void;
}

/** Called for each connection a listener accepts; returns the events the application wants. */
export type AcceptHandler = (connection: TcpConnection) => TcpEvents;

interface Listener {
  accept: AcceptHandler;
  options: TcpOptions;
}

/** Linux's default ephemeral range (net.ipv4.ip_local_port_range). */
const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 60999;
/** Rows of the `tcp` table are refreshed on routine ACKs at most this often (events always show). */
const PUBLISH_INTERVAL: Micros = 100 * MS;

/** The TCP layer of one node. */
export class TcpEndpoint {
  readonly #host: TcpHost;
  readonly #connections = new Map<string, TcpConnection>();
  readonly #listeners = new Map<number, Listener>();
  readonly #lastPublished = new WeakMap<TcpConnection, Micros>();
  #nextPort: number;

  constructor(host: TcpHost) {
    this.#host = host;
    this.#nextPort = EPHEMERAL_LOW + (host.random32() % (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
  }

  /** Every connection this node holds, TIME-WAIT included. */
  get connections(): TcpConnection[] {
    return [...this.#connections.values()];
  }

  listening(port: number): boolean {
    return this.#listeners.has(port);
  }

  /** Whether a listener or a connection holds local `port` (a NAT must not hand it out). */
  portInUse(port: number): boolean {
    if (this.#listeners.has(port)) return true;
    for (const c of this.#connections.values()) if (c.localPort === port) return true;
    return false;
  }

  /** Passive open on `port` (any local address). */
  listen(port: number, accept: AcceptHandler, options: TcpOptions = {}): void {
    this.#listeners.set(port, { accept, options });
  }

  unlisten(port: number): void {
    this.#listeners.delete(port);
  }

  /** Active open towards `dst:port`; returns the connection, or an error when there is no route. */
  connect(
    dst: Ip4,
    port: number,
    events: TcpEvents,
    options: TcpOptions = {},
    localPort?: number,
  ): TcpConnection | string {
    const path = this.#host.path(dst);
    if (!path) return `no route to ${formatIp(dst)}`;
    const local = localPort ?? this.#ephemeralPort(path.src, dst, port);
    if (local === undefined) return "no free ephemeral port";
    const connection = this.#create(path.src, local, dst, port, path.mtu, options, "SYN-SENT");
    connection.events = events;
    connection.open();
    return connection;
  }

  /** Entry point for a locally addressed TCP datagram (after reassembly). */
  receive(packet: Packet, src: Ip4, dst: Ip4, bytes: Uint8Array): void {
    const decoded = decodeTcp(bytes, src, dst);
    if (!decoded.ok) return this.#host.drop(packet, `malformed TCP: ${decoded.error}`);
    const segment = decoded.value;
    const key = tupleKey(dst, segment.dstPort, src, segment.srcPort);
    const connection = this.#connections.get(key);
    if (connection) {
      this.#host.delivered(packet, `→ TCP ${describeTuple(connection)} (${connection.state})`);
      return connection.receive(segment, mssOption(segment));
    }
    const listener = this.#listeners.get(segment.dstPort);
    const flags = segment.flags;
    if (listener && flags & TCP_SYN && !(flags & (TCP_ACK | TCP_RST))) {
      this.#host.delivered(packet, `→ TCP listener on port ${segment.dstPort}`);
      const path = this.#host.path(src);
      const mtu = path?.mtu ?? 576;
      const accepted = this.#create(
        dst,
        segment.dstPort,
        src,
        segment.srcPort,
        mtu,
        listener.options,
        "SYN-RECEIVED",
      );
      accepted.events = listener.accept(accepted);
      return accepted.acceptSyn(segment, mssOption(segment));
    }
    if (flags & TCP_RST) {
      return this.#host.drop(packet, `${this.#host.node}: reset for no connection, ignored`);
    }
    const why = listener
      ? `no connection for this ${flagWord(flags)} segment`
      : `nothing listens on TCP port ${segment.dstPort}`;
    this.#host.drop(packet, `${this.#host.node}: ${why}; answered with RST`);
    this.#sendReset(dst, src, segment, packet.id);
  }

  /**
   * An ICMP error quoting a datagram we sent: fragmentation needed drives PMTUD (RFC 1191); a port or
   * host unreachable during the handshake is ignored, as RFC 1122 §4.2.3.9 asks (soft errors).
   */
  icmpError(quoted: Uint8Array, nextHopMtu: number, fragmentationNeeded: boolean): void {
    const header = fragmentationNeeded ? readIpv4Header(quoted) : null;
    if (!header) return;
    const { headerLength, src, dst } = header;
    if (quoted.length < headerLength + 8) return;
    const key = tupleKey(src, u16(quoted, headerLength), dst, u16(quoted, headerLength + 2));
    const connection = this.#connections.get(key);
    connection?.packetTooBig(nextHopMtu, u32(quoted, headerLength + 4), header.totalLength);
  }

  #create(
    localIp: Ip4,
    localPort: number,
    remoteIp: Ip4,
    remotePort: number,
    mtu: number,
    options: TcpOptions,
    state: "SYN-SENT" | "SYN-RECEIVED",
  ): TcpConnection {
    const sink = {
      sched: this.#host.sched,
      output: (connection: TcpConnection, segment: TcpSegment) =>
        this.#host.send(connection.localIp, connection.remoteIp, encodeTcp(localIp, remoteIp, segment)),
      publish: (connection: TcpConnection, event?: string) => this.#publish(connection, event),
      remove: (connection: TcpConnection, event: string) => {
        const key = tupleKey(
          connection.localIp,
          connection.localPort,
          connection.remoteIp,
          connection.remotePort,
        );
        if (this.#connections.get(key) === connection) this.#connections.delete(key);
        this.#host.state(describeTuple(connection), null, `tcp ${describeTuple(connection)}: ${event}`);
      },
    };
    const connection = new TcpConnection(
      sink,
      localIp,
      localPort,
      remoteIp,
      remotePort,
      this.#host.random32(),
      mtu,
      options,
      state,
    );
    this.#connections.set(tupleKey(localIp, localPort, remoteIp, remotePort), connection);
    this.#publish(connection, state);
    return connection;
  }

  #publish(connection: TcpConnection, event?: string): void {
    if (connection.state === "CLOSED") return;
    const now = this.#host.sched.now;
    const last = this.#lastPublished.get(connection);
    if (event === undefined && last !== undefined && now - last < PUBLISH_INTERVAL) return;
    this.#lastPublished.set(connection, now);
    const tuple = describeTuple(connection);
    this.#host.state(
      tuple,
      tcpRow(connection),
      event === undefined ? undefined : `tcp ${tuple}: ${event}`,
    );
  }

  #ephemeralPort(src: Ip4, dst: Ip4, port: number): number | undefined {
    for (let tries = 0; tries <= EPHEMERAL_HIGH - EPHEMERAL_LOW; tries++) {
      const candidate = this.#nextPort;
      this.#nextPort = candidate === EPHEMERAL_HIGH ? EPHEMERAL_LOW : candidate + 1;
      if (!this.#connections.has(tupleKey(src, candidate, dst, port)) && !this.#listeners.has(candidate)) {
        return candidate;
      }
    }
    return undefined;
  }

  /** RFC 9293 §3.10.7.1: the reset takes its numbers from the offending segment. */
  #sendReset(localIp: Ip4, remoteIp: Ip4, segment: TcpSegment, parent: number): void {
    const reset: TcpSegment = segment.flags & TCP_ACK
      ? { ...base(segment), seq: segment.ack, ack: 0, flags: TCP_RST }
      : {
        ...base(segment),
        seq: 0,
        ack: seqAdd(segment.seq, segmentLength(segment)),
        flags: TCP_RST | TCP_ACK,
      };
    this.#host.send(localIp, remoteIp, encodeTcp(localIp, remoteIp, reset), parent);
  }
}

function base(segment: TcpSegment): Omit<TcpSegment, "seq" | "ack" | "flags"> {
  return {
    srcPort: segment.dstPort,
    dstPort: segment.srcPort,
    window: 0,
    urgent: 0,
    options: [],
    payload: new Uint8Array(0),
  };
}

function flagWord(flags: number): string {
  return flags & TCP_SYN ? "SYN" : flags & TCP_ACK ? "ACK" : "flagless";
}

function tupleKey(localIp: Ip4, localPort: number, remoteIp: Ip4, remotePort: number): string {
  return `${localIp}:${localPort}:${remoteIp}:${remotePort}`;
}

/** `10.0.0.1:49152 ↔ 10.0.0.2:5201`, the row key of the `tcp` table. */
export function describeTuple(connection: TcpConnection): string {
  return `${formatIp(connection.localIp)}:${connection.localPort} ↔ ${
    formatIp(connection.remoteIp)
  }:${connection.remotePort}`;
}

/** The `tcp` table's columns for one connection. */
export function tcpRow(connection: TcpConnection): Record<string, unknown> {
  const { congestion, rtt } = connection;
  return {
    state: connection.state,
    mss: connection.mss,
    pmtu: connection.pmtu,
    cwnd: congestion.cwnd,
    ssthresh: congestion.ssthresh >= 0x7fffffff ? "∞" : congestion.ssthresh,
    srtt: rtt.srtt === undefined ? "-" : `${(rtt.srtt / MS).toFixed(1)} ms`,
    rto: `${(rtt.rto / MS).toFixed(0)} ms`,
    inFlight: connection.inFlight,
    window: connection.sndWnd,
    retransmits: connection.retransmittedSegments,
    sent: connection.bytesAcked,
    received: connection.bytesReceived,
  };
}
