import type { SimContext } from "../engine/context.ts";
import type { Prng } from "../engine/prng.ts";
import type { Link, LinkPort } from "../engine/link.ts";
import type { Packet } from "../engine/packet.ts";
import type { DeviceSpec, ParsedCommand } from "./spec.ts";
import { formatIp, type Ip4, parseIp } from "../wire/addr.ts";
import type { Interface } from "../stack/interface.ts";
import { IpStack } from "../stack/ip.ts";
import { tcpOf } from "./tcp_host.ts";
import { StateRowRecord } from "./state_record.ts";

/** An Ethernet-like interface plugged into a link. */
export class PhysicalInterface implements Interface, LinkPort {
  link?: Link;
  mtuOverride?: number;

  constructor(readonly device: Device, readonly name: string, public ip: Ip4, public prefixLength: number) {}

  get node(): string {
    return this.device.name;
  }

  get up(): boolean {
    return this.link?.up ?? false;
  }

  get mtu(): number {
    return this.mtuOverride ?? this.link?.params.mtu ?? 1500;
  }

  set mtu(value: number) {
    this.mtuOverride = value;
  }

  output(packet: Packet, nextHop: Ip4): void {
    if (!this.link) {
      return this.device.ip.drop(packet, `${this.node}:${this.name} is not connected to any link`, this);
    }
    this.link.send(this, packet, nextHop);
  }

  receiveFromLink(packet: Packet): void {
    this.device.ip.receive(packet, this);
  }
}

/**
 * A node of the network: an IP stack plus whatever the kind adds. Kinds override `runCommand` for
 * their script actions and `describeState` for the tables the view and `--show` print.
 */
export class Device {
  readonly ip: IpStack;
  readonly name: string;
  /** This device's own random stream (identifiers, ports, cookies), independent of every other. */
  readonly rng: Prng;

  constructor(readonly spec: DeviceSpec, readonly ctx: SimContext, forwarding: boolean) {
    this.name = spec.name;
    this.rng = ctx.rng.fork(`node:${spec.name}`);
    this.ip = new IpStack(spec.name, ctx, forwarding);
    for (const ifaceSpec of spec.interfaces) {
      const iface = new PhysicalInterface(
        this,
        ifaceSpec.name,
        parseIp(ifaceSpec.ip)!,
        ifaceSpec.prefixLength,
      );
      if (ifaceSpec.mtu !== undefined) iface.mtu = ifaceSpec.mtu;
      this.ip.addInterface(iface);
    }
    for (const route of spec.routes) {
      const via = route.via !== undefined ? parseIp(route.via)! : undefined;
      const iface = route.iface ?? (via !== undefined ? this.ip.routes.lookup(via)?.iface : undefined);
      if (!iface) continue; // the validator guarantees `via` is on a connected subnet
      this.ip.routes.add({
        network: parseIp(route.network)!,
        prefixLength: route.prefixLength,
        via,
        iface,
        metric: route.metric ?? 0,
        origin: route.prefixLength === 0 ? "default" : "static",
      });
    }
  }

  get kind(): string {
    return this.spec.kind;
  }

  physicalInterface(name: string): PhysicalInterface | undefined {
    const iface = this.ip.interface(name);
    return iface instanceof PhysicalInterface ? iface : undefined;
  }

  /**
   * Runs a script action aimed at this node. Kinds handle their own commands and pass the rest here;
   * the validator rejected commands the kind cannot run, so reaching this is a bug worth a line.
   */
  runCommand(command: ParsedCommand): void {
    this.log(`${this.kind} ${this.name} has no command "${command.name}"`);
  }

  /** Called once every link exists, for kinds that work on a link itself rather than through an interface. */
  useLinks(_links: ReadonlyMap<string, Link>): void {}

  /** Called once when the run starts, after every device and link exists. */
  start(): void {
    this.publishInterfaces();
    // Every node speaks TCP, as every real one does: a SYN to a closed port is answered with a reset.
    tcpOf(this);
  }

  /** Records the interface and routing tables so the view and `--show` can display them. */
  publishInterfaces(): void {
    for (const iface of this.ip.interfaces) {
      this.state("interfaces", iface.name, {
        address: `${formatIp(iface.ip)}/${iface.prefixLength}`,
        mtu: iface.mtu,
        ...(iface.peer !== undefined ? { peer: formatIp(iface.peer) } : {}),
      });
    }
    this.publishRoutes();
  }

  /** Records the rows of the routing table that changed since it was last published. */
  publishRoutes(): void {
    for (const row of this.ip.publishedRoutes.changes(this.ip.routes.routes)) {
      this.state("routes", row.key, row.value);
    }
  }

  /** Emits a `state` record: one row of one of this device's tables changed (value null = removed). */
  state(table: string, key: string, value: Record<string, unknown> | null, summary?: string): void {
    if (summary === undefined) {
      this.ctx.trace.emit(new StateRowRecord(this.name, table, key, value));
      return;
    }
    this.ctx.trace.emit({ kind: "state", node: this.name, table, key, value, summary });
  }

  /** Application output, as the program would print it. */
  log(summary: string, detail?: Record<string, unknown>): void {
    this.ctx.trace.emit({
      kind: "app",
      node: this.name,
      proto: "APP",
      summary,
      ...(detail ? { detail } : {}),
    });
  }
}
