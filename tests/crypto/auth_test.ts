import assert from "node:assert/strict";
import {
  chapResponse,
  fromHex,
  hideAvp,
  l2tpChallengeResponse,
  md5,
  toHex,
  unhideAvp,
  utf8,
} from "../../src/crypto/index.ts";

const challenge = Uint8Array.from({ length: 16 }, (_, i) => i);
const rv = fromHex("00112233445566778899aabbccddeeff")!;

Deno.test("CHAP-MD5 response: MD5(id ‖ secret ‖ challenge) (PROTOCOLS.md cross-check)", () => {
  assert.equal(toHex(chapResponse(1, "secret", challenge)), "740e86463bda3a4d7017d6e0fba0699d");
  // The same as hashing the RFC 1994 concatenation by hand.
  assert.deepEqual(chapResponse(7, "pw", challenge), md5(Uint8Array.of(7), utf8("pw"), challenge));
});

Deno.test("L2TP tunnel authentication response for SCCRP (type 2) and SCCCN (type 3)", () => {
  assert.equal(toHex(l2tpChallengeResponse(2, "secret", challenge)), "dd4186e2196f00124a9d588f02701259");
  assert.deepEqual(
    l2tpChallengeResponse(3, "secret", challenge),
    md5(Uint8Array.of(3), utf8("secret"), challenge),
  );
});

Deno.test("hidden Assigned Tunnel ID 1 with secret 'secret' (PROTOCOLS.md vector 7efd3faf)", () => {
  const hidden = hideAvp(9, Uint8Array.of(0, 1), "secret", rv);
  assert.equal(toHex(hidden), "7efd3faf");
  const back = unhideAvp(9, hidden, "secret", rv);
  assert.ok(back.ok);
  assert.deepEqual(back.value, Uint8Array.of(0, 1));
});

Deno.test("hidden AVP longer than one MD5 block chains on the previous ciphertext block", () => {
  const value = utf8("a host name that is longer than sixteen bytes");
  const padding = Uint8Array.of(9, 9, 9);
  const hidden = hideAvp(7, value, "s3", rv, padding);
  assert.equal(hidden.length, 2 + value.length + padding.length);
  // Independent derivation per RFC 2661 §4.3.
  const plain = new Uint8Array([0, value.length, ...value, ...padding]);
  let b = md5(Uint8Array.of(0, 7), utf8("s3"), rv);
  const expected = new Uint8Array(plain.length);
  for (let at = 0; at < plain.length; at += 16) {
    for (let i = at; i < Math.min(at + 16, plain.length); i++) expected[i] = plain[i] ^ b[i - at];
    b = md5(utf8("s3"), expected.subarray(at, Math.min(at + 16, plain.length)));
  }
  assert.deepEqual(hidden, expected);
  const back = unhideAvp(7, hidden, "s3", rv);
  assert.ok(back.ok);
  assert.deepEqual(back.value, value);
});

Deno.test("unhide with a wrong secret or a too-short value fails cleanly", () => {
  const hidden = hideAvp(9, Uint8Array.of(0, 1), "secret", rv);
  const wrong = unhideAvp(9, hidden, "other", rv);
  // A wrong key yields noise; with 2 bytes of room the length check catches it almost always.
  assert.equal(wrong.ok, false);
  assert.equal(unhideAvp(9, Uint8Array.of(1), "secret", rv).ok, false);
});
