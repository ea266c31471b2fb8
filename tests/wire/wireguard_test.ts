import assert from "node:assert/strict";
import {
  decodeWg,
  describeWg,
  encodeWg,
  summarizeWg,
  WG_COOKIE_REPLY,
  WG_INITIATION,
  WG_RESPONSE,
  WG_TRANSPORT,
  type WgMessage,
} from "../../src/wire/wireguard.ts";

const fill = (length: number, value: number) => new Uint8Array(length).fill(value);

const initiation: WgMessage = {
  type: WG_INITIATION,
  sender: 0x04030201,
  ephemeral: fill(32, 1),
  encryptedStatic: fill(48, 2),
  encryptedTimestamp: fill(28, 3),
  mac1: fill(16, 4),
  mac2: fill(16, 5),
};

Deno.test("initiation: 148 bytes, little-endian sender, fields at the paper's offsets", () => {
  const bytes = encodeWg(initiation);
  assert.equal(bytes.length, 148);
  assert.deepEqual([...bytes.subarray(0, 8)], [1, 0, 0, 0, 0x01, 0x02, 0x03, 0x04]);
  assert.equal(bytes[8], 1);
  assert.equal(bytes[40], 2);
  assert.equal(bytes[88], 3);
  assert.equal(bytes[116], 4);
  assert.equal(bytes[132], 5);
  const back = decodeWg(bytes);
  assert.ok(back.ok);
  assert.deepEqual(back.value, initiation);
});

Deno.test("response, cookie reply and transport round-trip with their fixed sizes", () => {
  const messages: [WgMessage, number][] = [
    [{
      type: WG_RESPONSE,
      sender: 7,
      receiver: 0xdeadbeef,
      ephemeral: fill(32, 9),
      encryptedNothing: fill(16, 8),
      mac1: fill(16, 7),
      mac2: fill(16, 6),
    }, 92],
    [{ type: WG_COOKIE_REPLY, receiver: 3, nonce: fill(24, 1), encryptedCookie: fill(32, 2) }, 64],
    [{ type: WG_TRANSPORT, receiver: 5, counter: 0x0102030405060708n, encryptedPacket: fill(48, 3) }, 64],
  ];
  for (const [message, length] of messages) {
    const bytes = encodeWg(message);
    assert.equal(bytes.length, length);
    const back = decodeWg(bytes);
    assert.ok(back.ok);
    assert.deepEqual(back.value, message);
  }
  const transport = encodeWg(messages[2][0]);
  assert.deepEqual([...transport.subarray(8, 16)], [8, 7, 6, 5, 4, 3, 2, 1], "the counter is little-endian");
});

Deno.test("malformed messages are refused with a reason, never thrown", () => {
  const bytes = encodeWg(initiation);
  const cases: [Uint8Array, RegExp][] = [
    [bytes.subarray(0, 2), /shorter than its header/],
    [bytes.subarray(0, 147), /must be 148/],
    [Uint8Array.of(9, 0, 0, 0), /unknown WireGuard message type 9/],
    [Uint8Array.of(4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), /shorter than header and tag/],
  ];
  const reserved = bytes.slice();
  reserved[2] = 1;
  cases.push([reserved, /reserved bytes/]);
  for (const [input, reason] of cases) {
    const decoded = decodeWg(input);
    assert.equal(decoded.ok, false);
    if (!decoded.ok) assert.match(decoded.error, reason);
    assert.match(summarizeWg(input), /malformed/);
  }
});

Deno.test("describe: a keepalive is named, and every field lies inside the message", () => {
  const keepalive = encodeWg({ type: WG_TRANSPORT, receiver: 1, counter: 0n, encryptedPacket: fill(16, 0) });
  const padded = new Uint8Array(10 + keepalive.length);
  padded.set(keepalive, 10);
  const [tree] = describeWg(padded, 10, padded.length);
  assert.equal(tree.value, "Transport Data");
  assert.match(summarizeWg(keepalive), /Keepalive/);
  const names = tree.children!.map((f) => f.name);
  assert.deepEqual(names, ["Type", "Reserved", "Receiver", "Counter", "Keepalive (authentication tag only)"]);
  for (const field of tree.children!) assert.ok(field.start >= 10 && field.end <= padded.length, field.name);
  const init = describeWg(encodeWg(initiation), 0, 148)[0];
  assert.equal(init.children!.find((f) => f.name === "Sender")!.value, "0x04030201");
});
