/**
 * X25519 Diffie-Hellman (RFC 7748 §5) for WireGuard's static and ephemeral keys. Private keys are
 * drawn by the caller from the engine's PRNG; clamping happens inside the scalar multiplication, as
 * RFC 7748 specifies, so any 32 bytes are a valid private key.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { type Decoded, fail, ok } from "../wire/field.ts";

/** Length of an X25519 private key, public key and shared secret. */
export const X25519_LENGTH = 32;

/** The public key belonging to `privateKey` (scalar multiplication of the base point 9). */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

/**
 * The shared secret of `privateKey` and a peer's `publicKey`. Fails on a low-order public key (the
 * all-zero output RFC 7748 §6.1 tells implementations to reject), which a hostile packet can carry.
 */
export function x25519Shared(privateKey: Uint8Array, publicKey: Uint8Array): Decoded<Uint8Array> {
  if (publicKey.length !== X25519_LENGTH) return fail(`X25519 public key of ${publicKey.length} bytes`);
  try {
    return ok(x25519.getSharedSecret(privateKey, publicKey));
  } catch {
    return fail("X25519 public key of low order (the shared secret would be all zeros)");
  }
}

/**
 * Clamps 32 random bytes into the form `wg genkey` prints (RFC 7748 §5 decodeScalar25519): the
 * scalar multiplication would clamp anyway, but tools that read exported keys expect clamped ones.
 */
export function clampPrivateKey(bytes: Uint8Array): Uint8Array {
  const key = bytes.slice();
  key[0] &= 248;
  key[31] = (key[31] & 127) | 64;
  return key;
}
