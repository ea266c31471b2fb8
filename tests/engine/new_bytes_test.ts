import assert from "node:assert/strict";
import { bytesOf, copyBytes, newBytes } from "../../src/engine/new_bytes.ts";

Deno.test("newBytes: zeroed, 8-byte aligned, and never overlapping another array", () => {
  const made = Array.from({ length: 3000 }, (_, i) => newBytes(i % 97));
  for (const bytes of made) {
    assert.equal(bytes.byteOffset % 8, 0);
    assert.ok(bytes.every((b) => b === 0));
    // Word views of it can be made (noble's AES and hashes make them).
    new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  }
  made.forEach((bytes, i) => bytes.fill(i & 0xff));
  made.forEach((bytes, i) =>
    assert.ok(bytes.every((b) => b === (i & 0xff)), `array ${i} was written by another`)
  );
});

Deno.test("newBytes: a large array has a buffer of its own", () => {
  const large = newBytes(5000);
  assert.equal(large.byteOffset, 0);
  assert.equal(large.buffer.byteLength, 5000);
});

Deno.test("copyBytes and bytesOf make independent copies", () => {
  const source = Uint8Array.of(1, 2, 3);
  const copy = copyBytes(source);
  source[0] = 9;
  assert.deepEqual([...copy], [1, 2, 3]);
  assert.deepEqual([...bytesOf(4, 5, 0x1ff)], [4, 5, 0xff]);
});

Deno.test("newBytes: a bad length behaves as in new Uint8Array (a negative one throws, a fraction is cut)", () => {
  assert.throws(() => newBytes(-1), RangeError);
  assert.equal(newBytes(2.5).length, 2);
});
