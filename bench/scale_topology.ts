/**
 * The scale scenario's topology, written as YAML text so a run pays for loading and validation the way
 * a user's file does. N clients sit in home LANs behind N / perNat NAT routers (every home uses
 * 192.168.1.0/24, as real homes do); each NAT router has its own /30 to one ISP router, which reaches the
 * LNS; every client dials L2TP (optionally inside IPsec with NAT-T) and then pings a server behind the
 * LNS. Connections are staggered by a millisecond so the run looks like a busy evening, not one instant.
 */

/** What to generate. */
export interface ScaleOptions {
  clients: number;
  /** Clients behind one NAT router (the last router may get fewer). */
  perNat: number;
  /** Wrap L2TP in IPsec (IKEv1 PSK, NAT-T auto). */
  ipsec: boolean;
}

/** When the first client connects, and when each client pings after its own connect. */
export const CONNECT_AT_MS = 1000;
export const PING_AFTER_MS = 6000;
export const STAGGER_MS = 1;
export const PINGS = 2;

/** The number of NAT routers `options` asks for. */
export function natCount(options: ScaleOptions): number {
  return Math.ceil(options.clients / options.perNat);
}

/** The `i`-th /30 of the benchmarking range 198.18.0.0/15 (RFC 2544), as [isp side, nat side]. */
function accessPair(i: number): [string, string] {
  const base = 4 * i;
  const third = base >> 8;
  const fourth = base & 0xff;
  return [
    `198.${18 + (third >> 8)}.${third & 0xff}.${fourth + 1}`,
    `198.${18 + (third >> 8)}.${third & 0xff}.${fourth + 2}`,
  ];
}

/** The YAML text of the scenario; the run's duration covers every client's pings. */
export function scaleTopology(options: ScaleOptions): string {
  const { clients, perNat, ipsec } = options;
  if (perNat < 1 || perNat > 200) throw new Error("perNat must be 1..200 (one /24 home LAN)");
  const nats = natCount(options);
  if (nats > 30000) throw new Error("at most 30000 NAT routers fit 198.18.0.0/15");
  const lastPing = CONNECT_AT_MS + (clients - 1) * STAGGER_MS + PING_AFTER_MS;
  const durationMs = lastPing + 2000;
  const poolFirst = 0x0a640000 + 10; // 10.100.0.10
  const ipText = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".");
  const out: string[] = [];
  out.push(`name: scale-${clients}-${perNat}${ipsec ? "-ipsec" : ""}`);
  out.push(`description: "${clients} ${ipsec ? "L2TP/IPsec" : "L2TP"} clients behind ${nats} NAT routers"`);
  out.push("seed: 1");
  out.push(`duration: ${durationMs}ms`);
  out.push("nodes:");
  const ispInterfaces: string[] = ["wan0: 203.0.113.1/24"];
  const links: string[] = [];
  const script: string[] = [];
  for (let n = 0; n < nats; n++) {
    const [ispSide, natSide] = accessPair(n);
    ispInterfaces.push(`acc${n}: ${ispSide}/30`);
    const inHome = Math.min(perNat, clients - n * perNat);
    out.push(`  nat${n}:`);
    out.push("    kind: nat-router");
    out.push("    preset: home-router");
    // The preset keeps IKE on port 500 for one inside host at a time; NAT-T needs the port translated.
    if (ipsec && perNat > 1) out.push("    ipsec-keep-port-500: false");
    out.push(`    interfaces: { lan0: 192.168.1.1/24, wan0: ${natSide}/30 }`);
    out.push("    inside: [lan0]");
    out.push("    outside: wan0");
    out.push(`    gateway: ${ispSide}`);
    links.push(`  - { name: acc${n}, endpoints: [nat${n}:wan0, isp:acc${n}], delay: 5ms }`);
    const lan: string[] = [`nat${n}:lan0`];
    for (let k = 0; k < inHome; k++) {
      const c = n * perNat + k;
      const name = `c${c}`;
      lan.push(`${name}:eth0`);
      out.push(`  ${name}:`);
      out.push("    kind: host");
      out.push(`    interfaces: { eth0: 192.168.1.${10 + k}/24 }`);
      out.push("    gateway: 192.168.1.1");
      out.push(`    vpn: { office: { server: 203.0.113.10, user: u${c}, password: p${c} } }`);
      if (ipsec) out.push('    ipsec: { psk: "scale-secret", peers: [203.0.113.10], nat-t: auto }');
      const connectAt = CONNECT_AT_MS + c * STAGGER_MS;
      script.push(`  - { at: ${connectAt}ms, node: ${name}, do: vpn connect office }`);
      script.push(
        `  - { at: ${connectAt + PING_AFTER_MS}ms, node: ${name}, do: ping 10.10.0.5 count ${PINGS} }`,
      );
    }
    links.push(`  - { name: home${n}, endpoints: [${lan.join(", ")}], delay: 1ms }`);
  }
  out.push("  isp:");
  out.push("    kind: router");
  out.push(`    interfaces: { ${ispInterfaces.join(", ")} }`);
  out.push("  lns:");
  out.push("    kind: lns");
  out.push("    interfaces: { wan0: 203.0.113.10/24, lan0: 10.10.0.1/24 }");
  out.push("    gateway: 203.0.113.1");
  out.push(`    pool: ${ipText(poolFirst)}-${ipText(poolFirst + clients + 9)}`);
  out.push("    local-address: 10.10.99.1");
  const users = Array.from({ length: clients }, (_, c) => `u${c}: p${c}`);
  out.push(`    users: { ${users.join(", ")} }`);
  if (ipsec) out.push('    ipsec: { psk: "scale-secret", peers: any }');
  out.push("  server:");
  out.push("    kind: host");
  out.push("    interfaces: { eth0: 10.10.0.5/24 }");
  out.push("    gateway: 10.10.0.1");
  out.push("links:");
  links.push("  - { name: office-wan, endpoints: [isp:wan0, lns:wan0], delay: 10ms }");
  links.push("  - { name: office-lan, endpoints: [lns:lan0, server:eth0], delay: 1ms }");
  out.push(...links);
  out.push("script:");
  out.push(...script);
  return out.join("\n") + "\n";
}
