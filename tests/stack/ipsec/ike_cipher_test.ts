/**
 * The keyed phase-1 cipher against RFC 3602's AES-CBC vector, against node:crypto where Deno has the
 * cipher (independent of the noble code both paths use) and against the one-shot `ikeEncrypt`/`ikeDecrypt`, over every cipher and
 * over lengths that need padding; and a key reused for many messages gives each its own right bytes.
 */
import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { fromHex, toHex } from "../../../src/crypto/index.ts";
import type { IkeEncryption } from "../../../src/stack/ipsec/config.ts";
import { ikeDecrypt, ikeEncrypt } from "../../../src/stack/ipsec/derive.ts";
import { IkeCipher } from "../../../src/stack/ipsec/ike_cipher.ts";

const hex = (text: string): Uint8Array => fromHex(text)!;
const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17) & 0xff);

Deno.test("IkeCipher: RFC 3602 case 2 (AES-128-CBC, two blocks)", () => {
  const cipher = new IkeCipher("aes128", hex("c286696d887c9aa0611bbb3e2025a45a"));
  const iv = hex("562e17996d093d28ddb3ba695a2e6f58");
  const plain = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const sealed = cipher.encrypt(iv, plain);
  assert.equal(toHex(sealed), "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1");
  const opened = cipher.decrypt(iv, sealed);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value, plain);
});

Deno.test("IkeCipher: one key, many messages, each as node:crypto and the one-shot functions give", () => {
  const sizes: [IkeEncryption, number, number][] = [["aes128", 16, 16], ["aes192", 24, 16], [
    "aes256",
    32,
    16,
  ], [
    "3des",
    24,
    8,
  ]];
  for (const [name, keyLength, block] of sizes) {
    const key = bytes(keyLength, keyLength);
    const cipher = new IkeCipher(name, key);
    for (const length of [1, block - 1, block, block + 1, 5 * block + 3, 300]) {
      const iv = bytes(block, length);
      const plain = bytes(length, length + 1);
      const sealed = cipher.encrypt(iv, plain);
      assert.deepEqual(sealed, ikeEncrypt(name, key, iv, plain), `${name} ${length}`);
      const padded = new Uint8Array(Math.ceil(length / block) * block);
      padded.set(plain);
      // Deno's node:crypto has AES-128 and AES-256 CBC (not 192, not 3DES): the independent check.
      if (name === "aes128" || name === "aes256") {
        const node = createCipheriv(`aes-${keyLength * 8}-cbc`, key, iv).setAutoPadding(false);
        assert.equal(toHex(sealed), Buffer.concat([node.update(padded), node.final()]).toString("hex"));
      }
      const opened = cipher.decrypt(iv, sealed);
      assert.ok(opened.ok);
      assert.deepEqual(opened.value, padded);
      const oneShot = ikeDecrypt(name, key, iv, sealed);
      assert.ok(oneShot.ok);
      assert.deepEqual(opened.value, oneShot.value);
    }
  }
});

Deno.test("IkeCipher: a partial block does not decrypt", () => {
  const cipher = new IkeCipher("aes128", bytes(16, 1));
  const sealed = cipher.encrypt(bytes(16, 2), bytes(20, 3));
  const partial = cipher.decrypt(bytes(16, 2), sealed.subarray(0, 17));
  assert.equal(partial.ok, false);
  assert.ok(!partial.ok && /not a multiple of 16/.test(partial.error));
});
