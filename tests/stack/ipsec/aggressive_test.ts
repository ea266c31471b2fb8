/**
 * IKEv1 Aggressive Mode with a pre-shared key (RFC 2409 §5.4), read off the wire: three messages,
 * their payloads in the RFC's order, and HASH_R and HASH_I recomputed here with node:crypto from the
 * values the messages carry (not with the stack's own derive.ts), so the bytes are checked against
 * the RFC's formulas rather than against themselves.
 */
import assert from "node:assert/strict";
import { createDecipheriv, createHash, createHmac } from "node:crypto";
import { SECOND } from "../../../src/engine/time.ts";
import { simulate } from "../../../src/sim.ts";
import { ikeMessageOf } from "../../../src/devices/apps/psk_crack.ts";
import { decodeIpv4 } from "../../../src/wire/ipv4.ts";
import {
  decodeIsakmpHeader,
  decodePayloads,
  EXCHANGE,
  FLAG_ENCRYPTION,
  type PayloadItem,
} from "../../../src/wire/isakmp.ts";
import { dropReasons, ipsecLab, logs, onLink, PSK } from "./harness.ts";

interface WireMessage {
  exchange: number;
  encrypted: boolean;
  srcPort: number;
  icookie: Uint8Array;
  rcookie: Uint8Array;
  nextPayload: number;
  body: Uint8Array;
  items?: PayloadItem[];
}

function ikeMessages(records: ReturnType<typeof simulate>["records"], linkName: string): WireMessage[] {
  return onLink(records, linkName).flatMap((r) => {
    const message = ikeMessageOf(r.bytes!);
    if (!message) return [];
    const ip = decodeIpv4(r.bytes!);
    assert.ok(ip.ok);
    const head = decodeIsakmpHeader(message);
    assert.ok(head.ok);
    const { header, body } = head.value;
    const encrypted = (header.flags & FLAG_ENCRYPTION) !== 0;
    const items = encrypted ? undefined : decodePayloads(header.nextPayload, body);
    return [{
      exchange: header.exchange,
      encrypted,
      srcPort: (ip.value.payload[0] << 8) | ip.value.payload[1],
      icookie: header.initiatorCookie,
      rcookie: header.responderCookie,
      nextPayload: header.nextPayload,
      body,
      items: items?.ok ? items.value : undefined,
    }];
  });
}

