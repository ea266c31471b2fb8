/**
 * What the exchanges (handshake.ts, child_exchange.ts, informational.ts) need from the daemon on
 * their node, beyond sending: SPIs, the address pool, installing and removing CHILD_SAs, and the
 * moments an IKE SA comes up. Narrow, so the exchanges can be read without the daemon.
 */
import type { Ip4 } from "../../wire/addr.ts";
import type { TrafficSelector } from "../../wire/ikev2.ts";
import type { EspProposal } from "../ipsec/config.ts";
import type { Ikev2Sa, SaHost } from "./ike_sa.ts";
import type { Child } from "./tunnel.ts";

/** Everything a new CHILD_SA pair is made of. */
export interface ChildParams {
  proposal: EspProposal;
  spiIn: number;
  spiOut: number;
  /** KEYMAT halves: what we send with and what we receive with. */
  outKeys: Uint8Array;
  inKeys: Uint8Array;
  local: TrafficSelector[];
  remote: TrafficSelector[];
}

export interface ExchangeHost extends SaHost {
  /** A fresh inbound ESP SPI, unique on this node. */
  allocateSpi(): number;
  /** A fresh 8-byte IKE SPI. */
  ikeSpi(): Uint8Array;
  /** An address of the pool for the client of `sa`, or null when the pool is used up. */
  leaseAddress(sa: Ikev2Sa): Ip4 | null;
  /** Installs a pair owned by `sa`; `replaces` is the pair a rekey supersedes. */
  installChild(sa: Ikev2Sa, params: ChildParams, replaces?: Child): Child;
  /** Removes a pair (DELETE, expiry). */
  removeChild(child: Child, reason: string): void;
  /** The IKE SA finished IKE_AUTH (or replaced an old one by rekeying). */
  ikeEstablished(sa: Ikev2Sa, rekeyOf?: Ikev2Sa): void;
  /** Adds a new SA to the daemon's table (rekeying creates one). */
  adopt(sa: Ikev2Sa): void;
}
