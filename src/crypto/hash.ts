import { md5 as nobleMd5, sha1 as nobleSha1 } from "@noble/hashes/legacy.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { concatBytes } from "./bytes.ts";

/** The hash functions the protocols negotiate (IKE hash 1 MD5, 2 SHA1, 4 SHA2-256; CHAP and L2TP use MD5). */
export type HashAlg = "md5" | "sha1" | "sha256";

const FUNCTIONS = { md5: nobleMd5, sha1: nobleSha1, sha256: nobleSha256 } as const;

/** Output length in bytes of each hash. */
export const HASH_LENGTH: Record<HashAlg, number> = { md5: 16, sha1: 20, sha256: 32 };

/** MD5 of the concatenation of `parts` (RFC 1321). */
export function md5(...parts: Uint8Array[]): Uint8Array {
  return nobleMd5(concatBytes(...parts));
}

/** SHA-1 of the concatenation of `parts`. */
export function sha1(...parts: Uint8Array[]): Uint8Array {
  return nobleSha1(concatBytes(...parts));
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return nobleSha256(concatBytes(...parts));
}

/** The named hash of the concatenation of `parts`. */
export function hash(alg: HashAlg, ...parts: Uint8Array[]): Uint8Array {
  return FUNCTIONS[alg](concatBytes(...parts));
}

/** HMAC (RFC 2104) with the named hash over the concatenation of `parts`; IKEv1's prf. */
export function hmac(alg: HashAlg, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return nobleHmac(FUNCTIONS[alg], key, concatBytes(...parts));
}
