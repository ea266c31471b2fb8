/**
 * BLAKE2s (RFC 7693) in the three roles WireGuard gives it: HASH (32-byte digest), MAC (keyed,
 * 16-byte output, for mac1, mac2 and cookies) and HMAC (RFC 2104 over BLAKE2s, 64-byte blocks) with
 * the HKDF-style chain Noise calls HKDF and the WireGuard paper calls Kdf_n.
 */
import { blake2s } from "@noble/hashes/blake2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { concatBytes } from "./bytes.ts";

/** BLAKE2s-256 of the concatenation of `parts`. */
export function blake2sHash(...parts: Uint8Array[]): Uint8Array {
  return blake2s(concatBytes(...parts));
}

/** Keyed BLAKE2s with a 16-byte output: WireGuard's MAC(key, input). */
export function blake2sMac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return blake2s(concatBytes(...parts), { key, dkLen: 16 });
}

/** HMAC-BLAKE2s (a keyed BLAKE2s is not the same thing: Noise asks for HMAC). */
export function hmacBlake2s(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return hmac(blake2s, key, concatBytes(...parts));
}

/**
 * Noise's HKDF with HMAC-BLAKE2s: `count` 32-byte outputs τ1…τn where τ0 = HMAC(key, input),
 * τ1 = HMAC(τ0, 0x01) and τi = HMAC(τ0, τ(i-1) ‖ i).
 */
export function blake2sKdf(key: Uint8Array, input: Uint8Array, count: 1 | 2 | 3): Uint8Array[] {
  const prk = hmacBlake2s(key, input);
  const out: Uint8Array[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= count; i++) {
    previous = hmacBlake2s(prk, previous, Uint8Array.of(i));
    out.push(previous);
  }
  return out;
}
