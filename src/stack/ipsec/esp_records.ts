/**
 * The `encap` and `decap` records of ESP, compact as the tracer's tx/rx/forward records are
 * (trace/lazy_record.ts says why): a thousand clients make fifty thousand of them and a run rarely shows
 * one. Each keeps its copy of the inner datagram in the layer's byte arena and writes its summary line
 * and detail only when read, from that copy, which nothing changes, so they read as if written at
 * emission.
 */
import type { ByteArena } from "../../engine/byte_arena.ts";
import { LazyRecord } from "../../trace/lazy_record.ts";
import type { ProtoLabel } from "../../trace/record.ts";
import { summarize } from "../../wire/dissect.ts";
import { hexNum } from "../../wire/octets.ts";

/** What an ESP encap or decap record says about the packet. */
export interface EspHop {
  spi: number;
  seq: number;
  udpEncap: boolean;
}

abstract class EspRecord extends LazyRecord {
  readonly node: string;
  readonly pkt: number;
  readonly parent: number;
  #arena: ByteArena;
  #handle: number;
  #spi: number;
  #seq: number;
  #udpEncap: boolean;

  /** Keeps its own copy of `bytes` (the inner datagram) in `arena`. */
  constructor(node: string, pkt: number, parent: number, arena: ByteArena, bytes: Uint8Array, hop: EspHop) {
    super();
    this.node = node;
    this.pkt = pkt;
    this.parent = parent;
    this.#arena = arena;
    this.#handle = arena.put(bytes);
    this.#spi = hop.spi;
    this.#seq = hop.seq;
    this.#udpEncap = hop.udpEncap;
  }

  /** " in UDP 4500" or " from UDP 4500" for NAT-T, as the direction reads. */
  protected abstract udpText(): string;

  get bytes(): Uint8Array {
    return this.#arena.view(this.#handle);
  }

  // Not kept once written: a line is read about once (the text trace, the view).
  get summary(): string {
    return `ESP SPI ${hexNum(this.#spi, 8)} seq ${this.#seq}${this.udpText()}: ${summarize(this.bytes)}`;
  }

  get detail(): Record<string, unknown> {
    return { spi: hexNum(this.#spi, 8), seq: this.#seq, udpEncap: this.#udpEncap };
  }

  protected get udpEncap(): boolean {
    return this.#udpEncap;
  }
}

/** `pkt` (the new outer ESP packet) now carries `parent`, whose datagram was `bytes`. */
export class EspEncapRecord extends EspRecord {
  get kind(): "encap" {
    return "encap";
  }

  get proto(): ProtoLabel {
    return "ESP";
  }

  protected udpText(): string {
    return this.udpEncap ? " in UDP 4500" : "";
  }
}

/** `pkt` (the inner datagram, `bytes`) came out of `parent` on `iface`. */
export class EspDecapRecord extends EspRecord {
  readonly iface: string;
  readonly proto: ProtoLabel;

  constructor(
    node: string,
    iface: string,
    pkt: number,
    parent: number,
    proto: ProtoLabel,
    arena: ByteArena,
    bytes: Uint8Array,
    hop: EspHop,
  ) {
    super(node, pkt, parent, arena, bytes, hop);
    this.iface = iface;
    this.proto = proto;
  }

  get kind(): "decap" {
    return "decap";
  }

  protected udpText(): string {
    return this.udpEncap ? " from UDP 4500" : "";
  }
}
