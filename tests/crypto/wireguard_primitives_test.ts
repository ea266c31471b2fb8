import assert from "node:assert/strict";
import {
  blake2sHash,
  blake2sKdf,
  chachaOpen,
  chachaSeal,
  fromHex,
  hmacBlake2s,
  toHex,
  utf8,
  x25519PublicKey,
  x25519Shared,
  xchachaOpen,
  xchachaSeal,
} from "../../src/crypto/index.ts";

const hex = (text: string) => fromHex(text)!;

Deno.test("X25519: RFC 7748 §5.2 first vector and the §6.1 Alice/Bob exchange", () => {
  const shared = x25519Shared(
    hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
    hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
  );
  assert.ok(shared.ok);
  assert.equal(toHex(shared.value), "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  const alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const bob = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  assert.equal(
    toHex(x25519PublicKey(alice)),
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  );
  assert.equal(
    toHex(x25519PublicKey(bob)),
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
  );
  const ab = x25519Shared(alice, x25519PublicKey(bob));
  const ba = x25519Shared(bob, x25519PublicKey(alice));
  assert.ok(ab.ok && ba.ok);
  assert.equal(toHex(ab.value), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  assert.deepEqual(ab.value, ba.value);
});

Deno.test("X25519 rejects a low-order public key instead of returning zeros", () => {
  const result = x25519Shared(new Uint8Array(32).fill(7), new Uint8Array(32));
  assert.equal(result.ok, false);
});

const sunscreen = utf8(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const aad = hex("50515253c0c1c2c3c4c5c6c7");

Deno.test("ChaCha20-Poly1305: RFC 8439 §2.8.2 vector, and a flipped bit fails to open", () => {
  const nonce = hex("070000004041424344454647");
  const sealed = chachaSeal(key, nonce, sunscreen, aad);
  assert.equal(toHex(sealed.subarray(0, 16)), "d31a8d34648e60db7b86afbc53ef7ec2");
  assert.equal(toHex(sealed.subarray(sealed.length - 16)), "1ae10b594f09e26a7e902ecbd0600691");
  const opened = chachaOpen(key, nonce, sealed, aad);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value, sunscreen);
  sealed[3] ^= 1;
  assert.equal(chachaOpen(key, nonce, sealed, aad).ok, false);
  assert.equal(chachaOpen(key, nonce, new Uint8Array(5), aad).ok, false);
});

Deno.test("XChaCha20-Poly1305: draft-irtf-cfrg-xchacha §A.3.1 vector", () => {
  const nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657");
  const sealed = xchachaSeal(key, nonce, sunscreen, aad);
  assert.equal(toHex(sealed.subarray(0, 16)), "bd6d179d3e83d43b9576579493c0e939");
  assert.equal(toHex(sealed.subarray(sealed.length - 16)), "c0875924c1c7987947deafd8780acf49");
  const opened = xchachaOpen(key, nonce, sealed, aad);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value, sunscreen);
  assert.equal(xchachaOpen(key, nonce, sealed, new Uint8Array(0)).ok, false);
});

Deno.test("BLAKE2s-256 of 'abc' (RFC 7693 Appendix B)", () => {
  assert.equal(
    toHex(blake2sHash(utf8("abc"))),
    "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982",
  );
});

Deno.test("the BLAKE2s KDF chains HMACs: τ1 = HMAC(τ0, 1), τ2 = HMAC(τ0, τ1 ‖ 2)", () => {
  const chainKey = blake2sHash(utf8("chain"));
  const input = utf8("input key material");
  const [t1, t2, t3] = blake2sKdf(chainKey, input, 3);
  const prk = hmacBlake2s(chainKey, input);
  assert.deepEqual(t1, hmacBlake2s(prk, Uint8Array.of(1)));
  assert.deepEqual(t2, hmacBlake2s(prk, t1, Uint8Array.of(2)));
  assert.deepEqual(t3, hmacBlake2s(prk, t2, Uint8Array.of(3)));
  assert.notDeepEqual(t1, t2);
});
