/**
 * The entry point devices use: `attachIkev2(device, settings)` gives a node an IKEv2 daemon (a road
 * warrior or a gateway). Idempotent per node, like `attachIpsec` and `attachWireguard`.
 */
import { type Ikev2Config, type Ikev2Settings, resolveIkev2Config } from "./config.ts";
import { Ikev2Daemon, type Ikev2Host } from "./daemon.ts";

const daemons = new WeakMap<Ikev2Host, Ikev2Daemon>();

/** Attaches IKEv2 once the node's interfaces and routes exist; undefined when `enabled: false`. */
export function attachIkev2(host: Ikev2Host, settings: Ikev2Settings | Ikev2Config): Ikev2Daemon | undefined {
  const existing = daemons.get(host);
  if (existing) return existing;
  const config = resolveIkev2Config(settings);
  if (!config.enabled) return undefined;
  const daemon = new Ikev2Daemon(host, config);
  daemon.install();
  daemons.set(host, daemon);
  return daemon;
}

/** The IKEv2 daemon attached to `host`, if any. */
export function ikev2Of(host: Ikev2Host): Ikev2Daemon | undefined {
  return daemons.get(host);
}
