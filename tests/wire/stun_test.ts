import assert from "node:assert/strict";
import { parseIp } from "../../src/wire/addr.ts";
import {
  BINDING_ERROR,
  BINDING_REQUEST,
  BINDING_SUCCESS,
  crc32,
  decodeStun,
  describeStun,
  encodeStun,
  stunSummary,
} from "../../src/wire/stun.ts";

const hex = (s: string) => new Uint8Array(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));

/** RFC 5769 §2.2 "Sample IPv4 Response" (SOFTWARE, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT). */
const RFC5769_IPV4_RESPONSE = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);

Deno.test("crc32: the standard check value of '123456789'", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("RFC 5769 sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853 and a valid FINGERPRINT", () => {
  const d = decodeStun(RFC5769_IPV4_RESPONSE);
  assert.ok(d.ok, d.ok ? "" : d.error);
  assert.equal(d.value.type, BINDING_SUCCESS);
  assert.deepEqual(d.value.xorMappedAddress, { ip: parseIp("192.0.2.1"), port: 32853 });
  assert.equal(d.value.software, "test vector");
  assert.equal(d.value.fingerprint, true);
  assert.deepEqual([...d.value.transactionId], [...hex("b7e7a701bc34d686fa87dfae")]);
});

Deno.test("a changed byte breaks the fingerprint", () => {
  const bad = RFC5769_IPV4_RESPONSE.slice();
  bad[40] ^= 1;
  const d = decodeStun(bad);
  assert.deepEqual(d, { ok: false, error: "bad STUN FINGERPRINT" });
});

Deno.test("encode → decode keeps every attribute the discovery uses", () => {
  const transactionId = hex("0102030405060708090a0b0c");
  const bytes = encodeStun({
    type: BINDING_SUCCESS,
    transactionId,
    xorMappedAddress: { ip: parseIp("203.0.113.2")!, port: 40000 },
    mappedAddress: { ip: parseIp("203.0.113.2")!, port: 40000 },
    responseOrigin: { ip: parseIp("198.51.100.11")!, port: 3479 },
    otherAddress: { ip: parseIp("198.51.100.11")!, port: 3479 },
    software: "abc",
    fingerprint: true,
  });
  assert.equal(bytes.length % 4, 0);
  assert.equal((bytes[2] << 8) | bytes[3], bytes.length - 20, "length excludes the header");
  const d = decodeStun(bytes);
  assert.ok(d.ok);
  assert.deepEqual(d.value.xorMappedAddress, { ip: parseIp("203.0.113.2"), port: 40000 });
  assert.deepEqual(d.value.otherAddress, { ip: parseIp("198.51.100.11"), port: 3479 });
  assert.deepEqual(d.value.responseOrigin, { ip: parseIp("198.51.100.11"), port: 3479 });
  assert.equal(d.value.software, "abc");
  assert.equal(d.value.fingerprint, true);
  // XOR-MAPPED-ADDRESS on the wire: port ^ 0x2112, address ^ 0x2112a442 (RFC 5389 §15.2).
  assert.deepEqual([...bytes.subarray(36, 44)], [
    0,
    1,
    (40000 ^ 0x2112) >> 8,
    (40000 ^ 0x2112) & 0xff,
    203 ^ 0x21,
    0 ^ 0x12,
    113 ^ 0xa4,
    2 ^ 0x42,
  ]);
});

Deno.test("CHANGE-REQUEST flags and error responses", () => {
  const req = encodeStun({
    type: BINDING_REQUEST,
    transactionId: new Uint8Array(12),
    changeRequest: { changeIp: true, changePort: false },
  });
  assert.deepEqual([...req.subarray(20)], [0x00, 0x03, 0x00, 0x04, 0, 0, 0, 0x04]);
  assert.equal(stunSummary(req), "STUN Binding Request (change IP)");
  const err = encodeStun({
    type: BINDING_ERROR,
    transactionId: new Uint8Array(12),
    errorCode: { code: 420, reason: "Unknown Attribute" },
    unknownAttributes: [0x0003],
  });
  const d = decodeStun(err);
  assert.ok(d.ok);
  assert.deepEqual(d.value.errorCode, { code: 420, reason: "Unknown Attribute" });
  assert.deepEqual(d.value.unknownAttributes, [3]);
});

Deno.test("decoding never throws: truncation, bad cookie, overrunning attribute", () => {
  assert.equal(decodeStun(new Uint8Array(5)).ok, false);
  const noCookie = RFC5769_IPV4_RESPONSE.slice();
  noCookie[4] = 0;
  assert.equal(decodeStun(noCookie).ok, false);
  const overrun = RFC5769_IPV4_RESPONSE.slice();
  overrun[23] = 0xff; // SOFTWARE claims 255 bytes
  assert.equal(decodeStun(overrun).ok, false);
  assert.match(stunSummary(overrun), /^STUN \(malformed/);
  for (let cut = 0; cut < RFC5769_IPV4_RESPONSE.length; cut++) {
    decodeStun(RFC5769_IPV4_RESPONSE.subarray(0, cut));
  }
});

Deno.test("the field tree names the attributes with their byte ranges", () => {
  const [root] = describeStun(RFC5769_IPV4_RESPONSE, 0, RFC5769_IPV4_RESPONSE.length);
  const names = root.children!.map((f) => f.name);
  assert.deepEqual(names, [
    "Message Type",
    "Message Length",
    "Magic Cookie",
    "Transaction ID",
    "SOFTWARE",
    "XOR-MAPPED-ADDRESS",
    "attribute 0x0008",
    "FINGERPRINT",
  ]);
  const xma = root.children!.find((f) => f.name === "XOR-MAPPED-ADDRESS")!;
  assert.equal(xma.value, "192.0.2.1:32853");
  assert.deepEqual([xma.start, xma.end], [36, 48]);
});
