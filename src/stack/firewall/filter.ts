/**
 * The stateful part of a firewall: it tracks the connections it let through (TCP by its handshake and
 * FINs, see tcp/conntrack.ts; UDP, ICMP echo and ESP by their addresses and ports, with Linux's idle
 * timeouts), recognises replies and ICMP errors about them, and runs each forwarded datagram through
 * the ordered rules. A drop reason names the rule that decided, so a student sees which line of the
 * configuration to change. The connection table is published as `conntrack`, the rules as `firewall`.
 */
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import { formatDuration, type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import type { Ipv4Packet } from "../../wire/ipv4.ts";
import { u16, u32 } from "../../wire/octets.ts";
import { TcpTrack } from "../tcp/conntrack.ts";
import {
  describeFacts,
  describeRule,
  type FirewallAction,
  type FirewallProto,
  type FirewallSettings,
  firstMatch,
  type PacketFacts,
} from "./rules.ts";

/** What the firewall needs from the device it runs in. */
export interface FirewallOwner {
  readonly name: string;
  readonly sched: Scheduler;
  /** Records a row of one of the device's tables (null removes it). */
  state(table: string, key: string, value: Record<string, unknown> | null, summary?: string): void;
}

/** The decision about one datagram. */
export type FirewallVerdict = { action: "accept" } | { action: "drop" | "reject"; reason: string };

/** Linux's nf_conntrack_{udp,udp_stream,icmp,generic} timeouts. */
const UDP_TIMEOUT: Micros = 30 * SECOND;
const UDP_STREAM_TIMEOUT: Micros = 120 * SECOND;
const ICMP_TIMEOUT: Micros = 30 * SECOND;
const GENERIC_TIMEOUT: Micros = 600 * SECOND;

const PROTOCOLS: Record<number, FirewallProto> = { 1: "icmp", 6: "tcp", 17: "udp", 50: "esp" };

interface Flow {
  key: string;
  replyKey: string;
  label: string;
  proto: FirewallProto | number;
  tcp?: TcpTrack;
  replied: boolean;
  expiresAt: Micros;
  timer?: Timer;
}

/** A datagram's identity for tracking: protocol, addresses, and ports or the ICMP echo identifier. */
interface Identity {
  proto: FirewallProto | number;
  src: Ip4;
  dst: Ip4;
  srcPort?: number;
  dstPort?: number;
}

const keyOf = (id: Identity) => `${id.proto}|${id.src}|${id.srcPort ?? ""}|${id.dst}|${id.dstPort ?? ""}`;
const reverse = (id: Identity): Identity => ({
  proto: id.proto,
  src: id.dst,
  dst: id.src,
  srcPort: id.dstPort,
  dstPort: id.srcPort,
});

/** A stateful filter for forwarded traffic. */
export class Firewall {
  readonly #owner: FirewallOwner;
  readonly #settings: FirewallSettings;
  readonly #flows = new Map<string, Flow>();
  readonly #hits: number[];

  constructor(owner: FirewallOwner, settings: FirewallSettings) {
    this.#owner = owner;
    this.#settings = settings;
    this.#hits = settings.rules.map(() => 0);
  }

  /** Publishes the rule list (call once the run starts). */
  publishRules(): void {
    this.#settings.rules.forEach((_, i) => this.#publishRule(i));
    this.#owner.state("firewall", "policy", { rule: `default ${this.#settings.policy}` });
  }

  /** Runs a datagram that arrived on `inIface` and is to be forwarded through the rules. */
  check(ip: Ipv4Packet, inIface: string): FirewallVerdict {
    const direction = this.#settings.inside.includes(inIface) ? "out" : "in";
    const identity = identify(ip);
    const flow = identity ? this.#flows.get(keyOf(identity)) : undefined;
    const facts: PacketFacts = {
      ...(identity ?? { proto: PROTOCOLS[ip.protocol] ?? ip.protocol, src: ip.src, dst: ip.dst }),
      ...icmpFacts(ip),
      direction,
      established: flow !== undefined || this.#related(ip),
    };
    const match = firstMatch(this.#settings.rules, facts);
    const action: FirewallAction = match?.rule.action ?? this.#settings.policy;
    if (action !== "accept") {
      const by = match
        ? `rule ${match.position} "${match.rule.name}" (${describeRule(match.rule)})`
        : "the default policy";
      if (match) {
        this.#hits[match.position - 1]++;
        this.#publishRule(match.position - 1);
      }
      const verb = action === "reject" ? "rejected" : "dropped";
      return { action, reason: `${this.#owner.name}: ${describeFacts(facts)} ${verb} by ${by}` };
    }
    if (identity) this.#track(identity, ip, flow);
    return { action: "accept" };
  }

  /** Tracked connections (for tests and tools). */
  get flowCount(): number {
    return new Set(this.#flows.values()).size;
  }

  /** An ICMP error whose quoted datagram belongs to a tracked flow (RELATED in Linux's words). */
  #related(ip: Ipv4Packet): boolean {
    if (ip.protocol !== 1 || ip.payload.length < 8 + 20) return false;
    const type = ip.payload[0];
    if (type !== 3 && type !== 11 && type !== 12) return false;
    const quoted = ip.payload.subarray(8);
    const headerLength = (quoted[0] & 0x0f) * 4;
    if (headerLength < 20 || quoted.length < headerLength + 4) return false;
    const id: Identity = {
      proto: PROTOCOLS[quoted[9]] ?? quoted[9],
      src: u32(quoted, 12),
      dst: u32(quoted, 16),
      ...(quoted[9] === 6 || quoted[9] === 17
        ? { srcPort: u16(quoted, headerLength), dstPort: u16(quoted, headerLength + 2) }
        : {}),
    };
    return this.#flows.has(keyOf(id));
  }

  #track(identity: Identity, ip: Ipv4Packet, existing: Flow | undefined): void {
    const now = this.#owner.sched.now;
    let flow = existing;
    if (!flow) {
      flow = {
        key: keyOf(identity),
        replyKey: keyOf(reverse(identity)),
        label: `${identity.proto} ${endpoint(identity.src, identity.srcPort)} → ${
          endpoint(identity.dst, identity.dstPort)
        }`,
        proto: identity.proto,
        tcp: identity.proto === "tcp" ? new TcpTrack() : undefined,
        replied: false,
        expiresAt: now,
      };
      this.#flows.set(flow.key, flow);
      this.#flows.set(flow.replyKey, flow);
    }
    const original = keyOf(identity) === flow.key;
    const before = flow.tcp?.state;
    if (flow.tcp && ip.payload.length >= 14) flow.tcp.update(ip.payload[13], original);
    const newlyReplied = !original && !flow.replied;
    if (!original) flow.replied = true;
    flow.expiresAt = now + this.#timeout(flow);
    if (!existing || newlyReplied || flow.tcp?.state !== before) this.#publishFlow(flow);
    if (!flow.timer) this.#arm(flow);
  }

  #timeout(flow: Flow): Micros {
    if (flow.tcp) return flow.tcp.timeout;
    if (flow.proto === "udp") return flow.replied ? UDP_STREAM_TIMEOUT : UDP_TIMEOUT;
    if (flow.proto === "icmp") return ICMP_TIMEOUT;
    return GENERIC_TIMEOUT;
  }

  /** One timer per flow, re-armed lazily: traffic only moves `expiresAt`. */
  #arm(flow: Flow): void {
    flow.timer = this.#owner.sched.at(flow.expiresAt, () => {
      flow.timer = undefined;
      if (this.#owner.sched.now < flow.expiresAt) return this.#arm(flow);
      this.#flows.delete(flow.key);
      this.#flows.delete(flow.replyKey);
      this.#owner.state("conntrack", flow.label, null, `conntrack ${flow.label} expired`);
    });
  }

  #publishFlow(flow: Flow): void {
    this.#owner.state("conntrack", flow.label, {
      state: flow.tcp?.state ?? (flow.replied ? "ASSURED" : "UNREPLIED"),
      timeout: formatDuration(this.#timeout(flow)),
    });
  }

  #publishRule(index: number): void {
    const rule = this.#settings.rules[index];
    this.#owner.state("firewall", String(index + 1).padStart(2, "0"), {
      name: rule.name,
      rule: describeRule(rule),
      drops: this.#hits[index],
    });
  }
}

