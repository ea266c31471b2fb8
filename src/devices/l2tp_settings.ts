/**
 * Turns the L2TP settings of a topology node (typed by their kinds in src/kinds/) into
 * the typed configuration of the L2TP and PPP stacks, filling in the defaults xl2tpd and pppd use.
 */
import type { Micros } from "../engine/time.ts";
import { DEFAULT_TIMERS, type L2tpTimers, type TunnelSecurity } from "../stack/l2tp/config.ts";
import type { EndpointConfig } from "../stack/l2tp/endpoint.ts";
import { L2TP_PORT } from "../wire/l2tp.ts";

/** The `l2tp:` block of a node or profile, as the loader left it. */
export interface RawL2tp {
  hello?: Micros;
  retransmit?: Micros;
  "retransmit-cap"?: Micros;
  retries?: number;
  window?: number;
  "ack-delay"?: Micros;
}

/** The tunnel-related keys shared by `lns`, `vpn` profiles and the `lac` block. */
export interface RawTunnelSettings {
  hostname?: string;
  secret?: string;
  challenge?: boolean;
  "hide-avps"?: boolean;
  l2tp?: RawL2tp;
}

/** MRU both ends ask for over L2TP (what xl2tpd/pppd sample configurations use). */
export const L2TP_MRU = 1400;

/** Connect speed reported in ICCN: xl2tpd's default of 10 Mbit/s. */
const CONNECT_SPEED = 10_000_000;

export function resolveTimers(raw: RawL2tp | undefined): L2tpTimers {
  return {
    retransmit: raw?.retransmit ?? DEFAULT_TIMERS.retransmit,
    retransmitCap: raw?.["retransmit-cap"] ?? DEFAULT_TIMERS.retransmitCap,
    maxRetries: raw?.retries ?? DEFAULT_TIMERS.maxRetries,
    hello: raw?.hello ?? DEFAULT_TIMERS.hello,
    ackDelay: raw?.["ack-delay"] ?? DEFAULT_TIMERS.ackDelay,
    receiveWindow: raw?.window ?? DEFAULT_TIMERS.receiveWindow,
  };
}

/**
 * Security: a node with a secret challenges its peer when it is the LNS (otherwise the secret would
 * protect nothing), and when it is a LAC only if asked (`challenge: true`), like xl2tpd's default.
 */
export function resolveSecurity(raw: RawTunnelSettings, challengeByDefault: boolean): TunnelSecurity {
  const security: TunnelSecurity = {
    challenge: raw.secret !== undefined && (raw.challenge ?? challengeByDefault),
    hideAvps: raw["hide-avps"] ?? false,
  };
  if (raw.secret !== undefined) security.secret = raw.secret;
  return security;
}

/** An endpoint configuration with the common defaults. */
export function endpointConfig(
  nodeName: string,
  raw: RawTunnelSettings,
  role: { lns: boolean; port?: number },
): EndpointConfig {
  return {
    hostname: raw.hostname ?? nodeName,
    port: role.port ?? L2TP_PORT,
    timers: resolveTimers(raw.l2tp),
    security: resolveSecurity(raw, role.lns),
    acceptTunnels: role.lns,
    tieBreaker: false,
    connectSpeed: CONNECT_SPEED,
  };
}

/**
 * The pppd keys every PPP end may set (servers, dial-up subscribers, client profiles), as the
 * kinds' `pppKeys` read them.
 */
export interface PppKeys {
  mru?: number;
  /** pppd's `mtu`: the largest frame sent into the link (bounded by the peer's MRU). */
  mtu?: number;
  "lcp-echo-interval"?: Micros;
  "lcp-echo-failure"?: number;
}

/** pppd's lcp-echo settings from a node's keys (seconds in, microseconds out). */
export function echoSettings(raw: PppKeys) {
  return {
    echoInterval: raw["lcp-echo-interval"] ?? 0,
    echoFailures: raw["lcp-echo-failure"] ?? 0,
  };
}
