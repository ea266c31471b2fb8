/**
 * NAT settings: the RFC 4787 behaviours, timeouts and the passthrough rules of consumer routers, with
 * presets that stand for the kinds of NAT a student meets. A node's YAML settings are read as a preset
 * plus overrides; `resolveNatSettings` turns them into one complete, typed record.
 */
import { type Micros, SECOND } from "../../engine/time.ts";
import { type Ip4, parseIp } from "../../wire/addr.ts";
import { TCP_TRACK_TIMEOUTS } from "../tcp/conntrack.ts";

/** RFC 4787 §4.1 (mapping) and §5 (filtering) behaviours share these three names. */
export type Behaviour = "endpoint-independent" | "address-dependent" | "address-and-port-dependent";
export const BEHAVIOURS: readonly Behaviour[] = [
  "endpoint-independent",
  "address-dependent",
  "address-and-port-dependent",
];

/**
 * How ESP and IKE are treated:
 * - `off`: the consumer-router switch turned off: ESP and UDP 500 are dropped both ways (NAT-T on UDP
 *   4500 is ordinary UDP and still passes);
 * - `udp-only`: no IPsec helper at all (a CGNAT, a bare Linux box without ESP tracking): IKE is
 *   translated like any UDP, bare ESP is dropped because it has no ports to translate;
 * - `single`: one inside host per remote peer may use ESP, tracked by the remote address;
 * - `spi`: ESP tracked by SPI (several inside hosts may reach one server) and IKE demultiplexed by the
 *   initiator cookie.
 */
export type IpsecPassthrough = "off" | "udp-only" | "single" | "spi";
export const IPSEC_MODES: readonly IpsecPassthrough[] = ["off", "udp-only", "single", "spi"];

export type PresetName = "home-router" | "linux-conntrack" | "full-cone" | "symmetric" | "carrier-grade";
export const PRESET_NAMES: readonly PresetName[] = [
  "home-router",
  "linux-conntrack",
  "full-cone",
  "symmetric",
  "carrier-grade",
];

/** A static port forward ("virtual server"): inbound traffic to the outside port goes to `to`. */
export interface PortForward {
  proto: "udp" | "tcp" | "esp";
  /** Outside port (0 for ESP). */
  port: number;
  to: Ip4;
  /** Inside port (0 for ESP). */
  toPort: number;
}

/** Everything the NAT engine needs, complete (no optional fields). */
export type PortAllocation = "random" | "sequential";
export const PORT_ALLOCATIONS: readonly PortAllocation[] = ["random", "sequential"];

export interface NatSettings {
  preset: PresetName;
  mapping: Behaviour;
  filtering: Behaviour;
  /** Keep the inside source port when it is free on the outside. */
  portPreservation: boolean;
  /** Where new external ports (and ICMP identifiers) are drawn from when not preserved. */
  portRange: { low: number; high: number };
  /**
   * How a new port is picked in the range: `random` (Linux, most firmware) or `sequential`, the next
   * free one after the last (many older and carrier NATs): predictable, which is what lets peers
   * guess a symmetric NAT's next port.
   */
  portAllocation: PortAllocation;
  /** UDP mapping lifetime while no reply has been seen (Linux `nf_conntrack_udp_timeout`). */
  udpTimeout: Micros;
  /** UDP mapping lifetime once replies flow (Linux `nf_conntrack_udp_timeout_stream`). */
  udpStreamTimeout: Micros;
  icmpTimeout: Micros;
  /** Lifetime of an ESP passthrough entry. */
  espTimeout: Micros;
  /**
   * How long an established TCP connection may stay idle (Linux `nf_conntrack_tcp_timeout_established`,
   * 5 days); the other TCP states keep Linux's timeouts (stack/tcp/conntrack.ts).
   */
  tcpEstablishedTimeout: Micros;
  /** Inside hosts may reach each other through the outside address (RFC 4787 REQ-9). */
  hairpin: boolean;
  /** Inbound packets also refresh a mapping (RFC 4787 REQ-6 makes this optional; Linux does). */
  inboundRefresh: boolean;
  ipsecPassthrough: IpsecPassthrough;
  /** IKE from inside port 500 keeps source port 500 outside, so one negotiation per server at a time. */
  ipsecKeepPort500: boolean;
  /** `false` drops UDP 1701 in both directions. */
  l2tpPassthrough: boolean;
  /** L2TP from inside port 1701 keeps source port 1701 outside, one inside host per server. */
  l2tpKeepPort1701: boolean;
  /** The PPTP helper (TCP 1723 and GRE by Call ID); `false` drops GRE. On in every preset. */
  pptpPassthrough: boolean;
  portForwards: PortForward[];
}

