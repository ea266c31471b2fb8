import type { SimContext } from "../engine/context.ts";
import type { NodeSpec } from "../topology/model.ts";
import type { Device } from "./device.ts";
import { Host, Router } from "./host.ts";
import { NatRouter } from "./nat-router.ts";

export type DeviceFactory = (spec: NodeSpec, ctx: SimContext) => Device;

/** Node kind → constructor. Modules that add kinds (NAT routers, ISPs, LNS) add their rows here. */
export const deviceFactories: Record<string, DeviceFactory> = {
  host: (spec, ctx) => new Host(spec, ctx),
  router: (spec, ctx) => new Router(spec, ctx),
  "nat-router": (spec, ctx) => new NatRouter(spec, ctx),
};
