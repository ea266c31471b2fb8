import { ByteArena } from "./byte_arena.ts";
import type { SimContext } from "./context.ts";
import type { Packet } from "./packet.ts";
import type { Prng } from "./prng.ts";
import { type Micros, SECOND } from "./time.ts";
import { formatIp, type Ip4 } from "../wire/addr.ts";
import type { LinkEnd } from "../trace/sent_frames.ts";

/** The side of an interface that a link talks to: where frames arrive. */
export interface LinkPort {
  readonly node: string;
  readonly name: string;
  readonly ip: Ip4;
  /**
   * Called when a frame arrives. The bytes are the receiver's to keep and to change in place (TTL, NAT):
   * the sender gave them up, and the trace holds its own copy of what was sent.
   */
  receiveFromLink(packet: Packet): void;
}

/**
 * Something on the wire that may change frames in flight (a man in the middle). It is handed the
 * receiver's bytes just before the frame arrives; the `tx` record (what the pcap holds) keeps its own
 * copy of what the sender sent.
 */
export interface Interposer {
  intercept(frame: Uint8Array, packet: Packet, from: LinkPort, to: LinkPort): void;
}

/** How a link behaves; a topology's links are these plus their endpoints (see LinkSpec). */
export interface LinkParams {
  name: string;
  delay: Micros;
  /** Bits per second; 0 means infinitely fast (no serialisation delay, no queue). */
  bandwidth: number;
  /** Probability in [0,1] that a frame is lost. */
  loss: number;
  /** Probability in [0,1] that a frame is delivered twice. */
  duplicate: number;
  /** Extra random delay in [0, jitter]; enough jitter reorders frames. */
  jitter: Micros;
  mtu: number;
  /** Transmit queue limit in packets per sending interface (tail drop beyond it). */
  queue: number;
  /** Current state (initially as written). */
  up: boolean;
}

/**
 * A point-to-point link or, with more than two ports, a shared segment where the next hop is
 * found by address (standing in for ARP). Each sending port has its own transmit queue: frames are
 * serialised at `bandwidth`, a full queue drops the newest frame (tail drop), then each frame
 * independently suffers loss, duplication and jitter before arriving after `delay`.
 */
export class Link {
  readonly ports: LinkPort[] = [];
  /** Address → the first port holding it: a shared segment's next hop is found here, not by a scan. */
  #portByIp = new Map<Ip4, LinkPort>();
  #busyUntil = new Map<LinkPort, Micros>();
  #queued = new Map<LinkPort, number>();
  #rng: Prng;
  /** Where the `tx` records' copies of the frames sent on this link live. */
  #arena = new ByteArena();
  /** Each port's end as the records name it, made once. */
  #ends = new Map<LinkPort, LinkEnd>();
  /** Who alters frames on this link, if anyone (the `mitm` kind). */
  interposer?: Interposer;

  constructor(readonly params: LinkParams, private ctx: SimContext) {
    this.#rng = ctx.rng.fork(`link:${params.name}`);
  }

  get name(): string {
    return this.params.name;
  }

  get up(): boolean {
    return this.params.up;
  }

