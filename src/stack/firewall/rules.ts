/**
 * A stateful packet filter's rules, as an administrator writes them: an ordered list whose first match
 * decides (accept, drop or reject), then a default policy. A rule may name the protocol, addresses,
 * ports, ICMP type and code, the direction (in from the outside, out from the inside) and whether the
 * packet belongs to a connection already tracked (`established`, which also covers ICMP errors about
 * it, like Linux's ESTABLISHED,RELATED). This file only matches; filter.ts keeps the state.
 */
import { formatIp, type Ip4 } from "../../wire/addr.ts";

export type FirewallAction = "accept" | "drop" | "reject";
export type FirewallProto = "tcp" | "udp" | "icmp" | "esp";

/** An address block: `network/prefixLength`. */
export interface AddressBlock {
  network: Ip4;
  prefixLength: number;
}

/** One rule; every field left out matches anything. */
export interface FirewallRule {
  /** How drop reasons and the table name the rule (default `rule N`). */
  name: string;
  action: FirewallAction;
  proto?: FirewallProto;
  src?: AddressBlock;
  dst?: AddressBlock;
  /** Inclusive port ranges (TCP and UDP). */
  srcPort?: [number, number];
  dstPort?: [number, number];
  icmpType?: number;
  icmpCode?: number;
  /** `in`: arrived on an outside interface; `out`: arrived on an inside interface. */
  direction?: "in" | "out";
  /** true: only packets of tracked connections (and ICMP errors about them); false: only new ones. */
  established?: boolean;
}

/** The firewall's whole configuration. */
export interface FirewallSettings {
  rules: FirewallRule[];
  /** What happens to a packet no rule matches. */
  policy: FirewallAction;
  /** The interfaces on the protected side; the others are outside. */
  inside: string[];
}

/** The facts about a packet that rules look at. */
export interface PacketFacts {
  proto: FirewallProto | number;
  src: Ip4;
  dst: Ip4;
  srcPort?: number;
  dstPort?: number;
  icmpType?: number;
  icmpCode?: number;
  direction: "in" | "out";
  /** Belongs to a tracked connection, or is an ICMP error about one. */
  established: boolean;
}

function inBlock(ip: Ip4, block: AddressBlock): boolean {
  if (block.prefixLength === 0) return true;
  const mask = (0xffffffff << (32 - block.prefixLength)) >>> 0;
  return ((ip & mask) >>> 0) === ((block.network & mask) >>> 0);
}

function inRange(port: number | undefined, range: [number, number]): boolean {
  return port !== undefined && port >= range[0] && port <= range[1];
}

/** Whether `rule` matches the packet described by `facts`. */
export function ruleMatches(rule: FirewallRule, facts: PacketFacts): boolean {
  if (rule.proto !== undefined && rule.proto !== facts.proto) return false;
  if (rule.src && !inBlock(facts.src, rule.src)) return false;
  if (rule.dst && !inBlock(facts.dst, rule.dst)) return false;
  if (rule.srcPort && !inRange(facts.srcPort, rule.srcPort)) return false;
  if (rule.dstPort && !inRange(facts.dstPort, rule.dstPort)) return false;
  if (rule.icmpType !== undefined && rule.icmpType !== facts.icmpType) return false;
  if (rule.icmpCode !== undefined && rule.icmpCode !== facts.icmpCode) return false;
  if (rule.direction !== undefined && rule.direction !== facts.direction) return false;
  if (rule.established !== undefined && rule.established !== facts.established) return false;
  return true;
}

/** The first rule that matches, with its 1-based position, or undefined (the policy decides). */
export function firstMatch(
  rules: readonly FirewallRule[],
  facts: PacketFacts,
): { rule: FirewallRule; position: number } | undefined {
  const index = rules.findIndex((rule) => ruleMatches(rule, facts));
  return index < 0 ? undefined : { rule: rules[index], position: index + 1 };
}

const ICMP_NAMES: Record<string, string> = {
  "0": "echo reply",
  "8": "echo request",
  "3/3": "port unreachable",
  "3/4": "fragmentation needed",
  "3/13": "administratively prohibited",
  "11/0": "TTL exceeded",
};

/** `TCP 10.0.0.1:49152 → 10.0.0.2:80`, `ICMP type 3 code 4 (fragmentation needed)`: for drop reasons. */
export function describeFacts(facts: PacketFacts): string {
  if (facts.proto === "icmp") {
    const name = ICMP_NAMES[`${facts.icmpType}/${facts.icmpCode}`] ?? ICMP_NAMES[`${facts.icmpType}`];
    return `ICMP type ${facts.icmpType} code ${facts.icmpCode}${name ? ` (${name})` : ""} ${
      formatIp(facts.src)
    } → ${formatIp(facts.dst)}`;
  }
  const proto = typeof facts.proto === "number" ? `IP protocol ${facts.proto}` : facts.proto.toUpperCase();
  const port = (p?: number) => p === undefined ? "" : `:${p}`;
  return `${proto} ${formatIp(facts.src)}${port(facts.srcPort)} → ${formatIp(facts.dst)}${
    port(facts.dstPort)
  }`;
}

/** One line per rule, for the `firewall` table: `drop icmp type 3 code 4 in`. */
export function describeRule(rule: FirewallRule): string {
  const parts: string[] = [rule.action];
  if (rule.proto) parts.push(rule.proto);
  if (rule.src) parts.push(`from ${formatIp(rule.src.network)}/${rule.src.prefixLength}`);
  if (rule.dst) parts.push(`to ${formatIp(rule.dst.network)}/${rule.dst.prefixLength}`);
  const range = (r: [number, number]) => r[0] === r[1] ? `${r[0]}` : `${r[0]}-${r[1]}`;
  if (rule.srcPort) parts.push(`sport ${range(rule.srcPort)}`);
  if (rule.dstPort) parts.push(`dport ${range(rule.dstPort)}`);
  if (rule.icmpType !== undefined) parts.push(`type ${rule.icmpType}`);
  if (rule.icmpCode !== undefined) parts.push(`code ${rule.icmpCode}`);
  if (rule.direction) parts.push(rule.direction);
  if (rule.established !== undefined) parts.push(rule.established ? "established" : "new");
  return parts.join(" ");
}
