/**
 * The NAT router kind's device: a router whose outside interface hides the inside networks (NAPT).
 */
import type { SimContext } from "../engine/context.ts";
import { type RawNatConfig, resolveNatSettings } from "../stack/nat/config.ts";
import { NatEngine } from "../stack/nat/engine.ts";
import { Router } from "./host.ts";
import { tcpPortInUse } from "./tcp_host.ts";
import type { DeviceSpec, ParsedCommand } from "./spec.ts";

/** A NAT router's settings: the NAT keys plus which interfaces face inside and outside. */
export interface NatRouterSettings extends RawNatConfig {
  outside: string;
  /** Defaults to every interface but the outside one. */
  inside?: string[];
}

/** The interface roles of a NAT node: `outside` given, `inside` defaulting to every other interface. */
export function natInterfaces(spec: DeviceSpec, outside: string, inside: string[] | undefined) {
  return { inside: inside ?? spec.interfaces.map((i) => i.name).filter((name) => name !== outside), outside };
}

/**
 * A consumer or Linux NAT router: a router whose outside interface hides the inside networks behind one
 * address (NAPT), with the RFC 4787 behaviours, timeouts and passthrough rules of its settings.
 */
export class NatRouter extends Router {
  readonly nat: NatEngine;

  constructor(spec: DeviceSpec, ctx: SimContext, settings: NatRouterSettings) {
    super(spec, ctx);
    this.nat = new NatEngine(
      this,
      resolveNatSettings(settings),
      natInterfaces(spec, settings.outside, settings.inside),
    );
    this.ip.hooks = this.nat.hooks();
  }

  /** The router's own TCP (an iperf server on it, say) keeps its ports from the NAT. */
  tcpPortInUse(port: number): boolean {
    return tcpPortInUse(this, port);
  }

  override start(): void {
    super.start();
    this.nat.start();
  }

  override runCommand(command: ParsedCommand): void {
    if (command.name === "nat-flush") {
      this.log(`${this.name}: NAT table flushed (like a router reboot)`);
      return this.nat.flush("flushed by nat flush");
    }
    super.runCommand(command);
  }
}
