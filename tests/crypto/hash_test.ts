import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { fromHex, hash, hmac, md5, sha1, sha256, toHex, utf8 } from "../../src/crypto/index.ts";

const hex = (text: string) => fromHex(text)!;

Deno.test("MD5 of 'abc' (RFC 1321 appendix A.5)", () => {
  assert.equal(toHex(md5(utf8("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  // Several parts hash as their concatenation.
  assert.equal(toHex(md5(utf8("a"), utf8("bc"))), "900150983cd24fb0d6963f7d28e17f72");
});

Deno.test("SHA-1 and SHA-256 of 'abc' (FIPS 180-2 examples)", () => {
  assert.equal(toHex(sha1(utf8("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.equal(
    toHex(sha256(utf8("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(toHex(hash("sha1", utf8("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
});

Deno.test("HMAC-SHA1 RFC 2202 test cases 1 and 5 (96-bit truncation)", () => {
  const case1 = hmac("sha1", new Uint8Array(20).fill(0x0b), utf8("Hi There"));
  assert.equal(toHex(case1), "b617318655057264e28bc0b6fb378c8ef146be00");
  const case5 = hmac("sha1", new Uint8Array(20).fill(0x0c), utf8("Test With Truncation"));
  assert.equal(toHex(case5.subarray(0, 12)), "4c1a03424b55e07fe7f27be1");
});

Deno.test("HMAC-MD5 (RFC 2104) and HMAC-SHA-256 (RFC 4231 case 1)", () => {
  assert.equal(
    toHex(hmac("md5", new Uint8Array(16).fill(0x0b), utf8("Hi There"))),
    "9294727a3638bb1c13f48ef8158bfc9d",
  );
  assert.equal(
    toHex(hmac("sha256", new Uint8Array(20).fill(0x0b), utf8("Hi There"))),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  );
});

Deno.test("HMAC-SHA1 RFC 2202 test case 6: a key longer than a block is hashed first", () => {
  const key = new Uint8Array(80).fill(0xaa);
  const mac = hmac("sha1", key, utf8("Test Using Larger Than Block-Size Key - Hash Key First"));
  assert.equal(toHex(mac), "aa4ae5e15272d00e95705637ce8a3b55ed402112");
});

Deno.test("one-shot hashes and HMACs reuse their states: interleaved calls all match node:crypto", () => {
  // Lengths around the 64-byte block, split into parts at odd places, with keys of every class.
  const bytes = (length: number, seed: number) =>
    Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
  for (const alg of ["md5", "sha1", "sha256"] as const) {
    for (const [keyLength, dataLength] of [[0, 0], [16, 55], [20, 56], [64, 64], [65, 119], [130, 200]]) {
      const key = bytes(keyLength, 7);
      const data = bytes(dataLength, 3);
      const cut = Math.floor(dataLength / 3);
      const parts = [data.subarray(0, cut), data.subarray(cut, 2 * cut + 1), data.subarray(2 * cut + 1)];
      const mac = hmac(alg, key, ...parts);
      const digest = hash(alg, ...parts);
      // A call in between with other inputs must not disturb the results already returned.
      hmac(alg, bytes(33, 1), bytes(77, 2));
      assert.equal(
        toHex(mac),
        createHmac(alg, key).update(data).digest("hex"),
        `${alg} hmac ${keyLength}/${dataLength}`,
      );
      assert.equal(toHex(digest), createHash(alg).update(data).digest("hex"), `${alg} ${dataLength}`);
    }
  }
});

Deno.test("hex helpers reject odd or non-hex input", () => {
  assert.equal(fromHex("abc"), null);
  assert.equal(fromHex("zz"), null);
  assert.deepEqual(fromHex("0a:0B"), Uint8Array.of(10, 11));
  assert.equal(toHex(hex("00ff10")), "00ff10");
});
