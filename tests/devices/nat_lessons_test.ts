/**
 * The NAT lessons do what their `look-for` lines promise: each one is loaded from topologies/, run,
 * and checked for the records a student is told to look for.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

function run(name: string): TraceRecord[] {
  const file = new URL(`../../topologies/${name}.yaml`, import.meta.url);
  const r = loadTopology(Deno.readTextFileSync(file), `${name}.yaml`);
  assert.ok(r.ok, r.ok ? "" : r.errors.map(formatTopologyError).join("\n"));
  return simulate(r.model).records;
}

const verdict = (records: TraceRecord[], node = "laptop") =>
  records.filter((r) => r.kind === "app" && r.node === node && r.detail?.tool === "nat-check").at(-1)
    ?.summary;
const drops = (records: TraceRecord[], node: string) =>
  records.filter((r) => r.kind === "drop" && r.node === node).map((r) => r.reason!);
const apps = (records: TraceRecord[], node: string) =>
  records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);

Deno.test("lesson nat-home-router: restricted cone; the peer's other port gets in, a stranger does not", () => {
  const records = run("nat-home-router");
  assert.equal(
    verdict(records),
    "NAT mapping: endpoint-independent, filtering: address-dependent (restricted cone)",
  );
  const laptop = apps(records, "laptop");
  assert.ok(laptop.some((l) => l.startsWith("udp reply from 192.0.2.10:9 ")));
  assert.ok(laptop.some((l) => l.startsWith("udp to 198.51.100.10:9: ICMP type 3 code 3")));
  assert.ok(
    drops(records, "home-router").some((d) =>
      /UDP from 198\.51\.100\.10:7 to 203\.0\.113\.2:5000 dropped/.test(d)
    ),
  );
  const expired = records.find((r) =>
    r.kind === "state" && r.key === "udp 203.0.113.2:6000" && r.value === null
  );
  assert.equal(expired?.t, 46_001_000);
});

Deno.test("lesson nat-linux-conntrack: 30 s unreplied, 120 s stream, no hairpin, exact-endpoint filtering", () => {
  const records = run("nat-linux-conntrack");
  assert.equal(
    verdict(records),
    "NAT mapping: endpoint-independent, filtering: address-and-port-dependent (port-restricted cone)",
  );
  const removed = (key: string) =>
    records.find((r) => r.kind === "state" && r.key === key && r.value === null)?.t;
  assert.equal(removed("udp 203.0.113.2:5001"), 40_001_000);
  assert.equal(removed("udp 203.0.113.2:5000"), 130_013_000);
  const d = drops(records, "linux-router");
  assert.ok(d.some((x) => /UDP from 192\.0\.2\.10:8 to 203\.0\.113\.2:5000 dropped/.test(x)));
  assert.ok(d.some((x) => /hairpin is off: 192\.168\.1\.11:6000/.test(x)));
});

Deno.test("lesson nat-full-cone: a stranger reaches the laptop through its mapping", () => {
  const records = run("nat-full-cone");
  assert.equal(
    verdict(records),
    "NAT mapping: endpoint-independent, filtering: endpoint-independent (full cone)",
  );
  assert.ok(apps(records, "laptop").some((l) => l.startsWith("udp reply from 192.0.2.200:4000 ")));
  assert.deepEqual(drops(records, "home-router"), []);
});

Deno.test("lesson nat-symmetric: one port per destination; hole punching fails, the predicted port works", () => {
  const records = run("nat-symmetric");
  assert.equal(
    verdict(records),
    "NAT mapping: address-and-port-dependent, filtering: address-and-port-dependent (symmetric)",
  );
  const snat = records.filter((r) =>
    r.kind === "nat" && r.node === "home-router" && r.detail?.action === "snat"
  )
    .filter((r) => (r.detail?.before as { src: string }).src === "192.168.1.10:5000")
    .map((r) => (r.detail?.after as { src: string }).src)
    .filter((src, i, all) => all.indexOf(src) === i);
  assert.equal(snat.length, 2);
  assert.equal(snat[0], "203.0.113.2:20004", "the port the lesson's script aims the peer at");
  assert.equal(snat[1], "203.0.113.2:20005", "sequential allocation: the next port, which the peer guesses");
  const d = drops(records, "home-router");
  assert.ok(
    d.some((x) =>
      /to 203\.0\.113\.2:20004 dropped: this mapping of 192\.168\.1\.10:5000 was made for 192\.0\.2\.10:7 only/
        .test(x)
    ),
  );
  assert.ok(
    drops(records, "peer-router").some((x) =>
      /UDP from 203\.0\.113\.2:20005 to 192\.0\.2\.130:5000 dropped: 192\.168\.2\.20:5000 never sent/.test(x)
    ),
  );
  assert.ok(apps(records, "peer").some((l) => l.startsWith("udp reply from 203.0.113.2:20005 ")));
});

Deno.test("lesson nat-carrier-grade: double NAT, shared public address, the tap sees only 100.64.0.2", () => {
  const records = run("nat-carrier-grade");
  assert.equal(
    verdict(records),
    "NAT mapping: address-and-port-dependent, filtering: address-and-port-dependent (symmetric)",
  );
  for (const who of ["laptop", "neighbour"]) {
    assert.ok(
      apps(records, who).some((l) => l.startsWith("2 packets transmitted, 2 received, 0% packet loss")),
    );
  }
  const atServer = records.filter((r) => r.kind === "deliver" && r.node === "server");
  assert.ok(atServer.length >= 6);
  assert.ok(atServer.every((r) => r.summary.startsWith("203.0.113.2")));
  const tap = records.filter((r) => r.node === "spy" && r.pkt !== undefined);
  assert.ok(tap.length > 10);
  assert.ok(tap.every((r) => !r.summary.includes("192.168.")));
  const ike = records.filter((r) =>
    r.kind === "nat" && (r.detail?.before as { src: string })?.src?.endsWith(":500")
  );
  assert.equal((ike[0].detail?.after as { src: string }).src, "100.64.0.2:500");
  assert.notEqual((ike[1].detail?.after as { src: string }).src, "203.0.113.2:500");
});
