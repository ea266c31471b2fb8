import { md5 as nobleMd5, sha1 as nobleSha1 } from "@noble/hashes/legacy.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { newBytes } from "./bytes.ts";

/** The hash functions the protocols negotiate (IKE hash 1 MD5, 2 SHA1, 4 SHA2-256; CHAP and L2TP use MD5). */
export type HashAlg = "md5" | "sha1" | "sha256";

/** Output length in bytes of each hash. */
export const HASH_LENGTH: Record<HashAlg, number> = { md5: 16, sha1: 20, sha256: 32 };

/** What this file uses of a noble hash instance. */
interface HashState {
  readonly blockLen: number;
  update(data: Uint8Array): unknown;
  digestInto(out: Uint8Array): void;
  _cloneInto(to: HashState): HashState;
}

/**
 * Each hash's initial state and two working states reset from it by copying. A noble instance makes
 * two typed arrays when created, and IKE alone hashes tens of times per tunnel, so the one-shot
 * functions below reuse these; the engine is synchronous, so no call can find them in use.
 */
class Hasher {
  readonly length: number;
  readonly #initial: HashState;
  readonly #inner: HashState;
  readonly #outer: HashState;
  /** The padded HMAC key, then the inner digest. */
  readonly #pad: Uint8Array;
  readonly #innerDigest: Uint8Array;

  constructor(create: () => unknown, length: number) {
    this.length = length;
    this.#initial = create() as HashState;
    this.#inner = create() as HashState;
    this.#outer = create() as HashState;
    this.#pad = new Uint8Array(this.#initial.blockLen);
    this.#innerDigest = new Uint8Array(length);
  }

  digest(parts: Uint8Array[]): Uint8Array {
    const state = this.#initial._cloneInto(this.#inner);
    for (const part of parts) state.update(part);
    const out = newBytes(this.length);
    state.digestInto(out);
    return out;
  }

  /** RFC 2104 §2: H(K XOR opad ‖ H(K XOR ipad ‖ text)), K hashed first when longer than a block. */
  hmac(key: Uint8Array, parts: Uint8Array[]): Uint8Array {
    const pad = this.#pad;
    const k = key.length > pad.length ? this.digest([key]) : key;
    pad.fill(0);
    pad.set(k);
    for (let i = 0; i < pad.length; i++) pad[i] ^= 0x36;
    const inner = this.#initial._cloneInto(this.#inner);
    inner.update(pad);
    for (const part of parts) inner.update(part);
    inner.digestInto(this.#innerDigest);
    for (let i = 0; i < pad.length; i++) pad[i] ^= 0x36 ^ 0x5c;
    const outer = this.#initial._cloneInto(this.#outer);
    outer.update(pad);
    outer.update(this.#innerDigest);
    const out = newBytes(this.length);
    outer.digestInto(out);
    return out;
  }
}

const HASHERS: Record<HashAlg, Hasher> = {
  md5: new Hasher(() => nobleMd5.create(), HASH_LENGTH.md5),
  sha1: new Hasher(() => nobleSha1.create(), HASH_LENGTH.sha1),
  sha256: new Hasher(() => nobleSha256.create(), HASH_LENGTH.sha256),
};

/** MD5 of the concatenation of `parts` (RFC 1321). */
export function md5(...parts: Uint8Array[]): Uint8Array {
  return HASHERS.md5.digest(parts);
}

/** SHA-1 of the concatenation of `parts`. */
export function sha1(...parts: Uint8Array[]): Uint8Array {
  return HASHERS.sha1.digest(parts);
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return HASHERS.sha256.digest(parts);
}

/** The named hash of the concatenation of `parts`. */
export function hash(alg: HashAlg, ...parts: Uint8Array[]): Uint8Array {
  return HASHERS[alg].digest(parts);
}

/** HMAC (RFC 2104) with the named hash over the concatenation of `parts`; IKEv1's prf. */
export function hmac(alg: HashAlg, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return HASHERS[alg].hmac(key, parts);
}
