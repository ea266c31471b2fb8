/**
 * ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), the AEADs of
 * WireGuard's handshake, transport data and cookie replies. Sealing cannot fail for well-sized keys;
 * opening is fed untrusted bytes and returns `Decoded`.
 */
import { chacha20poly1305, xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { type Decoded, fail, ok } from "../wire/field.ts";

/** Poly1305 tag length in bytes. */
export const AEAD_TAG = 16;

/** ChaCha20-Poly1305 with a 12-byte nonce: ciphertext followed by the 16-byte tag. */
export function chachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  return chacha20poly1305(key, nonce, ad).encrypt(plaintext);
}

/** Opens a ChaCha20-Poly1305 ciphertext; fails when the tag does not authenticate it. */
export function chachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
): Decoded<Uint8Array> {
  return open(chacha20poly1305(key, nonce, ad), sealed);
}

/** XChaCha20-Poly1305 with a 24-byte nonce (WireGuard's cookie reply). */
export function xchachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  return xchacha20poly1305(key, nonce, ad).encrypt(plaintext);
}

/** Opens an XChaCha20-Poly1305 ciphertext; fails when the tag does not authenticate it. */
export function xchachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
): Decoded<Uint8Array> {
  return open(xchacha20poly1305(key, nonce, ad), sealed);
}

/** Untrusted bytes through either cipher: a short input or a bad tag is an error, never a throw. */
function open(cipher: { decrypt(sealed: Uint8Array): Uint8Array }, sealed: Uint8Array): Decoded<Uint8Array> {
  if (sealed.length < AEAD_TAG) {
    return fail(`AEAD ciphertext of ${sealed.length} bytes is shorter than its tag`);
  }
  try {
    return ok(cipher.decrypt(sealed));
  } catch {
    return fail("Poly1305 tag mismatch");
  }
}
