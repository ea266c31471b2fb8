import type { SimContext } from "../engine/context.ts";
import { Link } from "../engine/link.ts";
import type { Device } from "../devices/device.ts";
import { deviceFactories } from "../devices/registry.ts";
import type { TopologyModel } from "./model.ts";
import { attachIpsec } from "../stack/ipsec/attach.ts";
import type { IpsecConfig } from "../stack/ipsec/config.ts";
import { attachWireguard } from "../stack/wireguard/attach.ts";
import type { WireguardConfig } from "../stack/wireguard/config.ts";

/** The live objects a validated topology turns into. */
export interface Network {
  devices: Map<string, Device>;
  links: Map<string, Link>;
}

/** Builds devices and links; the model is already validated, so nothing here reports input errors. */
export function buildNetwork(model: TopologyModel, ctx: SimContext): Network {
  const devices = new Map<string, Device>();
  for (const spec of model.nodes) {
    const factory = deviceFactories[spec.kind];
    if (!factory) throw new Error(`no device kind "${spec.kind}" (the validator should have caught this)`);
    const device = factory(spec, ctx);
    // IPsec sits under whatever the kind built (its hooks wrap the kind's), so it is attached last.
    const ipsec = spec.config.ipsec as IpsecConfig | undefined;
    if (ipsec) attachIpsec(device, ipsec);
    const wireguard = spec.config.wireguard as WireguardConfig | undefined;
    if (wireguard) attachWireguard(device, wireguard);
    devices.set(spec.name, device);
  }
  const links = new Map<string, Link>();
  for (const spec of model.links) {
    const link = new Link({ ...spec }, ctx);
    for (const endpoint of spec.endpoints) {
      const iface = devices.get(endpoint.node)?.physicalInterface(endpoint.iface);
      if (!iface) throw new Error(`link ${spec.name}: no interface ${endpoint.node}:${endpoint.iface}`);
      iface.link = link;
      link.attach(iface);
    }
    links.set(spec.name, link);
  }
  return { devices, links };
}
