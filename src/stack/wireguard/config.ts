/**
 * A node's WireGuard settings (the `wireguard:` YAML key), shaped like a wg-quick file: the
 * interface's private key, address, listen port and MTU, and its peers with public key, optional
 * pre-shared key, endpoint, allowed IPs and persistent keepalive. Keys are 32 raw bytes here; the
 * YAML reader turns the base64 that `wg genkey` prints into them. The protocol's timer constants
 * (WireGuard paper §6.1) sit here too, so a reader finds every number in one place.
 */
import { type Micros, MS, SECOND } from "../../engine/time.ts";
import type { Ip4 } from "../../wire/addr.ts";
import { WG_PORT } from "../../wire/wireguard.ts";

/** After this long a keypair's initiator starts a new handshake before sending. */
export const REKEY_AFTER_TIME: Micros = 120 * SECOND;
/** No keypair is used, to send or to receive, once it is this old. */
export const REJECT_AFTER_TIME: Micros = 180 * SECOND;
/** A handshake initiation that got no response is retried after this (plus up to 333 ms jitter). */
export const REKEY_TIMEOUT: Micros = 5 * SECOND;
/** Jitter added to each retry, so two peers do not retry in lock-step. */
export const REKEY_TIMEOUT_JITTER: Micros = 333 * MS;
/** Retries stop after this long; queued packets are then dropped. */
export const REKEY_ATTEMPT_TIME: Micros = 90 * SECOND;
/** A peer that received data and has sent nothing for this long sends an empty keepalive. */
export const KEEPALIVE_TIMEOUT: Micros = 10 * SECOND;
/** Counter limits: rekey after 2^60 messages, refuse after 2^64 − 2^13 − 1 (paper §6.1). */
export const REKEY_AFTER_MESSAGES = 1n << 60n;
export const REJECT_AFTER_MESSAGES = (1n << 64n) - (1n << 13n) - 1n;
/** How long a cookie from a cookie reply may be used for mac2, and how often the cookie secret changes. */
export const COOKIE_LIFETIME: Micros = 120 * SECOND;

/** An address block, as in `AllowedIPs = 10.99.0.0/24`. */
export interface Prefix {
  network: Ip4;
  prefixLength: number;
}

/** One `[Peer]` section. */
export interface WireguardPeerConfig {
  /** A label for logs and tables (WireGuard itself knows peers only by key). */
  name?: string;
  publicKey: Uint8Array;
  /** 32 zero bytes when none is configured, exactly as WireGuard mixes it. */
  presharedKey: Uint8Array;
  endpoint?: { ip: Ip4; port: number };
  allowedIps: Prefix[];
  /** 0 for off. */
  persistentKeepalive: Micros;
}

/** The whole `[Interface]` plus its peers. */
export interface WireguardConfig {
  /** False keeps the settings but brings no interface up (the view's on/off toggle). */
  enabled: boolean;
  interfaceName: string;
  privateKey: Uint8Array;
  address: Ip4;
  prefixLength: number;
  listenPort: number;
  mtu: number;
  /**
   * Handshake messages per second above which the responder is "under load" and answers an
   * initiation without a valid mac2 with a cookie reply instead of doing the Diffie-Hellman work;
   * 0 means always under load (to show cookies in a lesson).
   */
  underLoad: number;
  peers: WireguardPeerConfig[];
}

/** Settings as written: key, address and peers required, the rest defaulted. */
export type WireguardSettings =
  & Pick<WireguardConfig, "privateKey" | "address" | "prefixLength">
  & Partial<Omit<WireguardConfig, "privateKey" | "address" | "prefixLength" | "peers">>
  & { peers: (Pick<WireguardPeerConfig, "publicKey"> & Partial<WireguardPeerConfig>)[] };

/** wg-quick's MTU: 1500 minus 80 bytes, room for an IPv6 outer header (40) + UDP (8) + WireGuard (32). */
export const WG_DEFAULT_MTU = 1420;

/** Fills in defaults. */
export function resolveWireguardConfig(settings: WireguardSettings | WireguardConfig): WireguardConfig {
  return {
    enabled: settings.enabled ?? true,
    interfaceName: settings.interfaceName ?? "wg0",
    privateKey: settings.privateKey,
    address: settings.address,
    prefixLength: settings.prefixLength,
    listenPort: settings.listenPort ?? WG_PORT,
    mtu: settings.mtu ?? WG_DEFAULT_MTU,
    underLoad: settings.underLoad ?? 100,
    peers: settings.peers.map((peer) => ({
      ...(peer.name !== undefined ? { name: peer.name } : {}),
      publicKey: peer.publicKey,
      presharedKey: peer.presharedKey ?? new Uint8Array(32),
      ...(peer.endpoint ? { endpoint: peer.endpoint } : {}),
      allowedIps: peer.allowedIps ?? [],
      persistentKeepalive: peer.persistentKeepalive ?? 0,
    })),
  };
}
