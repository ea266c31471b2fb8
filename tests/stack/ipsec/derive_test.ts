/**
 * IKEv1 derivations against published vectors (PROTOCOLS.md's NAT-D and Vendor ID values) and
 * against node:crypto, an implementation independent of the noble code src/crypto wraps.
 */
import assert from "node:assert/strict";
import { createDiffieHellman, createHash, createHmac, getDiffieHellman } from "node:crypto";
import { fromHex, toHex } from "../../../src/crypto/index.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import {
  bigIntToBytes,
  bytesToBigInt,
  dhKeyPair,
  dhSharedSecret,
  MODP_GROUPS,
  modPow,
} from "../../../src/stack/ipsec/dh.ts";
import {
  deriveSkeyids,
  exchangeIv,
  hashI,
  hashR,
  ikeDecrypt,
  ikeEncrypt,
  keymat,
  natdHash,
  phase1Iv,
  phase1Key,
  qmHash1,
  qmHash2,
  qmHash3,
  skeyidPsk,
  VID_DPD,
  VID_DRAFT_02N,
  VID_RFC3947,
} from "../../../src/stack/ipsec/derive.ts";

const hex = (s: string) => fromHex(s)!;
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const nodeHmac = (alg: string, key: Uint8Array, ...parts: Uint8Array[]) => {
  const h = createHmac(alg, key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const nodeHash = (alg: string, ...parts: Uint8Array[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

const CKY_I = bytes(8, 0x11);
const CKY_R = bytes(8, 0x22);

Deno.test("NAT-D: SHA-1 of CKY-I | CKY-R | IP | port matches PROTOCOLS.md's vectors", () => {
  assert.equal(
    toHex(natdHash("sha1", CKY_I, CKY_R, parseIp("192.0.2.10")!, 500)),
    "da090e0a8b62c35ee97c9689aa2b79320a9a6885",
  );
  assert.equal(
    toHex(natdHash("sha1", CKY_I, CKY_R, parseIp("198.51.100.1")!, 500)),
    "32ac6335fdc585c82d7e27d2561cdfae8c19d4b9",
  );
  assert.equal(
    toHex(natdHash("sha1", CKY_I, CKY_R, parseIp("192.0.2.10")!, 4500)),
    "2dc0163ba769a52f47a005b9c26bf5dff0782c00",
  );
});

Deno.test("Vendor IDs: RFC 3947, draft-02 with newline, RFC 3706 DPD", () => {
  assert.equal(toHex(VID_RFC3947), "4a131c81070358455c5728f20e95452f");
  assert.equal(toHex(VID_DRAFT_02N), "90cb80913ebb696e086381b5ec427b1f");
  assert.equal(toHex(VID_DPD), "afcad71368a1f1c96b8696fc77570100");
});

Deno.test("MODP primes are node:crypto's modp2 and modp14; modPow agrees on small numbers", () => {
  assert.equal(
    MODP_GROUPS.modp1024.prime.toString(16),
    getDiffieHellman("modp2").getPrime("hex").replace(/^0+/, ""),
  );
  assert.equal(
    MODP_GROUPS.modp2048.prime.toString(16),
    getDiffieHellman("modp14").getPrime("hex").replace(/^0+/, ""),
  );
  assert.equal(modPow(4n, 13n, 497n), 445n); // Schneier's classic example
  assert.equal(modPow(7n, 0n, 13n), 1n);
  assert.deepEqual(bigIntToBytes(0x0102n, 4), Uint8Array.of(0, 0, 1, 2));
  assert.equal(bytesToBigInt(Uint8Array.of(0, 0, 1, 2)), 0x0102n);
});

Deno.test("Diffie-Hellman: public values and g^xy equal node:crypto's for the same private exponents", () => {
  for (const group of [MODP_GROUPS.modp1024, MODP_GROUPS.modp2048]) {
    const a = dhKeyPair(group, bytes(32, 0x5a));
    const b = dhKeyPair(group, bytes(32, 0xa5));
    assert.equal(a.publicValue.length, group.length);
    const nodeA = createDiffieHellman(bigIntToBytes(group.prime, group.length), Uint8Array.of(2));
    nodeA.setPrivateKey(bigIntToBytes(a.privateValue, 32));
    const nodePublic = new Uint8Array(nodeA.generateKeys()); // computed from the private key just set
    assert.deepEqual(a.publicValue.subarray(group.length - nodePublic.length), nodePublic);
    const shared = dhSharedSecret(a, b.publicValue)!;
    assert.deepEqual(shared, dhSharedSecret(b, a.publicValue));
    const nodeShared = new Uint8Array(nodeA.computeSecret(b.publicValue));
    // node strips leading zeros; IKE pads g^xy to the group size (RFC 2409 §5).
    assert.deepEqual(shared.subarray(group.length - nodeShared.length), nodeShared);
  }
});

Deno.test("Diffie-Hellman refuses degenerate or wrong-sized peer values", () => {
  const pair = dhKeyPair(MODP_GROUPS.modp1024, bytes(32, 1));
  assert.equal(dhSharedSecret(pair, bigIntToBytes(1n, 128)), null);
  assert.equal(dhSharedSecret(pair, bigIntToBytes(MODP_GROUPS.modp1024.prime - 1n, 128)), null);
  assert.equal(dhSharedSecret(pair, new Uint8Array(64).fill(7)), null);
});

Deno.test("SKEYID, SKEYID_d/a/e and HASH_I/HASH_R follow RFC 2409 §5 (checked with node:crypto HMAC)", () => {
  const psk = new TextEncoder().encode("classroom-secret");
  const ni = bytes(32, 0x01);
  const nr = bytes(32, 0x02);
  const gxy = bytes(128, 0x33);
  const gxi = bytes(128, 0x44);
  const gxr = bytes(128, 0x55);
  for (const [alg, nodeAlg] of [["sha1", "sha1"], ["sha256", "sha256"], ["md5", "md5"]] as const) {
    const skeyid = skeyidPsk(alg, psk, ni, nr);
    assert.deepEqual(skeyid, nodeHmac(nodeAlg, psk, ni, nr));
    const k = deriveSkeyids(alg, skeyid, gxy, CKY_I, CKY_R);
    const d = nodeHmac(nodeAlg, skeyid, gxy, CKY_I, CKY_R, Uint8Array.of(0));
    const a = nodeHmac(nodeAlg, skeyid, d, gxy, CKY_I, CKY_R, Uint8Array.of(1));
    const e = nodeHmac(nodeAlg, skeyid, a, gxy, CKY_I, CKY_R, Uint8Array.of(2));
    assert.deepEqual([k.d, k.a, k.e], [d, a, e]);
    const sai = hex("0000000100000001");
    const id = hex("01000000c0000201");
    assert.deepEqual(
      hashI(alg, skeyid, gxi, gxr, CKY_I, CKY_R, sai, id),
      nodeHmac(nodeAlg, skeyid, gxi, gxr, CKY_I, CKY_R, sai, id),
    );
    assert.deepEqual(
      hashR(alg, skeyid, gxi, gxr, CKY_I, CKY_R, sai, id),
      nodeHmac(nodeAlg, skeyid, gxr, gxi, CKY_R, CKY_I, sai, id),
    );
  }
});

Deno.test("phase-1 key: leading bytes of SKEYID_e, or K1 | K2 when it is too short (App. B)", () => {
  const e = hex("0102030405060708090a0b0c0d0e0f1011121314");
  assert.deepEqual(phase1Key("sha1", e, 16), e.subarray(0, 16));
  const k1 = nodeHmac("sha1", e, Uint8Array.of(0));
  const k2 = nodeHmac("sha1", e, k1);
  const expected = new Uint8Array([...k1, ...k2]).subarray(0, 24);
  assert.deepEqual(phase1Key("sha1", e, 24), expected);
  assert.equal(phase1Key("sha1", e, 32).length, 32);
});

Deno.test("IVs: hash(g^xi | g^xr) for phase 1, hash(last block | M-ID) for a new exchange", () => {
  const gxi = bytes(128, 0x44);
  const gxr = bytes(128, 0x55);
  assert.deepEqual(phase1Iv("sha1", gxi, gxr, 16), nodeHash("sha1", gxi, gxr).subarray(0, 16));
  assert.deepEqual(phase1Iv("md5", gxi, gxr, 8), nodeHash("md5", gxi, gxr).subarray(0, 8));
  const last = bytes(16, 0x99);
  assert.deepEqual(
    exchangeIv("sha1", last, 0x2b0164cc, 16),
    nodeHash("sha1", last, hex("2b0164cc")).subarray(0, 16),
  );
});

Deno.test("Quick Mode hashes and KEYMAT (RFC 2409 §5.5)", () => {
  const a = bytes(20, 0x0a);
  const d = bytes(20, 0x0d);
  const ni = bytes(32, 1);
  const nr = bytes(32, 2);
  const rest = hex("0a000024");
  const mid = hex("01020304");
  assert.deepEqual(qmHash1("sha1", a, 0x01020304, rest), nodeHmac("sha1", a, mid, rest));
  assert.deepEqual(qmHash2("sha1", a, 0x01020304, ni, rest), nodeHmac("sha1", a, mid, ni, rest));
  assert.deepEqual(
    qmHash3("sha1", a, 0x01020304, ni, nr),
    nodeHmac("sha1", a, Uint8Array.of(0), mid, ni, nr),
  );
  const spi = hex("c0ffee01");
  const seed = new Uint8Array([3, ...spi, ...ni, ...nr]);
  const k1 = nodeHmac("sha1", d, seed);
  const k2 = nodeHmac("sha1", d, k1, seed);
  assert.deepEqual(keymat("sha1", d, 3, spi, ni, nr, 36), new Uint8Array([...k1, ...k2]).subarray(0, 36));
  assert.deepEqual(keymat("sha1", d, 3, spi, ni, nr, 20), k1);
});

Deno.test("phase-1 encryption pads with zeros to the block and round-trips (AES and 3DES)", () => {
  const plain = hex("0800000c01000000c0000201");
  const aes = ikeEncrypt("aes128", bytes(16, 7), bytes(16, 9), plain);
  assert.equal(aes.length, 16);
  const back = ikeDecrypt("aes128", bytes(16, 7), bytes(16, 9), aes);
  assert.ok(back.ok);
  assert.deepEqual(back.value, new Uint8Array([...plain, 0, 0, 0, 0]));
  const des = ikeEncrypt("3des", bytes(24, 7), bytes(8, 9), plain);
  assert.equal(des.length, 16);
  const desBack = ikeDecrypt("3des", bytes(24, 7), bytes(8, 9), des);
  assert.ok(desBack.ok);
  assert.deepEqual(desBack.value.subarray(0, plain.length), plain);
  assert.equal(ikeDecrypt("aes128", bytes(16, 7), bytes(16, 9), aes.subarray(0, 15)).ok, false);
});
