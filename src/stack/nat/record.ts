/**
 * The `nat` trace records: what a rewrite did, with the tuples before and after and the mapping used.
 * Every translated packet makes one, so a record keeps the tuples (numbers, never changed once made)
 * and writes its summary line and detail only when read, as the tracer's packet records do
 * (trace/lazy_record.ts says why); they read exactly as if written at emission.
 */
import type { Packet } from "../../engine/packet.ts";
import { LazyRecord } from "../../trace/lazy_record.ts";
import type { ProtoLabel } from "../../trace/record.ts";
import { formatIp } from "../../wire/addr.ts";
import { protoLabel } from "../../wire/dissect.ts";
import type { Interface } from "../interface.ts";
import type { NatHost } from "./core.ts";
import { formatTuple, type Tuple } from "./rewrite.ts";
import { type Mapping, type NatProto, rowKeyOf } from "./table.ts";

/** What a translation did to the packet. */
export type RewriteAction = "snat" | "dnat" | "hairpin" | "icmp-error";

/** Source and destination of a datagram. */
interface Ends {
  src: Tuple;
  dst: Tuple;
}

/** One translation of packet `pkt` on `iface`. */
export class NatRewriteRecord extends LazyRecord {
  readonly node: string;
  readonly iface: string;
  readonly pkt: number;
  readonly proto: ProtoLabel;
  #action: RewriteAction;
  #natProto: NatProto;
  #before: Ends;
  #after: Ends;
  #mapping: string | undefined;
  #note: string | undefined;

  constructor(
    node: string,
    iface: string,
    pkt: number,
    proto: ProtoLabel,
    action: RewriteAction,
    natProto: NatProto,
    before: Ends,
    after: Ends,
    mapping: string | undefined,
    note: string | undefined,
  ) {
    super();
    this.node = node;
    this.iface = iface;
    this.pkt = pkt;
    this.proto = proto;
    this.#action = action;
    this.#natProto = natProto;
    this.#before = before;
    this.#after = after;
    this.#mapping = mapping;
    this.#note = note;
  }

  get kind(): "nat" {
    return "nat";
  }

  get summary(): string {
    const proto = this.#natProto;
    const before = this.#before;
    const after = this.#after;
    const f = (t: Tuple) => formatTuple(proto, t);
    // The remote end of an echo has no identifier of its own: show just its address.
    const peer = (t: Tuple) => proto === "icmp" ? formatIp(t.addr) : f(t);
    const action = this.#action;
    const summary = action === "snat"
      ? `SNAT ${f(before.src)} → ${f(after.src)} (to ${peer(before.dst)})`
      : action === "dnat"
      ? `DNAT ${f(before.dst)} → ${f(after.dst)} (from ${peer(before.src)})`
      : action === "hairpin"
      ? `hairpin ${f(before.src)} → ${f(before.dst)} becomes ${f(after.src)} → ${f(after.dst)}`
      : `ICMP error ${formatIp(before.src.addr)} → ${formatIp(before.dst.addr)} becomes ${
        formatIp(after.src.addr)
      } → ${formatIp(after.dst.addr)}`;
    return this.#note ? `${summary}, ${this.#note}` : summary;
  }

  get detail(): Record<string, unknown> {
    const proto = this.#natProto;
    const f = (t: Tuple) => formatTuple(proto, t);
    return {
      action: this.#action,
      proto,
      before: { src: f(this.#before.src), dst: f(this.#before.dst) },
      after: { src: f(this.#after.src), dst: f(this.#after.dst) },
      ...(this.#mapping !== undefined ? { mapping: this.#mapping } : {}),
    };
  }
}

/** Emits the record of one translation (`note` is appended to the summary). */
export function recordRewrite(
  host: NatHost,
  packet: Packet,
  iface: Interface,
  action: RewriteAction,
  proto: NatProto,
  before: Ends,
  after: Ends,
  m?: Mapping,
  note?: string,
): void {
  host.ctx.trace.emit(
    new NatRewriteRecord(
      host.name,
      iface.name,
      packet.id,
      protoLabel(packet.bytes),
      action,
      proto,
      before,
      after,
      m ? rowKeyOf(m) : undefined,
      note,
    ),
  );
}
