import type { SimContext } from "../engine/context.ts";
import type { Packet } from "../engine/packet.ts";
import { STUN_ALT_PORT, STUN_PORT } from "../wire/stun.ts";
import type { Interface } from "../stack/interface.ts";
import { type Ip4, parseIp } from "../wire/addr.ts";
import { startStunServer } from "./apps/stun.ts";
import type { PhysicalInterface } from "./device.ts";
import { Host } from "./host.ts";
import type { DeviceSpec } from "./spec.ts";

/** A STUN server's settings: its second address (else its second interface's) and its two ports. */
export interface StunServerSettings {
  "alternate-address"?: string;
  port?: number;
  "alternate-port"?: number;
}

/**
 * A second address on a physical interface (like `ip addr add` on Linux): the stack treats it as local,
 * and what it sends leaves through the interface it is stacked on. Frames for it arrive on that
 * interface only over a point-to-point link, where no address lookup picks the receiver.
 */
export class AliasInterface implements Interface {
  readonly name: string;
  prefixLength = 32;

  constructor(readonly base: PhysicalInterface, public ip: Ip4) {
    this.name = `${base.name}:1`;
  }

  get mtu(): number {
    return this.base.mtu;
  }

  get up(): boolean {
    return this.base.up;
  }

  output(packet: Packet, nextHop: Ip4): void {
    this.base.output(packet, nextHop);
  }
}

/**
 * A STUN server for NAT behaviour discovery: starts answering on ports 3478 and 3479 as the run
 * begins. Its second address is `alternate-address` (an alias on its first interface) or the address
 * of its second interface.
 */
export class StunServer extends Host {
  readonly primary: Ip4;
  readonly alternate?: Ip4;
  readonly settings: StunServerSettings;

  constructor(spec: DeviceSpec, ctx: SimContext, settings: StunServerSettings) {
    super(spec, ctx);
    this.settings = settings;
    const first = this.ip.interfaces[0];
    this.primary = first?.ip ?? 0;
    const aliasText = settings["alternate-address"];
    if (aliasText !== undefined && first) {
      this.alternate = parseIp(aliasText) ?? undefined;
      const base = this.physicalInterface(first.name);
      if (base && this.alternate !== undefined) {
        this.ip.addInterface(new AliasInterface(base, this.alternate));
      }
    } else if (this.ip.interfaces.length > 1) {
      this.alternate = this.ip.interfaces[1].ip;
    }
  }

  override start(): void {
    super.start();
    startStunServer(this, {
      primary: this.primary,
      alternate: this.alternate,
      port: this.settings.port ?? STUN_PORT,
      altPort: this.settings["alternate-port"] ?? STUN_ALT_PORT,
    });
  }
}
