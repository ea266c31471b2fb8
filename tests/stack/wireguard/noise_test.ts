/**
 * Known-answer test against the published Noise vector for Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s
 * (the "cacophony" vectors, as shipped with the snow and noise-c implementations): the same static,
 * ephemeral and pre-shared keys, prologue "John Galt", and the exact ciphertexts of both handshake
 * messages and the first transport messages each way.
 */
import assert from "node:assert/strict";
import { chachaOpen, chachaSeal, fromHex, toHex } from "../../../src/crypto/index.ts";
import { x25519PublicKey } from "../../../src/crypto/index.ts";
import {
  initialState,
  initiationBytes,
  readInitiation,
  readResponse,
  split,
  transportNonce,
  writeInitiation,
  writeResponse,
} from "../../../src/stack/wireguard/noise.ts";

const hex = (text: string) => fromHex(text)!;
const prologue = hex("4a6f686e2047616c74");
const psk = hex("54686973206973206d7920417573747269616e20706572737065637469766521");
const initStatic = hex("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1");
const initEphemeral = hex("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a");
const respStatic = hex("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893");
const respEphemeral = hex("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b");
const message1 =
  "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944001e21de9f98ddd8e2ad57527207" +
  "feb56253c9c94a9e496782ecfcb2a75fbcaf1b52948cc48daefe660c62119ab5000980c84831215f2441eba616548e832985464c" +
  "f17e51ee93109008399a21f7e13f";
const message2 =
  "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843cb765f2caef0751b8f007572dab0" +
  "322217755c0632f365717edbf34d33e87a";

Deno.test("Noise_IKpsk2 handshake matches the published cacophony vector byte for byte", () => {
  const respPublic = x25519PublicKey(respStatic);
  assert.equal(toHex(respPublic), "31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62");
  const start = initialState(prologue, respPublic);
  const written = writeInitiation(
    start,
    initStatic,
    initEphemeral,
    respPublic,
    hex("4c756477696720766f6e204d69736573"),
  );
  assert.ok(written.ok);
  assert.equal(toHex(initiationBytes(written.value.parts)), message1);

  const read = readInitiation(initialState(prologue, respPublic), respStatic, written.value.parts);
  assert.ok(read.ok);
  assert.deepEqual(read.value.initiatorStatic, x25519PublicKey(initStatic));
  assert.equal(toHex(read.value.payload), "4c756477696720766f6e204d69736573");

  const response = writeResponse(
    read.value.state,
    respEphemeral,
    read.value.initiatorEphemeral,
    read.value.initiatorStatic,
    psk,
    hex("4d757272617920526f746862617264"),
  );
  assert.ok(response.ok);
  assert.equal(
    toHex(response.value.parts.ephemeral) + toHex(response.value.parts.encryptedPayload),
    message2,
  );

  const finished = readResponse(written.value.state, initStatic, psk, response.value.parts);
  assert.ok(finished.ok);
  assert.equal(toHex(finished.value.payload), "4d757272617920526f746862617264");
  assert.equal(
    toHex(finished.value.state.h),
    "f5191b875290abcd41347ac3622d9679688a7e980229cb937ef748336cfde0e5",
  );
  assert.deepEqual(response.value.state.h, finished.value.state.h);

  // Transport: the initiator's first message under nonce 0, the responder's under nonce 0, then nonce 1.
  const keys = split(finished.value.state);
  assert.equal(
    toHex(
      chachaSeal(keys.initiatorSend, transportNonce(0n), hex("462e20412e20486179656b"), new Uint8Array(0)),
    ),
    "8153ca9833bc3c1b91a7e66e5f4d4f5b59bf9e64c2f20d15f0bba7",
  );
  assert.equal(
    toHex(
      chachaSeal(keys.responderSend, transportNonce(0n), hex("4361726c204d656e676572"), new Uint8Array(0)),
    ),
    "07af0c9c86e1b4e80f36b04ff7688d51141af3debd0332f0a705ef",
  );
  assert.equal(
    toHex(
      chachaSeal(
        keys.initiatorSend,
        transportNonce(1n),
        hex("4a65616e2d426170746973746520536179"),
        new Uint8Array(0),
      ),
    ),
    "6ab1467c0448cc78394494abaaf23afce0e234315d6e2624dcbfa8a21c1c4d073d",
  );
});

Deno.test("a wrong pre-shared key or a tampered message fails with a reason", () => {
  const respPublic = x25519PublicKey(respStatic);
  const written = writeInitiation(
    initialState(prologue, respPublic),
    initStatic,
    initEphemeral,
    respPublic,
    new Uint8Array(12),
  );
  assert.ok(written.ok);
  const tampered = { ...written.value.parts, encryptedStatic: written.value.parts.encryptedStatic.slice() };
  tampered.encryptedStatic[0] ^= 0x80;
  const bad = readInitiation(initialState(prologue, respPublic), respStatic, tampered);
  assert.equal(bad.ok, false);
  const wrongResponder = readInitiation(initialState(prologue, respPublic), initStatic, written.value.parts);
  assert.equal(wrongResponder.ok, false);

  const read = readInitiation(initialState(prologue, respPublic), respStatic, written.value.parts);
  assert.ok(read.ok);
  const response = writeResponse(
    read.value.state,
    respEphemeral,
    read.value.initiatorEphemeral,
    read.value.initiatorStatic,
    psk,
    new Uint8Array(0),
  );
  assert.ok(response.ok);
  const wrongPsk = readResponse(written.value.state, initStatic, new Uint8Array(32), response.value.parts);
  assert.equal(wrongPsk.ok, false);
  if (!wrongPsk.ok) assert.match(wrongPsk.error, /pre-shared key/);
  const opened = chachaOpen(
    split(response.value.state).responderSend,
    transportNonce(0n),
    new Uint8Array(16),
    new Uint8Array(0),
  );
  assert.equal(opened.ok, false);
});
