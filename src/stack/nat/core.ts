/**
 * What the NAT's parts share: the device it runs on, its settings, its table and port forwards, and the
 * address it shows outside. The dispatcher (engine.ts) owns them; the passthrough rules, the ICMP error
 * translation and the fragment memory get them through this narrow interface.
 */
import type { SimContext } from "../../engine/context.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Ip4 } from "../../wire/addr.ts";
import type { IpStack, Verdict } from "../ip.ts";
import type { NatSettings } from "./config.ts";
import type { Mapping, NatTable } from "./table.ts";

/** What the engine needs from the device it runs on (kept narrow: the stack knows no devices). */
export interface NatHost {
  readonly name: string;
  readonly ip: IpStack;
  readonly ctx: SimContext;
  readonly rng: Prng;
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