function endpoint(ip: Ip4, port?: number): string {
  return port === undefined ? formatIp(ip) : `${formatIp(ip)}:${port}`;
}

/** The tracking identity of a datagram; non-first fragments carry no ports and are not tracked. */
function identify(ip: Ipv4Packet): Identity | undefined {
  if (ip.fragmentOffset > 0) return undefined;
  const proto = PROTOCOLS[ip.protocol] ?? ip.protocol;
  const base = { proto, src: ip.src, dst: ip.dst };
  if (proto === "tcp" || proto === "udp") {
    if (ip.payload.length < 4) return undefined;
    return { ...base, srcPort: u16(ip.payload, 0), dstPort: u16(ip.payload, 2) };
  }
  if (proto === "icmp") {
    if (ip.payload.length < 8) return undefined;
    const type = ip.payload[0];
    if (type !== 0 && type !== 8) return undefined; // errors are judged as related, never tracked
    // An echo and its reply share the identifier: track it as both "ports" so the reply reverses it.
    const id = u16(ip.payload, 4);
    return { ...base, srcPort: id, dstPort: id };
  }
  return base;
}

function icmpFacts(ip: Ipv4Packet): Partial<PacketFacts> {
  if (ip.protocol !== 1 || ip.payload.length < 2 || ip.fragmentOffset > 0) return {};
  return { icmpType: ip.payload[0], icmpCode: ip.payload[1] };
}
