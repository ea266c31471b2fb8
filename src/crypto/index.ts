/**
 * The crypto primitives the protocols need, behind one small interface. Pure and synchronous; no
 * function here draws randomness (IVs, nonces, challenges and padding are passed in).
 */
export {
  bytesEqual,
  concatBytes,
  fromBase64,
  fromHex,
  type Secret,
  secretBytes,
  toBase64,
  toHex,
  utf8,
} from "./bytes.ts";
export { hash, HASH_LENGTH, type HashAlg, hmac, md5, sha1, sha256 } from "./hash.ts";
export {
  AES_BLOCK,
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesGcmOpen,
  aesGcmSeal,
  DES3_BLOCK,
  type GcmTagLength,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
} from "./cipher.ts";
export { chapResponse, hideAvp, l2tpChallengeResponse, unhideAvp } from "./auth.ts";
export { clampPrivateKey, X25519_LENGTH, x25519PublicKey, x25519Shared } from "./x25519.ts";
export { AEAD_TAG, chachaOpen, chachaSeal, xchachaOpen, xchachaSeal } from "./aead.ts";
export { blake2sHash, blake2sKdf, blake2sMac, hmacBlake2s } from "./blake2s.ts";
