import type { Micros } from "../engine/time.ts";

/**
 * What happened, one record per event. Everything the CLI prints, the pcap writer exports and the
 * browser view shows is derived from these records, so they must be complete on their own.
 *
 * - `tx`      an interface put `bytes` on `link` (the pcap writer exports exactly these)
 * - `rx`      an interface took `bytes` off `link`
 * - `forward` a router chose the next hop for `pkt` (detail: out interface, next hop)
 * - `deliver` `pkt` reached a local protocol or application
 * - `drop`    `pkt` was discarded; `reason` says why in words a student can act on
 * - `nat`     `pkt` was rewritten; detail.before / detail.after are the tuples
 * - `encap`   `pkt` (new, outer) now carries `parent` (inner)
 * - `decap`   `pkt` (inner) came out of `parent` (outer)
 * - `state`   a row of a device table changed: `table`, `key`, `value` (null when removed)
 * - `app`     an application's output (ping lines, summaries)
 * - `link`    a link changed state (up/down)
 */
export type TraceKind =
  | "tx"
  | "rx"
  | "forward"
  | "deliver"
  | "drop"
  | "nat"
  | "encap"
  | "decap"
  | "state"
  | "app"
  | "link";

/** The protocol a record is about, for colouring and filtering (the outermost interesting layer). */
export type ProtoLabel =
  | "IP"
  | "ICMP"
  | "UDP"
  | "TCP"
  | "L2TP"
  | "PPP"
  | "IKE"
  | "ESP"
  | "WG"
  | "GRE"
  | "PPTP"
  | "NAT"
  | "APP"
  | "LINK";

export interface TraceRecord {
  /** Position in the trace, from 0; unique and gap-free. */
  seq: number;
  /** Simulated time in microseconds. */
  t: Micros;
  kind: TraceKind;
  /** Device the event happened on (for `tx`/`rx`, the device owning the interface). */
  node: string;
  iface?: string;
  link?: string;
  /** Packet id: stable for a datagram across hops and NAT; new for fragments and for outer packets. */
  pkt?: number;
  /** For `encap`: the inner packet; for `decap`: the outer; for fragments: the original datagram. */
  parent?: number;
  proto?: ProtoLabel;
  /** One line in the spirit of tcpdump. */
  summary: string;
  /** For `drop`: why, and what a student could change. */
  reason?: string;
  /** Wire bytes for `tx`, `rx` and `drop`: an IPv4 datagram unless `linktype` says otherwise. */
  bytes?: Uint8Array;
  /**
   * What `bytes` hold when they are not an IPv4 datagram: `ppp` for a PPP frame (FF 03, protocol,
   * payload) on a dial-up line, captured with pcap linktype 9.
   */
  linktype?: "ppp";
  /** For `state`: which table and row. */
  table?: string;
  key?: string;
  value?: Record<string, unknown> | null;
  /** Anything else worth showing; plain JSON values only. */
  detail?: Record<string, unknown>;
}

/** A record as emitted by a device: the tracer stamps seq and time. */
export type TraceInput = Omit<TraceRecord, "seq" | "t">;
