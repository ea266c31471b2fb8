/**
 * Three L2TP/IPsec clients behind one home router reach one LNS with NAT-T. The LNS tells their
 * transport-mode SAs apart by address and NAT-T port (as strongSwan does) and answers each tunnel
 * through the SA its traffic came in on; with `one-sa-per-address` (older servers) each new client's
 * SA replaces the previous one, and the trace says so.
 */
import assert from "node:assert/strict";
import { simulate } from "../../../src/sim.ts";
import { formatTopologyError, loadTopology } from "../../../src/topology/load.ts";
import type { TopologyModel } from "../../../src/topology/model.ts";
import { tableAt } from "../../../src/trace/tables.ts";
import { dropReasons, logs } from "./harness.ts";

const CLIENTS = ["alice", "bob", "carol"];

function client(name: string, k: number): string {
  return `  ${name}:
    kind: host
    interfaces: { eth0: 192.168.${k + 1}.10/24 }
    gateway: 192.168.${k + 1}.1
    vpn: { office: { server: 203.0.113.10, user: ${name}, password: pw-${name} } }
    ipsec: { psk: "classroom-secret", peers: [203.0.113.10] }
`;
}

/** Three clients on three LAN ports of one NAT router, each connecting 2 s after the previous. */
function threeClients(passthrough: string): TopologyModel {
  const yaml = `name: three-clients-one-nat
seed: 1
duration: 40s
nodes:
${CLIENTS.map(client).join("")}  home-router:
    kind: nat-router
    preset: home-router
    ipsec-passthrough: ${passthrough}
    interfaces: { lan0: 192.168.1.1/24, lan1: 192.168.2.1/24, lan2: 192.168.3.1/24, wan0: 198.51.100.2/24 }
    inside: [lan0, lan1, lan2]
    outside: wan0
    gateway: 198.51.100.1
  isp:
    kind: router
    interfaces: { sub0: 198.51.100.1/24, wan0: 203.0.113.1/24 }
  lns:
    kind: lns
    interfaces: { wan0: 203.0.113.10/24, lan0: 10.10.0.1/24 }
    gateway: 203.0.113.1
    pool: 10.10.99.100-10.10.99.199
    local-address: 10.10.99.1
    users: { alice: pw-alice, bob: pw-bob, carol: pw-carol }
    ipsec: { psk: "classroom-secret", peers: any }
  server:
    kind: host
    interfaces: { eth0: 10.10.0.5/24 }
    gateway: 10.10.0.1
links:
  - { name: lan-alice, endpoints: [alice:eth0, home-router:lan0], delay: 1ms }
  - { name: lan-bob, endpoints: [bob:eth0, home-router:lan1], delay: 1ms }
  - { name: lan-carol, endpoints: [carol:eth0, home-router:lan2], delay: 1ms }
  - { name: access, endpoints: [home-router:wan0, isp:sub0], delay: 5ms }
  - { name: office-wan, endpoints: [isp:wan0, lns:wan0], delay: 5ms }
  - { name: office-lan, endpoints: [lns:lan0, server:eth0], delay: 1ms }
script:
  - { at: 1s, node: alice, do: vpn connect office }
  - { at: 3s, node: bob, do: vpn connect office }
  - { at: 5s, node: carol, do: vpn connect office }
  - { at: 15s, node: alice, do: ping 10.10.0.5 count 3 }
  - { at: 15s, node: bob, do: ping 10.10.0.5 count 3 }
  - { at: 15s, node: carol, do: ping 10.10.0.5 count 3 }
`;
  const loaded = loadTopology(yaml, "three-clients.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  return loaded.model;
}

function withLnsBehaviour(model: TopologyModel, behaviour: string): TopologyModel {
  const lns = model.nodes.find((n) => n.name === "lns")!;
  (lns.config.ipsec as Record<string, unknown>).behaviour = behaviour;
  return model;
}

const pingResult = (records: ReturnType<typeof simulate>["records"], node: string) =>
  logs(records, node).find((l) => /packets transmitted/.test(l));

for (const passthrough of ["spi", "udp-only"]) {
  Deno.test(`three clients behind one NAT (ipsec-passthrough ${passthrough}) all ping the office`, () => {
    const { records } = simulate(threeClients(passthrough));
    for (const name of CLIENTS) {
      assert.equal(
        pingResult(records, name),
        "3 packets transmitted, 3 received, 0% packet loss, time 2024ms",
      );
    }
    const sas = [...tableAt(records, "lns", "ipsec-sas")!.values()];
    assert.equal(sas.length, 3);
    // One public address, three NAT-T ports: that is what keeps the SAs apart.
    const peers = sas.map((row) => row.peer as string);
    assert.ok(peers.every((p) => p.startsWith("198.51.100.2[")), peers.join(" "));
    assert.equal(new Set(peers).size, 3, peers.join(" "));
    assert.deepEqual(dropReasons(records, "lns"), []);
    // Each client's CHAP challenge went to that client.
    for (const name of CLIENTS) {
      assert.ok(logs(records, "lns").some((l) => l.startsWith(`lns: ${name} is connected on ppp`)), name);
    }
  });
}

Deno.test("one-sa-per-address: each new client's SA replaces the last, said in a log line and the drops", () => {
  const { records } = simulate(withLnsBehaviour(threeClients("spi"), "one-sa-per-address"));
  const replaced = logs(records, "lns").filter((l) =>
    /replaced: a second client behind the same NAT/.test(l)
  );
  assert.equal(replaced.length, 2, "bob replaces alice, carol replaces bob");
  assert.match(
    replaced[0],
    /^CHILD_SA for 198\.51\.100\.2\[udp\/1701\] replaced: a second client behind the same NAT \(198\.51\.100\.2\[\d+\] before, 198\.51\.100\.2\[\d+\] now\); this server keeps one SA per peer address \(behaviour: one-sa-per-address\)/,
  );
  const stale = dropReasons(records, "lns").filter((r) => /its SA was replaced by another client's/.test(r));
  assert.ok(stale.length > 0, "the replaced clients' ESP is dropped with the reason");
  assert.match(stale[0], /^ESP SPI 0x[0-9a-f]{8} from 198\.51\.100\.2 dropped: its SA was replaced/);
  // Only the newest client's pings come back.
  assert.equal(
    pingResult(records, "carol"),
    "3 packets transmitted, 3 received, 0% packet loss, time 2024ms",
  );
  for (const name of ["alice", "bob"]) {
    assert.notEqual(
      pingResult(records, name),
      "3 packets transmitted, 3 received, 0% packet loss, time 2024ms",
    );
  }
  assert.equal(tableAt(records, "lns", "ipsec-sas")!.size, 1);
});

Deno.test("home-router preset (one IKE host per server on port 500): the hint does not offer NAT-T, which is on", () => {
  const { records } = simulate(threeClients("single"));
  const blocked = dropReasons(records, "home-router").filter((r) => /ipsec-keep-port-500 is on/.test(r));
  assert.ok(blocked.length > 0);
  assert.ok(blocked.every((r) => !/or use NAT-T/.test(r)), blocked[0]);
  assert.match(blocked[0], /NAT-T does not avoid this: IKE starts on UDP 500/);
  assert.equal(
    pingResult(records, "alice"),
    "3 packets transmitted, 3 received, 0% packet loss, time 2024ms",
  );
});
