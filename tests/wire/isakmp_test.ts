import assert from "node:assert/strict";
import { fromHex, toHex } from "../../src/crypto/index.ts";
import { describe, protoLabel, summarize } from "../../src/wire/dissect.ts";
import type { Field } from "../../src/wire/field.ts";
import { encodeIpv4, PROTO_UDP } from "../../src/wire/ipv4.ts";
import {
  decodeIsakmp,
  decodeIsakmpHeader,
  decodePayloads,
  encodeIsakmp,
  encodeIsakmpRaw,
  EXCHANGE,
  FLAG_ENCRYPTION,
  type Payload,
  PT,
} from "../../src/wire/isakmp.ts";
import { describeIsakmp, summarizeIsakmp } from "../../src/wire/isakmp_describe.ts";
import { encodeUdp } from "../../src/wire/udp.ts";

const hex = (s: string) => fromHex(s)!;
const ICOOKIE = hex("1111111111111111");
const ZERO8 = new Uint8Array(8);

const mainMode1: Payload[] = [
  {
    kind: "sa",
    doi: 1,
    situation: 1,
    proposals: [{
      number: 1,
      protocol: 1,
      spi: new Uint8Array(0),
      transforms: [{
        number: 1,
        id: 1,
        attributes: [
          { type: 1, value: 7 },
          { type: 14, value: 128 },
          { type: 2, value: 2 },
          { type: 3, value: 1 },
          { type: 4, value: 14 },
          { type: 11, value: 1 },
          { type: 12, value: 28800 },
        ],
      }],
    }],
  },
  { kind: "vid", data: hex("4a131c81070358455c5728f20e95452f") },
];

// Written out by hand from RFC 2408 §3.1, §3.4-3.6 and §3.16 (generic headers, SA, proposal,
// transform with TV attributes, vendor ID).
const MAIN_MODE_1_BYTES = [
  "1111111111111111 0000000000000000 01 10 02 00 00000000 00000068",
  "0d 00 0038 00000001 00000001",
  "00 00 002c 01 01 00 01",
  "00 00 0024 01 01 0000 80010007 800e0080 80020002 80030001 8004000e 800b0001 800c7080",
  "00 00 0014 4a131c81070358455c5728f20e95452f",
].join("");

function header(exchange: number, flags = 0, messageId = 0) {
  return { initiatorCookie: ICOOKIE, responderCookie: ZERO8, exchange, flags, messageId };
}

function names(fields: Field[]): string[] {
  return fields.flatMap((f) => [f.name, ...names(f.children ?? [])]);
}

Deno.test("Main Mode message 1 encodes byte for byte as RFC 2408 lays it out", () => {
  const bytes = encodeIsakmp(header(EXCHANGE.MAIN), mainMode1);
  assert.equal(toHex(bytes), MAIN_MODE_1_BYTES.replace(/ /g, ""));
});

Deno.test("decode returns the header, every payload and each payload's body", () => {
  const decoded = decodeIsakmp(hex(MAIN_MODE_1_BYTES));
  assert.ok(decoded.ok);
  const { header: h, payloads } = decoded.value;
  assert.equal(h.exchange, EXCHANGE.MAIN);
  assert.equal(h.version, 0x10);
  assert.equal(h.length, 104);
  assert.deepEqual(h.initiatorCookie, ICOOKIE);
  assert.deepEqual(payloads.map((p) => p.type), [PT.SA, PT.VID]);
  assert.deepEqual(payloads.map((p) => p.payload), mainMode1);
  // The SA body (SAi_b in HASH_I) is everything after the SA's generic header.
  assert.equal(toHex(payloads[0].body).slice(0, 16), "0000000100000001");
  assert.equal(payloads[0].body.length, 0x38 - 4);
});

Deno.test("every payload kind round-trips, including TLV attributes and draft NAT-T numbers", () => {
  const payloads: Payload[] = [
    { kind: "hash", data: hex("00112233445566778899aabbccddeeff00112233") },
    {
      kind: "sa",
      doi: 1,
      situation: 1,
      proposals: [{
        number: 1,
        protocol: 3,
        spi: hex("c0ffee01"),
        transforms: [{
          number: 1,
          id: 12,
          attributes: [{ type: 1, value: 1 }, { type: 2, value: 100000 }, { type: 4, value: 61444 }],
        }],
      }],
    },
    { kind: "ke", data: new Uint8Array(128).fill(9) },
    { kind: "nonce", data: new Uint8Array(32).fill(3) },
    { kind: "id", idType: 1, protocol: 17, port: 1701, data: hex("c0a8010a") },
    { kind: "nat-d", draft: false, data: new Uint8Array(20).fill(1) },
    { kind: "nat-d", draft: true, data: new Uint8Array(20).fill(2) },
    { kind: "nat-oa", draft: false, idType: 1, address: hex("c0a8010a") },
    { kind: "nat-oa", draft: true, idType: 1, address: hex("cb00710a") },
    {
      kind: "notify",
      doi: 1,
      protocol: 1,
      spi: new Uint8Array(16).fill(5),
      notifyType: 14,
      data: new Uint8Array(0),
    },
    { kind: "delete", doi: 1, protocol: 3, spiSize: 4, spis: [hex("c0ffee01"), hex("c0ffee02")] },
    { kind: "raw", type: 7, data: hex("0102") },
  ];
  const bytes = encodeIsakmp(header(EXCHANGE.QUICK, 0, 0x01020304), payloads);
  const decoded = decodeIsakmp(bytes);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error);
  assert.deepEqual(decoded.value.payloads.map((p) => p.payload), payloads);
  assert.deepEqual(decoded.value.payloads.map((p) => p.type), [8, 1, 4, 10, 5, 20, 130, 21, 131, 11, 12, 7]);
  assert.equal(decoded.value.header.messageId, 0x01020304);
  // A value above 16 bits needs the TLV form: type without the AF bit, length 4, value.
  assert.ok(toHex(bytes).includes("00020004000186a0"));
});

