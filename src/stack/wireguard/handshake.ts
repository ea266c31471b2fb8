/**
 * WireGuard's handshake messages built on the Noise core (WireGuard paper §5.4): the identifier as
 * prologue, a TAI64N timestamp as the initiation's payload, the two MACs that let a responder
 * drop junk before any Diffie-Hellman (mac1 keyed by its public key, mac2 by a cookie), and the
 * cookie reply that hands out such a cookie under load. Pure: keys, indices, nonces and times come
 * from the caller.
 */
import {
  blake2sHash,
  blake2sMac,
  bytesEqual,
  utf8,
  x25519PublicKey,
  xchachaOpen,
  xchachaSeal,
} from "../../crypto/index.ts";
import type { Micros } from "../../engine/time.ts";
import { type Ip4, writeIp } from "../../wire/addr.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import {
  encodeWg,
  WG_COOKIE_REPLY,
  WG_INITIATION,
  WG_INITIATION_MAC1_AT,
  WG_RESPONSE,
  WG_RESPONSE_MAC1_AT,
  type WgCookieReply,
  type WgInitiation,
  type WgResponse,
} from "../../wire/wireguard.ts";
import {
  initialState,
  type InitiatorState,
  readInitiation,
  readResponse,
  type SymmetricState,
  writeInitiation,
  writeResponse,
} from "./noise.ts";

/** The Noise prologue every WireGuard handshake mixes in. */
export const IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com";
const LABEL_MAC1 = utf8("mac1----");
const LABEL_COOKIE = utf8("cookie--");
const MAC_LEN = 16;

