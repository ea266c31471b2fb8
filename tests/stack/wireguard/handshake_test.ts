import assert from "node:assert/strict";
import { bytesEqual, clampPrivateKey } from "../../../src/crypto/index.ts";
import {
  consumeInitiation,
  consumeResponse,
  cookieFor,
  createCookieReply,
  createInitiation,
  createResponse,
  identityOf,
  mac1Of,
  mac1Valid,
  mac2Valid,
  openCookieReply,
  tai64n,
  timestampAfter,
} from "../../../src/stack/wireguard/handshake.ts";
import { split } from "../../../src/stack/wireguard/noise.ts";
import {
  decodeWg,
  type WgCookieReply,
  type WgInitiation,
  type WgResponse,
} from "../../../src/wire/wireguard.ts";

const key = (n: number) => clampPrivateKey(new Uint8Array(32).fill(n));
const alice = identityOf(key(1));
const bob = identityOf(key(2));
const psk = new Uint8Array(32).fill(9);

function initiation(cookie?: Uint8Array) {
  const created = createInitiation({
    local: alice,
    peerPublic: bob.publicKey,
    ephemeralPrivate: key(3),
    sender: 0x11,
    timestamp: tai64n(1_500_000),
    cookie,
  });
  assert.ok(created.ok);
  return created.value;
}

Deno.test("a full handshake: both sides derive mirrored transport keys; mac1 is keyed by the receiver", () => {
  const init = initiation();
  assert.ok(mac1Valid(init.bytes, bob.publicKey));
  assert.equal(mac1Valid(init.bytes, alice.publicKey), false, "mac1 for someone else's key");
  const message = decodeWg(init.bytes);
  assert.ok(message.ok);
  const consumed = consumeInitiation(bob, message.value as WgInitiation);
  assert.ok(consumed.ok);
  assert.deepEqual(consumed.value.initiatorStatic, alice.publicKey);
  assert.deepEqual(consumed.value.timestamp, tai64n(1_500_000));
  const response = createResponse({
    consumed: consumed.value,
    ephemeralPrivate: key(4),
    presharedKey: psk,
    sender: 0x22,
  });
  assert.ok(response.ok);
  assert.ok(mac1Valid(response.value.bytes, alice.publicKey));
  const responseMessage = decodeWg(response.value.bytes);
  assert.ok(responseMessage.ok);
  const finished = consumeResponse(init.state, alice, psk, responseMessage.value as WgResponse);
  assert.ok(finished.ok);
  const mine = split(finished.value);
  const theirs = split(response.value.state);
  assert.deepEqual(mine.initiatorSend, theirs.initiatorSend);
  assert.deepEqual(mine.responderSend, theirs.responderSend);
  assert.equal(bytesEqual(mine.initiatorSend, mine.responderSend), false);
  const wrongPsk = consumeResponse(
    init.state,
    alice,
    new Uint8Array(32),
    responseMessage.value as WgResponse,
  );
  assert.equal(wrongPsk.ok, false);
});

Deno.test("a cookie reply opens only for the mac1 it answers; mac2 then proves the cookie", () => {
  const first = initiation();
  assert.equal(mac2Valid(first.bytes, new Uint8Array(16)), false, "no cookie yet: mac2 is zeros");
  const cookie = cookieFor(new Uint8Array(32).fill(7), 0xc6336402, 51820);
  assert.notDeepEqual(cookie, cookieFor(new Uint8Array(32).fill(7), 0xc6336402, 51821), "bound to the port");
  const reply = decodeWg(
    createCookieReply(bob.publicKey, 0x11, mac1Of(first.bytes), cookie, new Uint8Array(24).fill(5)),
  );
  assert.ok(reply.ok);
  const opened = openCookieReply(bob.publicKey, mac1Of(first.bytes), reply.value as WgCookieReply);
  assert.ok(opened.ok);
  assert.deepEqual(opened.value, cookie);
  assert.equal(openCookieReply(bob.publicKey, new Uint8Array(16), reply.value as WgCookieReply).ok, false);
  assert.equal(openCookieReply(alice.publicKey, mac1Of(first.bytes), reply.value as WgCookieReply).ok, false);
  const retry = initiation(opened.value);
  assert.ok(mac2Valid(retry.bytes, cookie));
  assert.ok(mac1Valid(retry.bytes, bob.publicKey));
});

Deno.test("TAI64N timestamps grow with simulated time and compare byte-wise", () => {
  const a = tai64n(0);
  const b = tai64n(999_999);
  const c = tai64n(1_000_000);
  assert.ok(timestampAfter(b, a) && timestampAfter(c, b));
  assert.equal(timestampAfter(a, a), false, "an equal timestamp is a replay");
  assert.ok(timestampAfter(a, undefined));
  assert.equal(
    new DataView(c.buffer, c.byteOffset, c.byteLength).getBigUint64(0),
    (1n << 62n) + 10n + 1_767_225_601n,
  );
});
