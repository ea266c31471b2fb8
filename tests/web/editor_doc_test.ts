import assert from "node:assert/strict";
import { parse } from "yaml";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import {
  addAction,
  addInterface,
  addLink,
  addListItem,
  addNode,
  moveNode,
  NEW_TOPOLOGY,
  removeInterface,
  removeNode,
  renameInterface,
  renameNode,
  setValue,
} from "../../web/editor/doc.ts";
import { placeErrors } from "../../web/editor/error_paths.ts";
import { readShape } from "../../web/editor/shape.ts";
import { traceDifference } from "./same_trace.ts";

const LESSON = new URL("../../topologies/basics-ping.yaml", import.meta.url);

/** Builds basics-ping with the editor's operations only, in the order a user would. */
function buildBasicsPing(): string {
  let t = NEW_TOPOLOGY;
  t = setValue(t, ["name"], "basics-ping", 0);
  t = setValue(t, ["duration"], "12s", 0);
  const host = (at: number, name: string, addr: string, gw: string) => {
    const added = addNode(t, "host", { x: at, y: 200 });
    t = renameNode(added.text, added.name, name)!;
    t = addInterface(t, name, addr).text;
    t = setValue(t, ["nodes", name, "gateway"], gw);
  };
  const router = (at: number, name: string, ifaces: [string, string][], to: string, via: string) => {
    const added = addNode(t, "router", { x: at, y: 200 });
    t = renameNode(added.text, added.name, name)!;
    for (const [iface, addr] of ifaces) {
      const made = addInterface(t, name, addr);
      t = renameInterface(made.text, name, made.name, iface)!;
    }
    t = addListItem(t, ["nodes", name, "routes"], {}, true);
    t = setValue(t, ["nodes", name, "routes", 0, "to"], to);
    t = setValue(t, ["nodes", name, "routes", 0, "via"], via);
  };
  host(80, "laptop", "192.168.1.10/24", "192.168.1.1");
  router(280, "r1", [["lan0", "192.168.1.1/24"], ["wan0", "10.1.0.1/30"]], "10.2.0.0/24", "10.1.0.2");
  router(480, "r2", [["wan0", "10.1.0.2/30"], ["lan0", "10.2.0.1/24"]], "192.168.1.0/24", "10.1.0.1");
  host(680, "server", "10.2.0.5/24", "10.2.0.1");
  const link = (a: string, b: string, name: string, settings: Record<string, string>) => {
    const [an, ai] = a.split(":");
    const [bn, bi] = b.split(":");
    const made = addLink(t, { node: an, iface: ai }, { node: bn, iface: bi });
    t = setValue(made.text, ["links", made.index, "name"], name);
    for (const [k, v] of Object.entries(settings)) t = setValue(t, ["links", made.index, k], v);
  };
  link("laptop:eth0", "r1:lan0", "home-lan", { delay: "1ms" });
  link("r1:wan0", "r2:wan0", "backbone", { delay: "10ms", bandwidth: "10Mbps" });
  link("r2:lan0", "server:eth0", "office-lan", { delay: "1ms" });
  t = addAction(t, { at: "1s", node: "laptop", do: "ping 10.2.0.5 count 3" }).text;
  t = addAction(t, { at: "5s", node: "laptop", do: "ping 10.2.0.5 count 1 ttl 2" }).text;
  t = addAction(t, { at: "8s", node: "laptop", do: "ping 172.16.0.1 count 1" }).text;
  return t;
}