/** A node's static key pair. */
export interface StaticIdentity {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** The static identity for a private key. */
export function identityOf(privateKey: Uint8Array): StaticIdentity {
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

/**
 * Simulated time zero, as Unix seconds: 2026-01-01T00:00:00Z. A real peer sends wall-clock time; the
 * only thing that matters to the protocol is that each initiation's timestamp exceeds the last one.
 */
const EPOCH_UNIX_SECONDS = 1_767_225_600n;
/** TAI64 labels second s as 2^62 + 10 + s (the 10 being TAI's offset from UTC in 1972). */
const TAI64_BASE = (1n << 62n) + 10n;

/** The 12-byte TAI64N timestamp of simulated time `t`: 8 bytes of seconds, 4 of nanoseconds, big-endian. */
export function tai64n(t: Micros): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setBigUint64(0, TAI64_BASE + EPOCH_UNIX_SECONDS + BigInt(Math.floor(t / 1_000_000)));
  view.setUint32(8, (t % 1_000_000) * 1000);
  return out;
}

/** Whether timestamp `a` is later than `b` (byte-wise big-endian comparison, as the protocol compares). */
export function timestampAfter(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (!b) return true;
  for (let i = 0; i < 12; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** Fills mac1 (keyed by the receiver's public key) and mac2 (by a cookie, else zeros) in place. */
function sealMacs(bytes: Uint8Array, mac1At: number, receiverPublic: Uint8Array, cookie?: Uint8Array): void {
  bytes.set(blake2sMac(blake2sHash(LABEL_MAC1, receiverPublic), bytes.subarray(0, mac1At)), mac1At);
  if (cookie) bytes.set(blake2sMac(cookie, bytes.subarray(0, mac1At + MAC_LEN)), mac1At + MAC_LEN);
}

/** mac1 must be right before anything else is looked at: it proves the sender knows our public key. */
export function mac1Valid(bytes: Uint8Array, ourPublic: Uint8Array): boolean {
  const at = bytes[0] === WG_INITIATION ? WG_INITIATION_MAC1_AT : WG_RESPONSE_MAC1_AT;
  const expected = blake2sMac(blake2sHash(LABEL_MAC1, ourPublic), bytes.subarray(0, at));
  return bytesEqual(expected, bytes.subarray(at, at + MAC_LEN));
}

/** mac2 proves the sender recently received our cookie for its address. */
export function mac2Valid(bytes: Uint8Array, cookie: Uint8Array): boolean {
  const at = (bytes[0] === WG_INITIATION ? WG_INITIATION_MAC1_AT : WG_RESPONSE_MAC1_AT) + MAC_LEN;
  return bytesEqual(blake2sMac(cookie, bytes.subarray(0, at)), bytes.subarray(at, at + MAC_LEN));
}

/** The mac1 a message carries (a cookie reply is bound to it). */
export function mac1Of(bytes: Uint8Array): Uint8Array {
  const at = bytes[0] === WG_INITIATION ? WG_INITIATION_MAC1_AT : WG_RESPONSE_MAC1_AT;
  return bytes.slice(at, at + MAC_LEN);
}

/** What creating an initiation needs. */
export interface InitiationInput {
  local: StaticIdentity;
  peerPublic: Uint8Array;
  ephemeralPrivate: Uint8Array;
  sender: number;
  timestamp: Uint8Array;
  cookie?: Uint8Array;
}

/** Handshake message 1 and the state to read the response with. */
export function createInitiation(
  input: InitiationInput,
): Decoded<{ bytes: Uint8Array; state: InitiatorState }> {
  const written = writeInitiation(
    initialState(utf8(IDENTIFIER), input.peerPublic),
    input.local.privateKey,
    input.ephemeralPrivate,
    input.peerPublic,
    input.timestamp,
  );
  if (!written.ok) return written;
  const { parts } = written.value;
  const bytes = encodeWg({
    type: WG_INITIATION,
    sender: input.sender,
    ephemeral: parts.ephemeral,
    encryptedStatic: parts.encryptedStatic,
    encryptedTimestamp: parts.encryptedPayload,
    mac1: new Uint8Array(MAC_LEN),
    mac2: new Uint8Array(MAC_LEN),
  });
  sealMacs(bytes, WG_INITIATION_MAC1_AT, input.peerPublic, input.cookie);
  return ok({ bytes, state: written.value.state });
}

/** What a responder learns from a valid initiation (mac1 already checked). */
export interface ConsumedInitiation {
  initiatorStatic: Uint8Array;
  initiatorEphemeral: Uint8Array;
  timestamp: Uint8Array;
  sender: number;
  state: SymmetricState;
}

/** Opens an initiation with our static key: who sent it, and when. */
export function consumeInitiation(local: StaticIdentity, message: WgInitiation): Decoded<ConsumedInitiation> {
  const read = readInitiation(initialState(utf8(IDENTIFIER), local.publicKey), local.privateKey, {
    ephemeral: message.ephemeral,
    encryptedStatic: message.encryptedStatic,
    encryptedPayload: message.encryptedTimestamp,
  });
  if (!read.ok) return read;
  if (read.value.payload.length !== 12) return fail("the initiation's timestamp is not 12 bytes");
  return ok({
    initiatorStatic: read.value.initiatorStatic,
    initiatorEphemeral: read.value.initiatorEphemeral,
    timestamp: read.value.payload,
    sender: message.sender,
    state: read.value.state,
  });
}

/** What creating a response needs. */
export interface ResponseInput {
  consumed: ConsumedInitiation;
  ephemeralPrivate: Uint8Array;
  presharedKey: Uint8Array;
  sender: number;
  cookie?: Uint8Array;
}

/** Handshake message 2 and the final state, ready to split into transport keys. */
export function createResponse(input: ResponseInput): Decoded<{ bytes: Uint8Array; state: SymmetricState }> {
  const { consumed } = input;
  const written = writeResponse(
    consumed.state,
    input.ephemeralPrivate,
    consumed.initiatorEphemeral,
    consumed.initiatorStatic,
    input.presharedKey,
    new Uint8Array(0),
  );
  if (!written.ok) return written;
  const bytes = encodeWg({
    type: WG_RESPONSE,
    sender: input.sender,
    receiver: consumed.sender,
    ephemeral: written.value.parts.ephemeral,
    encryptedNothing: written.value.parts.encryptedPayload,
    mac1: new Uint8Array(MAC_LEN),
    mac2: new Uint8Array(MAC_LEN),
  });
  sealMacs(bytes, WG_RESPONSE_MAC1_AT, consumed.initiatorStatic, input.cookie);
  return ok({ bytes, state: written.value.state });
}

/** Reads a response to our initiation; the result's state is ready to split. */
export function consumeResponse(
  state: InitiatorState,
  local: StaticIdentity,
  presharedKey: Uint8Array,
  message: WgResponse,
): Decoded<SymmetricState> {
  const read = readResponse(state, local.privateKey, presharedKey, {
    ephemeral: message.ephemeral,
    encryptedPayload: message.encryptedNothing,
  });
  if (!read.ok) return read;
  return ok(read.value.state);
}

/** The cookie for a source address: a MAC of the address and port under a secret that changes every 2 minutes. */
export function cookieFor(secret: Uint8Array, ip: Ip4, port: number): Uint8Array {
  const source = new Uint8Array(6);
  writeIp(source, 0, ip);
  source[4] = port >>> 8;
  source[5] = port & 0xff;
  return blake2sMac(secret, source);
}

/** Message 3: the cookie sealed under a key from our public key, bound to the mac1 it answers. */
export function createCookieReply(
  ourPublic: Uint8Array,
  receiver: number,
  answeredMac1: Uint8Array,
  cookie: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  const key = blake2sHash(LABEL_COOKIE, ourPublic);
  const reply: WgCookieReply = {
    type: WG_COOKIE_REPLY,
    receiver,
    nonce,
    encryptedCookie: xchachaSeal(key, nonce, cookie, answeredMac1),
  };
  return encodeWg(reply);
}

/** Opens a cookie reply from the peer whose public key is `peerPublic`, for the mac1 we sent. */
export function openCookieReply(
  peerPublic: Uint8Array,
  sentMac1: Uint8Array,
  message: WgCookieReply,
): Decoded<Uint8Array> {
  const opened = xchachaOpen(
    blake2sHash(LABEL_COOKIE, peerPublic),
    message.nonce,
    message.encryptedCookie,
    sentMac1,
  );
  return opened.ok ? opened : fail("the cookie reply does not decrypt for our last handshake message");
}
