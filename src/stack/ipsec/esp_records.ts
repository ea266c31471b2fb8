/**
 * The `encap` and `decap` records of ESP, with their summary line and detail written only when read,
 * as the tracer's tx/rx/forward records are (trace/lazy_record.ts says why): a thousand clients make
 * fifty thousand of them and a run rarely shows one. Each line is made from the record's inner bytes,
 * which nothing writes once the record holds them, so it reads as if written at emission.
 */
import { LazyRecord } from "../../trace/lazy_record.ts";
import type { ProtoLabel } from "../../trace/record.ts";
import { summarize } from "../../wire/dissect.ts";
import { hexNum } from "../../wire/octets.ts";

/** Reads a string built by concatenation whole, so V8 keeps it flat rather than as a tree of pieces. */
function flat(text: string): string {
  _flatSink = +text;
  return text;
}
/** Keeps the read in `flat` from being optimised away. */
let _flatSink = 0;

/** What an ESP encap or decap record says about the packet. */
interface EspHop {
  spi: number;
  seq: number;
  udpEncap: boolean;
}

abstract class EspRecord extends LazyRecord {
  abstract readonly kind: "encap" | "decap";
  #hop: EspHop;
  #summary: string | undefined = undefined;
  #detail: Record<string, unknown> | undefined = undefined;

  constructor(hop: EspHop) {
    super();
    this.#hop = hop;
  }

  abstract readonly bytes: Uint8Array;
  /** " in UDP 4500" or " from UDP 4500" for NAT-T, as the direction reads. */
  protected abstract udpText(): string;

  get summary(): string {
    const { spi, seq } = this.#hop;
    return this.#summary ??= flat(
      `ESP SPI ${hexNum(spi, 8)} seq ${seq}${this.udpText()}: ${summarize(this.bytes)}`,
    );
  }

  set summary(text: string) {
    this.#summary = text;
  }

  get detail(): Record<string, unknown> {
    const { spi, seq, udpEncap } = this.#hop;
    return this.#detail ??= { spi: hexNum(spi, 8), seq, udpEncap };
  }

  set detail(detail: Record<string, unknown>) {
    this.#detail = detail;
  }

  protected get udpEncap(): boolean {
    return this.#hop.udpEncap;
  }
}

/** `pkt` (the new outer ESP packet) now carries `parent`, whose datagram was `bytes`. */
export class EspEncapRecord extends EspRecord {
  readonly kind = "encap";
  readonly proto: ProtoLabel = "ESP";

  constructor(
    readonly node: string,
    readonly pkt: number,
    readonly parent: number,
    readonly bytes: Uint8Array,
    hop: EspHop,
  ) {
    super(hop);
  }

  protected udpText(): string {
    return this.udpEncap ? " in UDP 4500" : "";
  }
}

/** `pkt` (the inner datagram, `bytes`) came out of `parent` on `iface`. */
export class EspDecapRecord extends EspRecord {
  readonly kind = "decap";

  constructor(
    readonly node: string,
    readonly iface: string,
    readonly pkt: number,
    readonly parent: number,
    readonly proto: ProtoLabel,
    readonly bytes: Uint8Array,
    hop: EspHop,
  ) {
    super(hop);
  }

  protected udpText(): string {
    return this.udpEncap ? " from UDP 4500" : "";
  }
}
