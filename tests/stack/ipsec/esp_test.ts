/**
 * ESP sealing and opening: packets we seal are taken apart with node:crypto (an independent AES,
 * 3DES, GCM and HMAC) following RFC 4303's layout; tampering and replays are refused.
 */
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import type { EspEncryption } from "../../../src/stack/ipsec/config.ts";
import { type EspKeys, espOpen, espSeal, ReplayWindow } from "../../../src/stack/ipsec/esp.ts";

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const payload = new TextEncoder().encode("L2TP inside UDP inside ESP: 27 b");

function keys(encryption: EspEncryption, integrity: EspKeys["integrity"] = "hmac-sha1-96"): EspKeys {
  const encLength = {
    "aes128-cbc": 16,
    "aes192-cbc": 24,
    "aes256-cbc": 32,
    "3des-cbc": 24,
    "aes128-gcm16": 20,
    "aes256-gcm16": 36,
  }[
    encryption
  ];
  return {
    spi: 0xc0ffee01,
    encryption,
    integrity,
    encKey: Uint8Array.from({ length: encLength }, (_, i) => i + 1),
    authKey: fill(integrity === "hmac-sha1-96" ? 20 : 32, 0x42),
  };
}

Deno.test("AES-CBC + HMAC-SHA1-96: node:crypto finds header, IV, padding 1,2,3…, next header and the ICV", () => {
  const k = keys("aes128-cbc");
  const iv = fill(16, 0x0f);
  const packet = espSeal(k, 7, payload, 17, iv);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  assert.equal(view.getUint32(0), 0xc0ffee01);
  assert.equal(view.getUint32(4), 7);
  assert.deepEqual(packet.subarray(8, 24), iv);
  const icv = packet.subarray(packet.length - 12);
  const mac = createHmac("sha1", k.authKey).update(packet.subarray(0, packet.length - 12)).digest();
  assert.deepEqual(icv, new Uint8Array(mac).subarray(0, 12));
  const decipher = createDecipheriv("aes-128-cbc", k.encKey, iv).setAutoPadding(false);
  const plain = new Uint8Array(
    Buffer.concat([decipher.update(packet.subarray(24, packet.length - 12)), decipher.final()]),
  );
  assert.equal(plain.length % 16, 0);
  const padLength = plain[plain.length - 2];
  assert.equal(plain[plain.length - 1], 17);
  assert.deepEqual(plain.subarray(0, payload.length), payload);
  assert.equal(payload.length + padLength + 2, plain.length);
  assert.deepEqual([...plain.subarray(payload.length, payload.length + padLength)], [
    ...Array.from({ length: padLength }, (_, i) => i + 1),
  ]);
  const opened = espOpen(k, packet);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value.payload, payload);
  assert.equal(opened.value.nextHeader, 17);
  assert.equal(opened.value.seq, 7);
});

Deno.test("3DES-CBC + HMAC-SHA-256-128 and AES-256-CBC open what node:crypto sealed", () => {
  for (
    const [encryption, cipher, ivLength, block] of [
      ["3des-cbc", "des-ede3-cbc", 8, 8],
      ["aes256-cbc", "aes-256-cbc", 16, 16],
    ] as const
  ) {
    const k = keys(encryption, "hmac-sha256-128");
    const iv = fill(ivLength, 0x33);
    // Build the packet by hand: header, IV, E(payload | pad | pad length | next header), ICV.
    const padLength = (block - ((payload.length + 2) % block)) % block;
    const trailer = Uint8Array.from([
      ...payload,
      ...Array.from({ length: padLength }, (_, i) => i + 1),
      padLength,
      17,
    ]);
    const enc = createCipheriv(cipher, k.encKey, iv).setAutoPadding(false);
    const ciphertext = Buffer.concat([enc.update(trailer), enc.final()]);
    const head = Uint8Array.of(0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 9);
    const body = Uint8Array.from([...head, ...iv, ...ciphertext]);
    const icv = new Uint8Array(createHmac("sha256", k.authKey).update(body).digest()).subarray(0, 16);
    const packet = Uint8Array.from([...body, ...icv]);
    const opened = espOpen(k, packet);
    assert.ok(opened.ok, opened.ok ? "" : opened.error);
    assert.deepEqual(opened.value.payload, payload);
    // And ours is byte-identical for the same IV.
    assert.deepEqual(espSeal(k, 9, payload, 17, iv), packet);
  }
});

Deno.test("AES-GCM-16 (RFC 4106): salt | IV nonce, SPI | seq as AAD, 4-byte alignment, 16-byte ICV", () => {
  const k = keys("aes128-gcm16");
  const iv = fill(8, 0x21);
  const packet = espSeal(k, 3, payload, 17, iv);
  assert.deepEqual(packet.subarray(8, 16), iv);
  const nonce = Uint8Array.from([...k.encKey.subarray(16), ...iv]);
  const decipher = createDecipheriv("aes-128-gcm", k.encKey.subarray(0, 16), nonce);
  decipher.setAAD(packet.subarray(0, 8));
  decipher.setAuthTag(packet.subarray(packet.length - 16));
  const plain = new Uint8Array(
    Buffer.concat([decipher.update(packet.subarray(16, packet.length - 16)), decipher.final()]),
  );
  assert.equal(plain.length % 4, 0);
  assert.deepEqual(plain.subarray(0, payload.length), payload);
  const opened = espOpen(k, packet);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value.payload, payload);
});

