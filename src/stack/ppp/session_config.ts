/**
 * The shapes a PPP session shares with its owner: what the host gives it, how one end is configured,
 * and what it reports. Apart from the session so owners (devices, the LAC handoff) depend on these,
 * not on the automaton behind them.
 */
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import type { Tracer } from "../../trace/tracer.ts";
import type { AuthRecord } from "./auth.ts";
import { DEFAULT_TIMERS, type FsmTimers } from "./automaton.ts";

/** What a PPP session gets from its owner (an L2TP session, a host's ppp0). */
export interface PppHost {
  sched: Scheduler;
  rng: Prng;
  trace: Tracer;
  node: string;
  /** Names the session in logs and the `ppp` table: "ppp0", "session 3". */
  label: string;
}

/** How one end of the link behaves. */
export interface PppConfig {
  role: "client" | "server";
  /** Default 1500; the client usually asks 1400 over L2TP/IPsec. */
  mru?: number;
  /**
   * The largest frame we send (pppd's `mtu`): the interface MTU becomes the smaller of this and the
   * peer's MRU. Absent: the smaller of both MRUs.
   */
  mtu?: number;
  /** Server: what it demands (default "chap"); client: what it accepts (default: CHAP-MD5 or PAP). */
  auth?: "chap" | "pap" | "mschapv2" | "none";
  /** Require MPPE (128-bit, stateless) through CCP, keyed by MS-CHAPv2, as PPTP links do. */
  mppe?: boolean;
  username?: string;
  password?: string;
  /** Server: name -> secret/password. */
  users?: Record<string, string>;
  /** Server's own IPCP address (e.g. 10.8.0.1). */
  localAddress?: string;
  /** Server: an address from the LNS pool; undefined = exhausted. */
  allocateAddress?: (user: string) => string | undefined;
  releaseAddress?: (address: string) => void;
  /** Server: primary/secondary DNS offered (RFC 1877). */
  dns?: string[];
  /** LCP Echo-Request period (pppd lcp-echo-interval); 0 or absent = no keepalive. */
  echoInterval?: Micros;
  /** Unanswered echoes before the link is declared dead (pppd lcp-echo-failure); 0 = never. */
  echoFailures?: number;
  restartTimer?: Micros;
  maxConfigure?: number;
  maxTerminate?: number;
  maxFailure?: number;
  /** Name in our CHAP Challenges (server); default: the node name. */
  name?: string;
  /** Magic-Number collisions before declaring the link looped back (pppd default 10). */
  maxLoopback?: number;
  /**
   * LAC side of compulsory tunnelling (RFC 2661 §4.4.5): run LCP and collect the peer's
   * authentication response without verifying it, then call `onHandoff` and go quiet.
   */
  handoff?: boolean;
}

/** RFC 1661 §3.2 phases ("open" = IPCP is up and IPv4 flows). */
export type PppPhase = "dead" | "establish" | "authenticate" | "network" | "open" | "terminate";

/** What `onUp` reports once IPCP is open. */
export interface PppUpInfo {
  localAddress: string;
  peerAddress: string;
  dns: string[];
  user?: string;
  /** What the ppp0 interface should use as its MTU: our `mtu` (or MRU) bounded by the peer's MRU. */
  mru: number;
}

/** LCP Configure-Request option lists as the proxy LCP AVPs 26–28 carry them (options only). */
export interface LcpRecord {
  initialReceivedConfReq?: Uint8Array;
  lastSentConfReq?: Uint8Array;
  lastReceivedConfReq?: Uint8Array;
}

/** What an LNS receives from a LAC to take a call over (proxy LCP and proxy authentication). */
export interface ProxyStart {
  lastSentConfReq: Uint8Array;
  lastReceivedConfReq: Uint8Array;
  initialReceivedConfReq?: Uint8Array;
  auth?: AuthRecord;
}

/** The restart timer and counters of `config`, RFC 1661's defaults where it says nothing. */
export function timersOf(config: PppConfig): FsmTimers {
  return {
    restartTimer: config.restartTimer ?? DEFAULT_TIMERS.restartTimer,
    maxConfigure: config.maxConfigure ?? DEFAULT_TIMERS.maxConfigure,
    maxTerminate: config.maxTerminate ?? DEFAULT_TIMERS.maxTerminate,
    maxFailure: config.maxFailure ?? DEFAULT_TIMERS.maxFailure,
  };
}
