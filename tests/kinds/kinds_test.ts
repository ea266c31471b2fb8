/**
 * The list of kinds and commands holds together: names are unique, every command a kind lists exists,
 * every node command has a kind that runs it, and the what-if choices come from the schemas.
 */
import assert from "node:assert/strict";
import { COMMANDS, getKind, kindNames, KINDS, settingChoices } from "../../src/kinds/index.ts";

Deno.test("kinds: unique names, each found by name, in the list's order", () => {
  const names = kindNames();
  assert.equal(new Set(names).size, names.length);
  for (const kind of KINDS) assert.equal(getKind(kind.name), kind);
  assert.equal(getKind("switch"), undefined);
  for (const name of ["host", "router", "nat-router", "isp", "lns", "subscriber", "tap", "stun-server"]) {
    assert.ok(names.includes(name), name);
  }
});

Deno.test("kinds: every command a kind lists is defined, and every node command runs somewhere", () => {
  const defined = new Set(COMMANDS.map((c) => c.name));
  for (const kind of KINDS) {
    for (const command of kind.commands) assert.ok(defined.has(command), `${kind.name}: ${command}`);
  }
  for (const command of COMMANDS) {
    if (command.target === "node") assert.ok(command.kinds!.length > 0, command.name);
    else assert.equal(command.kinds, undefined, command.name);
  }
  assert.deepEqual(COMMANDS.find((c) => c.name === "dial")?.kinds, ["subscriber"]);
});

Deno.test("what-if choices: a NAT router's behaviours and passthrough modes, from its schemas", () => {
  const choices = new Map(settingChoices("nat-router").map((c) => [c.path.join("."), c.options]));
  const rfc4787 = ["endpoint-independent", "address-dependent", "address-and-port-dependent"];
  assert.deepEqual(choices.get("nat.mapping"), rfc4787);
  assert.deepEqual(choices.get("nat.filtering"), rfc4787);
  assert.deepEqual(choices.get("ipsec-passthrough"), ["off", "udp-only", "single", "spi"]);
  assert.ok(choices.has("preset"));
  assert.ok(!choices.has("outside"), "a free-text key offers no choices");
  assert.ok(settingChoices("isp").some((c) => c.path.join(".") === "cgnat.nat.mapping"));
  assert.deepEqual(settingChoices("no-such-kind"), []);
});
