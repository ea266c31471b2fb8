import assert from "node:assert/strict";
import { ByteArena } from "../../src/engine/byte_arena.ts";

/** `length` bytes that differ from every other frame's (the index is spread over the first bytes). */
function frame(index: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (index * 7 + i * 13 + (index >> 8)) & 0xff;
  return bytes;
}

Deno.test("arena: a stored frame is a copy; changing the source afterwards does not reach it", () => {
  const arena = new ByteArena();
  const source = frame(1, 84);
  const handle = arena.put(source);
  source.fill(0);
  assert.deepEqual(arena.view(handle), frame(1, 84));
  assert.equal(arena.length(handle), 84);
});

Deno.test("arena: frames read back whole after their chunk fills and many more chunks follow", () => {
  const arena = new ByteArena();
  // 20,000 frames of 1 to 1,500 bytes: several MiB, so the first chunks filled long before the last put.
  const handles: number[] = [];
  for (let i = 0; i < 20_000; i++) handles.push(arena.put(frame(i, 1 + (i * 37) % 1500)));
  for (let i = 0; i < handles.length; i++) {
    const length = 1 + (i * 37) % 1500;
    assert.equal(arena.length(handles[i]), length);
    assert.deepEqual(arena.view(handles[i]), frame(i, length), `frame ${i}`);
  }
  assert.equal(new Set(handles).size, handles.length);
});

Deno.test("arena: empty and giant frames (a chunk of their own) read back", () => {
  const arena = new ByteArena();
  const empty = arena.put(new Uint8Array(0));
  const before = arena.put(frame(2, 100));
  const giant = arena.put(frame(3, 40_000));
  const after = arena.put(frame(4, 100));
  assert.equal(arena.view(empty).length, 0);
  assert.deepEqual(arena.view(before), frame(2, 100));
  assert.deepEqual(arena.view(giant), frame(3, 40_000));
  assert.equal(arena.length(giant), 40_000);
  assert.deepEqual(arena.view(after), frame(4, 100));
});
