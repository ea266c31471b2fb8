import type { SimContext } from "../engine/context.ts";
import type { NodeSpec, ParsedCommand } from "../topology/model.ts";
import { parseIp } from "../wire/addr.ts";
import { startPing } from "./apps/ping.ts";
import { startUdpEcho, startUdpSend } from "./apps/udp.ts";
import { Device } from "./device.ts";

/** An end host: does not forward, answers pings, runs the small tools the script starts. */
export class Host extends Device {
  constructor(spec: NodeSpec, ctx: SimContext) {
    super(spec, ctx, false);
  }

  override runCommand(command: ParsedCommand): void {
    const args = command.args as Record<string, never>;
    switch (command.name) {
      case "ping":
        return startPing(this, {
          dst: parseIp(args.dst)!,
          count: args.count ?? 4,
          interval: args.interval ?? 1_000_000,
          size: args.size ?? 56,
          ttl: args.ttl ?? 64,
          df: args.df ?? false,
        });
      case "udp-echo":
        return startUdpEcho(this, args.port);
      case "udp-send":
        return startUdpSend(this, {
          dst: parseIp(args.dst)!,
          port: args.port,
          from: args.from ?? 40000,
          count: args.count ?? 1,
          interval: args.interval ?? 1_000_000,
          size: args.size ?? 32,
          text: args.text,
        });
      default:
        return super.runCommand(command);
    }
  }
}

/** A plain IP router: static routes, longest-prefix match, TTL and ICMP errors. */
export class Router extends Host {
  constructor(spec: NodeSpec, ctx: SimContext) {
    super(spec, ctx);
    this.ip.forwarding = true;
  }
}
