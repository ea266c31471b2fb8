import assert from "node:assert/strict";
import { SECOND } from "../../src/engine/time.ts";
import { resolveNatSettings } from "../../src/stack/nat/config.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";

const base = (router: string, extra = "", script = "") => `
name: t
nodes:
  laptop: { kind: host, interfaces: { eth0: 192.168.1.10/24 }, gateway: 192.168.1.1 }
  home-router:
    kind: nat-router
    interfaces: { lan0: 192.168.1.1/24, wan0: 203.0.113.2/24 }
    gateway: 203.0.113.1
${router}
  internet: { kind: router, interfaces: { wan0: 203.0.113.1/24, eth1: 198.51.100.1/24 } }
  stun:
    kind: stun-server
    interfaces: { eth0: 198.51.100.10/24 }
    alternate-address: 198.51.100.11
    gateway: 198.51.100.1
${extra}
links:
  - { name: lan, endpoints: [laptop:eth0, home-router:lan0] }
  - { name: isp-link, endpoints: [home-router:wan0, internet:wan0] }
  - { name: stun-link, endpoints: [internet:eth1, stun:eth0] }
${script ? `script:\n${script}` : ""}
`;

function errors(text: string): string[] {
  const r = loadTopology(text, "t.yaml");
  return r.ok ? [] : r.errors.map(formatTopologyError);
}

Deno.test("a nat-router with every setting loads into the settings the engine uses", () => {
  const text = base(`    preset: linux-conntrack
    inside: [lan0]
    outside: wan0
    nat: { mapping: address-dependent, filtering: endpoint-independent, port-preservation: false,
           port-range: 2000-2999, port-allocation: sequential, udp-timeout: 45s, udp-stream-timeout: 3m, icmp-timeout: 10s,
           esp-timeout: 90s, tcp-established-timeout: 2h, hairpin: true, inbound-refresh: false }
    port-forwards: [{ proto: udp, port: 1701, to: 192.168.1.10 }, { proto: esp, to: 192.168.1.10 },
                    { proto: tcp, port: 8080, to: 192.168.1.10, to-port: 80 }]
    ipsec-passthrough: spi
    ipsec-keep-port-500: true
    l2tp-passthrough: off
    l2tp-keep-port-1701: true
    pptp-passthrough: off`);
  const r = loadTopology(text, "t.yaml");
  assert.ok(r.ok, r.ok ? "" : r.errors.map(formatTopologyError).join("\n"));
  const spec = r.model.nodes.find((n) => n.name === "home-router")!;
  const s = resolveNatSettings(spec.config);
  assert.deepEqual({ ...s, portForwards: undefined }, {
    preset: "linux-conntrack",
    mapping: "address-dependent",
    filtering: "endpoint-independent",
    portPreservation: false,
    portRange: { low: 2000, high: 2999 },
    portAllocation: "sequential",
    udpTimeout: 45 * SECOND,
    udpStreamTimeout: 180 * SECOND,
    icmpTimeout: 10 * SECOND,
    espTimeout: 90 * SECOND,
    tcpEstablishedTimeout: 2 * 3600 * SECOND,
    hairpin: true,
    inboundRefresh: false,
    ipsecPassthrough: "spi",
    ipsecKeepPort500: true,
    l2tpPassthrough: false,
    l2tpKeepPort1701: true,
    pptpPassthrough: false,
    portForwards: undefined,
  });
  assert.deepEqual(s.portForwards, [
    { proto: "udp", port: 1701, to: 0xc0a8010a, toPort: 1701 },
    { proto: "esp", port: 0, to: 0xc0a8010a, toPort: 0 },
    { proto: "tcp", port: 8080, to: 0xc0a8010a, toPort: 80 },
  ]);
});

Deno.test("a preset alone supplies every default", () => {
  const r = loadTopology(base("    outside: wan0\n    preset: full-cone"), "t.yaml");
  assert.ok(r.ok);
  const s = resolveNatSettings(r.model.nodes[1].config);
  assert.equal(s.filtering, "endpoint-independent");
  assert.equal(s.udpTimeout, 300 * SECOND);
});

Deno.test("nat-router mistakes are reported with line:col", () => {
  const errs = errors(base(`    outside: wan1
    preset: home-routr
    nat: { mapping: cone, port-range: 5000-1000, udp-timeout: soon }
    port-forwards: [{ proto: udp, to: 10.9.9.9 }]
    l2tp-passthrough: maybe`));
  assert.deepEqual(errs, [
    `t.yaml:9:14: outside: home-router has no interface "wan1" (it has lan0, wan0)`,
    `t.yaml:10:13: preset: "home-routr" is not one of "home-router", "linux-conntrack", "full-cone", "symmetric", "carrier-grade" (did you mean "home-router"?)`,
    `t.yaml:11:21: mapping: "cone" is not one of "endpoint-independent", "address-dependent", "address-and-port-dependent"`,
    `t.yaml:11:39: port-range: "5000-1000" is not a port range (write it like 1024-65535, low to high, 1 to 65535)`,
    `t.yaml:11:63: udp-timeout: bad duration "soon": write it like 250ms, 2s, 1m or 100us`,
    `t.yaml:12:20: port-forwards: the udp forward to 10.9.9.9 needs a port (the outside port to open)`,
    // With a misspelt outside, every real interface counts as inside; 10.9.9.9 is on none of them.
    `t.yaml:12:20: port-forwards: 10.9.9.9 is not on an inside network of home-router (inside: lan0, wan0)`,
    `t.yaml:13:23: l2tp-passthrough: expected on or off, got "maybe"`,
  ]);
});

Deno.test("tap and stun-server mistakes", () => {
  const errs = errors(base(
    "    outside: wan0",
    `  spy: { kind: tap, link: isp-lnk }
  stun2: { kind: stun-server, interfaces: { eth0: 198.51.100.20/24 }, port: 4000, alternate-port: 4000 }`,
  ));
  assert.ok(
    errs.some((e) => /link: there is no link "isp-lnk" to tap \(links: lan, isp-link, stun-link\)/.test(e)),
    errs.join("\n"),
  );
  assert.ok(
    errs.some((e) => /stun2: a STUN server needs two addresses for RFC 5780/.test(e)),
    errs.join("\n"),
  );
  assert.ok(errs.some((e) => /alternate-port must differ from port \(4000\)/.test(e)), errs.join("\n"));
});

Deno.test("nat-check and nat flush commands: parsed, or refused with usage", () => {
  const good = loadTopology(
    base(
      "    outside: wan0",
      "",
      `  - { at: 1s, node: laptop, do: nat-check 198.51.100.10 tries 2 rto 200ms }
  - { at: 2s, node: home-router, do: nat flush }`,
    ),
    "t.yaml",
  );
  assert.ok(good.ok, good.ok ? "" : good.errors.map(formatTopologyError).join("\n"));
  assert.deepEqual(good.model.script[0].command, {
    name: "nat-check",
    args: { server: "198.51.100.10", port: 3478, rto: 200_000, tries: 2 },
  });
  assert.equal(good.model.script[1].command.name, "nat-flush");
  const errs = errors(base(
    "    outside: wan0",
    "",
    `  - { at: 1s, node: laptop, do: nat-check somewhere }
  - { at: 2s, node: laptop, do: nat flush }`,
  ));
  assert.equal(errs.length, 2, errs.join("\n"));
  assert.match(errs[0], /SERVER: "somewhere" is not an IPv4 address.*usage: nat-check SERVER/);
  assert.match(errs[1], /"nat flush" cannot run on a host \(only on: nat-router, isp\)/);
});
