/**
 * An ISP's access router: subscriber-facing interfaces, one upstream, optionally a carrier-grade NAT
 * between them (the same NAT engine as a home router, with the `carrier-grade` preset by default), and
 * an extension point for services that sit on the subscriber side, such as the L2TP access
 * concentrator (LAC) of compulsory tunnelling.
 *
 * ## Services (the LAC)
 * A service on the subscriber side is an `IspExtension`; the ISP builds one for each of its settings
 * that asks for one (`lac` → `LacService`). Its hooks run before the CGNAT's, in that order:
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
import { formatIp, type Ip4 } from "../wire/addr.ts";
import type { Ipv4Packet } from "../wire/ipv4.ts";
import { Router } from "./host.ts";
import { tcpPortInUse } from "./tcp_host.ts";
import { LacService, type LacSettings } from "./lac.ts";
import type { DeviceSpec, ParsedCommand } from "./spec.ts";

/** A service plugged into an ISP router (see the module comment). */
export interface IspExtension {
  start?(): void;
  prerouting?(packet: Packet, ip: Ipv4Packet, iface: Interface): Verdict | undefined;
  postrouting?(packet: Packet, ip: Ipv4Packet, out: Interface, nextHop: Ip4): Verdict | undefined;
  /** Returns true when it handled the command. */
  runCommand?(command: ParsedCommand): boolean;
}

/** An ISP's carrier-grade NAT: the NAT keys plus the interfaces it hides (default: the subscribers). */
export interface CgnatSettings extends RawNatConfig {
  inside?: string[];
}

/** An ISP's settings. */
export interface IspSettings {
  upstream: string;
  /** Defaults to every interface but the upstream one. */
  subscribers?: string[];
  /** `true` for the carrier-grade preset as it is. */
  cgnat?: CgnatSettings | boolean;
  /** Compulsory tunnelling: the LAC's settings. */
  lac?: LacSettings;
}

/** An ISP access router with optional CGNAT and subscriber-side services. */
export class Isp extends Router {
  readonly subscribers: string[];
  readonly upstream: string;
  readonly cgnat?: NatEngine;
  readonly extensions: IspExtension[] = [];

  constructor(spec: DeviceSpec, ctx: SimContext, settings: IspSettings) {
    super(spec, ctx);
    this.upstream = settings.upstream;
    this.subscribers = settings.subscribers ??
      spec.interfaces.map((i) => i.name).filter((n) => n !== this.upstream);
    const cgnat = settings.cgnat;
    if (cgnat) {
      const raw = cgnat === true ? {} : cgnat;
      this.cgnat = new NatEngine(this, resolveNatSettings(raw, "carrier-grade"), {
        inside: raw.inside ?? this.subscribers,
        outside: this.upstream,
      });
    }
    if (settings.lac) this.extensions.push(new LacService(this, settings.lac));
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

  /** The router's own TCP (an iperf server on it, say) keeps its ports from the NAT. */
  tcpPortInUse(port: number): boolean {
    return tcpPortInUse(this, port);
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
