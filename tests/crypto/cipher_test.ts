import assert from "node:assert/strict";
import {
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesGcmOpen,
  aesGcmSeal,
  fromHex,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
  toHex,
  utf8,
} from "../../src/crypto/index.ts";

const hex = (text: string) => fromHex(text)!;

Deno.test("AES-128-CBC RFC 3602 §4 case 1", () => {
  const key = hex("06a9214036b8a15b512e03d534120006");
  const iv = hex("3dafba429d9eb430b422da802c9fac41");
  const ct = aesCbcEncrypt(key, iv, utf8("Single block msg"));
  assert.equal(toHex(ct), "e353779c1079aeb82708942dbe77181a");
  const pt = aesCbcDecrypt(key, iv, ct);
  assert.ok(pt.ok);
  assert.equal(new TextDecoder().decode(pt.value), "Single block msg");
});

Deno.test("AES-128-CBC RFC 3602 §4 case 2 (two blocks, chaining)", () => {
  const key = hex("c286696d887c9aa0611bbb3e2025a45a");
  const iv = hex("562e17996d093d28ddb3ba695a2e6f58");
  const plaintext = Uint8Array.from({ length: 32 }, (_, i) => i);
  const ct = aesCbcEncrypt(key, iv, plaintext);
  assert.equal(toHex(ct), "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1");
  const pt = aesCbcDecrypt(key, iv, ct);
  assert.ok(pt.ok);
  assert.deepEqual(pt.value, plaintext);
});

Deno.test("AES-CBC refuses partial blocks: encrypt throws, decrypt returns an error", () => {
  const key = new Uint8Array(16);
  const iv = new Uint8Array(16);
  assert.throws(() => aesCbcEncrypt(key, iv, new Uint8Array(15)), RangeError);
  const r = aesCbcDecrypt(key, iv, new Uint8Array(17));
  assert.equal(r.ok, false);
  assert.equal(aesCbcDecrypt(new Uint8Array(5), iv, new Uint8Array(16)).ok, false);
});

Deno.test("3DES-EDE-CBC with K1=K2=K3 reduces to single DES (classic DES vector)", () => {
  // E(D(E(x))) with one key is E(x); with a zero IV one CBC block is plain DES-ECB.
  const k = hex("133457799bbcdff1");
  const key = new Uint8Array(24);
  key.set(k, 0);
  key.set(k, 8);
  key.set(k, 16);
  const ct = tdesCbcEncrypt(key, new Uint8Array(8), hex("0123456789abcdef"));
  assert.equal(toHex(ct), "85e813540f0ab405");
});

Deno.test("3DES-EDE-CBC chains blocks and round-trips", () => {
  const k = hex("133457799bbcdff1");
  const key = new Uint8Array(24);
  key.set(k, 0);
  key.set(k, 8);
  key.set(k, 16);
  const iv = hex("0123456789abcdef");
  // Second block: CBC XORs it with the first ciphertext block. Choose P1 = IV so the first input
  // is zero, and P2 = C1 XOR 0123456789abcdef so the second input is the classic DES plaintext.
  const c1 = tdesCbcEncrypt(key, new Uint8Array(8), new Uint8Array(8));
  const p2 = c1.map((b, i) => b ^ hex("0123456789abcdef")[i]);
  const pt = new Uint8Array(16);
  pt.set(iv, 0);
  pt.set(p2, 8);
  const ct = tdesCbcEncrypt(key, iv, pt);
  assert.deepEqual(ct.subarray(0, 8), c1);
  assert.equal(toHex(ct.subarray(8)), "85e813540f0ab405");
  const back = tdesCbcDecrypt(key, iv, ct);
  assert.ok(back.ok);
  assert.deepEqual(back.value, pt);
  assert.equal(tdesCbcDecrypt(key, iv, new Uint8Array(12)).ok, false);
  assert.throws(() => tdesCbcEncrypt(new Uint8Array(16), iv, pt), RangeError);
});

const GCM4 = {
  key: hex("feffe9928665731c6d6a8f9467308308"),
  iv: hex("cafebabefacedbaddecaf888"),
  aad: hex("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
  pt: hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525" +
      "b16aedf5aa0de657ba637b39",
  ),
  ct: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05" +
    "1ba30b396a0aac973d58e091",
  tag: "5bc94fbc3221a5db94fae95ae7121a47",
};

Deno.test("AES-GCM test case 4 of the GCM specification", () => {
  const sealed = aesGcmSeal(GCM4.key, GCM4.iv, GCM4.pt, GCM4.aad);
  assert.equal(toHex(sealed), GCM4.ct + GCM4.tag);
  const opened = aesGcmOpen(GCM4.key, GCM4.iv, sealed, GCM4.aad);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value, GCM4.pt);
});

Deno.test("AES-GCM truncated ICVs (RFC 4106: 8 and 12 bytes) are the tag's leading bytes", () => {
  for (const tagLength of [8, 12] as const) {
    const sealed = aesGcmSeal(GCM4.key, GCM4.iv, GCM4.pt, GCM4.aad, tagLength);
    assert.equal(toHex(sealed), GCM4.ct + GCM4.tag.slice(0, tagLength * 2));
    const opened = aesGcmOpen(GCM4.key, GCM4.iv, sealed, GCM4.aad, tagLength);
    assert.ok(opened.ok);
    assert.deepEqual(opened.value, GCM4.pt);
  }
});

Deno.test("AES-GCM rejects a flipped ciphertext bit, wrong AAD and short input", () => {
  const sealed = aesGcmSeal(GCM4.key, GCM4.iv, GCM4.pt, GCM4.aad);
  const tampered = sealed.slice();
  tampered[3] ^= 1;
  assert.equal(aesGcmOpen(GCM4.key, GCM4.iv, tampered, GCM4.aad).ok, false);
  assert.equal(aesGcmOpen(GCM4.key, GCM4.iv, sealed, new Uint8Array(0)).ok, false);
  assert.equal(aesGcmOpen(GCM4.key, GCM4.iv, sealed.subarray(0, 10)).ok, false);
});