type PresetValues = Omit<NatSettings, "preset" | "portForwards" | "pptpPassthrough">;

const S = SECOND;

/**
 * Realistic defaults. Sources: RFC 4787 and the behaviour of Linux netfilter (udp 30 s unreplied,
 * 120 s stream, icmp 30 s, 600 s for protocols tracked by address only) and of consumer firmware.
 */
export const PRESETS: Record<PresetName, PresetValues> = {
  // A typical consumer router: a port-preserving "restricted cone", IPsec passthrough that lets one
  // client per server use ESP and keeps IKE on port 500, L2TP passthrough on.
  "home-router": {
    mapping: "endpoint-independent",
    filtering: "address-dependent",
    portPreservation: true,
    portRange: { low: 1024, high: 65535 },
    portAllocation: "random",
    udpTimeout: 30 * S,
    udpStreamTimeout: 120 * S,
    icmpTimeout: 30 * S,
    espTimeout: 60 * S,
    tcpEstablishedTimeout: TCP_TRACK_TIMEOUTS.ESTABLISHED,
    hairpin: true,
    inboundRefresh: true,
    ipsecPassthrough: "single",
    ipsecKeepPort500: true,
    l2tpPassthrough: true,
    l2tpKeepPort1701: false,
  },
  // Linux MASQUERADE with conntrack defaults: source ports kept when free (so mapping looks
  // endpoint-independent), replies only from the exact endpoint contacted, ESP tracked by addresses only
  // (the generic protocol tracker), no hairpinning without extra rules.
  "linux-conntrack": {
    mapping: "endpoint-independent",
    filtering: "address-and-port-dependent",
    portPreservation: true,
    portRange: { low: 1024, high: 65535 },
    portAllocation: "random",
    udpTimeout: 30 * S,
    udpStreamTimeout: 120 * S,
    icmpTimeout: 30 * S,
    espTimeout: 600 * S,
    tcpEstablishedTimeout: TCP_TRACK_TIMEOUTS.ESTABLISHED,
    hairpin: false,
    inboundRefresh: true,
    ipsecPassthrough: "single",
    ipsecKeepPort500: false,
    l2tpPassthrough: true,
    l2tpKeepPort1701: false,
  },
  // RFC 3489's "full cone": once mapped, anyone may send in. Long, RFC 4787 REQ-5 lifetimes.
  "full-cone": {
    mapping: "endpoint-independent",
    filtering: "endpoint-independent",
    portPreservation: true,
    portRange: { low: 1024, high: 65535 },
    portAllocation: "random",
    udpTimeout: 300 * S,
    udpStreamTimeout: 300 * S,
    icmpTimeout: 60 * S,
    espTimeout: 300 * S,
    tcpEstablishedTimeout: TCP_TRACK_TIMEOUTS.ESTABLISHED,
    hairpin: true,
    inboundRefresh: true,
    ipsecPassthrough: "spi",
    ipsecKeepPort500: false,
    l2tpPassthrough: true,
    l2tpKeepPort1701: false,
  },
  // RFC 3489's "symmetric" NAT: a new random port for every destination, replies only from it.
  symmetric: {
    mapping: "address-and-port-dependent",
    filtering: "address-and-port-dependent",
    portPreservation: false,
    portRange: { low: 1024, high: 65535 },
    portAllocation: "random",
    udpTimeout: 30 * S,
    udpStreamTimeout: 60 * S,
    icmpTimeout: 30 * S,
    espTimeout: 60 * S,
    tcpEstablishedTimeout: TCP_TRACK_TIMEOUTS.ESTABLISHED,
    hairpin: false,
    inboundRefresh: false,
    ipsecPassthrough: "single",
    ipsecKeepPort500: false,
    l2tpPassthrough: true,
    l2tpKeepPort1701: false,
  },
  // An ISP's CGNAT (RFC 6888 lifetimes, hairpinning between subscribers), address-and-port-dependent
  // like many mobile carriers, and no IPsec helper: ESP cannot cross it, NAT-T can.
  "carrier-grade": {
    mapping: "address-and-port-dependent",
    filtering: "address-and-port-dependent",
    portPreservation: false,
    portRange: { low: 1024, high: 65535 },
    portAllocation: "random",
    udpTimeout: 120 * S,
    udpStreamTimeout: 300 * S,
    icmpTimeout: 60 * S,
    espTimeout: 60 * S,
    tcpEstablishedTimeout: TCP_TRACK_TIMEOUTS.ESTABLISHED,
    hairpin: true,
    inboundRefresh: false,
    ipsecPassthrough: "udp-only",
    ipsecKeepPort500: false,
    l2tpPassthrough: true,
    l2tpKeepPort1701: false,
  },
};

