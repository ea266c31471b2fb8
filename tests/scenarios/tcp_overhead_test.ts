/**
 * What each tunnel costs a TCP transfer on a 10 Mbit/s backbone: the size of the datagram that carries
 * one full data segment there, and the goodput iperf measures. Plain TCP, L2TP, L2TP/IPsec (ESP) and
 * L2TP/IPsec through a NAT (ESP in UDP 4500). Goodput must be within 10% of what the header overhead
 * leaves of the link, and the tunnels must rank as their overhead says.
 */
import assert from "node:assert/strict";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import { simulate } from "../../src/sim.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

type Variant = "plain" | "l2tp" | "l2tp-ipsec" | "l2tp-ipsec-nat-t";

function topology(variant: Variant): string {
  const nat = variant === "l2tp-ipsec-nat-t";
  const vpn = variant !== "plain";
  const ipsec = variant.includes("ipsec");
  const laptopIp = nat ? "192.168.1.10/24" : "198.51.100.2/24";
  const laptopGw = nat ? "192.168.1.1" : "198.51.100.1";
  const ipsecBlock = (peers: string) => ipsec ? `    ipsec: { psk: "s3cret", peers: ${peers} }\n` : "";
  return `name: overhead-${variant}
seed: 1
duration: 11s
nodes:
  laptop:
    kind: host
    interfaces: { eth0: ${laptopIp} }
    gateway: ${laptopGw}
    vpn: { office: { server: 203.0.113.10, user: alice, password: wonderland } }
${ipsecBlock("[203.0.113.10]")}${
    nat
      ? `  home-router:
    kind: nat-router
    preset: home-router
    interfaces: { lan0: 192.168.1.1/24, wan0: 198.51.100.2/24 }
    inside: [lan0]
    outside: wan0
    gateway: 198.51.100.1
`
      : ""
  }  isp:
    kind: router
    interfaces: { sub0: 198.51.100.1/24, wan0: 192.0.2.1/30 }
    routes: [{ to: default, via: 192.0.2.2 }]
  internet:
    kind: router
    interfaces: { isp0: 192.0.2.2/30, corp0: 203.0.113.1/24 }
    routes: [{ to: 198.51.100.0/24, via: 192.0.2.1 }]
  web:
    kind: host
    interfaces: { eth0: 203.0.113.80/24 }
    gateway: 203.0.113.1
  lns:
    kind: lns
    interfaces: { wan0: 203.0.113.10/24, lan0: 10.10.0.1/24 }
    gateway: 203.0.113.1
    pool: 10.10.99.100-10.10.99.199
    local-address: 10.10.99.1
    users: { alice: wonderland }
${ipsecBlock("any")}  server:
    kind: host
    interfaces: { eth0: 10.10.0.5/24 }
    gateway: 10.10.0.1
links:
${
    nat
      ? "  - { name: home-lan, endpoints: [laptop:eth0, home-router:lan0], delay: 1ms }\n" +
        "  - { name: access, endpoints: [home-router:wan0, isp:sub0], delay: 5ms }\n"
      : "  - { name: access, endpoints: [laptop:eth0, isp:sub0], delay: 5ms }\n"
  }  - { name: backbone, endpoints: [isp:wan0, internet:isp0], delay: 10ms, bandwidth: 10Mbps }
  - { name: office-wan, endpoints: [internet:corp0, lns:wan0, web:eth0], delay: 2ms }
  - { name: office-lan, endpoints: [lns:lan0, server:eth0], delay: 1ms }
script:
${vpn ? "  - { at: 1s, node: laptop, do: vpn connect office }\n" : ""}  - { at: 6s, node: ${
    vpn ? "server" : "web"
  }, do: iperf server }
  - { at: 7s, node: laptop, do: iperf client ${vpn ? "10.10.0.5" : "203.0.113.80"} time 2s }
`;
}

interface Measured {
  outer: number;
  inner: number;
  goodput: number;
}

function measure(variant: Variant): Measured {
  const loaded = loadTopology(topology(variant), `${variant}.yaml`);
  assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map(formatTopologyError).join("\n"));
  const records: TraceRecord[] = simulate(loaded.model).records;
  const sender = records.find((r) => r.kind === "app" && r.node === "laptop" && r.detail?.role === "sender");
  assert.ok(sender, `${variant}: no iperf summary`);
  // The most common datagram on the backbone from the laptop's side is a full-size data segment.
  const counts = new Map<number, number>();
  for (const r of records) {
    if (r.kind === "tx" && r.link === "backbone" && r.node === "isp" && r.bytes) {
      counts.set(r.bytes.length, (counts.get(r.bytes.length) ?? 0) + 1);
    }
  }
  const outer = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const mss = Number(
    records.find((r) =>
      r.kind === "state" && r.node === "laptop" && r.table === "tcp" && r.value?.state === "ESTABLISHED"
    )
      ?.value?.mss,
  );
  return { outer, inner: mss, goodput: Number(sender.detail!.bitsPerSecond) };
}

Deno.test("overhead and goodput: plain TCP vs L2TP vs L2TP/IPsec vs NAT-T on a 10 Mbit/s backbone", () => {
  const results = Object.fromEntries(
    (["plain", "l2tp", "l2tp-ipsec", "l2tp-ipsec-nat-t"] as Variant[]).map((v) => [v, measure(v)]),
  ) as Record<Variant, Measured>;
  // Segment sizes: 1460 of data in 1500 plainly; inside ppp0 (MTU 1400) 1360, then each layer adds bytes.
  assert.deepEqual(
    Object.fromEntries(Object.entries(results).map(([v, m]) => [v, [m.inner, m.outer]])),
    {
      plain: [1460, 1500],
      // + PPP 4 (address, control, protocol) + L2TP 6 (flags, tunnel, session) + UDP 8 + IP 20.
      "l2tp": [1360, 1438],
      // The UDP datagram (1418) in ESP: header 8, IV 16, padded to 16 with pad length and next header
      // (1424), ICV 12, then the IP header 20.
      "l2tp-ipsec": [1360, 1480],
      // + UDP 8 for NAT-T.
      "l2tp-ipsec-nat-t": [1360, 1488],
    },
  );
  for (const [variant, m] of Object.entries(results)) {
    const expected = 10e6 * m.inner / m.outer;
    assert.ok(
      Math.abs(m.goodput - expected) / expected < 0.1,
      `${variant}: goodput ${m.goodput} vs ${expected} left by the headers`,
    );
  }
  assert.ok(results.plain.goodput > results.l2tp.goodput);
  assert.ok(results.l2tp.goodput > results["l2tp-ipsec"].goodput);
  assert.ok(results["l2tp-ipsec"].goodput > results["l2tp-ipsec-nat-t"].goodput);
});
