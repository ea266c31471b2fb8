import type { SimContext } from "../engine/context.ts";
import type { NodeSpec } from "../topology/model.ts";
import type { Device } from "./device.ts";
import { Host, Router } from "./host.ts";
import { Isp } from "./isp.ts";
import { Lns } from "./lns.ts";
import { NatRouter } from "./nat-router.ts";
import { StunServer } from "./stun-server.ts";
import { Subscriber } from "./subscriber.ts";
import { Tap } from "./tap.ts";

export type DeviceFactory = (spec: NodeSpec, ctx: SimContext) => Device;

/** Node kind → constructor. Modules that add kinds (NAT routers, ISPs, LNS) add their rows here. */
export const deviceFactories: Record<string, DeviceFactory> = {
  host: (spec, ctx) => new Host(spec, ctx),
  router: (spec, ctx) => new Router(spec, ctx),
  "nat-router": (spec, ctx) => new NatRouter(spec, ctx),
  isp: (spec, ctx) => new Isp(spec, ctx),
  tap: (spec, ctx) => new Tap(spec, ctx),
  lns: (spec, ctx) => new Lns(spec, ctx),
  subscriber: (spec, ctx) => new Subscriber(spec, ctx),
  "stun-server": (spec, ctx) => new StunServer(spec, ctx),
};