Deno.test("encrypted messages keep their body opaque; padding after the chain is ignored", () => {
  const raw = encodeIsakmpRaw(header(EXCHANGE.MAIN, FLAG_ENCRYPTION), PT.ID, new Uint8Array(48).fill(0xab));
  const head = decodeIsakmpHeader(raw);
  assert.ok(head.ok);
  assert.equal(head.value.body.length, 48);
  assert.equal(decodeIsakmp(raw).ok, false);
  assert.match(summarizeIsakmp(raw), /Identity Protection \(Main Mode\) \[ encrypted 48 bytes \]/);
  const chain = hex("0800000c01000000c0a8010a" + "00000008aabbccdd" + "000000000000000000000000");
  const parsed = decodePayloads(PT.ID, chain);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.map((p) => p.payload.kind), ["id", "hash"]);
});

Deno.test("malformed input is reported, never thrown", () => {
  const good = hex(MAIN_MODE_1_BYTES);
  for (let cut = 0; cut < good.length; cut++) {
    const short = good.slice(0, cut);
    const decoded = decodeIsakmp(short);
    assert.equal(decoded.ok, false, `accepted a message cut at ${cut}`);
    summarizeIsakmp(short);
    describeIsakmp(short, 0, short.length);
  }
  const v2 = good.slice();
  v2[17] = 0x20;
  const r = decodeIsakmpHeader(v2);
  assert.ok(!r.ok && /major version 2/.test(r.error));
  const badLength = good.slice();
  badLength[30] = 0x00; // SA payload length 0x0038 → 0x0000
  badLength[31] = 0x00;
  assert.equal(decodeIsakmp(badLength).ok, false);
  let seed = 7;
  for (let i = 0; i < 500; i++) {
    const junk = new Uint8Array(28 + (i % 80));
    for (let j = 0; j < junk.length; j++) junk[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    junk[17] = 0x10;
    junk.set([0, 0, 0, junk.length], 24);
    decodeIsakmp(junk);
    summarizeIsakmp(junk);
    describeIsakmp(junk, 0, junk.length);
  }
});

Deno.test("summary and field tree read like charon's log and Wireshark's details", () => {
  const bytes = hex(MAIN_MODE_1_BYTES);
  assert.equal(summarizeIsakmp(bytes), "ISAKMP Identity Protection (Main Mode) [ SA V ]");
  const tree = describeIsakmp(bytes, 0, bytes.length);
  assert.equal(tree[0].name, "Internet Security Association and Key Management Protocol");
  const all = names(tree);
  for (
    const name of [
      "Initiator SPI",
      "Exchange type",
      "Payload: Security Association (1)",
      "Payload: Proposal (2) # 1",
      "Payload: Transform (3) # 1",
      "Encryption-Algorithm",
      "Key-Length",
      "Group-Description",
      "Payload: Vendor ID (13)",
    ]
  ) assert.ok(all.includes(name), `missing ${name}`);
  const vid = tree[0].children!.find((f) => f.name === "Payload: Vendor ID (13)")!;
  assert.equal(vid.start, 84);
  assert.equal(vid.end, 104);
  assert.match(vid.children!.at(-1)!.value, /RFC 3947/);
  const enc = tree[0].children!.find((f) => f.name === "Payload: Security Association (1)")!
    .children!.find((f) => f.name.startsWith("Payload: Proposal"))!
    .children!.find((f) => f.name.startsWith("Payload: Transform"))!
    .children!.find((f) => f.name === "Encryption-Algorithm")!;
  assert.equal(enc.value, "AES-CBC (7)");
  assert.deepEqual([enc.start, enc.end], [28 + 4 + 8 + 8 + 8, 28 + 4 + 8 + 8 + 8 + 4]);
});

Deno.test("UDP 500 is dissected as IKE in a whole datagram", () => {
  const src = 0xc0a8010a;
  const dst = 0xcb00710a;
  const ip = encodeIpv4({
    tos: 0,
    id: 1,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: PROTO_UDP,
    src,
    dst,
    options: new Uint8Array(0),
    payload: encodeUdp(src, dst, 500, 500, hex(MAIN_MODE_1_BYTES)),
  });
  assert.equal(protoLabel(ip), "IKE");
  assert.equal(
    summarize(ip),
    "192.168.1.10.500 > 203.0.113.10.500: ISAKMP Identity Protection (Main Mode) [ SA V ]",
  );
  const tree = describe(ip);
  assert.equal(tree[2].name, "Internet Security Association and Key Management Protocol");
  assert.equal(tree[2].start, 28);
});
