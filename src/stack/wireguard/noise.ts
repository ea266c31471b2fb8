/**
 * The Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake (Noise rev. 34 §5 and §9, WireGuard paper §5.4)
 * as pure functions over a chaining key and a transcript hash: the initiator writes `e, es, s, ss,
 * {payload}`, the responder answers `e, ee, se, psk, {payload}`, and both split the final chaining
 * key into two transport keys. Generic over prologue and payloads, so the published Noise vectors
 * check it; WireGuard's framing, MACs and timestamps live in `handshake.ts`. Every AEAD here uses
 * nonce 0: each handshake key encrypts exactly one thing.
 */
import {
  blake2sHash,
  blake2sKdf,
  chachaOpen,
  chachaSeal,
  concatBytes,
  utf8,
  x25519PublicKey,
  x25519Shared,
} from "../../crypto/index.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";

/** The Noise protocol name; longer than 32 bytes, so h starts as its hash (Noise §5.2). */
export const CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";

/** The symmetric state between tokens: chaining key and handshake hash. */
export interface SymmetricState {
  ck: Uint8Array;
  h: Uint8Array;
}

const ZERO_NONCE = new Uint8Array(12);

/** InitializeSymmetric(name) then MixHash(prologue) then MixHash(responder's static key) (IK's `<- s`). */
export function initialState(prologue: Uint8Array, responderStatic: Uint8Array): SymmetricState {
  const ck = blake2sHash(utf8(CONSTRUCTION));
  const h = blake2sHash(blake2sHash(ck, prologue), responderStatic);
  return { ck, h };
}

function mixHash(state: SymmetricState, data: Uint8Array): void {
  state.h = blake2sHash(state.h, data);
}

/** MixKey: a new chaining key and the cipher key for the next encryption. */
function mixKey(state: SymmetricState, input: Uint8Array): Uint8Array {
  const [ck, key] = blake2sKdf(state.ck, input, 2);
  state.ck = ck;
  return key;
}

function mixDh(state: SymmetricState, privateKey: Uint8Array, publicKey: Uint8Array): Decoded<Uint8Array> {
  const shared = x25519Shared(privateKey, publicKey);
  return shared.ok ? ok(mixKey(state, shared.value)) : shared;
}

function encryptAndHash(state: SymmetricState, key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const sealed = chachaSeal(key, ZERO_NONCE, plaintext, state.h);
  mixHash(state, sealed);
  return sealed;
}

function decryptAndHash(state: SymmetricState, key: Uint8Array, sealed: Uint8Array): Decoded<Uint8Array> {
  const opened = chachaOpen(key, ZERO_NONCE, sealed, state.h);
  if (opened.ok) mixHash(state, sealed);
  return opened;
}

/** The `e` token of a psk handshake: MixHash(e) and, because of the psk, MixKey(e) too (Noise §9.2). */
function mixEphemeral(state: SymmetricState, ephemeralPublic: Uint8Array): void {
  mixHash(state, ephemeralPublic);
  state.ck = blake2sKdf(state.ck, ephemeralPublic, 1)[0];
}

/** The three parts of the first handshake message after its ephemeral key. */
export interface InitiationParts {
  ephemeral: Uint8Array;
  /** The initiator's static public key, sealed: 32 + 16 bytes. */
  encryptedStatic: Uint8Array;
  /** The payload (WireGuard: a 12-byte TAI64N timestamp), sealed. */
  encryptedPayload: Uint8Array;
}

/** What the initiator keeps to read the response. */
export interface InitiatorState extends SymmetricState {
  ephemeralPrivate: Uint8Array;
}

/** Writes `-> e, es, s, ss, {payload}`. Fails only on a low-order responder key. */
export function writeInitiation(
  state: SymmetricState,
  staticPrivate: Uint8Array,
  ephemeralPrivate: Uint8Array,
  responderStatic: Uint8Array,
  payload: Uint8Array,
): Decoded<{ parts: InitiationParts; state: InitiatorState }> {
  const s = { ck: state.ck, h: state.h };
  const ephemeral = x25519PublicKey(ephemeralPrivate);
  mixEphemeral(s, ephemeral);
  const es = mixDh(s, ephemeralPrivate, responderStatic);
  if (!es.ok) return es;
  const encryptedStatic = encryptAndHash(s, es.value, x25519PublicKey(staticPrivate));
  const ss = mixDh(s, staticPrivate, responderStatic);
  if (!ss.ok) return ss;
  const encryptedPayload = encryptAndHash(s, ss.value, payload);
  return ok({ parts: { ephemeral, encryptedStatic, encryptedPayload }, state: { ...s, ephemeralPrivate } });
}

