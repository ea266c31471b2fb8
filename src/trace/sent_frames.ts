/**
 * Every frame a link put on the wire, by number, in columns. The `rx` and `forward` records of a frame
 * and the `tx` records of the datagram that routers only forwarded on (its TTL lowered) all name it by
 * that number, and each such record reads its node, protocol, line and bytes from here; so a frame is
 * entered once whether or not a bounded run stores its `tx` record, and a hop costs a few bytes in
 * typed arrays instead of objects the garbage collector has to copy and mark. Bytes live in the link's
 * `ByteArena`; a lowered frame is rebuilt from the first frame's bytes when read (`FrameNamer.lowered`),
 * which is exact because nothing changes a stored copy once it is on the wire. Lines are written when
 * first read and kept, since a frame's `tx`, `rx` and `forward` records all show the same one.
 */
import type { ByteArena } from "../engine/byte_arena.ts";
import type { FrameNamer } from "../engine/context.ts";
import { Column, int32, uint32, uint8 } from "./column.ts";
import type { ProtoLabel } from "./record.ts";

/** A frame's number in its run's `SentFrames`. */
export type FrameId = number;

/**
 * One interface's end of a link, as the records made there name it: made once per end (by
 * `SentFrames.linkEnd`) and named by its `id` in every record, instead of three names.
 */
export class LinkEnd {
  constructor(
    readonly id: number,
    readonly node: string,
    readonly iface: string,
    readonly link: string,
    readonly frames: FrameNamer,
    /** Where the frames sent from this end are kept (one arena per link). */
    readonly arena: ByteArena,
  ) {}
}

/**
 * A V8 string built by concatenation is a tree of its pieces, several times the text's size, until
 * something reads it whole; converting it to a number reads it whole once, and it stays flat.
 */
export function flat(text: string): string {
  _flatSink = +text;
  return text;
}
/** Keeps the read in `flat` from being optimised away. */
let _flatSink = 0;

/** The run's frames: who sent each, its packet id and protocol, and where its bytes are. */
export class SentFrames {
  #ends: LinkEnd[] = [];
  #count = 0;
  #end = new Column(int32);
  /** The first frame of the datagram (itself for a frame whose bytes are stored). */
  #root = new Column(int32);
  /** TTL decrements since the root (0 for a root). */
  #lowered = new Column(uint8);
  // Of roots only: a lowered frame reads these through its root.
  #handle = new Column(uint32);
  #pkt = new Column(int32);
  #proto = new Column(uint8);
  #protos: ProtoLabel[] = [];
  #protoCodes = new Map<ProtoLabel, number>();
  /** Roots' lines, once read. */
  #lines = new Map<FrameId, string>();

  /** How many frames were sent. */
  get count(): number {
    return this.#count;
  }

  /** A new end, with the next id. */
  linkEnd(node: string, iface: string, link: string, frames: FrameNamer, arena: ByteArena): LinkEnd {
    const end = new LinkEnd(this.#ends.length, node, iface, link, frames, arena);
    this.#ends.push(end);
    return end;
  }

  /** Enters a frame sent from `end`, storing a copy of `bytes` (later changes to them do not reach it). */
  put(end: LinkEnd, pkt: number, proto: ProtoLabel, bytes: Uint8Array): FrameId {
    const id = this.#count++;
    this.#end.set(id, end.id);
    this.#root.set(id, id);
    this.#handle.set(id, end.arena.put(bytes));
    this.#pkt.set(id, pkt);
    let code = this.#protoCodes.get(proto);
    if (code === undefined) {
      code = this.#protos.push(proto) - 1;
      this.#protoCodes.set(proto, code);
    }
    this.#proto.set(id, code);
    return id;
  }

  /**
   * Enters the datagram that arrived in frame `from`, sent on from `end` with its TTL lowered once more
   * and nothing else changed: its bytes are not stored again.
   */
  putLowered(end: LinkEnd, from: FrameId): FrameId {
    const id = this.#count++;
    this.#end.set(id, end.id);
    this.#root.set(id, this.#root.get(from));
    this.#lowered.set(id, this.#lowered.get(from) + 1);
    return id;
  }

  /** The end frame `id` was sent from. */
  end(id: FrameId): LinkEnd {
    return this.#ends[this.#end.get(id)];
  }

  /** The end with id `endId`. */
  endById(endId: number): LinkEnd {
    return this.#ends[endId];
  }

  pkt(id: FrameId): number {
    return this.#pkt.get(this.#root.get(id));
  }

  proto(id: FrameId): ProtoLabel {
    return this.#protos[this.#proto.get(this.#root.get(id))];
  }

  /** The frame's line: its root's (the TTL, all a lowered frame changes, is not in it). */
  summary(id: FrameId): string {
    const root = this.#root.get(id);
    let line = this.#lines.get(root);
    if (line === undefined) {
      line = flat(this.end(root).frames.summarize(this.#stored(root)));
      this.#lines.set(root, line);
    }
    return line;
  }

  /**
   * The bytes as sent: for a root, a view of the stored copy (made on each read); for a lowered frame,
   * a fresh copy rebuilt from the root's as the routers on the way changed it.
   */
  bytes(id: FrameId): Uint8Array {
    const root = this.#root.get(id);
    const stored = this.#stored(root);
    const lowered = this.#lowered.get(id);
    return lowered === 0 ? stored : this.end(id).frames.lowered!(stored, lowered);
  }

  #stored(root: FrameId): Uint8Array {
    return this.end(root).arena.view(this.#handle.get(root));
  }
}