const kinds = (m: WireMessage) => m.items!.map((i) => i.payload.kind);
const item = (m: WireMessage, kind: string) => m.items!.find((i) => i.payload.kind === kind)!;
/** A payload's data field (KE, nonce, hash), its body minus nothing. */
const data = (m: WireMessage, kind: string) => item(m, kind).body;
const hmacSha1 = (key: Uint8Array, ...parts: Uint8Array[]) => {
  const h = createHmac("sha1", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

const AGGRESSIVE = { aggressive: true };

Deno.test("Aggressive Mode: three messages in RFC 2409 §5.4's order, then Quick Mode, then ESP", () => {
  const { records } = simulate(ipsecLab({ client: AGGRESSIVE, server: AGGRESSIVE }));
  const ike = ikeMessages(records, "dmz");
  assert.deepEqual(ike.map((m) => [m.exchange, m.encrypted]), [
    [EXCHANGE.AGGRESSIVE, false],
    [EXCHANGE.AGGRESSIVE, false],
    [EXCHANGE.AGGRESSIVE, true],
    [EXCHANGE.QUICK, true],
    [EXCHANGE.QUICK, true],
    [EXCHANGE.QUICK, true],
  ]);
  // HDR, SA, KE, Ni, IDii (+ Vendor IDs), then HDR, SA, KE, Nr, IDir, HASH_R (+ VIDs, NAT-D).
  assert.deepEqual(kinds(ike[0]), ["sa", "ke", "nonce", "id", "vid", "vid", "vid"]);
  assert.deepEqual(kinds(ike[1]), ["sa", "ke", "nonce", "id", "hash", "vid", "vid", "nat-d", "nat-d"]);
  assert.ok(ike[0].rcookie.every((b) => b === 0), "message 1 has no responder cookie yet");
  assert.ok(ike[1].rcookie.some((b) => b !== 0));
  // The default proposal is MODP-2048: a 256-byte public value in each KE.
  assert.equal(data(ike[0], "ke").length, 256);
  assert.equal(data(ike[1], "ke").length, 256);
  assert.ok(logs(records, "client").some((l) => l.startsWith("CHILD_SA established")));
  assert.equal(logs(records, "client").filter((l) => /^udp reply/.test(l)).length, 2);
});

Deno.test("HASH_R and HASH_I recomputed from the captured values with node:crypto match the wire", () => {
  const { records } = simulate(ipsecLab({ client: AGGRESSIVE, server: AGGRESSIVE }));
  const [m1, m2, m3] = ikeMessages(records, "dmz");
  const gxi = data(m1, "ke");
  const gxr = data(m2, "ke");
  const ni = data(m1, "nonce");
  const nr = data(m2, "nonce");
  const saiB = item(m1, "sa").body;
  const idiiB = item(m1, "id").body;
  const idirB = item(m2, "id").body;
  const ckyI = m1.icookie;
  const ckyR = m2.rcookie;
  // SKEYID = prf(pre-shared-key, Ni_b | Nr_b); HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).
  const skeyid = hmacSha1(new TextEncoder().encode(PSK), ni, nr);
  assert.deepEqual(hmacSha1(skeyid, gxr, gxi, ckyR, ckyI, saiB, idirB), data(m2, "hash"));
  assert.notDeepEqual(
    hmacSha1(hmacSha1(new TextEncoder().encode("not-the-key"), ni, nr), gxr, gxi, ckyR, ckyI, saiB, idirB),
    data(m2, "hash"),
  );
  // Message 3 is encrypted with the exported phase-1 key, IV = SHA-1(g^xi | g^xr) cut to the block
  // (App. B); inside, HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
  const established = records.find((r) => r.node === "client" && r.summary.startsWith("IKE_SA established"));
  const key = (established!.detail as { ikev1: { encryptionKey: string } }).ikev1.encryptionKey;
  const iv = createHash("sha1").update(gxi).update(gxr).digest().subarray(0, 16);
  const decipher = createDecipheriv("aes-128-cbc", Buffer.from(key, "hex"), iv).setAutoPadding(false);
  const plain = new Uint8Array(Buffer.concat([decipher.update(m3.body), decipher.final()]));
  const items = decodePayloads(m3.nextPayload, plain);
  assert.ok(items.ok);
  assert.deepEqual(items.value.map((i) => i.payload.kind), ["hash", "nat-d", "nat-d"]);
  assert.deepEqual(items.value[0].body, hmacSha1(skeyid, gxi, gxr, ckyI, ckyR, saiB, idiiB));
});

Deno.test("Aggressive Mode offers only transforms of the first proposal's group: KE goes out before the choice", () => {
  const client = { aggressive: true, ike: "aes256-sha256-modp1024,aes128-sha1-modp2048,3des-sha1-modp1024" };
  const server = { aggressive: true, ike: "3des-sha1-modp1024" };
  const { records } = simulate(ipsecLab({ client, server }));
  const [m1, m2] = ikeMessages(records, "dmz");
  assert.equal(data(m1, "ke").length, 128, "MODP-1024 public value");
  const offered = m1.items!.find((i) => i.payload.kind === "sa")!.payload as {
    proposals: { transforms: { attributes: { type: number; value: unknown }[] }[] }[];
  };
  const groups = offered.proposals[0].transforms.map((t) => t.attributes.find((a) => a.type === 4)?.value);
  assert.deepEqual(groups, [2, 2], "the MODP-2048 transform is left out");
  assert.equal(m2.exchange, EXCHANGE.AGGRESSIVE);
  assert.ok(logs(records, "client").some((l) => l.startsWith("CHILD_SA established")));
});

Deno.test("a responder without aggressive: true refuses Aggressive Mode with a reason; the initiator gives up", () => {
  const { records } = simulate(ipsecLab({ client: AGGRESSIVE, duration: 200 * SECOND }));
  assert.ok(
    dropReasons(records, "server").some((r) =>
      /^Aggressive Mode IKE from 192\.168\.1\.10 refused: server allows Main Mode only/.test(r)
    ),
  );
  assert.ok(logs(records, "client").includes("sending retransmit 5 of Aggressive Mode"));
  assert.ok(logs(records, "client").some((l) => /failed: no reply after 5 retransmits/.test(l)));
  assert.ok(!logs(records, "client").some((l) => l.startsWith("IKE_SA established")));
});

Deno.test("a wrong pre-shared key: the initiator finds HASH_R wrong and stops before message 3", () => {
  const { records } = simulate(ipsecLab({ client: AGGRESSIVE, server: { aggressive: true, psk: "other" } }));
  assert.ok(logs(records, "client").includes("HASH_R does not match: the pre-shared keys differ"));
  const ike = ikeMessages(records, "dmz");
  assert.ok(ike.every((m) => !m.encrypted), "no message 3");
});

Deno.test("behind a NAT the initiator floats to UDP 4500 for message 3 (RFC 3947 §4)", () => {
  const { records } = simulate(
    ipsecLab({ client: AGGRESSIVE, server: AGGRESSIVE, nat: { preset: "home-router" } }),
  );
  const ike = ikeMessages(records, "dmz");
  assert.deepEqual(ike.slice(0, 3).map((m) => [m.encrypted, m.srcPort === 4500]), [
    [false, false],
    [false, false],
    [true, true],
  ]);
  assert.ok(logs(records, "client").includes("local host is behind NAT, sending keep alives"));
  assert.ok(logs(records, "server").includes("remote host is behind NAT"));
  assert.ok(logs(records, "client").some((l) => /^CHILD_SA established .*\(UDP-encapsulated\)$/.test(l)));
});
