/**
 * The one entry point devices use: `attachIpsec(device, settings)` gives a node IPsec (policy, SAs,
 * IKE daemon) on top of its IP stack. Idempotent per node, so a test harness and the device base
 * class may both call it.
 */
import { type IpsecConfig, type IpsecSettings, resolveIpsecConfig } from "./config.ts";
import { IpsecEngine, type IpsecHost } from "./engine.ts";

const engines = new WeakMap<IpsecHost, IpsecEngine>();

/**
 * Attaches IPsec to `host` (a Device: name, ip, ctx, rng). Returns the engine, or undefined when the
 * settings say `enabled: false`. Call it once the node's interfaces exist; hooks already installed
 * on the stack (NAT) keep working, after ESP on the way out and before it on the way in.
 */
export function attachIpsec(host: IpsecHost, settings: IpsecSettings | IpsecConfig): IpsecEngine | undefined {
  const existing = engines.get(host);
  if (existing) return existing;
  const config = resolveIpsecConfig(settings);
  if (!config.enabled) return undefined;
  const engine = new IpsecEngine(host, config);
  engine.install();
  engines.set(host, engine);
  return engine;
}

/** The engine attached to `host`, if any. */
export function ipsecEngineOf(host: IpsecHost): IpsecEngine | undefined {
  return engines.get(host);
}
