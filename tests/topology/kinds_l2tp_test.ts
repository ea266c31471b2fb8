import assert from "node:assert/strict";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";

const base = (nodes: string, script = "") =>
  `name: t
nodes:
  laptop:
    kind: host
    interfaces: { eth0: 192.168.1.10/24 }
    gateway: 192.168.1.1
${nodes}
${script ? `script:\n${script}` : ""}`;

const lns = (extra: string) =>
  `  lns:
    kind: lns
    interfaces: { wan0: 203.0.113.10/24 }
${extra}`;

/** `line:col` of the first occurrence of `needle` (1-based), to say where an error must point. */
function at(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `"${needle}" not in the test topology`);
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

function errors(text: string): string[] {
  const r = loadTopology(text, "t.yaml");
  return r.ok ? [] : r.errors.map(formatTopologyError);
}

Deno.test("lns: a valid LNS loads with its pool parsed", () => {
  const r = loadTopology(
    base(
      lns(
        "    users: { alice: wonderland }\n    pool: 10.10.99.100-10.10.99.199\n    local-address: 10.10.99.1\n",
      ),
    ),
    "t.yaml",
  );
  assert.ok(r.ok, r.ok ? "" : r.errors.map(formatTopologyError).join("\n"));
  const spec = r.model.nodes.find((n) => n.name === "lns")!;
  assert.deepEqual(spec.config.pool, { first: 0x0a0a6364, last: 0x0a0a63c7 });
});

Deno.test("lns: pool, local address and users mistakes are reported where they are written", () => {
  const reversed = base(
    lns("    users: { alice: x }\n    pool: 10.10.99.199-10.10.99.100\n    local-address: 10.10.99.1\n"),
  );
  assert.deepEqual(errors(reversed), [
    `t.yaml:${
      at(reversed, "10.10.99.199-")
    }: pool: 10.10.99.199 comes after 10.10.99.100; write the lower address first`,
  ]);
  const inside = base(
    lns("    users: { alice: x }\n    pool: 10.10.99.100-10.10.99.199\n    local-address: 10.10.99.150\n"),
  );
  assert.deepEqual(errors(inside), [
    `t.yaml:${
      at(inside, "10.10.99.150")
    }: local-address 10.10.99.150 lies inside the pool; the LNS would hand its own address out`,
  ]);
  const noUsers = base(lns("    pool: 10.10.99.100-10.10.99.199\n    local-address: 10.10.99.1\n"));
  assert.deepEqual(errors(noUsers), [
    `t.yaml:${at(noUsers, "lns:")}: node lns: auth chap needs users (a map of user names to passwords)`,
  ]);
  const single = base(lns("    auth: none\n    pool: 10.10.99.100\n    local-address: 10.10.99.1\n"));
  assert.deepEqual(errors(single), [
    `t.yaml:${at(single, "10.10.99.100")}: pool: "10.10.99.100" is not an address range ` +
    "(write it like 10.10.99.100-10.10.99.199 (first address, a dash, last address))",
  ]);
  const typo = base(
    lns("    auth: none\n    pool: 10.10.99.100-10.10.99.110\n    local-address: 10.10.99.1\n    poool: 1\n"),
  );
  assert.deepEqual(errors(typo), [
    `t.yaml:${at(typo, "poool")}: unknown key "poool" in node lns (did you mean "pool"?)`,
  ]);
});

Deno.test("vpn: profiles are checked, and so is every vpn command in the script", () => {
  const profile = (extra: string) =>
    `    vpn:\n      office:\n        server: 203.0.113.10\n        user: alice\n        password: x\n${extra}`;
  const text = base("", "  - { at: 1s, node: laptop, do: vpn connect home }\n").replace(
    "    gateway: 192.168.1.1\n",
    `    gateway: 192.168.1.1\n${profile("")}`,
  );
  assert.deepEqual(errors(text), [
    `t.yaml:${at(text, "{ at: 1s")}: laptop has no vpn profile "home" (it has office)`,
  ]);
  const split = base("").replace(
    "    gateway: 192.168.1.1\n",
    `    gateway: 192.168.1.1\n${profile("        routes: split\n")}`,
  );
  assert.deepEqual(errors(split), [
    `t.yaml:${
      at(split, "split")
    }: vpn office: routes: split needs networks (the ones to send through the tunnel)`,
  ]);
  const typo = base("").replace(
    "    gateway: 192.168.1.1\n",
    `    gateway: 192.168.1.1\n${profile("        sever: 1.2.3.4\n")}`,
  );
  assert.deepEqual(errors(typo), [
    `t.yaml:${at(typo, "sever")}: unknown key "sever" in vpn office (did you mean "server"?)`,
  ]);
});

Deno.test("vpn connect / dial: commands only where they make sense", () => {
  const text = base(
    "  pc:\n    kind: subscriber\n    isp: laptop\n    user: bob\n",
    "  - { at: 1s, node: laptop, do: dial }\n",
  );
  const found = errors(text);
  assert.ok(
    found.some((e) => e.includes('"dial" cannot run on a host (only on: subscriber)')),
    found.join("\n"),
  );
  assert.ok(
    found.some((e) => e.includes("isp: laptop is not an isp node with a lac block")),
    found.join("\n"),
  );
});

Deno.test("pptp-server: the pool check it shares with lns names the server and its interface", () => {
  const text = base(`  vpn:
    kind: pptp-server
    interfaces: { wan0: 203.0.113.10/24, lan0: 10.10.99.120/24 }
    users: { alice: x }
    pool: 10.10.99.100-10.10.99.199
    local-address: 10.10.99.150
`);
  // Sorted by position: the pool line comes first.
  assert.deepEqual(errors(text), [
    `t.yaml:${at(text, "10.10.99.100-")}: pool: 10.10.99.120 (interface lan0) lies inside the pool`,
    `t.yaml:${
      at(text, "10.10.99.150")
    }: local-address 10.10.99.150 lies inside the pool; the server would hand its own address out`,
  ]);
});