  attach(port: LinkPort): void {
    this.ports.push(port);
    if (!this.#portByIp.has(port.ip)) this.#portByIp.set(port.ip, port);
  }

  setUp(up: boolean): void {
    if (this.params.up === up) return;
    this.params.up = up;
    this.ctx.trace.emit({
      kind: "link",
      node: this.ports.map((p) => p.node).join(","),
      link: this.name,
      proto: "LINK",
      summary: `link ${this.name} ${up ? "up" : "down"}`,
    });
  }

  /** The port a frame from `from` to `nextHop` reaches, if any. */
  peerFor(from: LinkPort, nextHop: Ip4): LinkPort | undefined {
    if (this.ports.length === 2) return this.ports[0] === from ? this.ports[1] : this.ports[0];
    const port = this.#portByIp.get(nextHop);
    if (port !== from) return port;
    // Only when two ports share an address (a misconfigured segment) is the sender itself the first holder.
    return this.ports.find((other) => other !== from && other.ip === nextHop);
  }

  /** Queues `packet` for transmission from `from` towards the port owning `nextHop`. */
  send(from: LinkPort, packet: Packet, nextHop: Ip4): void {
    const drop = (reason: string) =>
      this.ctx.trace.emit({
        kind: "drop",
        node: from.node,
        iface: from.name,
        link: this.name,
        pkt: packet.id,
        proto: this.ctx.frames.label(packet.bytes),
        summary: this.ctx.frames.summarize(packet.bytes),
        reason,
        bytes: packet.bytes,
      });
    if (!this.params.up) return void drop(`link ${this.name} is down`);
    const peer = this.peerFor(from, nextHop);
    if (!peer) {
      return void drop(
        `no device with address ${formatIp(nextHop)} on ${this.name} (like an unanswered ARP request)`,
      );
    }
    if (packet.bytes.length > this.params.mtu) {
      return void drop(
        `${packet.bytes.length}-byte packet exceeds the MTU ${this.params.mtu} of ${this.name}`,
      );
    }
    const { sched } = this.ctx;
    const bandwidth = this.params.bandwidth;
    if (bandwidth <= 0) return this.#transmit(from, peer, packet, sched.now);
    const queued = this.#queued.get(from) ?? 0;
    if (queued >= this.params.queue) {
      return void drop(
        `transmit queue of ${from.node}:${from.name} full (${this.params.queue} packets): tail drop`,
      );
    }
    const start = Math.max(sched.now, this.#busyUntil.get(from) ?? 0);
    const serialisation = Math.ceil((packet.bytes.length * 8 * SECOND) / bandwidth);
    this.#busyUntil.set(from, start + serialisation);
    if (start === sched.now) return this.#transmit(from, peer, packet, start + serialisation);
    this.#queued.set(from, queued + 1);
    sched.at(start, () => {
      this.#queued.set(from, (this.#queued.get(from) ?? 1) - 1);
      if (!this.params.up) return void drop(`link ${this.name} went down while the packet was queued`);
      this.#transmit(from, peer, packet, start + serialisation);
    });
  }

  #end(port: LinkPort): LinkEnd {
    let end = this.#ends.get(port);
    if (!end) {
      end = this.ctx.trace.linkEnd(port.node, port.name, this.name, this.ctx.frames, this.#arena);
      this.#ends.set(port, end);
    }
    return end;
  }

  #transmit(from: LinkPort, peer: LinkPort, packet: Packet, serialisedAt: Micros): void {
    const { trace, sched } = this.ctx;
    // The record keeps its own copy of the bytes (or, for a datagram a router only forwarded, rebuilds
    // them from the frame it arrived in): from here on the sender's buffer belongs to the receiver.
    const frames = this.ctx.frames;
    const lowered = packet.lowered;
    packet.lowered = undefined;
    const sent = lowered !== undefined && frames.lowered !== undefined
      ? trace.sendLowered(this.#end(from), lowered)
      : trace.send(this.#end(from), packet.id, frames.label(packet.bytes), packet.bytes);
    const sentFrames = trace.frames;
    const proto = sentFrames.proto(sent);
    const params = this.params;
    if (this.#rng.chance(params.loss)) {
      trace.emit({
        kind: "drop",
        node: from.node,
        link: this.name,
        pkt: packet.id,
        proto,
        summary: sentFrames.summary(sent),
        reason: `lost on ${this.name} (random loss ${Math.round(params.loss * 1000) / 10}%)`,
      });
      return;
    }
    const copies = this.#rng.chance(params.duplicate) ? 2 : 1;
    const receiver = this.#end(peer);
    for (let copy = 0; copy < copies; copy++) {
      const jitter = params.jitter > 0 ? this.#rng.int(0, params.jitter) : 0;
      sched.at(serialisedAt + params.delay + jitter, () => {
        if (!this.params.up) {
          trace.emit({
            kind: "drop",
            node: peer.node,
            link: this.name,
            pkt: packet.id,
            proto,
            summary: sentFrames.summary(sent),
            reason: `link ${this.name} went down in flight`,
          });
          return;
        }
        // The first copy takes the sender's buffer; a duplicate gets its own, made from the record's
        // bytes (the first receiver may already have changed the buffer, whichever arrives first).
        const bytes = copy === 0 ? packet.bytes : sentFrames.bytes(sent).slice();
        const interposer = this.interposer;
        interposer?.intercept(bytes, packet, from, peer);
        trace.receive(receiver, sent, copy !== 0, jitter);
        // Unchanged on the wire, the bytes are still the frame the record describes (see Packet.arrived).
        const arrived = interposer === undefined ? sent : undefined;
        peer.receiveFromLink({ id: packet.id, bytes, parent: packet.parent, arrived });
      });
    }
  }
}