Deno.test("a flipped bit anywhere fails the ICV; a wrong key fails it too", () => {
  for (const encryption of ["aes128-cbc", "aes128-gcm16"] as const) {
    const k = keys(encryption);
    const packet = espSeal(k, 1, payload, 17, fill(encryption === "aes128-cbc" ? 16 : 8, 1));
    for (const at of [0, 5, 9, 30, packet.length - 1]) {
      const bad = packet.slice();
      bad[at] ^= 0x01;
      const opened = espOpen(k, bad);
      assert.equal(opened.ok, false, `bit flip at ${at} went unnoticed`);
      if (!opened.ok) assert.match(opened.error, /ICV check failed/);
    }
    const other = { ...k, authKey: fill(20, 0x43), encKey: k.encKey.map((b) => b ^ 1) };
    assert.equal(espOpen(other, packet).ok, false);
  }
  assert.equal(espOpen(keys("aes128-cbc"), Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 1)).ok, false);
});

Deno.test("anti-replay window of 64 (RFC 4303 §3.4.3): new, duplicate, out of order, too old", () => {
  const w = new ReplayWindow();
  assert.match(w.check(0)!, /never sent/);
  for (const seq of [1, 2, 3]) {
    assert.equal(w.check(seq), null);
    w.update(seq);
  }
  assert.match(w.check(2)!, /already received/);
  assert.equal(w.check(10), null);
  w.update(10);
  assert.equal(w.check(5), null, "a late packet inside the window is still new");
  w.update(5);
  assert.match(w.check(5)!, /already received/);
  w.update(100);
  assert.equal(w.check(37), null, "100 - 37 = 63 is the window's last slot");
  assert.match(w.check(36)!, /left of the anti-replay window/);
  assert.match(w.check(100)!, /already received/);
  w.update(1000);
  assert.match(w.check(100)!, /left of the anti-replay window/);
  assert.equal(w.top, 1000);
});

/** The packet node:crypto builds for AES-CBC + HMAC: header, IV, E(payload | 1, 2, … | pad length | next), ICV. */
function nodeCbcPacket(k: EspKeys, seq: number, data: Uint8Array, iv: Uint8Array): Uint8Array {
  const padLength = (16 - ((data.length + 2) % 16)) % 16;
  const trailer = Uint8Array.from([
    ...data,
    ...Array.from({ length: padLength }, (_, i) => i + 1),
    padLength,
    17,
  ]);
  const bits = k.encKey.length * 8;
  const enc = createCipheriv(`aes-${bits}-cbc`, k.encKey, iv).setAutoPadding(false);
  const head = new Uint8Array(8);
  new DataView(head.buffer, head.byteOffset, head.byteLength).setUint32(0, k.spi);
  new DataView(head.buffer, head.byteOffset, head.byteLength).setUint32(4, seq);
  const body = Uint8Array.from([...head, ...iv, ...Buffer.concat([enc.update(trailer), enc.final()])]);
  const [hash, icv] = k.integrity === "hmac-sha1-96" ? ["sha1", 12] : ["sha256", 16];
  return Uint8Array.from([...body, ...createHmac(hash, k.authKey).update(body).digest().subarray(0, icv)]);
}

Deno.test("one SA's key state serves every packet: a run of packets of each length equals node:crypto's", () => {
  for (
    const [encryption, integrity] of [["aes128-cbc", "hmac-sha1-96"], [
      "aes256-cbc",
      "hmac-sha256-128",
    ]] as const
  ) {
    const k = keys(encryption, integrity);
    for (let length = 0; length < 70; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const iv = fill(16, length);
      const packet = espSeal(k, length + 1, data, 17, iv);
      assert.deepEqual(packet, nodeCbcPacket(k, length + 1, data, iv), `${encryption} ${length} bytes`);
      const opened = espOpen(k, packet);
      assert.ok(opened.ok);
      assert.deepEqual(opened.value.payload, data);
    }
  }
});

Deno.test("headroom: the ESP packet starts that far into the buffer, the bytes before it zero", () => {
  for (const encryption of ["aes128-cbc", "3des-cbc", "aes128-gcm16"] as const) {
    const k = keys(encryption);
    const iv = fill(encryption === "aes128-gcm16" ? 8 : encryption === "3des-cbc" ? 8 : 16, 9);
    const plain = espSeal(k, 4, payload, 17, iv);
    const roomy = espSeal(k, 4, payload, 17, iv, 28);
    assert.deepEqual(roomy.subarray(28), plain, encryption);
    assert.deepEqual([...roomy.subarray(0, 28)], Array(28).fill(0));
  }
});

Deno.test("keys changed after use (in place or replaced) take effect on the next packet", () => {
  const k = keys("aes128-cbc");
  const iv = fill(16, 5);
  const before = espSeal(k, 1, payload, 17, iv);
  k.authKey[0] ^= 0xff;
  const afterAuth = espSeal(k, 1, payload, 17, iv);
  assert.deepEqual(afterAuth, nodeCbcPacket(k, 1, payload, iv));
  assert.equal(espOpen(k, before).ok, false, "the old ICV no longer verifies");
  k.encKey = k.encKey.map((b) => b ^ 0x55);
  assert.deepEqual(espSeal(k, 1, payload, 17, iv), nodeCbcPacket(k, 1, payload, iv));
});
