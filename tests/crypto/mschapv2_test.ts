import assert from "node:assert/strict";
import { fromHex, toHex, utf8 } from "../../src/crypto/index.ts";
import { md4 } from "../../src/crypto/md4.ts";
import { Rc4, rc4 } from "../../src/crypto/rc4.ts";
import {
  authenticatorResponse,
  challengeHash,
  generateNtResponse,
  hashNtPasswordHash,
  ntPasswordHash,
  unicodePassword,
} from "../../src/crypto/mschapv2.ts";
import {
  mppeInitialKey,
  mppeMasterKey,
  mppeNewKeyFromSha,
  mppeNextKey,
  mppeStartKey,
} from "../../src/crypto/mppe_keys.ts";

const hex = (s: string) => fromHex(s.replace(/\s+/g, ""))!;

Deno.test("MD4: the RFC 1320 §A.5 test suite", () => {
  const suite: [string, string][] = [
    ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
    ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
    ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
    ["message digest", "d9130a8164549fe818874806e1c7014b"],
    ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "e33b4ddc9c38f2199c3e7b164fcc0536",
    ],
  ];
  for (const [text, digest] of suite) assert.equal(toHex(md4(utf8(text))), digest, `MD4("${text}")`);
  // Parts are hashed as their concatenation (a block boundary inside a part included).
  assert.equal(toHex(md4(utf8("message "), utf8("digest"))), "d9130a8164549fe818874806e1c7014b");
});

Deno.test("RC4: RFC 6229 key 0x0102030405, offsets 0 and 16; a keystream continues across calls", () => {
  const key = hex("0102030405");
  const stream = rc4(key, new Uint8Array(32));
  assert.equal(toHex(stream.subarray(0, 16)), "b2396305f03dc027ccc3524a0a1118a8");
  assert.equal(toHex(stream.subarray(16, 32)), "6982944f18fc82d589c403a47a0d0919");
  const cipher = new Rc4(key);
  const split = [...cipher.process(new Uint8Array(10)), ...cipher.process(new Uint8Array(22))];
  assert.deepEqual(Uint8Array.from(split), stream);
});

// RFC 2759 §9.2 (the same sample values RFC 3079 §3.5 builds on).
const user = "User";
const password = "clientPass";
const authChallenge = hex("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28");
const peerChallenge = hex("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E");
const ntResponse = "82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df";

Deno.test("MS-CHAPv2: RFC 2759 §9.2 sample (password hash, challenge hash, NT-Response, S=)", () => {
  assert.equal(toHex(unicodePassword(password)), "63006c00690065006e0074005000610073007300");
  const hash = ntPasswordHash(password);
  assert.equal(toHex(hash), "44ebba8d5312b8d611474411f56989ae");
  assert.equal(toHex(hashNtPasswordHash(hash)), "41c00c584bd2d91c4017a2a12fa59f3f");
  assert.equal(toHex(challengeHash(peerChallenge, authChallenge, user)), "d02e4386bce91226");
  assert.equal(toHex(generateNtResponse(authChallenge, peerChallenge, user, password)), ntResponse);
  assert.equal(
    authenticatorResponse(hash, hex(ntResponse), peerChallenge, authChallenge, user),
    "S=407A5589115FD0D6209F510FE9C04566932CDA56",
  );
  // A domain prefix is not hashed (RFC 2759 §8.2).
  assert.deepEqual(
    challengeHash(peerChallenge, authChallenge, "OFFICE\\User"),
    challengeHash(
      peerChallenge,
      authChallenge,
      user,
    ),
  );
  assert.notEqual(toHex(generateNtResponse(authChallenge, peerChallenge, user, "clientPasz")), ntResponse);
});

Deno.test("MPPE keys: RFC 3079 §3.5 samples for 40-, 56- and 128-bit keys", () => {
  const master = mppeMasterKey(ntPasswordHash(password), hex(ntResponse));
  assert.equal(toHex(master), "fdece3717a8c838cb388e527ae3cdd31");
  const send8 = mppeStartKey(master, 8, true, true);
  assert.equal(toHex(send8), "8b7cdc149b993a1b");
  assert.equal(toHex(mppeNewKeyFromSha(send8, send8)), "965c00c49fa62e3e");
  assert.equal(toHex(mppeInitialKey(send8, 40)), "d1269ec49fa62e3e");
  assert.equal(toHex(mppeInitialKey(send8, 56)), "d15c00c49fa62e3e");
  const send16 = mppeStartKey(master, 16, true, true);
  assert.equal(toHex(send16), "8b7cdc149b993a1ba118cb153f56dccb");
  assert.equal(toHex(mppeInitialKey(send16, 128)), "405cb2247a7956e6e211007ae27b22d4");
  // The server's send key is the client's receive key and the other way round.
  assert.deepEqual(mppeStartKey(master, 16, false, false), send16);
  assert.deepEqual(mppeStartKey(master, 16, true, false), mppeStartKey(master, 16, false, true));
  assert.notDeepEqual(mppeStartKey(master, 16, true, false), send16);
  // A key change hashes with the start key, then RC4s the result under itself.
  const first = mppeInitialKey(send16, 128);
  const interim = mppeNewKeyFromSha(send16, first);
  assert.deepEqual(mppeNextKey(send16, first, 128), rc4(interim, interim));
});

Deno.test("DES: agrees with des.js on varied keys and blocks, and with the FIPS 81 sample", async () => {
  const { desEncryptBlock } = await import("../../src/crypto/des.ts");
  const { desKeyFrom7 } = await import("../../src/crypto/mschapv2.ts");
  const des = (await import("des.js")).default as unknown as {
    DES: { create(o: object): { update(d: Uint8Array): number[] } };
  };
  // FIPS 81 appendix B: key 0123456789abcdef, "Now is t" → 3fa40e8a984d4815.
  assert.equal(toHex(desEncryptBlock(hex("0123456789abcdef"), utf8("Now is t"))), "3fa40e8a984d4815");
  let x = 0x12345678;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) & 0xff;
  for (let n = 0; n < 200; n++) {
    const key = Uint8Array.from({ length: 8 }, next);
    const block = Uint8Array.from({ length: 8 }, next);
    const reference = des.DES.create({ type: "encrypt", key: Array.from(key), padding: false }).update(block);
    assert.deepEqual(desEncryptBlock(key, block), Uint8Array.from(reference));
  }
  // 56 key bits spread 7 to a byte, the low bit of each byte unused.
  assert.equal(toHex(desKeyFrom7(hex("ffffffffffffff"))), "fefefefefefefefe");
  assert.equal(toHex(desKeyFrom7(hex("80000000000001"))), "8000000000000002");
});
