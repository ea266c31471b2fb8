import assert from "node:assert/strict";
import { decodeWg, WG_TRANSPORT, type WgTransport } from "../../../src/wire/wireguard.ts";
import {
  CounterWindow,
  newKeypair,
  openTransport,
  paddedLength,
  sealTransport,
  WINDOW_BITS,
} from "../../../src/stack/wireguard/transport.ts";

Deno.test("the replay window accepts new and late counters once, and refuses old ones", () => {
  const window = new CounterWindow();
  const accept = (counter: bigint) => {
    assert.equal(window.check(counter), null, `counter ${counter} should be accepted`);
    window.update(counter);
  };
  accept(0n);
  accept(1n);
  accept(5n);
  assert.match(window.check(5n)!, /already received/);
  accept(3n); // late but inside the window
  assert.match(window.check(3n)!, /already received/);
  accept(4000n);
  assert.match(window.check(1000n)!, /left of the replay window/);
  accept(BigInt(4000 - WINDOW_BITS + 64)); // still inside
  assert.equal(window.check(3999n), null);
  // A jump far ahead forgets everything before it, without remembering stale bits as seen.
  accept(100_000n);
  assert.equal(window.check(100_000n - 100n), null);
  assert.match(window.check(1n << 64n)!, /REJECT_AFTER_MESSAGES/);
});

Deno.test("padding: to a multiple of 16, never past the MTU", () => {
  assert.equal(paddedLength(0, 1420), 0);
  assert.equal(paddedLength(84, 1420), 96);
  assert.equal(paddedLength(1415, 1420), 1420);
  assert.equal(paddedLength(1420, 1420), 1420);
});

Deno.test("transport: sealed with the counter, opened once, a replay and a flipped bit refused", () => {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  const sender = newKeypair({ sendKey: a, receiveKey: b }, 10, 20, 0, true);
  const receiver = newKeypair({ sendKey: b, receiveKey: a }, 20, 10, 0, false);
  const packet = Uint8Array.from({ length: 84 }, (_, i) => i);
  const first = sealTransport(sender, packet, 1420);
  const second = sealTransport(sender, packet, 1420);
  assert.equal(first.length, 16 + 96 + 16);
  const open = (bytes: Uint8Array) => {
    const decoded = decodeWg(bytes);
    assert.ok(decoded.ok && decoded.value.type === WG_TRANSPORT);
    return openTransport(receiver, decoded.value as WgTransport);
  };
  const opened2 = open(second);
  assert.ok(opened2.ok);
  assert.deepEqual(opened2.value.subarray(0, 84), packet);
  assert.ok(open(first).ok, "counter 0 after counter 1 is late, not a replay");
  const replay = open(first);
  assert.equal(replay.ok, false);
  if (!replay.ok) assert.match(replay.error, /replay/);
  const third = sealTransport(sender, packet, 1420);
  third[40] ^= 1;
  const tampered = open(third);
  assert.equal(tampered.ok, false);
  // A forged packet does not move the window: the genuine counter 2 is still accepted.
  third[40] ^= 1;
  assert.ok(open(third).ok);
});
