import assert from "node:assert/strict";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import { simulate } from "../../src/sim.ts";
import { SECOND } from "../../src/engine/time.ts";

/** laptop — fw — server, the firewall's `extra` lines spliced into its node. */
function topology(
  extra: string,
  script = "  - { at: 1s, node: laptop, do: ping 203.0.113.80 count 1 }",
): string {
  return `name: fw
duration: 20s
nodes:
  laptop: { kind: host, interfaces: { eth0: 192.168.1.10/24 }, gateway: 192.168.1.1 }
  fw:
    kind: firewall
    interfaces: { lan0: 192.168.1.1/24, wan0: 203.0.113.1/24 }
${extra}
  server: { kind: host, interfaces: { eth0: 203.0.113.80/24 }, gateway: 203.0.113.1 }
links:
  - { name: lan, endpoints: [laptop:eth0, fw:lan0], delay: 1ms }
  - { name: wan, endpoints: [fw:wan0, server:eth0], delay: 1ms }
script:
${script}`;
}

function errors(text: string): string[] {
  const loaded = loadTopology(text, "fw.yaml");
  return loaded.ok ? [] : loaded.errors.map(formatTopologyError);
}

Deno.test("firewall kind: mistakes in rules are reported at their place, with the fix", () => {
  const found = errors(topology(`    rules:
      - { action: drop, dst-port: 80 }
      - { action: maybe, proto: tcp }
      - { action: drop, proto: udp, dst-port: 99999 }
      - { action: drop, proto: tcp, icmp-type: 3 }
      - { action: drop, proto: tcp, direction: in }
    tcp-mss-clamp: huge`));
  const text = found.join("\n");
  assert.match(text, /fw\.yaml:9:35: rules: dst-port needs proto tcp or udp/);
  assert.match(text, /fw\.yaml:10:19: action: "maybe" is not one of "accept", "drop", "reject"/);
  assert.match(
    text,
    /fw\.yaml:11:\d+: dst-port: expected a port like 500 or a range like 1024-65535, got 99999/,
  );
  assert.match(text, /fw\.yaml:12:\d+: rules: icmp-type needs proto icmp/);
  assert.match(text, /fw\.yaml:13:\d+: rules: direction needs inside:/);
  assert.match(text, /tcp-mss-clamp: expected an MSS from 88 to 65495 or the word pmtu, got "huge"/);
  assert.ok(found.every((e) => /^fw\.yaml:\d+:\d+: /.test(e)), text);
});

Deno.test("firewall kind: default-drop policy with a stateful rule lets replies in and keeps strangers out", () => {
  const fw = `    inside: [lan0]
    policy: drop
    rules:
      - { name: replies, established: true, action: accept }
      - { name: outbound, direction: out, action: accept }`;
  const loaded = loadTopology(
    topology(
      fw,
      `  - { at: 1s, node: server, do: iperf server }
  - { at: 1s, node: laptop, do: iperf server }
  - { at: 2s, node: laptop, do: iperf client 203.0.113.80 bytes 100KB }
  - { at: 4s, node: server, do: tcp connect 192.168.1.10 5201 }`,
    ),
    "fw.yaml",
  );
  assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map(formatTopologyError).join("\n"));
  const { records } = simulate(loaded.model);
  const app = (node: string) =>
    records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);
  assert.ok(app("laptop").some((l) => /100 KBytes .* sender$/.test(l)), app("laptop").join("\n"));
  assert.ok(!app("server").some((l) => l.startsWith("tcp: connected")), "the stranger never gets in");
  const drop = records.find((r) => r.kind === "drop" && r.node === "fw")!;
  assert.equal(
    drop.reason,
    "fw: TCP 203.0.113.80:32768 → 192.168.1.10:5201 dropped by the default policy".replace(
      "32768",
      drop.reason!.match(/203\.0\.113\.80:(\d+)/)![1],
    ),
  );
  const conntrack = records.filter((r) => r.kind === "state" && r.node === "fw" && r.table === "conntrack");
  assert.ok(conntrack.some((r) => r.value?.state === "ESTABLISHED"), "the laptop's connection is tracked");
  assert.ok(records.every((r) => r.t <= 20 * SECOND));
});
