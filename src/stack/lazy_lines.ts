/**
 * The stack's compact `deliver` records, their lines written when read (trace/lazy_record.ts says why
 * the per-hop records are compact): an L2TP/IPsec server delivers every datagram of every client, so
 * writing their lines at once was a large share of the scale run's allocations. A line reads exactly
 * as if written at emission, because it is written from bytes that nothing changes afterwards: the
 * stored copy of the frame the datagram arrived in (`SentFrames`), or the stack's own copy, taken at
 * emission, where a hook or a tunnel produced the bytes.
 */
import type { ByteArena } from "../engine/byte_arena.ts";
import { LazyRecord } from "../trace/lazy_record.ts";
import type { FrameId, SentFrames } from "../trace/sent_frames.ts";
import type { ProtoLabel } from "../trace/record.ts";
import { protoLabel, summarize } from "../wire/dissect.ts";

/** The line of a delivery: the datagram's own, with the UDP port it went to (`port` -1: ICMP, none). */
function deliverLine(line: string, port: number): string {
  return port < 0 ? line : `${line} → UDP port ${port}`;
}

/** `node` delivered on `iface` the datagram of frame `arrived` (its bytes untouched) to UDP `port` or ICMP. */
export class DeliverRecord extends LazyRecord {
  readonly node: string;
  readonly iface: string;
  #frames: SentFrames;
  #arrived: FrameId;
  #port: number;

  constructor(node: string, iface: string, frames: SentFrames, arrived: FrameId, port: number) {
    super();
    this.node = node;
    this.iface = iface;
    this.#frames = frames;
    this.#arrived = arrived;
    this.#port = port;
  }

  get kind(): "deliver" {
    return "deliver";
  }

  get pkt(): number {
    return this.#frames.pkt(this.#arrived);
  }

  get proto(): ProtoLabel {
    return this.#frames.proto(this.#arrived);
  }

  // Not kept once written: a line is read about once (the text trace, the view).
  get summary(): string {
    return deliverLine(this.#frames.summary(this.#arrived), this.#port);
  }
}

/** `node` delivered `bytes` (copied into `arena`) on `iface` to UDP `port` or to ICMP (`port` -1). */
export class CopiedDeliverRecord extends LazyRecord {
  readonly node: string;
  readonly iface: string;
  readonly pkt: number;
  #arena: ByteArena;
  #handle: number;
  #port: number;

  constructor(node: string, iface: string, pkt: number, arena: ByteArena, bytes: Uint8Array, port: number) {
    super();
    this.node = node;
    this.iface = iface;
    this.pkt = pkt;
    this.#arena = arena;
    this.#handle = arena.put(bytes);
    this.#port = port;
  }

  get kind(): "deliver" {
    return "deliver";
  }

  get proto(): ProtoLabel {
    return this.#port < 0 ? "ICMP" : protoLabel(this.#arena.view(this.#handle));
  }

  get summary(): string {
    return deliverLine(summarize(this.#arena.view(this.#handle)), this.#port);
  }
}
