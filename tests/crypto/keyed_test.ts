/**
 * Key state prepared once (src/crypto/keyed.ts) against published vectors (RFC 3602, RFC 2202,
 * RFC 4231) and against node:crypto and the per-call functions for many messages under one key, since
 * state left over from one message must not leak into the next.
 */
import assert from "node:assert/strict";
import { createCipheriv, createHmac } from "node:crypto";
import { aesCbcDecrypt, aesCbcEncrypt, fromHex, hmac, toHex, utf8 } from "../../src/crypto/index.ts";
import { AesCbcKey, HmacKey } from "../../src/crypto/keyed.ts";
import { Prng } from "../../src/engine/prng.ts";

const hex = (text: string) => fromHex(text)!;

Deno.test("AesCbcKey: RFC 3602 §4 cases 1 and 2, in place at an offset, and back", () => {
  const cases = [
    [
      "06a9214036b8a15b512e03d534120006",
      "3dafba429d9eb430b422da802c9fac41",
      toHex(utf8("Single block msg")),
      "e353779c1079aeb82708942dbe77181a",
    ],
    [
      "c286696d887c9aa0611bbb3e2025a45a",
      "562e17996d093d28ddb3ba695a2e6f58",
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
      "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1",
    ],
  ];
  for (const [key, iv, plain, cipher] of cases) {
    const aes = new AesCbcKey(hex(key));
    const buffer = new Uint8Array(5 + plain.length / 2 + 3).fill(0xee);
    buffer.set(hex(plain), 5);
    aes.encryptInPlace(hex(iv), buffer, 5, 5 + plain.length / 2);
    assert.equal(toHex(buffer.subarray(5, 5 + plain.length / 2)), cipher);
    assert.deepEqual([...buffer.subarray(0, 5), ...buffer.subarray(buffer.length - 3)], Array(8).fill(0xee));
    const out = new Uint8Array(2 + plain.length / 2);
    aes.decryptInto(hex(iv), hex(cipher), out, 2);
    assert.equal(toHex(out.subarray(2)), plain);
  }
});

Deno.test("AesCbcKey: one key for many messages equals node:crypto and aesCbcEncrypt, for 128, 192 and 256 bits", () => {
  const rng = new Prng(3602);
  for (const [bits, length] of [["128", 16], ["192", 24], ["256", 32]] as const) {
    const key = rng.bytes(length);
    const aes = new AesCbcKey(key);
    for (let i = 0; i < 20; i++) {
      const iv = rng.bytes(16);
      const plain = rng.bytes(16 * (1 + (i % 7)));
      const expected = aesCbcEncrypt(key, iv, plain);
      if (bits !== "192") { // Deno's node:crypto has no AES-192
        const node = createCipheriv(`aes-${bits}-cbc`, key, iv).setAutoPadding(false);
        assert.deepEqual(new Uint8Array(Buffer.concat([node.update(plain), node.final()])), expected);
      }
      const data = plain.slice();
      aes.encryptInPlace(iv, data, 0, data.length);
      assert.deepEqual(data, expected, `aes-${bits} message ${i}`);
      const back = new Uint8Array(data.length);
      aes.decryptInto(iv, data, back, 0);
      assert.deepEqual(back, plain);
      const general = aesCbcDecrypt(key, iv, data);
      assert.ok(general.ok);
      assert.deepEqual(general.value, plain);
    }
  }
  assert.throws(() => new AesCbcKey(new Uint8Array(15)), RangeError);
  assert.throws(() =>
    new AesCbcKey(new Uint8Array(16)).encryptInPlace(new Uint8Array(16), new Uint8Array(20), 0, 20)
  );
});

Deno.test("HmacKey: RFC 2202 cases 1, 5 (truncated) and 6 (key longer than a block), RFC 4231 case 1", () => {
  const mac = (key: HmacKey, data: Uint8Array, length?: number) => {
    const out = new Uint8Array(3 + (length ?? key.length));
    key.macInto(data, out, 3, length);
    return toHex(out.subarray(3));
  };
  assert.equal(
    mac(new HmacKey("sha1", new Uint8Array(20).fill(0x0b)), utf8("Hi There")),
    "b617318655057264e28bc0b6fb378c8ef146be00",
  );
  const case5 = new HmacKey("sha1", new Uint8Array(20).fill(0x0c));
  assert.equal(mac(case5, utf8("Test With Truncation"), 12), "4c1a03424b55e07fe7f27be1");
  assert.ok(case5.verify(utf8("Test With Truncation"), hex("4c1a03424b55e07fe7f27be1")));
  assert.ok(!case5.verify(utf8("Test With Truncation"), hex("4c1a03424b55e07fe7f27be0")));
  assert.equal(
    mac(
      new HmacKey("sha1", new Uint8Array(80).fill(0xaa)),
      utf8("Test Using Larger Than Block-Size Key - Hash Key First"),
    ),
    "aa4ae5e15272d00e95705637ce8a3b55ed402112",
  );
  assert.equal(
    mac(new HmacKey("sha256", new Uint8Array(20).fill(0x0b)), utf8("Hi There")),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  );
});

Deno.test("HmacKey: one key for many messages of every length equals node:crypto and hmac()", () => {
  const rng = new Prng(2104);
  for (const alg of ["md5", "sha1", "sha256"] as const) {
    const key = rng.bytes(20);
    const prepared = new HmacKey(alg, key);
    for (let length = 0; length < 200; length += 7) {
      const data = rng.bytes(length);
      const out = new Uint8Array(prepared.length);
      prepared.macInto(data, out, 0);
      assert.deepEqual(out, new Uint8Array(createHmac(alg, key).update(data).digest()), `${alg} ${length}`);
      assert.deepEqual(out, hmac(alg, key, data));
      assert.ok(prepared.verify(data, out.subarray(0, 12)));
    }
  }
});
