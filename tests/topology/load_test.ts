import assert from "node:assert/strict";
import { MS, SECOND } from "../../src/engine/time.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import type { TopologyModel } from "../../src/topology/model.ts";

function load(text: string): TopologyModel {
  const r = loadTopology(text, "t.yaml");
  if (!r.ok) throw new Error(r.errors.map(formatTopologyError).join("\n"));
  return r.model;
}
function errors(text: string): string[] {
  const r = loadTopology(text, "t.yaml");
  assert.equal(r.ok, false, "expected errors");
  return r.ok ? [] : r.errors.map(formatTopologyError);
}

const goodDirs = [new URL("./good/", import.meta.url), new URL("../../topologies/", import.meta.url)];
for (const dir of goodDirs) {
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();
  } catch { /* topologies/ may not exist yet */ }
  for (const name of names) {
    Deno.test(`good topology ${dir.pathname.split("/").at(-2)}/${name} loads`, () => {
      const r = loadTopology(Deno.readTextFileSync(new URL(name, dir)), name);
      assert.ok(r.ok, r.ok ? "" : r.errors.map(formatTopologyError).join("\n"));
    });
  }
}

Deno.test("two-lans: every value is parsed into the model", () => {
  const m = load(Deno.readTextFileSync(new URL("./good/two-lans.yaml", import.meta.url)));
  assert.equal(m.name, "two-lans");
  assert.equal(m.seed, 7);
  assert.equal(m.duration, 30 * SECOND);
  assert.deepEqual(m.lesson, {
    title: "Routing between two subnets",
    story: "The laptop and the server are on different LANs.",
    lookFor: [{ text: "the TTL drops by one at r1" }],
    questions: ["Why does the reply come back through r1?"],
  });
  assert.deepEqual(m.nodes.map((n) => `${n.name}:${n.kind}`), [
    "laptop:host",
    "printer:host",
    "r1:router",
    "server:host",
  ]);
  const laptop = m.nodes[0];
  assert.deepEqual(laptop.position, { x: 100, y: 200 });
  assert.deepEqual(laptop.interfaces.map(({ name, ip, prefixLength }) => ({ name, ip, prefixLength })), [
    { name: "eth0", ip: "10.0.0.2", prefixLength: 24 },
  ]);
  // The gateway becomes a default route; the node key is where errors about the node point.
  assert.deepEqual(laptop.routes.map((r) => [r.network, r.prefixLength, r.via]), [[
    "0.0.0.0",
    0,
    "10.0.0.1",
  ]]);
  assert.deepEqual(laptop.pos, { line: 13, col: 3 });
  assert.equal(m.nodes[1].interfaces[0].mtu, 1400);
  const r1 = m.nodes[2];
  assert.deepEqual(r1.routes.map((r) => [r.network, r.prefixLength, r.via, r.iface, r.metric]), [
    ["10.2.0.0", 16, "10.0.1.5", undefined, 10],
    ["10.3.0.0", 16, undefined, "eth1", undefined],
  ]);
  const [lan, wan] = m.links;
  assert.equal(lan.name, "lan");
  assert.equal(lan.endpoints.length, 3);
  assert.deepEqual([lan.delay, lan.bandwidth, lan.loss, lan.mtu, lan.queue, lan.up], [
    2 * MS,
    100e6,
    0,
    1500,
    100,
    true,
  ]);
  assert.equal(wan.name, "r1_server");
  assert.deepEqual(
    [wan.delay, wan.bandwidth, wan.loss, wan.duplicate, wan.jitter, wan.mtu, wan.queue, wan.up],
    [500, 1.5e6, 0.01, 0.001, MS, 1400, 20, false],
  );
  assert.deepEqual(m.script.map((a) => [a.at, a.node ?? a.link, a.command.name]), [
    [1 * SECOND, "r1_server", "link-up"],
    [2 * SECOND, "laptop", "ping"],
    [3 * SECOND, "server", "udp-echo"],
    [4 * SECOND, "laptop", "udp-send"],
    [30 * SECOND, "lan", "link-down"],
  ]);
  assert.equal(m.script[3].command.args.text, "hello world");
});

