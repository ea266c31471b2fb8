/**
 * modPow's fast paths (the generator's fixed-base table, the sliding window) against independent
 * answers: node:crypto (OpenSSL) for both MODP groups, CPython's pow() for the fixed vectors below, and
 * schoolbook square-and-multiply for small moduli and odd exponents.
 */
import assert from "node:assert/strict";
import { createDiffieHellman } from "node:crypto";
import { Prng } from "../../../src/engine/prng.ts";
import { bigIntToBytes, bytesToBigInt, MODP_GROUPS, modPow } from "../../../src/stack/ipsec/dh.ts";

function schoolbook(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  for (const bit of exponent.toString(2)) {
    result = (result * result) % modulus;
    if (bit === "1") result = (result * base) % modulus;
  }
  return exponent === 0n ? 1n : result % modulus;
}

Deno.test("modPow: known answers for modp1024 (from CPython's pow), through the table and around it", () => {
  const p = MODP_GROUPS.modp1024.prime;
  const x = BigInt("0x" + "0123456789abcdef".repeat(4));
  const prefix = (n: bigint) => n.toString(16).slice(0, 32);
  assert.equal(prefix(modPow(2n, x, p)), "8087115ed28670eee8569b39819c1e00");
  assert.equal(prefix(modPow(3n, x, p)), "1fca9bd16c4e7aebd0b3460078c3b8ab");
  assert.equal(prefix(modPow(2n, 1n << 256n, p)), "33c8e9d30b33f636d5571364a706f762");
  // 271 bits: past the table, so the sliding window answers for the generator too.
  assert.equal(prefix(modPow(2n, (1n << 270n) + 5n, p)), "32f47a72e972fd5f74393f99d0bc0f25");
});

Deno.test("modPow: g^x and y^x equal OpenSSL's for random 256-bit exponents in both MODP groups", () => {
  const rng = new Prng(2026);
  for (const group of [MODP_GROUPS.modp1024, MODP_GROUPS.modp2048]) {
    for (let i = 0; i < 12; i++) {
      const x = bytesToBigInt(rng.bytes(32)) | 1n;
      const node = createDiffieHellman(bigIntToBytes(group.prime, group.length), Uint8Array.of(2));
      node.setPrivateKey(bigIntToBytes(x, 32));
      const expected = bytesToBigInt(new Uint8Array(node.generateKeys()));
      assert.equal(modPow(2n, x, group.prime), expected, `${group.name} g^x #${i}`);
      const peer = bytesToBigInt(rng.bytes(group.length)) % group.prime;
      const shared = bytesToBigInt(new Uint8Array(node.computeSecret(bigIntToBytes(peer, group.length))));
      assert.equal(modPow(peer, x, group.prime), shared, `${group.name} y^x #${i}`);
    }
  }
});

Deno.test("modPow: edge exponents and small moduli match square-and-multiply", () => {
  const p = MODP_GROUPS.modp2048.prime;
  const edges = [0n, 1n, 2n, 15n, 16n, 17n, (1n << 264n) - 1n, 1n << 264n, p - 2n];
  for (const e of edges) assert.equal(modPow(2n, e, p), schoolbook(2n, e, p), `2^${e}`);
  for (const e of edges) assert.equal(modPow(p - 1n, e, p), schoolbook(p - 1n, e, p), `(p-1)^${e}`);
  const rng = new Prng(7);
  for (let i = 0; i < 300; i++) {
    const modulus = BigInt(rng.int(1, 100_000));
    const base = BigInt(rng.int(0, 200_000));
    const exponent = BigInt(rng.int(0, 1 << 30));
    assert.equal(modPow(base, exponent, modulus), schoolbook(base, exponent, modulus), `${base}^${exponent}`);
  }
});
