/**
 * `client:` profiles: what each real client offers on the wire, and Windows' refusal of a server
 * behind a NAT (AssumeUDPEncapsulationContextOnSendRule, KB 926179: 0 none, 1 server behind NAT,
 * 2 both behind NAT), which the user sees as error 809. The expected transform lists are written
 * here from the public sources docs/ipsec.md names, as ISAKMP attribute values (RFC 2409 App. A).
 */
import assert from "node:assert/strict";
import { resolveIpsecConfig } from "../../../src/stack/ipsec/config.ts";
import { natRefusal } from "../../../src/stack/ipsec/client_profiles.ts";
import { VID_DPD } from "../../../src/stack/ipsec/derive.ts";
import { simulate } from "../../../src/sim.ts";
import { tableAt } from "../../../src/trace/tables.ts";
import { formatTopologyError, loadTopology } from "../../../src/topology/load.ts";
import { decodeIsakmp, type Payload } from "../../../src/wire/isakmp.ts";
import { ipsecLab, logs, onLink } from "./harness.ts";

/** Main Mode message 1 as the client sent it. */
function firstMessage(client: Record<string, unknown>) {
  const { records } = simulate(ipsecLab({ client }));
  const ike = onLink(records, "dmz").find((r) => r.proto === "IKE")!;
  const decoded = decodeIsakmp(ike.bytes!.subarray(28));
  assert.ok(decoded.ok);
  return { records, payloads: decoded.value.payloads.map((p) => p.payload) };
}

/** Each transform as [cipher, key bits, hash, auth, group, life seconds]. */
function transforms(payloads: Payload[]): number[][] {
  const sa = payloads.find((p) => p.kind === "sa") as Extract<Payload, { kind: "sa" }>;
  return sa.proposals[0].transforms.map((t) => {
    const a = (type: number) => t.attributes.find((x) => x.type === type)?.value as number ?? 0;
    return [a(1), a(14), a(2), a(3), a(4), a(12)];
  });
}

const AES = 7, TDES = 5, MD5 = 1, SHA1 = 2, SHA256 = 4, PSK = 1, G2 = 2, G14 = 14;

Deno.test("client: windows offers AES-256, AES-128 and 3DES with SHA-1, MODP-2048 then 3DES/MODP-1024, 8 h", () => {
  const { payloads, records } = firstMessage({ client: "windows" });
  assert.deepEqual(transforms(payloads), [
    [AES, 256, SHA1, PSK, G14, 28800],
    [AES, 128, SHA1, PSK, G14, 28800],
    [TDES, 0, SHA1, PSK, G14, 28800],
    [TDES, 0, SHA1, PSK, G2, 28800],
  ]);
  // Windows announces NAT-T, not RFC 3706 DPD.
  const vids = payloads.filter((p) => p.kind === "vid").map((p) => (p as { data: Uint8Array }).data);
  assert.equal(vids.length, 2);
  assert.ok(!vids.some((v) => v.every((b, i) => b === VID_DPD[i])));
  // The default server takes Windows' second transform.
  assert.equal([...tableAt(records, "server", "ike-sas")!.values()][0].proposal, "aes128-sha1-modp2048");
  const esp = resolveIpsecConfig({ psk: "k", client: "windows" }).esp;
  assert.deepEqual(esp.proposals.map((p) => `${p.encryption}/${p.integrity}`), [
    "aes256-cbc/hmac-sha1-96",
    "aes128-cbc/hmac-sha1-96",
    "3des-cbc/hmac-sha1-96",
  ]);
  assert.equal(esp.lifetime, 3600_000_000);
});

Deno.test("client: macos offers fourteen transforms, 1 h, ending in 3DES/MD5/group 2, and announces DPD", () => {
  const { payloads } = firstMessage({ client: "macos" });
  const t = transforms(payloads);
  assert.equal(t.length, 14);
  assert.deepEqual(t[0], [AES, 256, SHA256, PSK, G14, 3600]);
  assert.deepEqual(t.at(-1), [TDES, 0, MD5, PSK, G2, 3600]);
  assert.ok(t.some((x) => x[0] === TDES && x[2] === SHA1 && x[4] === G2), "3DES/SHA-1/group 2 is among them");
  const vids = payloads.filter((p) => p.kind === "vid").map((p) => (p as { data: Uint8Array }).data);
  assert.ok(vids.some((v) => v.every((b, i) => b === VID_DPD[i])));
});

Deno.test("client: strongswan and xl2tpd offer the setup guides' proposals with their lifetimes", () => {
  assert.deepEqual(transforms(firstMessage({ client: "strongswan" }).payloads), [[
    AES,
    128,
    SHA1,
    PSK,
    G14,
    10800,
  ]]);
  assert.deepEqual(transforms(firstMessage({ client: "xl2tpd" }).payloads), [
    [AES, 256, SHA1, PSK, G14, 28800],
    [AES, 128, SHA1, PSK, G14, 28800],
    [TDES, 0, SHA1, PSK, G2, 28800],
  ]);
  const s = resolveIpsecConfig({ psk: "k", client: "strongswan" });
  assert.equal(s.margin, 540_000_000);
});

