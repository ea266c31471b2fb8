import assert from "node:assert/strict";
import { SECOND } from "../../src/engine/time.ts";
import type { IpsecConfig } from "../../src/stack/ipsec/config.ts";
import { getKind, KINDS, settingChoices } from "../../src/kinds/index.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";

function topology(ipsec: string, kind = "host"): string {
  return [
    "name: t",
    "nodes:",
    "  a:",
    `    kind: ${kind}`,
    "    interfaces: {eth0: 10.0.0.1/24}",
    ...ipsec.split("\n").map((line) => `    ${line}`),
    "  b:",
    "    kind: host",
    "    interfaces: {eth0: 10.0.0.2/24}",
    "links:",
    "  - {endpoints: [a:eth0, b:eth0]}",
  ].join("\n");
}

function config(ipsec: string, kind = "host"): IpsecConfig {
  const r = loadTopology(topology(ipsec, kind), "t.yaml");
  if (!r.ok) throw new Error(r.errors.map(formatTopologyError).join("\n"));
  return r.model.nodes[0].config.ipsec as IpsecConfig;
}

function errors(ipsec: string): string[] {
  const r = loadTopology(topology(ipsec), "t.yaml");
  assert.equal(r.ok, false, "expected errors");
  return r.ok ? [] : r.errors.map(formatTopologyError);
}

Deno.test("ipsec: a psk alone gets strongSwan-like defaults", () => {
  const c = config('ipsec: {psk: "classroom-secret"}');
  assert.equal(c.psk, "classroom-secret");
  assert.equal(c.enabled, true);
  assert.equal(c.peers, "any");
  assert.equal(c.natT, "auto");
  assert.deepEqual(c.ike, {
    proposals: [{ encryption: "aes128", hash: "sha1", group: "modp2048" }],
    lifetime: 28800 * SECOND,
  });
  assert.deepEqual(c.esp, {
    proposals: [{ encryption: "aes128-cbc", integrity: "hmac-sha1-96" }],
    lifetime: 3600 * SECOND,
  });
  assert.equal(c.keepalive, 20 * SECOND);
});

Deno.test("ipsec: every key as the brief's example writes it, on host, router and lns", () => {
  const block = [
    "ipsec:",
    '  psk: "classroom-secret"',
    "  peers: [203.0.113.10]",
    "  nat-t: force",
    "  ike: {encryption: 3des, hash: sha256, group: modp1024}",
    "  esp: {encryption: aes256-gcm16}",
    "  keepalive: off",
    "  enabled: false",
  ].join("\n");
  for (const kind of ["host", "router"]) {
    const c = config(block, kind);
    assert.deepEqual(c.peers, ["203.0.113.10"]);
    assert.equal(c.natT, "force");
    assert.equal(c.ike.proposals[0].encryption, "3des");
    assert.equal(c.ike.proposals[0].group, "modp1024");
    assert.equal(c.esp.proposals[0].encryption, "aes256-gcm16");
    assert.equal(c.keepalive, 0);
    assert.equal(c.enabled, false);
  }
  assert.ok(getKind("lns")?.keys.ipsec, "lns nodes may carry ipsec too");
  assert.equal(config("ipsec: {psk: x, keepalive: 5s}").keepalive, 5 * SECOND);
});

Deno.test("ipsec: mistakes are reported at their line and column", () => {
  assert.deepEqual(errors("ipsec: {peers: any}"), ['t.yaml:6:5: ipsec: missing required key "psk"']);
  assert.deepEqual(errors("ipsec: {psk: x, peers: everyone}"), [
    't.yaml:6:28: peers: expected a list of addresses like [203.0.113.10] or any, got "everyone"',
  ]);
  const [bad] = errors("ipsec: {psk: x, nat-t: maybe}");
  assert.match(bad, /^t\.yaml:6:28: nat-t: "maybe" is not one of "auto", "force", "off"/);
  const [alg] = errors("ipsec: {psk: x, ike: {encryption: blowfish}}");
  assert.match(alg, /^t\.yaml:6:\d+: encryption: "blowfish" is not one of "aes128"/);
  const [gcm] = errors("ipsec: {psk: x, esp: {encryption: aes128-gcm16, integrity: hmac-sha1-96}}");
  assert.match(gcm, /aes128-gcm16 authenticates by itself; remove esp.integrity/);
  const [peer] = errors("ipsec: {psk: x, peers: [203.0.113]}");
  assert.match(peer, /^t\.yaml:6:29: peers\[0\]: /);
  assert.match(errors("ipsec: {psk: x, dpdaction: clear}")[0], /unknown key "dpdaction" in ipsec/);
  assert.match(errors("ipsec: {psk: x, dpd: 30s}")[0], /dpd: expected a map/);
});

Deno.test("the ipsec key belongs to exactly the kinds that can end an L2TP/IPsec tunnel", () => {
  assert.deepEqual(KINDS.filter((k) => "ipsec" in k.keys).map((k) => k.name), ["host", "router", "lns"]);
  const natT = settingChoices("router").find((c) => c.path.join(".") === "ipsec.nat-t");
  assert.deepEqual(natT?.options, ["auto", "force", "off"]);
});

Deno.test("ipsec: proposals as strongSwan strings and YAML lists; dpd and behaviour", () => {
  const c = config([
    "ipsec:",
    '  psk: "k"',
    '  ike: "aes256-sha256-modp2048,aes128-sha1-modp2048"',
    "  esp: [aes256-sha256, {encryption: 3des-cbc, integrity: hmac-sha1-96}, aes128gcm16]",
    "  dpd: {delay: 30s, timeout: 150s, action: restart}",
    "  behaviour: one-sa-per-address",
  ].join("\n"));
  assert.deepEqual(c.ike.proposals.map((p) => p.encryption), ["aes256", "aes128"]);
  assert.deepEqual(c.esp.proposals.map((p) => p.encryption), ["aes256-cbc", "3des-cbc", "aes128-gcm16"]);
  assert.deepEqual(c.dpd, { delay: 30 * SECOND, timeout: 150 * SECOND, action: "restart" });
  assert.equal(c.behaviour, "one-sa-per-address");
});

Deno.test("ipsec: a bad proposal string is reported at its position with what is wrong", () => {
  const found = errors(["ipsec:", '  psk: "k"', '  ike: "aes256-sha999-modp2048"'].join("\n"));
  assert.equal(found.length, 1, found.join("\n"));
  assert.match(found[0], /^t\.yaml:8:\d+: .*unknown algorithm "sha999"/);
  const listed = errors(["ipsec:", '  psk: "k"', "  esp: [aes128-sha1, aes128gcm16-sha1]"].join("\n"));
  assert.match(listed[0], /t\.yaml:8:\d+: .*authenticates by itself/);
});

Deno.test("ipsec: strongSwan's lifetime names and rekeying", () => {
  const c = config(
    'ipsec: {psk: "k", ike: "aes128-sha1-modp2048", ikelifetime: 3h, lifetime: 20m, margintime: 3m, rekey: false}',
  );
  assert.equal(c.ike.lifetime, 3 * 3600 * SECOND);
  assert.equal(c.esp.lifetime, 20 * 60 * SECOND);
  assert.equal(c.margin, 180 * SECOND);
  assert.equal(c.rekey, false);
});
