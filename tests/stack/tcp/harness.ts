/**
 * Two TCP endpoints joined by a programmable wire on a real scheduler: each segment crosses after
 * `delay`, serialised at `bandwidth` if given, and a test's `filter` may drop it or answer it with an
 * ICMP error. Segments are decoded from the real bytes, so every test also exercises the wire format.
 */
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { MS, SECOND } from "../../../src/engine/time.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import { decodeTcp, type TcpSegment } from "../../../src/wire/tcp.ts";
import { TcpEndpoint, type TcpHost } from "../../../src/stack/tcp/endpoint.ts";

export const A = parseIp("10.0.0.1")!;
export const B = parseIp("10.0.0.2")!;

/** A segment as the wire saw it: who sent it, when, and its decoded fields. */
export interface Sent {
  from: "a" | "b";
  at: number;
  segment: TcpSegment;
  bytes: Uint8Array;
  ipLength: number;
}

export interface WireOptions {
  delay?: number;
  /** Bits per second for serialisation (0: none). */
  bandwidth?: number;
  /** MTU of each endpoint's interface (what the MSS is derived from). */
  mtuA?: number;
  mtuB?: number;
  /** Initial sequence numbers come from here when given. */
  random?: (side: "a" | "b") => number;
  /** Return false to lose the segment. */
  filter?: (sent: Sent, index: number) => boolean;
  /** Bytes of IP datagram above which the wire answers "fragmentation needed" with this MTU. */
  pathMtu?: number;
}

export class Harness {
  readonly sched = new Scheduler();
  readonly log: Sent[] = [];
  readonly states: { node: string; key: string; value: Record<string, unknown> | null; summary?: string }[] =
    [];
  readonly a: TcpEndpoint;
  readonly b: TcpEndpoint;
  #busy = { a: 0, b: 0 };
  #seed = 1;

  constructor(readonly options: WireOptions = {}) {
    this.a = new TcpEndpoint(this.#host("a"));
    this.b = new TcpEndpoint(this.#host("b"));
  }

  run(until = 60 * SECOND): void {
    this.sched.runUntil(until);
  }

  /** Segments one side sent, in order. */
  from(side: "a" | "b"): Sent[] {
    return this.log.filter((s) => s.from === side);
  }

  #host(side: "a" | "b"): TcpHost {
    const self = side === "a" ? A : B;
    const mtu = (side === "a" ? this.options.mtuA : this.options.mtuB) ?? 1500;
    return {
      node: side,
      sched: this.sched,
      path: () => ({ src: self, mtu }),
      send: (src, dst, bytes) => this.#carry(side, src, dst, bytes),
      random32: () => {
        if (this.options.random) return this.options.random(side);
        this.#seed = (this.#seed * 1103515245 + 12345) >>> 0;
        return side === "a" ? this.#seed : (this.#seed ^ 0xdeadbeef) >>> 0;
      },
      delivered: () => {},
      drop: () => {},
      state: (key, value, summary) => this.states.push({ node: side, key, value, summary }),
    };
  }

  #carry(side: "a" | "b", src: number, dst: number, bytes: Uint8Array): void {
    const decoded = decodeTcp(bytes, src, dst);
    if (!decoded.ok) throw new Error(`endpoint sent a bad segment: ${decoded.error}`);
    const sent: Sent = {
      from: side,
      at: this.sched.now,
      segment: decoded.value,
      bytes,
      ipLength: 20 + bytes.length,
    };
    const index = this.log.push(sent) - 1;
    const pathMtu = this.options.pathMtu;
    if (pathMtu !== undefined && sent.ipLength > pathMtu) {
      // A router on the way: DF is set, so it drops the datagram and quotes its header back.
      const quoted = new Uint8Array(28);
      quoted[0] = 0x45;
      quoted[2] = sent.ipLength >>> 8;
      quoted[3] = sent.ipLength & 0xff;
      quoted[9] = 6;
      new DataView(quoted.buffer, quoted.byteOffset, quoted.byteLength).setUint32(12, src);
      new DataView(quoted.buffer, quoted.byteOffset, quoted.byteLength).setUint32(16, dst);
      quoted.set(bytes.subarray(0, 8), 20);
      const sender = side === "a" ? this.a : this.b;
      this.sched.after(this.options.delay ?? 10 * MS, () => sender.icmpError(quoted, pathMtu, true));
      return;
    }
    if (this.options.filter && !this.options.filter(sent, index)) return;
    const bandwidth = this.options.bandwidth ?? 0;
    let departs = this.sched.now;
    if (bandwidth > 0) {
      departs = Math.max(departs, this.#busy[side]) + Math.ceil((sent.ipLength * 8 * SECOND) / bandwidth);
      this.#busy[side] = departs;
    }
    const receiver = side === "a" ? this.b : this.a;
    const copy = bytes.slice();
    this.sched.at(departs + (this.options.delay ?? 10 * MS), () => {
      receiver.receive({ id: index, bytes: copy }, src, dst, copy);
    });
  }
}

/** Bytes 0, 1, 2, ... of a test stream. */
export function stream(length: number, offset = 0): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i + offset) & 0xff);
}
