/**
 * Known answers for IKEv2's key schedule. The full derivation (SKEYSEED, prf+ over Ni | Nr | SPIi |
 * SPIr, CHILD_SA KEYMAT with and without a new DH value, the rekeyed SKEYSEED) is checked against the
 * NIST CAVP SP 800-135 IKEv2 sample (SHA-1) that libreswan's CAVS driver quotes with its inputs. prf+
 * with SHA-256, the PSK AUTH value and the NAT detection hash have no published vectors: their
 * expected values were computed independently with Python's hmac and hashlib (the recipe is in each
 * test), not taken from this code's output.
 */
import assert from "node:assert/strict";
import { fromHex, hmac, toHex, utf8 } from "../../../src/crypto/index.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import {
  childKeys,
  deriveIkeKeys,
  natDetectionHash,
  prfPlus,
  pskAuth,
  rekeySkeyseed,
  skeyseed,
} from "../../../src/stack/ikev2/keys.ts";

const hex = (s: string) => fromHex(s)!;

const CAVP = {
  gir: hex("4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52"),
  girNew: hex("863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330"),
  ni: hex("32b50d5f4a3763f3"),
  nr: hex("9206a04b26564cb1"),
  spiI: hex("34c9e7c188868785"),
  spiR: hex("3ff77d760d2b2199"),
  skeyseed: "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7",
  dkm: "a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b76606f9fa5e9" +
    "92204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd1119" +
    "8af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4",
  dkmChild:
    "8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1cdabd9560b2d5e092d1f24e" +
    "2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20754a2d883ba0c2cf" +
    "285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e664994d234cb4",
  dkmChildDh:
    "bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c66232eab4b3ab14c400a519" +
    "7dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8bbb5ffb7857240f9a" +
    "05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054d56fd74c",
  skeyseedRekey: "63e81194946ebd05df7df5ebf5d8750056bf1f1d",
};

Deno.test("CAVP IKEv2 KDF (SHA-1): SKEYSEED = prf(Ni | Nr, g^ir)", () => {
  assert.equal(toHex(skeyseed("sha1", CAVP.ni, CAVP.nr, CAVP.gir)), CAVP.skeyseed);
});

Deno.test("CAVP IKEv2 KDF (SHA-1): DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), 132 bytes", () => {
  const seed = skeyseed("sha1", CAVP.ni, CAVP.nr, CAVP.gir);
  const dkm = prfPlus(
    "sha1",
    seed,
    new Uint8Array([...CAVP.ni, ...CAVP.nr, ...CAVP.spiI, ...CAVP.spiR]),
    132,
  );
  assert.equal(toHex(dkm), CAVP.dkm);
});

Deno.test("CAVP IKEv2 KDF (SHA-1): deriveIkeKeys cuts the DKM in RFC 7296's order", () => {
  const seed = skeyseed("sha1", CAVP.ni, CAVP.nr, CAVP.gir);
  // aes128 + sha1: SK_d 20, SK_ai/ar 20 each, SK_ei/er 16 each, SK_pi/pr 20 each = 132 bytes.
  const keys = deriveIkeKeys(
    { encryption: "aes128", integrity: "sha1", prf: "sha1", group: "modp2048" },
    seed,
    CAVP.ni,
    CAVP.nr,
    CAVP.spiI,
    CAVP.spiR,
  );
  const joined = [keys.d, keys.ai, keys.ar, keys.ei, keys.er, keys.pi, keys.pr].map(toHex).join("");
  assert.equal(joined, CAVP.dkm);
  assert.deepEqual([keys.d.length, keys.ai.length, keys.ei.length, keys.pi.length], [20, 20, 16, 20]);
});

Deno.test("CAVP IKEv2 KDF (SHA-1): CHILD_SA KEYMAT without and with a new DH value, SKEYSEED of a rekey", () => {
  const skD = hex(CAVP.dkm.slice(0, 40));
  const seed = new Uint8Array([...CAVP.ni, ...CAVP.nr]);
  assert.equal(toHex(prfPlus("sha1", skD, seed, 132)), CAVP.dkmChild);
  assert.equal(toHex(prfPlus("sha1", skD, new Uint8Array([...CAVP.girNew, ...seed]), 132)), CAVP.dkmChildDh);
  assert.equal(toHex(rekeySkeyseed("sha1", skD, CAVP.girNew, CAVP.ni, CAVP.nr)), CAVP.skeyseedRekey);
  // childKeys is the same prf+, split into the two directions (aes128-cbc + hmac-sha1-96: 36 bytes each).
  const { i2r, r2i } = childKeys(
    "sha1",
    skD,
    { encryption: "aes128-cbc", integrity: "hmac-sha1-96" },
    CAVP.ni,
    CAVP.nr,
  );
  assert.equal(toHex(i2r) + toHex(r2i), CAVP.dkmChild.slice(0, 144));
  const dh = childKeys(
    "sha1",
    skD,
    { encryption: "aes128-cbc", integrity: "hmac-sha1-96" },
    CAVP.ni,
    CAVP.nr,
    CAVP.girNew,
  );
  assert.equal(toHex(dh.i2r) + toHex(dh.r2i), CAVP.dkmChildDh.slice(0, 144));
});

Deno.test("HMAC-SHA-256 as the PRF: RFC 4868 §2.7.1 (= RFC 4231) test case 1", () => {
  assert.equal(
    toHex(hmac("sha256", hex("0b".repeat(20)), utf8("Hi There"))),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  );
});

Deno.test("prf+ with HMAC-SHA-256 over three blocks (Python: T1..T3 from hmac.new(k, t+s+bytes([i]), sha256))", () => {
  assert.equal(
    toHex(prfPlus("sha256", hex("0b".repeat(20)), utf8("seed"), 70)),
    "c45cd79c94a5e74a1300fb5cb9c6475e396138e118dbc165c4ff81e4435db2fd7f0d2c42fef6d8a62ad4abae8e9139625" +
      "85fbddaec5bca011011ffdd4a6bda3d0e3b400f5549",
  );
});

Deno.test('PSK AUTH = prf(prf(PSK, "Key Pad for IKEv2"), msg | nonce | prf(SK_p, ID)) (Python hmac)', () => {
  const message = Uint8Array.from({ length: 60 }, (_, i) => i);
  const nonce = new Uint8Array(32).fill(0xaa);
  const skP = new Uint8Array(32).fill(0x11);
  const idBody = new Uint8Array([2, 0, 0, 0, ...utf8("vpn.example.org")]);
  assert.equal(
    toHex(pskAuth("sha256", utf8("classroom-secret"), message, nonce, skP, idBody)),
    "6112a37e4e92cb4022e1e9f1ea6ed83cdbcf8301a03d3421908fd04ef1efb423",
  );
  // A different key gives a different AUTH: the gateway's check can fail.
  assert.notEqual(
    toHex(pskAuth("sha256", utf8("classroom-secreT"), message, nonce, skP, idBody)),
    "6112a37e4e92cb4022e1e9f1ea6ed83cdbcf8301a03d3421908fd04ef1efb423",
  );
});

Deno.test("NAT_DETECTION hash = SHA-1(SPIi | SPIr | IP | port), SPIr zero in the request (Python hashlib)", () => {
  assert.equal(
    toHex(natDetectionHash(hex("0102030405060708"), new Uint8Array(8), parseIp("192.168.1.10")!, 500)),
    "0411ab15380679f33945785b6a781d15051614a9",
  );
});