/** What the responder learnt from a valid first message. */
export interface ReadInitiation {
  initiatorStatic: Uint8Array;
  initiatorEphemeral: Uint8Array;
  payload: Uint8Array;
  state: SymmetricState;
}

/** Reads `-> e, es, s, ss, {payload}` with the responder's static private key. */
export function readInitiation(
  state: SymmetricState,
  staticPrivate: Uint8Array,
  parts: InitiationParts,
): Decoded<ReadInitiation> {
  const s = { ck: state.ck, h: state.h };
  mixEphemeral(s, parts.ephemeral);
  const es = mixDh(s, staticPrivate, parts.ephemeral);
  if (!es.ok) return es;
  const initiatorStatic = decryptAndHash(s, es.value, parts.encryptedStatic);
  if (!initiatorStatic.ok) {
    return fail("the initiator's static key does not decrypt (not meant for this key)");
  }
  const ss = mixDh(s, staticPrivate, initiatorStatic.value);
  if (!ss.ok) return ss;
  const payload = decryptAndHash(s, ss.value, parts.encryptedPayload);
  if (!payload.ok) return fail("the initiation's payload does not decrypt");
  return ok({
    initiatorStatic: initiatorStatic.value,
    initiatorEphemeral: parts.ephemeral,
    payload: payload.value,
    state: s,
  });
}

/** The second message after its ephemeral key: only the sealed (WireGuard: empty) payload. */
export interface ResponseParts {
  ephemeral: Uint8Array;
  encryptedPayload: Uint8Array;
}

/** `psk`: MixKeyAndHash (Noise §5.2), the key for the response's payload. */
function mixPsk(s: SymmetricState, psk: Uint8Array): Uint8Array {
  const [ck, forHash, key] = blake2sKdf(s.ck, psk, 3);
  s.ck = ck;
  mixHash(s, forHash);
  return key;
}

/** Writes `<- e, ee, se, psk, {payload}`; the returned state's ck is ready to split. */
export function writeResponse(
  state: SymmetricState,
  ephemeralPrivate: Uint8Array,
  initiatorEphemeral: Uint8Array,
  initiatorStatic: Uint8Array,
  psk: Uint8Array,
  payload: Uint8Array,
): Decoded<{ parts: ResponseParts; state: SymmetricState }> {
  const s = { ck: state.ck, h: state.h };
  const ephemeral = x25519PublicKey(ephemeralPrivate);
  mixEphemeral(s, ephemeral);
  const ee = mixDh(s, ephemeralPrivate, initiatorEphemeral);
  if (!ee.ok) return ee;
  const se = mixDh(s, ephemeralPrivate, initiatorStatic);
  if (!se.ok) return se;
  const key = mixPsk(s, psk);
  return ok({ parts: { ephemeral, encryptedPayload: encryptAndHash(s, key, payload) }, state: s });
}

/** Reads `<- e, ee, se, psk, {payload}` as the initiator. */
export function readResponse(
  state: InitiatorState,
  staticPrivate: Uint8Array,
  psk: Uint8Array,
  parts: ResponseParts,
): Decoded<{ payload: Uint8Array; state: SymmetricState }> {
  const s = { ck: state.ck, h: state.h };
  mixEphemeral(s, parts.ephemeral);
  const ee = mixDh(s, state.ephemeralPrivate, parts.ephemeral);
  if (!ee.ok) return ee;
  const se = mixDh(s, staticPrivate, parts.ephemeral);
  if (!se.ok) return se;
  const key = mixPsk(s, psk);
  const payload = decryptAndHash(s, key, parts.encryptedPayload);
  if (!payload.ok) return fail("the response does not authenticate (wrong key or pre-shared key)");
  return ok({ payload: payload.value, state: s });
}

/** Split (Noise §5.2): the initiator sends with the first key and receives with the second. */
export function split(state: SymmetricState): { initiatorSend: Uint8Array; responderSend: Uint8Array } {
  const [initiatorSend, responderSend] = blake2sKdf(state.ck, new Uint8Array(0), 2);
  return { initiatorSend, responderSend };
}

/** The 12-byte transport nonce: 32 zero bits, then the 64-bit counter little-endian (Noise §12.3). */
export function transportNonce(counter: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer, nonce.byteOffset, nonce.byteLength).setBigUint64(4, counter, true);
  return nonce;
}

/** Convenience for callers joining a message's Noise parts. */
export function initiationBytes(parts: InitiationParts): Uint8Array {
  return concatBytes(parts.ephemeral, parts.encryptedStatic, parts.encryptedPayload);
}
