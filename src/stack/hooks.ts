/**
 * The netfilter-like hook points of an IpStack and what a hook answers: the contract between the stack
 * and what plugs into it (NAT, IPsec, firewalls, MSS clamping), apart from the stack's own logic.
 */
import type { Packet } from "../engine/packet.ts";
import type { Ip4 } from "../wire/addr.ts";
import type { Ipv4Packet } from "../wire/ipv4.ts";
import type { Interface } from "./interface.ts";

/**
 * What a hook decides about a packet. `consumed` means the hook took ownership (e.g. a tunnel). An
 * `accept` marked `untouched` promises the hook changed no byte, so the stack keeps its decoded header
 * and the record of the frame the bytes arrived in instead of decoding and describing them again.
 */
export type Verdict =
  | { action: "accept"; untouched?: true }
  | { action: "drop"; reason: string }
  | { action: "consumed" };
/** Accepted, perhaps rewritten. */
export const ACCEPT: Verdict = { action: "accept" };
/** Accepted with every byte as it was (see `Verdict`). */
export const UNTOUCHED: Verdict = { action: "accept", untouched: true };

/**
 * Netfilter-like hook points, used by NAT and passthrough rules. Hooks may rewrite `packet.bytes`
 * in place (the stack owns its copy) and must leave every checksum valid.
 */
export interface IpHooks {
  /** Every received datagram, before the routing decision (DNAT, reply translation, filtering). */
  prerouting?(packet: Packet, ip: Ipv4Packet, iface: Interface): Verdict;
  /** Every datagram about to leave, after routing and before fragmentation (SNAT). */
  postrouting?(packet: Packet, ip: Ipv4Packet, out: Interface, nextHop: Ip4): Verdict;
  /** Every routed datagram being forwarded, knowing both interfaces (filtering, MSS clamping). */
  forward?(packet: Packet, ip: Ipv4Packet, inIface: Interface, out: Interface): Verdict;
}
