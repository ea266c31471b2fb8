/** Turns a validated topology into live devices (each made by its kind) and links. */
import type { SimContext } from "../engine/context.ts";
import { Link } from "../engine/link.ts";
import type { Device } from "../devices/device.ts";
import { getKind } from "../kinds/index.ts";
import type { TopologyModel } from "./model.ts";

/** The live objects a validated topology turns into. */
export interface Network {
  devices: Map<string, Device>;
  links: Map<string, Link>;
}

/** Builds devices and links; the model is already validated, so nothing here reports input errors. */
export function buildNetwork(model: TopologyModel, ctx: SimContext): Network {
  const devices = new Map<string, Device>();
  for (const spec of model.nodes) {
    const kind = getKind(spec.kind);
    if (!kind) throw new Error(`no device kind "${spec.kind}" (the validator should have caught this)`);
    devices.set(spec.name, kind.create(spec, ctx));
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
  for (const device of devices.values()) device.useLinks(links);
  return { devices, links };
}