Deno.test("defaults: seed 1, 60s, 1ms links at 1500 bytes, no description", () => {
  const m = load(`
name: tiny
nodes:
  a: {kind: host, interfaces: {eth0: 10.0.0.1/30}}
  b: {kind: host, interfaces: {eth0: 10.0.0.2/30}}
links:
  - endpoints: [a:eth0, b:eth0]
`);
  assert.equal(m.seed, 1);
  assert.equal(m.duration, 60 * SECOND);
  assert.equal(m.description, "");
  assert.equal(m.lesson, undefined);
  assert.deepEqual(m.script, []);
  const l = m.links[0];
  assert.deepEqual(
    [l.name, l.delay, l.bandwidth, l.loss, l.duplicate, l.jitter, l.mtu, l.queue, l.up],
    ["a_b", MS, 0, 0, 0, 0, 1500, 100, true],
  );
});

Deno.test("YAML anchors and aliases are followed", () => {
  const m = load(`
name: alias
nodes:
  a: {kind: host, interfaces: {eth0: 10.0.0.1/24}}
  b: {kind: host, interfaces: {eth0: 10.0.0.2/24}}
links:
  - {endpoints: [a:eth0, b:eth0], delay: &d 5ms, jitter: *d}
`);
  assert.equal(m.links[0].jitter, 5 * MS);
});

Deno.test("errors come out sorted by position, with the file name", () => {
  const out = errors(`name: sorted
nodes:
  a: {kind: host, interfaces: {eth0: 10.0.0.1/24}}
links:
  - {endpoints: [a:eth0, zz:eth0], delay: forever}
bogus: 1
`);
  assert.deepEqual(out, [
    't.yaml:5:26: unknown node "zz"',
    't.yaml:5:43: delay: bad duration "forever": write it like 250ms, 2s, 1m or 100us',
    't.yaml:6:1: unknown key "bogus" in topology',
  ]);
});

Deno.test("the loader never throws, whatever the input", () => {
  const inputs = [
    "",
    "---\n---\n",
    "[1, 2, 3]",
    "just text",
    "name: x\nnodes: 5",
    "name: x\nnodes:\n  ? [a, b]\n  : 1",
    "name: x\nnodes: {a: {kind: [host]}}",
    "name: x\nnodes: {a: {kind: host, interfaces: {eth0: {ip: [1]}}}}",
    "name: x\nnodes: {}\nlinks: [5, null, [a]]\nscript: [{at: 1s, node: 7, do: 9}]",
    "\u0000\u0001\u0002",
    "name: &a x\nnodes: *a",
    "name: x\nnodes: {a: *missing}",
  ];
  const good = Deno.readTextFileSync(new URL("./good/two-lans.yaml", import.meta.url));
  for (let cut = 0; cut < good.length; cut += 37) inputs.push(good.slice(0, cut));
  for (const text of inputs) {
    const r = loadTopology(text, "f.yaml");
    if (!r.ok) {
      assert.ok(r.errors.length > 0, JSON.stringify(text));
      for (const e of r.errors) {
        assert.ok(e.line >= 1 && e.col >= 1, `${JSON.stringify(text)}: ${formatTopologyError(e)}`);
        assert.doesNotMatch(e.message, /internal error/, `${JSON.stringify(text)}: ${e.message}`);
      }
    }
  }
});

Deno.test("a kind reads its own keys into the node's settings and runs its cross-checks", () => {
  const m = load(`
name: k
nodes:
  n: {kind: nat-router, outside: wan, ipsec-passthrough: spi, interfaces: {lan: 10.0.0.1/24, wan: 203.0.113.2/24}}
`);
  assert.deepEqual(m.nodes[0].config, { outside: "wan", "ipsec-passthrough": "spi" });
  assert.deepEqual(
    errors(`
name: k
nodes:
  n: {kind: nat-router, outside: wna, passthru: 30, interfaces: {lan: 10.0.0.1/24}}
  m: {kind: nat-router, interfaces: {wan: 203.0.113.3/24}}
  h: {kind: host, outside: x, interfaces: {eth0: 10.0.0.1/24}}
`),
    [
      't.yaml:4:34: outside: n has no interface "wna" (it has lan)',
      't.yaml:4:39: unknown key "passthru" in node n',
      't.yaml:5:3: node m: missing required key "outside"',
      't.yaml:6:19: "outside" is not allowed on a host node (only on nat-router nodes)',
    ],
  );
});

Deno.test("Windows line endings and a byte-order mark do not shift positions", () => {
  const text = Deno.readTextFileSync(new URL("./bad/routes.yaml", import.meta.url));
  const plain = errors(text);
  assert.deepEqual(errors(text.replaceAll("\n", "\r\n")), plain);
  assert.deepEqual(errors("\ufeff" + text), plain);
});
