/**
 * What a device is built from: its name, kind, interfaces and static routes, already validated. Kind
 * settings come beside it, typed by each device class; devices never see YAML or source positions
 * (the topology model's specs carry those and fit these types as they are).
 */

/** One interface: a dotted-quad address with its prefix length, and an MTU that overrides the link's. */
export interface InterfaceSettings {
  name: string;
  ip: string;
  prefixLength: number;
  mtu?: number;
}

/** A static route: destination network (`0.0.0.0/0` for default), next hop and/or interface. */
export interface RouteSettings {
  network: string;
  prefixLength: number;
  via?: string;
  iface?: string;
  metric?: number;
}

/** The parts of a node every device has. */
export interface DeviceSpec {
  readonly name: string;
  readonly kind: string;
  readonly interfaces: readonly InterfaceSettings[];
  readonly routes: readonly RouteSettings[];
}

/** A script command as its parser left it: the command's id (`udp-send`) and its typed arguments. */
export interface ParsedCommand {
  name: string;
  args: Record<string, unknown>;
}
