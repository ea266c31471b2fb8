/**
 * The entry point devices use: `attachWireguard(device, settings)` gives a node a WireGuard
 * interface. Idempotent per node, like `attachIpsec`.
 */
import { resolveWireguardConfig, type WireguardConfig, type WireguardSettings } from "./config.ts";
import { WireguardDevice, type WireguardHost } from "./device.ts";

const devices = new WeakMap<WireguardHost, WireguardDevice>();

/**
 * Attaches WireGuard to `host` once its physical interfaces and routes exist; undefined when the
 * settings say `enabled: false`.
 */
export function attachWireguard(
  host: WireguardHost,
  settings: WireguardSettings | WireguardConfig,
): WireguardDevice | undefined {
  const existing = devices.get(host);
  if (existing) return existing;
  const config = resolveWireguardConfig(settings);
  if (!config.enabled) return undefined;
  const device = new WireguardDevice(host, config);
  device.install();
  devices.set(host, device);
  return device;
}

/** The WireGuard interface attached to `host`, if any. */
export function wireguardOf(host: WireguardHost): WireguardDevice | undefined {
  return devices.get(host);
}