Deno.test("explicit ike, esp and lifetimes win over a profile's", () => {
  const c = resolveIpsecConfig({ psk: "k", client: "windows", ike: "3des-md5-modp1024", esp: "3des-sha1" });
  assert.deepEqual(c.ike.proposals, [{ encryption: "3des", hash: "md5", group: "modp1024" }]);
  assert.equal(c.ike.lifetime, 28800_000_000, "the profile's lifetime stays");
  assert.equal(c.client, "windows");
});

Deno.test("AssumeUDPEncapsulationContextOnSendRule: 0 refuses a server behind NAT, 1 allows it, 2 also both behind NAT", () => {
  const cases: [0 | 1 | 2, boolean, boolean, boolean][] = [
    // setting, client behind NAT, server behind NAT, refused
    [0, false, false, false],
    [0, true, false, false],
    [0, false, true, true],
    [0, true, true, true],
    [1, false, true, false],
    [1, true, true, true],
    [2, false, true, false],
    [2, true, true, false],
  ];
  for (const [setting, local, remote, refused] of cases) {
    assert.equal(natRefusal(setting, local, remote) !== null, refused, `${setting} ${local} ${remote}`);
  }
  assert.match(natRefusal(0, false, true)!, /error 809/);
});

Deno.test("a Windows client stops after NAT detection (no message 5) and logs error 809; value 1 lets it through", () => {
  // The server forces NAT-T: its NAT-D makes it look as if it were behind a NAT.
  const server = { natT: "force" };
  const refused = simulate(ipsecLab({ client: { client: "windows" }, server }));
  const log = logs(refused.records, "client");
  assert.ok(
    log.some((l) => /^windows client: the VPN server is behind a NAT, .* is 0 .*error 809/.test(l)),
    log.join("\n"),
  );
  assert.ok(!log.some((l) => l.startsWith("IKE_SA established")));
  assert.ok(!log.includes("switching to port 4500 (NAT-T)"));
  const ike = onLink(refused.records, "dmz").filter((r) => r.proto === "IKE" && r.node === "client");
  assert.ok(ike.every((r) => !/encrypted/.test(r.summary)), "no encrypted message 5 from the client");
  const allowed = simulate(ipsecLab({ client: { client: "windows", assumeUdpEncapsulation: 1 }, server }));
  assert.equal(logs(allowed.records, "client").filter((l) => l.startsWith("udp reply")).length, 2);
});

Deno.test("with the client behind a NAT too, 1 is not enough and 2 is", () => {
  const nat = { preset: "home-router" };
  const one = simulate(
    ipsecLab({ client: { client: "windows", assumeUdpEncapsulation: 1 }, server: { natT: "force" }, nat }),
  );
  assert.ok(
    logs(one.records, "client").some((l) => /and so is this client, .* is 1 \(2 allows that\)/.test(l)),
  );
  const two = simulate(
    ipsecLab({ client: { client: "windows", assumeUdpEncapsulation: 2 }, server: { natT: "force" }, nat }),
  );
  assert.equal(logs(two.records, "client").filter((l) => l.startsWith("udp reply")).length, 2);
});

function load(ipsec: string) {
  return loadTopology(
    [
      "name: t",
      "nodes:",
      "  a:",
      "    kind: host",
      "    interfaces: {eth0: 10.0.0.1/24}",
      `    ipsec: ${ipsec}`,
      "  b:",
      "    kind: host",
      "    interfaces: {eth0: 10.0.0.2/24}",
      "links:",
      "  - {endpoints: [a:eth0, b:eth0]}",
    ].join("\n"),
    "t.yaml",
  );
}

Deno.test("YAML: client, assume-udp-encapsulation and aggressive: yes; bad values at their position", () => {
  const ok = load("{psk: k, client: windows, assume-udp-encapsulation: 2, aggressive: yes}");
  assert.ok(ok.ok, ok.ok ? "" : ok.errors.map(formatTopologyError).join("\n"));
  if (ok.ok) {
    const c = ok.model.nodes[0].config.ipsec as ReturnType<typeof resolveIpsecConfig>;
    assert.equal(c.client, "windows");
    assert.equal(c.assumeUdpEncapsulation, 2);
    assert.equal(c.aggressive, true);
    assert.equal(c.ike.proposals.length, 4);
  }
  // Only Windows has the rule; the value is kept for a what-if that switches the client back to windows.
  const other = load("{psk: k, client: macos, assume-udp-encapsulation: 2}");
  assert.ok(other.ok);
  const range = load("{psk: k, client: windows, assume-udp-encapsulation: 3}");
  assert.ok(!range.ok);
  if (!range.ok) {
    assert.match(formatTopologyError(range.errors[0]), /^t\.yaml:6:\d+: assume-udp-encapsulation/);
  }
  const which = load("{psk: k, client: android}");
  assert.ok(!which.ok);
  if (!which.ok) {
    assert.match(formatTopologyError(which.errors[0]), /"android" is not one of "windows", "macos"/);
  }
});