Deno.test("basics-ping built with the editor's operations validates and runs as the lesson does", () => {
  const built = buildBasicsPing();
  const ours = loadTopology(built, "built.yaml");
  assert.ok(ours.ok, ours.ok ? "" : JSON.stringify(ours.errors));
  const lesson = loadTopology(Deno.readTextFileSync(LESSON), "basics-ping.yaml");
  assert.ok(lesson.ok);
  const a = simulate(ours.model).records;
  const b = simulate(lesson.model).records;
  // Not an empty comparison: the lesson puts dozens of packets on the wire.
  assert.ok(a.filter((r) => r.kind === "tx" && r.bytes && r.bytes.length > 0).length > 20);
  assert.equal(traceDifference(a, b), null);
  // The comment the new network starts with survived every change.
  assert.match(built, /^# Built in the Tunnel Lab editor\./);
  // Written as the lessons write them: a position and a route are one flow map on their line.
  assert.match(built, /position: \{ x: 80, y: 200 \}/);
  assert.match(built, /- \{ to: 10\.2\.0\.0\/24, via: 10\.1\.0\.2 \}/);
});

Deno.test("editing a lesson keeps its comments and everything not touched", () => {
  const text = `# top comment
name: t
nodes:
  a: # the client
    kind: host
    interfaces: { eth0: 10.0.0.2/24 }
  b:
    kind: host
    interfaces: { eth0: 10.0.0.3/24 }
links:
  - endpoints: [a:eth0, b:eth0] # the only wire
script:
  - { at: 1s, node: a, do: ping 10.0.0.3 }
`;
  const moved = moveNode(text, "a", { x: 10.4, y: 20 });
  assert.match(moved, /# top comment/);
  assert.match(moved, /a:\s+# the client\n/);
  assert.match(moved, /# the only wire/);
  assert.deepEqual(parse(moved).nodes.a.position, { x: 10, y: 20 });
  const renamed = renameNode(moved, "a", "client")!;
  assert.deepEqual(parse(renamed).links[0].endpoints, ["client:eth0", "b:eth0"]);
  assert.equal(parse(renamed).script[0].node, "client");
  assert.match(renamed, /client:\s+# the client\n/);
  assert.equal(renameNode(renamed, "client", "b"), undefined, "b is taken");
  const ifaceRenamed = renameInterface(renamed, "b", "eth0", "lan0")!;
  assert.deepEqual(parse(ifaceRenamed).links[0].endpoints, ["client:eth0", "b:lan0"]);
  const removed = removeNode(ifaceRenamed, "b");
  assert.deepEqual(parse(removed).links, []);
  assert.equal(Object.keys(parse(removed).nodes).join(), "client");
  const noIface = removeInterface(renamed, "b", "eth0");
  assert.deepEqual(parse(noIface).links, []);
  assert.equal(parse(noIface).nodes.b.interfaces, undefined, "an emptied interfaces map goes");
});

Deno.test("clearing a field removes the key, and nested maps it empties", () => {
  let t = "name: t\nnodes:\n  n:\n    kind: nat-router\n";
  t = setValue(t, ["nodes", "n", "nat", "mapping"], "address-dependent");
  assert.deepEqual(parse(t).nodes.n.nat, { mapping: "address-dependent" });
  t = setValue(t, ["nodes", "n", "nat", "mapping"], undefined);
  assert.deepEqual(parse(t).nodes.n, { kind: "nat-router" });
});

Deno.test("the loader's errors land on the field that holds them", () => {
  let t = addNode(NEW_TOPOLOGY, "host", { x: 0, y: 0 }).text;
  t = addInterface(t, "host1", "10.0.0.300/24").text;
  t = setValue(t, ["nodes", "host1", "gateway"], "10.0.0.1");
  t = addAction(t, { at: "1s", node: "host1", do: "ping nowhere" }).text;
  const loaded = loadTopology(t, "x.yaml");
  assert.ok(!loaded.ok);
  const placed = placeErrors(t, loaded.errors).map((p) => p.path.join("."));
  assert.ok(placed.includes("nodes.host1.interfaces.eth0"), placed.join(" | "));
  assert.ok(placed.includes("script.0.do"), placed.join(" | "));
  // A missing required key is reported at the node's name: it belongs to the node.
  const bare = addNode(NEW_TOPOLOGY, "tap", { x: 0, y: 0 }).text;
  const missing = loadTopology(bare, "x.yaml");
  assert.ok(!missing.ok);
  assert.deepEqual(placeErrors(bare, missing.errors).map((p) => p.path.join(".")), ["nodes.tap1"]);
});

Deno.test("the drawing is read from a half-built file", () => {
  let t = addNode(NEW_TOPOLOGY, "host", { x: 5, y: 6 }).text;
  t = addInterface(t, "host1").text; // no address yet
  t = addLink(t, { node: "host1", iface: "eth0" }, { node: "nowhere", iface: "x" }).text;
  const shape = readShape(t);
  assert.deepEqual(shape.nodes, [{
    name: "host1",
    kind: "host",
    position: { x: 5, y: 6 },
    interfaces: [{ name: "eth0", address: "" }],
  }]);
  assert.equal(shape.links[0].name, "host1_nowhere");
});
