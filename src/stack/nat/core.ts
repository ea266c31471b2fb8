/**
 * What the NAT's parts share: the device it runs on, its settings, its table and port forwards, and the
 * address it shows outside. The dispatcher (engine.ts) owns them; the protocol modules (tcp.ts, the ESP
 * rules of passthrough.ts), the ICMP error translation and the fragment memory get them through this
 * narrow interface.
 */
import type { SimContext } from "../../engine/context.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Ip4 } from "../../wire/addr.ts";
import type { Packet } from "../../engine/packet.ts";
import type { Interface } from "../interface.ts";
import type { IpStack, Verdict } from "../ip.ts";
import type { NatSettings } from "./config.ts";
import type { Layout } from "./rewrite.ts";
import type { Mapping, NatTable } from "./table.ts";

/** What the engine needs from the device it runs on (kept narrow: the stack knows no devices). */
export interface NatHost {
  readonly name: string;
  readonly ip: IpStack;
  readonly ctx: SimContext;
  readonly rng: Prng;
  /** Whether the router itself has a TCP listener or connection on `port` (its own traffic). */
  tcpPortInUse?(port: number): boolean;
}

/** The state of one NAT that its parts read and update. */
export interface NatCore {
  readonly host: NatHost;
  readonly settings: NatSettings;
  readonly table: NatTable;
  /** Port forwards by inside endpoint (`proto|addr|port`), used for their outbound replies. */
  readonly statics: ReadonlyMap<string, Mapping>;
  /** The public address mappings use: the outside interface's address. */
  readonly externalAddress: Ip4;
}

/** A refusal, with the reason the trace shows. */
export const natDrop = (reason: string): Verdict => ({ action: "drop", reason });

/**
 * The translation of one IP protocol that has a module of its own (TCP, ESP; GRE can join them): what
 * to do with a datagram leaving by the outside interface and with one arriving on it for the outside
 * address. The dispatcher hands over only datagrams that carry the protocol's header.
 */
export interface NatProtocolModule {
  toOutside(nat: NatCore, packet: Packet, l: Layout, out: Interface): Verdict;
  fromOutside(nat: NatCore, packet: Packet, l: Layout, iface: Interface): Verdict;
}
