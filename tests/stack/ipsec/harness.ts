/**
 * Test harness: nodes whose spec carries `config.ipsec` get IPsec attached right after they are built,
 * as the device base class does once it calls `attachIpsec` (attaching twice is a no-op).
 */
import { deviceFactories } from "../../../src/devices/registry.ts";
import { attachIpsec, ipsecEngineOf } from "../../../src/stack/ipsec/attach.ts";
import type { IpsecSettings } from "../../../src/stack/ipsec/config.ts";
import type { IpsecEngine } from "../../../src/stack/ipsec/engine.ts";
import type { SimResult } from "../../../src/sim.ts";
import "../../../src/wire/esp.ts";

for (const [kind, factory] of Object.entries(deviceFactories)) {
  deviceFactories[kind] = (spec, ctx) => {
    const device = factory(spec, ctx);
    if (spec.config.ipsec) attachIpsec(device, spec.config.ipsec as IpsecSettings);
    return device;
  };
}

/** The IPsec engine of a node after a run. */
export function engineOf(result: SimResult, node: string): IpsecEngine {
  const device = result.network.devices.get(node);
  const engine = device && ipsecEngineOf(device);
  if (!engine) throw new Error(`${node} has no IPsec engine`);
  return engine;
}
