/**
 * The `wireguard:` key that `host` and `router` nodes may carry, shaped like a wg-quick file. Keys
 * are base64 as `wg genkey` / `wg pubkey` print them. The loader leaves a complete `WireguardConfig`
 * in `node.config.wireguard`; the kind attaches it to the device it built with `withWireguard`.
 *
 * ```yaml
 * wireguard:
 *   private-key: "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
 *   address: 10.99.0.2/24
 *   listen-port: 51820               # default
 *   peers:
 *     - name: office
 *       public-key: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
 *       endpoint: 203.0.113.10:51820
 *       allowed-ips: [10.99.0.0/24, 10.10.0.0/24]
 *       persistent-keepalive: 25s    # or off
 * ```
 */
import { fromBase64 } from "../crypto/index.ts";
import { SECOND } from "../engine/time.ts";
import {
  type Prefix,
  resolveWireguardConfig,
  type WireguardConfig,
  type WireguardSettings,
} from "../stack/wireguard/config.ts";
import { parseIp } from "../wire/addr.ts";
import type { Device } from "../devices/device.ts";
import { attachWireguard } from "../stack/wireguard/attach.ts";
import { optional } from "./kind.ts";
import {
  bool,
  describe,
  durationOrOff,
  int,
  interfaceAddress,
  list,
  obj,
  prefix as prefixSchema,
  type Schema,
  str,
} from "../topology/schema.ts";

/** A 32-byte key in base64 (44 characters ending in `=`). */
const key: Schema<Uint8Array> = (v, ctx) => {
  const text = str({ hint: "a base64 key like the output of wg genkey" })(v, ctx);
  if (text === undefined) return undefined;
  const bytes = fromBase64(text.trim());
  if (!bytes || bytes.length !== 32) {
    ctx.error(v.pos, `${v.label}: "${text}" is not a WireGuard key (32 bytes in base64, 44 characters)`);
    return undefined;
  }
  return bytes;
};

/** `203.0.113.10:51820`. */
const endpoint: Schema<{ ip: number; port: number }> = (v, ctx) => {
  const text = str({ hint: "an address and port like 203.0.113.10:51820" })(v, ctx);
  if (text === undefined) return undefined;
  const match = /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(text.trim());
  const ip = match ? parseIp(match[1]) : null;
  const port = match ? Number(match[2]) : 0;
  if (!match || ip === null || port < 1 || port > 65535) {
    ctx.error(v.pos, `${v.label}: "${text}" is not an endpoint (write it like 203.0.113.10:51820)`);
    return undefined;
  }
  return { ip, port };
};

const keepalive = durationOrOff(SECOND);
const prefix: Schema<Prefix> = prefixSchema();

const peer = obj({
  name: str({ nonEmpty: true }),
  "public-key": key,
  "preshared-key": key,
  endpoint,
  "allowed-ips": list(prefix),
  "persistent-keepalive": keepalive,
}, { required: ["public-key", "allowed-ips"] });

const block = obj({
  enabled: bool(),
  "private-key": key,
  address: interfaceAddress(),
  "listen-port": int(1, 65535),
  mtu: int(576, 9000),
  "under-load": int(0, 1_000_000),
  peers: list(peer, { min: 1 }),
}, { required: ["private-key", "address", "peers"] });

/** Reads the `wireguard:` block into a complete configuration (defaults filled in). */
export const wireguardSchema: Schema<WireguardConfig> = (v, ctx) => {
  if (v.node === null) {
    ctx.error(
      v.pos,
      `wireguard: expected a map like {private-key: ..., address: ..., peers: [...]}, got ${
        describe(v.node)
      }`,
    );
    return undefined;
  }
  const raw = block(v, ctx);
  if (!raw) return undefined;
  const settings: WireguardSettings = {
    privateKey: raw["private-key"]!,
    address: raw.address!.ip,
    prefixLength: raw.address!.prefixLength,
    peers: raw.peers!.map((p) => ({
      ...(p.name !== undefined ? { name: p.name } : {}),
      publicKey: p["public-key"]!,
      ...(p["preshared-key"] ? { presharedKey: p["preshared-key"] } : {}),
      ...(p.endpoint ? { endpoint: p.endpoint } : {}),
      allowedIps: p["allowed-ips"]!,
      persistentKeepalive: p["persistent-keepalive"] ?? 0,
    })),
  };
  if (raw.enabled !== undefined) settings.enabled = raw.enabled;
  if (raw["listen-port"] !== undefined) settings.listenPort = raw["listen-port"];
  if (raw.mtu !== undefined) settings.mtu = raw.mtu;
  if (raw["under-load"] !== undefined) settings.underLoad = raw["under-load"];
  return resolveWireguardConfig(settings);
};

/** The `wireguard` key of the kinds that can have a WireGuard interface. */
export const wireguardKey = { wireguard: optional(wireguardSchema) };

/** Gives `device` the WireGuard interface of its settings, if any, once the device is complete. */
export function withWireguard<D extends Device>(device: D, wireguard: WireguardConfig | undefined): D {
  if (wireguard) attachWireguard(device, wireguard);
  return device;
}
