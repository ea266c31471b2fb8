import assert from "node:assert/strict";
import { MppeDecryptor, MppeEncryptor } from "../../../src/stack/ppp/mppe.ts";
import { mppeInitialKey, mppeNextKey } from "../../../src/crypto/mppe_keys.ts";
import { rc4 } from "../../../src/crypto/rc4.ts";

const start = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
const datagram = Uint8Array.from({ length: 40 }, (_, i) => i);

Deno.test("MPPE stateless: the first packet uses the key after one change, count 0, flags A and D", () => {
  const out = new MppeEncryptor(start).encrypt(0x0021, datagram);
  assert.equal(out[0], 0x90);
  assert.equal(out[1], 0);
  const key = mppeNextKey(start, mppeInitialKey(start, 128), 128);
  const plain = rc4(key, out.subarray(2));
  assert.deepEqual([...plain.subarray(0, 2)], [0x00, 0x21]);
  assert.deepEqual(plain.subarray(2), datagram);
});

Deno.test("MPPE stateless: the receiver follows lost packets by the count and refuses a replay", () => {
  const tx = new MppeEncryptor(start);
  const rx = new MppeDecryptor(start);
  const packets = [0, 1, 2, 3].map((n) => tx.encrypt(0x0021, Uint8Array.of(n, n, n)));
  const first = rx.decrypt(packets[0]);
  assert.ok(first.ok && first.value.count === 0 && first.value.payload[0] === 0);
  // Packets 1 and 2 are lost: packet 3 still decrypts.
  const fourth = rx.decrypt(packets[3]);
  assert.ok(fourth.ok && fourth.value.count === 3 && fourth.value.payload[0] === 3);
  assert.deepEqual(fourth.ok && [...fourth.value.payload], [3, 3, 3]);
  const replay = rx.decrypt(packets[3]);
  assert.ok(!replay.ok && /repeated/.test(replay.error));
  // A wrong start key gives garbage, not the datagram.
  const wrong = new MppeDecryptor(start.map((b) => b ^ 1)).decrypt(packets[0]);
  assert.ok(wrong.ok && wrong.value.protocol !== 0x0021);
});
