/**
 * Proposal lists: strongSwan's syntax and YAML lists beside the single map; the responder takes the
 * first of the initiator's transforms it accepts (RFC 2409), key length included, and answers with
 * exactly one (RFC 2408 §4.2); refusals say what was offered and what is accepted.
 */
import assert from "node:assert/strict";
import { resolveIpsecConfig } from "../../../src/stack/ipsec/config.ts";
import { parseEspProposals, parseIkeProposals } from "../../../src/stack/ipsec/proposal_text.ts";
import { simulate } from "../../../src/sim.ts";
import { tableAt } from "../../../src/trace/tables.ts";
import { decodeIsakmp, type Payload } from "../../../src/wire/isakmp.ts";
import { ipsecLab, logs, onLink } from "./harness.ts";

Deno.test("strongSwan proposal strings: each proposal, every combination of its algorithms, in order", () => {
  const ike = parseIkeProposals("aes256-sha256-modp2048,aes128-aes192-sha1-modp2048!, 3des-md5-modp1024");
  assert.ok(ike.ok);
  assert.deepEqual(ike.value, [
    { encryption: "aes256", hash: "sha256", group: "modp2048" },
    { encryption: "aes128", hash: "sha1", group: "modp2048" },
    { encryption: "aes192", hash: "sha1", group: "modp2048" },
    { encryption: "3des", hash: "md5", group: "modp1024" },
  ]);
  const esp = parseEspProposals("aes256-sha256,aes128gcm16,3des-sha1");
  assert.ok(esp.ok);
  assert.deepEqual(esp.value.map((p) => p.encryption), ["aes256-cbc", "aes128-gcm16", "3des-cbc"]);
  assert.equal(esp.value[0].integrity, "hmac-sha256-128");
});

Deno.test("bad proposal strings say what is wrong", () => {
  const cases: [{ ok: boolean; error?: string }, RegExp][] = [
    [parseIkeProposals("aes256-sha256"), /names no Diffie-Hellman group/],
    [parseIkeProposals("aes256-sha999-modp2048"), /unknown algorithm "sha999"/],
    [parseIkeProposals("aes128-sha1-modp2048,,"), /empty proposal/],
    [parseEspProposals("aes128gcm16-sha1"), /authenticates by itself/],
    [parseEspProposals("aes128-sha1-modp2048"), /PFS/],
    [parseEspProposals("aes128"), /no integrity algorithm/],
  ];
  for (const [result, error] of cases) {
    assert.equal(result.ok, false);
    assert.match(result.error ?? "", error);
  }
});

Deno.test("settings: a map, a string or a YAML list all resolve to proposal lists", () => {
  const map = resolveIpsecConfig({ psk: "k", ike: { encryption: "3des" } });
  assert.deepEqual(map.ike.proposals, [{ encryption: "3des", hash: "sha1", group: "modp2048" }]);
  const text = resolveIpsecConfig({ psk: "k", esp: "aes256-sha256,aes128-sha1" });
  assert.deepEqual(text.esp.proposals.map((p) => p.encryption), ["aes256-cbc", "aes128-cbc"]);
  const list = resolveIpsecConfig({ psk: "k", ike: ["aes256-sha256-modp2048", { encryption: "3des" }] });
  assert.deepEqual(list.ike.proposals.map((p) => p.encryption), ["aes256", "3des"]);
});

function isakmpOnWire(records: ReturnType<typeof simulate>["records"]) {
  return onLink(records, "dmz").filter((r) => r.proto === "IKE").slice(0, 2).map((r) => {
    const decoded = decodeIsakmp(r.bytes!.subarray(28));
    assert.ok(decoded.ok, decoded.ok ? "" : decoded.error);
    return decoded.value;
  });
}

Deno.test("charon's two proposals against a server that accepts only the second: it is chosen, as one transform", () => {
  const result = simulate(ipsecLab({
    client: { ike: "aes256-sha256-modp2048,aes128-sha1-modp2048", esp: "aes256-sha256,aes128-sha1" },
    server: { ike: "aes128-sha1-modp2048", esp: "aes128-sha1,3des-sha1" },
  }));
  const { records } = result;
  assert.equal(logs(records, "client").filter((l) => l.startsWith("udp reply")).length, 2);
  const messages = isakmpOnWire(records);
  const sa = (m: (typeof messages)[number]) =>
    m.payloads.find((p) => p.payload.kind === "sa")!.payload as Extract<Payload, { kind: "sa" }>;
  assert.equal(sa(messages[0]).proposals[0].transforms.length, 2, "message 1 offers two transforms");
  assert.equal(sa(messages[1]).proposals.length, 1);
  assert.equal(sa(messages[1]).proposals[0].transforms.length, 1, "message 2 answers with exactly one");
  assert.equal(sa(messages[1]).proposals[0].transforms[0].number, 2, "the second transform, as numbered");
  const ike = [...tableAt(records, "server", "ike-sas")!.values()][0];
  assert.equal(ike.proposal, "aes128-sha1-modp2048");
  const child = [...tableAt(records, "client", "ipsec-sas")!.values()][0];
  assert.equal(child.proposal, "aes128-cbc/hmac-sha1-96");
});

Deno.test("the responder follows the initiator's order, not its own", () => {
  const { records } = simulate(ipsecLab({
    client: { ike: "aes256-sha256-modp2048,3des-sha1-modp1024", esp: "aes256-sha256,3des-sha1" },
    server: { ike: "3des-sha1-modp1024,aes256-sha256-modp2048", esp: "3des-sha1,aes256-sha256" },
  }));
  assert.equal([...tableAt(records, "server", "ike-sas")!.values()][0].proposal, "aes256-sha256-modp2048");
  assert.equal(
    [...tableAt(records, "server", "ipsec-sas")!.values()][0].proposal,
    "aes256-cbc/hmac-sha256-128",
  );
});

Deno.test("one LNS serves a 3DES client and an AES-256 client", () => {
  const server = { ike: "aes256-sha256-modp2048,3des-sha1-modp1024", esp: "aes256-sha256,3des-sha1" };
  for (
    const client of [{ ike: "3des-sha1-modp1024", esp: "3des-sha1" }, {
      ike: "aes256-sha256-modp2048",
      esp: "aes256-sha256",
    }]
  ) {
    const { records } = simulate(ipsecLab({ client, server }));
    assert.equal(logs(records, "client").filter((l) => l.startsWith("udp reply")).length, 2, client.ike);
  }
});

Deno.test("key length counts: AES-256 offered, AES-128 accepted, refused in words", () => {
  const main = simulate(ipsecLab({ client: { ike: "aes256-sha1-modp2048" } })).records;
  assert.ok(
    logs(main, "server").includes(
      "no acceptable proposal found: offered aes256-sha1-modp2048; we accept aes128-sha1-modp2048",
    ),
    logs(main, "server").join("\n"),
  );
  const quick = simulate(ipsecLab({ client: { esp: "aes256-sha1,aes192-sha1" } })).records;
  assert.ok(
    logs(quick, "server").includes(
      "no acceptable proposal found in Quick Mode: offered aes256-sha1, aes192-sha1; we accept aes128-sha1",
    ),
    logs(quick, "server").join("\n"),
  );
  // A Quick Mode refusal is about that Quick Mode only; see the DPD/DELETE tests for the IKE SA.
  assert.ok(logs(quick, "client").includes("received NO_PROPOSAL_CHOSEN error notify"));
});