/** The `nat:` block as the topology loader reads it (kebab-case keys, durations in microseconds). */
export interface RawNatBlock {
  mapping?: Behaviour;
  filtering?: Behaviour;
  "port-preservation"?: boolean;
  "port-range"?: { low: number; high: number };
  "port-allocation"?: PortAllocation;
  "udp-timeout"?: Micros;
  "udp-stream-timeout"?: Micros;
  "icmp-timeout"?: Micros;
  "esp-timeout"?: Micros;
  "tcp-established-timeout"?: Micros;
  hairpin?: boolean;
  "inbound-refresh"?: boolean;
}

/** One `port-forwards` item as read from YAML; `to` is a dotted quad. */
export interface RawPortForward {
  proto: "udp" | "tcp" | "esp";
  port?: number;
  to: string;
  "to-port"?: number;
}

/** A node's NAT-related keys as the loader stores them in `NodeSpec.config`. */
export interface RawNatConfig {
  preset?: PresetName;
  nat?: RawNatBlock;
  "port-forwards"?: RawPortForward[];
  "ipsec-passthrough"?: IpsecPassthrough;
  "ipsec-keep-port-500"?: boolean;
  "l2tp-passthrough"?: boolean;
  "l2tp-keep-port-1701"?: boolean;
  "pptp-passthrough"?: boolean;
}

/** Preset (default `home-router`, or `fallback`) overlaid with whatever the node sets explicitly. */
export function resolveNatSettings(raw: RawNatConfig, fallback: PresetName = "home-router"): NatSettings {
  const preset = raw.preset ?? fallback;
  const base = PRESETS[preset];
  const nat = raw.nat ?? {};
  return {
    preset,
    mapping: nat.mapping ?? base.mapping,
    filtering: nat.filtering ?? base.filtering,
    portPreservation: nat["port-preservation"] ?? base.portPreservation,
    portRange: nat["port-range"] ?? base.portRange,
    portAllocation: nat["port-allocation"] ?? base.portAllocation,
    udpTimeout: nat["udp-timeout"] ?? base.udpTimeout,
    udpStreamTimeout: nat["udp-stream-timeout"] ?? base.udpStreamTimeout,
    icmpTimeout: nat["icmp-timeout"] ?? base.icmpTimeout,
    espTimeout: nat["esp-timeout"] ?? base.espTimeout,
    tcpEstablishedTimeout: nat["tcp-established-timeout"] ?? base.tcpEstablishedTimeout,
    hairpin: nat.hairpin ?? base.hairpin,
    inboundRefresh: nat["inbound-refresh"] ?? base.inboundRefresh,
    ipsecPassthrough: raw["ipsec-passthrough"] ?? base.ipsecPassthrough,
    ipsecKeepPort500: raw["ipsec-keep-port-500"] ?? base.ipsecKeepPort500,
    l2tpPassthrough: raw["l2tp-passthrough"] ?? base.l2tpPassthrough,
    l2tpKeepPort1701: raw["l2tp-keep-port-1701"] ?? base.l2tpKeepPort1701,
    pptpPassthrough: raw["pptp-passthrough"] ?? true,
    portForwards: (raw["port-forwards"] ?? []).map((f) => ({
      proto: f.proto,
      port: f.proto === "esp" ? 0 : f.port ?? 0,
      to: parseIp(f.to) ?? 0,
      toPort: f.proto === "esp" ? 0 : f["to-port"] ?? f.port ?? 0,
    })),
  };
}

/** RFC 3489's names, which students meet in older documentation and in STUN tools. */
export function classicName(mapping: Behaviour, filtering: Behaviour): string {
  if (mapping !== "endpoint-independent") return "symmetric";
  switch (filtering) {
    case "endpoint-independent":
      return "full cone";
    case "address-dependent":
      return "restricted cone";
    default:
      return "port-restricted cone";
  }
}
