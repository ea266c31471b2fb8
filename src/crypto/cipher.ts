import { cbc, ctr, gcm } from "@noble/ciphers/aes.js";
import des from "des.js";
import { type Decoded, fail, ok } from "../wire/field.ts";
import { bytesEqual, concatBytes } from "./bytes.ts";

/**
 * Block ciphers for ESP and IKEv1 payloads. None of them pads: ESP and ISAKMP define their own
 * padding (RFC 4303 §2.4, RFC 2409 App. B), so inputs must already fill whole blocks. Encrypting a
 * wrong length is a bug in our own code and throws; decrypting is fed untrusted bytes and returns
 * `Decoded`.
 */

/** AES block and IV size in bytes (RFC 3602). */
export const AES_BLOCK = 16;
/** 3DES block and IV size in bytes (RFC 2451). */
export const DES3_BLOCK = 8;

function checkAesKey(key: Uint8Array): string | null {
  return key.length === 16 || key.length === 24 || key.length === 32
    ? null
    : `AES key of ${key.length} bytes`;
}

function requireBlocks(what: string, data: Uint8Array, block: number): void {
  if (data.length % block !== 0) {
    throw new RangeError(`${what}: ${data.length} bytes is not a multiple of ${block}`);
  }
}

/** AES-CBC encryption without padding (RFC 3602). */
export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const bad = checkAesKey(key) ?? (iv.length === AES_BLOCK ? null : `AES-CBC IV of ${iv.length} bytes`);
  if (bad) throw new RangeError(bad);
  requireBlocks("AES-CBC plaintext", plaintext, AES_BLOCK);
  return cbc(key, iv, { disablePadding: true }).encrypt(plaintext);
}

/** AES-CBC decryption without padding; fails on a length that is not whole blocks. */
export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Decoded<Uint8Array> {
  const bad = checkAesKey(key) ?? (iv.length === AES_BLOCK ? null : `AES-CBC IV of ${iv.length} bytes`);
  if (bad) return fail(bad);
  if (ciphertext.length % AES_BLOCK !== 0) {
    return fail(`AES-CBC ciphertext of ${ciphertext.length} bytes is not a multiple of ${AES_BLOCK}`);
  }
  return ok(cbc(key, iv, { disablePadding: true }).decrypt(ciphertext));
}

interface DesCipher {
  update(data: Uint8Array): number[];
  final(): number[];
}
interface DesModule {
  EDE: unknown;
  CBC: { instantiate(base: unknown): { create(options: object): DesCipher } };
}
const desjs = des as unknown as DesModule;
const EdeCbc = desjs.CBC.instantiate(desjs.EDE);

function tdesCbc(type: "encrypt" | "decrypt", key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = EdeCbc.create({ type, key: Array.from(key), iv: Array.from(iv), padding: false });
  return Uint8Array.from([...cipher.update(data), ...cipher.final()]);
}

/** 3DES-EDE-CBC encryption without padding (RFC 2451; 24-byte key K1‖K2‖K3). */
export function tdesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (key.length !== 24) throw new RangeError(`3DES key of ${key.length} bytes`);
  if (iv.length !== DES3_BLOCK) throw new RangeError(`3DES IV of ${iv.length} bytes`);
  requireBlocks("3DES-CBC plaintext", plaintext, DES3_BLOCK);
  return tdesCbc("encrypt", key, iv, plaintext);
}

/** 3DES-EDE-CBC decryption without padding. */
export function tdesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Decoded<Uint8Array> {
  if (key.length !== 24) return fail(`3DES key of ${key.length} bytes`);
  if (iv.length !== DES3_BLOCK) return fail(`3DES IV of ${iv.length} bytes`);
  if (ciphertext.length % DES3_BLOCK !== 0) {
    return fail(`3DES-CBC ciphertext of ${ciphertext.length} bytes is not a multiple of ${DES3_BLOCK}`);
  }
  return ok(tdesCbc("decrypt", key, iv, ciphertext));
}

/** ICV lengths RFC 4106 allows for AES-GCM in ESP. */
export type GcmTagLength = 8 | 12 | 16;

/**
 * AES-GCM encryption: returns ciphertext ‖ tag, the tag cut to `tagLength` (a truncated GCM tag is
 * the leading bytes of the full one). `nonce` is 12 bytes (ESP: 4-byte salt ‖ 8-byte IV).
 */
export function aesGcmSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
  tagLength: GcmTagLength = 16,
): Uint8Array {
  const bad = checkAesKey(key) ?? (nonce.length === 12 ? null : `AES-GCM nonce of ${nonce.length} bytes`);
  if (bad) throw new RangeError(bad);
  const sealed = gcm(key, nonce, aad).encrypt(plaintext);
  return sealed.subarray(0, plaintext.length + tagLength);
}

/** AES-GCM decryption and tag check of ciphertext ‖ tag; fails on a wrong tag. */
export function aesGcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
  tagLength: GcmTagLength = 16,
): Decoded<Uint8Array> {
  const bad = checkAesKey(key) ?? (nonce.length === 12 ? null : `AES-GCM nonce of ${nonce.length} bytes`);
  if (bad) return fail(bad);
  if (sealed.length < tagLength) {
    return fail(`AES-GCM input of ${sealed.length} bytes is shorter than the tag`);
  }
  const ciphertext = sealed.subarray(0, sealed.length - tagLength);
  const tag = sealed.subarray(sealed.length - tagLength);
  // noble only checks full 16-byte tags, so decrypt with CTR from counter 2 (J0 + 1, NIST SP 800-38D
  // §7.2) and recompute the tag by sealing the recovered plaintext again.
  const counter = concatBytes(nonce, Uint8Array.of(0, 0, 0, 2));
  const plaintext = ctr(key, counter).decrypt(ciphertext);
  const expected = gcm(key, nonce, aad).encrypt(plaintext).subarray(
    ciphertext.length,
    ciphertext.length + tagLength,
  );
  if (!bytesEqual(expected, tag)) return fail("AES-GCM authentication tag mismatch");
  return ok(plaintext);
}
