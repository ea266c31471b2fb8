import type { Packet } from "../engine/packet.ts";
import type { Ip4 } from "../wire/addr.ts";

/**
 * An IP interface as the IP layer sees it. A physical interface hands datagrams to a link; a
 * virtual one (ppp0) hands them to a tunnel, which wraps them and sends the result through the same
 * IP layer: the routing table decides which, exactly as on a real host.
 */
export interface Interface {
  readonly name: string;
  /** Fixed for the interface's life: the IP layer indexes local addresses by it. */
  readonly ip: Ip4;
  prefixLength: number;
  mtu: number;
  readonly up: boolean;
  /** For point-to-point interfaces (ppp0): the peer's address, reachable without a subnet. */
  peer?: Ip4;
  /** Sends `packet` (already routed and small enough) towards `nextHop`. */
  output(packet: Packet, nextHop: Ip4): void;
}
