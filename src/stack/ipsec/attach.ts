/**
 * The one entry point devices use: `attachIpsec(device, settings)` gives a node IPsec (policy, SAs,
 * IKE daemon) on top of its IP stack. Idempotent per node, so a test harness and the device base
 * class may both call it.
 */
import { type IpsecConfig, type IpsecSettings, resolveIpsecConfig } from "./config.ts";
import { type IpsecHost, IpsecLayer } from "./ipsec_layer.ts";

const layers = new WeakMap<IpsecHost, IpsecLayer>();

/**
 * Attaches IPsec to `host` (a Device: name, ip, ctx, rng). Returns the layer, or undefined when the
 * settings say `enabled: false`. Call it once the node's interfaces exist; hooks already installed
 * on the stack (NAT) keep working, after ESP on the way out and before it on the way in.
 */
export function attachIpsec(host: IpsecHost, settings: IpsecSettings | IpsecConfig): IpsecLayer | undefined {
  const existing = layers.get(host);
  if (existing) return existing;
  const config = resolveIpsecConfig(settings);
  if (!config.enabled) return undefined;
  const layer = new IpsecLayer(host, config);
  layer.install();
  layers.set(host, layer);
  return layer;
}

/** The IPsec layer attached to `host`, if any. */
export function ipsecLayerOf(host: IpsecHost): IpsecLayer | undefined {
  return layers.get(host);
}
