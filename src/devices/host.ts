/**
 * The end host and the plain router: an IP stack, the small tools a script starts (ping, UDP, STUN,
 * nat-check, the TCP tools) and, on a host with `vpn` profiles, the voluntary L2TP client.
 */
import type { SimContext } from "../engine/context.ts";
import { parseIp } from "../wire/addr.ts";
import { startPing } from "./apps/ping.ts";
import { startNatCheck, startStunServer } from "./apps/stun.ts";
import { TCP_NODE_COMMANDS } from "./apps/tcp_tools.ts";
import { startUdpEcho, startUdpSend } from "./apps/udp.ts";
import { Device } from "./device.ts";
import type { DeviceSpec, ParsedCommand } from "./spec.ts";
import { VpnClient, type VpnProfile } from "./vpn_client.ts";
import { PptpClient, type PptpProfile } from "./pptp_client.ts";

/** A host's own settings: its VPN profiles by name. */
export interface HostSettings {
  vpn?: Record<string, VpnProfile>;
  pptp?: Record<string, PptpProfile>;
}

/** An end host: does not forward, answers pings, runs the small tools the script starts. */
export class Host extends Device {
  /** The voluntary L2TP client of `vpn connect NAME` (no profiles: every connect is refused). */
  readonly vpn: VpnClient;
  /** The PPTP client of `pptp connect NAME`. */
  readonly pptp: PptpClient;

  constructor(spec: DeviceSpec, ctx: SimContext, settings: HostSettings = {}) {
    super(spec, ctx, false);
    this.vpn = new VpnClient(this, settings.vpn ?? {});
    this.pptp = new PptpClient(this, settings.pptp ?? {});
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
      case "nat-check":
        return startNatCheck(this, {
          server: parseIp(args.server)!,
          port: args.port,
          rto: args.rto,
          tries: args.tries,
        });
      case "stun-server":
        return this.#stunServer(args.port, args["alternate-port"]);
      case "vpn-connect":
        return this.vpn.connect(String(args.name));
      case "vpn-disconnect":
        return this.vpn.disconnect(String(args.name));
      case "pptp-connect":
        return this.pptp.connect(String(args.name));
      case "pptp-disconnect":
        return this.pptp.disconnect(String(args.name));
      default: {
        const tcpTool = TCP_NODE_COMMANDS[command.name];
        if (tcpTool) return tcpTool(this, command);
        return super.runCommand(command);
      }
    }
  }

  #stunServer(port: number, altPort: number): void {
    const [first, second] = this.ip.interfaces;
    if (!first) return this.log("stun-server: no interface to listen on");
    startStunServer(this, { primary: first.ip, alternate: second?.ip, port, altPort });
  }
}

/** A plain IP router: static routes, longest-prefix match, TTL and ICMP errors. */
export class Router extends Host {
  constructor(spec: DeviceSpec, ctx: SimContext) {
    super(spec, ctx);
    this.ip.forwarding = true;
  }
}
