/** The `nat` trace records: what a rewrite did, with the tuples before and after and the mapping used. */
import type { Packet } from "../../engine/packet.ts";
import { formatIp } from "../../wire/addr.ts";
import { protoLabel } from "../../wire/dissect.ts";
import type { Interface } from "../interface.ts";
import type { NatHost } from "./core.ts";
import { formatTuple, type Tuple } from "./rewrite.ts";
import { type Mapping, type NatProto, rowKey } from "./table.ts";

/** Emits the record of one translation (`note` is appended to the summary). */
export function recordRewrite(
  host: NatHost,
  packet: Packet,
  iface: Interface,
  action: "snat" | "dnat" | "hairpin" | "icmp-error",
  proto: NatProto,
  before: { src: Tuple; dst: Tuple },
  after: { src: Tuple; dst: Tuple },
  m?: Mapping,
  note?: string,
): void {
  const f = (t: Tuple) => formatTuple(proto, t);
  // The remote end of an echo has no identifier of its own: show just its address.
  const peer = (t: Tuple) => proto === "icmp" ? formatIp(t.addr) : f(t);
  const summary = action === "snat"
    ? `SNAT ${f(before.src)} → ${f(after.src)} (to ${peer(before.dst)})`
    : action === "dnat"
    ? `DNAT ${f(before.dst)} → ${f(after.dst)} (from ${peer(before.src)})`
    : action === "hairpin"
    ? `hairpin ${f(before.src)} → ${f(before.dst)} becomes ${f(after.src)} → ${f(after.dst)}`
    : `ICMP error ${formatIp(before.src.addr)} → ${formatIp(before.dst.addr)} becomes ${
      formatIp(after.src.addr)
    } → ${formatIp(after.dst.addr)}`;
  host.ctx.trace.emit({
    kind: "nat",
    node: host.name,
    iface: iface.name,
    pkt: packet.id,
    proto: protoLabel(packet.bytes),
    summary: note ? `${summary}, ${note}` : summary,
    detail: {
      action,
      proto,
      before: { src: f(before.src), dst: f(before.dst) },
      after: { src: f(after.src), dst: f(after.dst) },
      ...(m ? { mapping: rowKey(m) } : {}),
    },
  });
}
