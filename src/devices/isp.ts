/**
 * An ISP's access router: subscriber-facing interfaces, one upstream, optionally a carrier-grade NAT
 * between them (the same NAT engine as a home router, with the `carrier-grade` preset by default), and
 * an extension point for services that sit on the subscriber side, such as the L2TP access
 * concentrator (LAC) of compulsory tunnelling.
 *
 * ## Extension point (for the LAC)
 * A module registers a factory under a config key with `registerIspExtension("lac", factory)` and the
 * matching YAML key with `registerIspKey` (src/topology/kinds_nat.ts). For every `isp` node whose
 * config has that key, the factory is called with the node and the key's value and returns an
 * `IspExtension`. Its hooks run before the CGNAT's, in registration order:
 * - `prerouting` sees every datagram the ISP receives (from subscribers and upstream) before routing;
 *   returning `{action: "consumed"}` takes it (e.g. a subscriber's PPP to tunnel), `drop` drops it with
 *   a reason, `undefined` or `accept` lets the next hook and then routing have it;
 * - `postrouting` sees every datagram about to leave, before the CGNAT translates it;
 * - `start` runs when the simulation starts; `runCommand` gets script commands aimed at the ISP first.
 * The extension sends with `isp.ip` (the ISP's own address on `isp.upstreamInterface` is the LAC's
 * address towards the LNS; the CGNAT leaves the router's own traffic untouched).
 */
import type { SimContext } from "../engine/context.ts";
import type { Packet } from "../engine/packet.ts";
import { type RawNatConfig, resolveNatSettings } from "../stack/nat/config.ts";
import { NatEngine } from "../stack/nat/engine.ts";
import type { Interface } from "../stack/interface.ts";
import { ACCEPT, type Verdict } from "../stack/ip.ts";
import type { NodeSpec, ParsedCommand } from "../topology/model.ts";
import { formatIp, type Ip4 } from "../wire/addr.ts";
import type { Ipv4Packet } from "../wire/ipv4.ts";
import { Router } from "./host.ts";

/** A service plugged into an ISP router (see the module comment). */
export interface IspExtension {
  start?(): void;
  prerouting?(packet: Packet, ip: Ipv4Packet, iface: Interface): Verdict | undefined;
  postrouting?(packet: Packet, ip: Ipv4Packet, out: Interface, nextHop: Ip4): Verdict | undefined;
  /** Returns true when it handled the command. */
  runCommand?(command: ParsedCommand): boolean;
}

/** Builds an extension for one ISP node from the value of its config key. */
export type IspExtensionFactory = (isp: Isp, value: unknown) => IspExtension;

const factories = new Map<string, IspExtensionFactory>();

/** Makes `isp` nodes with config key `key` run the extension `factory` builds. */
export function registerIspExtension(key: string, factory: IspExtensionFactory): void {
  factories.set(key, factory);
}

/** An ISP access router with optional CGNAT and pluggable subscriber-side services. */
export class Isp extends Router {
  readonly subscribers: string[];
  readonly upstream: string;
  readonly cgnat?: NatEngine;
  readonly extensions: IspExtension[] = [];

  constructor(spec: NodeSpec, ctx: SimContext) {
    super(spec, ctx);
    this.upstream = String(spec.config.upstream ?? spec.interfaces[0]?.name ?? "");
    this.subscribers = (spec.config.subscribers as string[] | undefined) ??
      spec.interfaces.map((i) => i.name).filter((n) => n !== this.upstream);
    const cgnat = spec.config.cgnat as (RawNatConfig & { inside?: string[] }) | boolean | undefined;
    if (cgnat) {
      const raw = cgnat === true ? {} : cgnat;
      this.cgnat = new NatEngine(this, resolveNatSettings(raw, "carrier-grade"), {
        inside: raw.inside ?? this.subscribers,
        outside: this.upstream,
      });
    }
    for (const [key, factory] of factories) {
      if (spec.config[key] !== undefined) this.extensions.push(factory(this, spec.config[key]));
    }
    this.ip.hooks = {
      prerouting: (packet, ip, iface) => {
        for (const ext of this.extensions) {
          const v = ext.prerouting?.(packet, ip, iface);
          if (v && v.action !== "accept") return v;
        }
        return this.cgnat ? this.cgnat.prerouting(packet, ip, iface) : ACCEPT;
      },
      postrouting: (packet, ip, out, nextHop) => {
        for (const ext of this.extensions) {
          const v = ext.postrouting?.(packet, ip, out, nextHop);
          if (v && v.action !== "accept") return v;
        }
        return this.cgnat ? this.cgnat.postrouting(packet, ip, out) : ACCEPT;
      },
    };
  }

  get upstreamInterface(): Interface | undefined {
    return this.ip.interface(this.upstream);
  }

  override start(): void {
    super.start();
    for (const name of this.subscribers) {
      const iface = this.ip.interface(name);
      if (!iface) continue;
      this.state("subscribers", name, {
        address: `${formatIp(iface.ip)}/${iface.prefixLength}`,
        cgnat: this.cgnat ? "yes" : "no",
      });
    }
    this.cgnat?.start();
    for (const ext of this.extensions) ext.start?.();
  }

  override runCommand(command: ParsedCommand): void {
    for (const ext of this.extensions) if (ext.runCommand?.(command)) return;
    if (command.name === "nat-flush" && this.cgnat) {
      this.log(`${this.name}: CGNAT table flushed`);
      return this.cgnat.flush("flushed by nat flush");
    }
    super.runCommand(command);
  }
}
