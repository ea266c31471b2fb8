import type { SimContext } from "../engine/context.ts";
import { type RawNatConfig, resolveNatSettings } from "../stack/nat/config.ts";
import { NatEngine } from "../stack/nat/engine.ts";
import type { NodeSpec, ParsedCommand } from "../topology/model.ts";
import { Router } from "./host.ts";

/** The interface roles of a NAT node: `outside` given, `inside` defaulting to every other interface. */
export function natInterfaces(spec: NodeSpec, outsideKey = "outside", insideKey = "inside") {
  const outside = String(spec.config[outsideKey] ?? spec.interfaces[spec.interfaces.length - 1]?.name ?? "");
  const inside = (spec.config[insideKey] as string[] | undefined) ??
    spec.interfaces.map((i) => i.name).filter((name) => name !== outside);
  return { inside, outside };
}

/**
 * A consumer or Linux NAT router: a router whose outside interface hides the inside networks behind one
 * address (NAPT), with the RFC 4787 behaviours, timeouts and passthrough rules of its settings.
 */
export class NatRouter extends Router {
  readonly nat: NatEngine;

  constructor(spec: NodeSpec, ctx: SimContext) {
    super(spec, ctx);
    this.nat = new NatEngine(this, resolveNatSettings(spec.config as RawNatConfig), natInterfaces(spec));
    this.ip.hooks = this.nat.hooks();
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
