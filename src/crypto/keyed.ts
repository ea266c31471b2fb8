/**
 * Crypto state prepared once per key, for the ESP SAs that use one key for thousands of packets:
 * the AES key schedule (FIPS 197 §5.2) expanded once instead of per packet, and HMAC's inner and outer
 * hash states after the padded key (RFC 2104 §4: "precomputed ... only once for each key") instead of
 * hashing the key twice per packet. Each call then writes straight into the caller's buffer, so an ESP
 * packet is built in the buffer that goes on the wire. The bytes are those of `aesCbcEncrypt` and
 * `hmac`; keyed_test.ts checks both against RFC vectors and against them.
 */
import { unsafe } from "@noble/ciphers/aes.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { md5, sha1 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { HASH_LENGTH, type HashAlg } from "./hash.ts";

const AES_BLOCK = 16;

/** A 32-bit word from 4 bytes, least significant first: the word order noble's AES rounds take. */
function word(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

function putWord(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value;
  bytes[at + 1] = value >>> 8;
  bytes[at + 2] = value >>> 16;
  bytes[at + 3] = value >>> 24;
}

/** One AES key with its expanded schedules, for CBC without padding (RFC 3602). */
export class AesCbcKey {
  readonly #key: Uint8Array;
  #encryption: Uint32Array | undefined;
  #decryption: Uint32Array | undefined;

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
      throw new RangeError(`AES key of ${key.length} bytes`);
    }
    this.#key = key.slice();
  }

  /**
   * Encrypts `data[from, to)` in place, chained from `iv`. CBC reads each plaintext block before it
   * writes that block's ciphertext, so the plaintext can sit where the ciphertext goes.
   */
  encryptInPlace(iv: Uint8Array, data: Uint8Array, from: number, to: number): void {
    checkCbc(iv, to - from);
    const xk = this.#encryption ??= unsafe.expandKeyLE(this.#key);
    let s0 = word(iv, 0), s1 = word(iv, 4), s2 = word(iv, 8), s3 = word(iv, 12);
    for (let i = from; i < to; i += AES_BLOCK) {
      const out = unsafe.encrypt(
        xk,
        s0 ^ word(data, i),
        s1 ^ word(data, i + 4),
        s2 ^ word(data, i + 8),
        s3 ^ word(data, i + 12),
      );
      s0 = out.s0, s1 = out.s1, s2 = out.s2, s3 = out.s3;
      putWord(data, i, s0), putWord(data, i + 4, s1), putWord(data, i + 8, s2), putWord(data, i + 12, s3);
    }
  }

  /** Decrypts `ciphertext` (whole blocks) into `out` from `at`; `out` must not overlap it. */
  decryptInto(iv: Uint8Array, ciphertext: Uint8Array, out: Uint8Array, at: number): void {
    checkCbc(iv, ciphertext.length);
    const xk = this.#decryption ??= unsafe.expandKeyDecLE(this.#key);
    let p0 = word(iv, 0), p1 = word(iv, 4), p2 = word(iv, 8), p3 = word(iv, 12);
    for (let i = 0; i < ciphertext.length; i += AES_BLOCK) {
      const c0 = word(ciphertext, i), c1 = word(ciphertext, i + 4);
      const c2 = word(ciphertext, i + 8), c3 = word(ciphertext, i + 12);
      const plain = unsafe.decrypt(xk, c0, c1, c2, c3);
      const o = at + i;
      putWord(out, o, plain.s0 ^ p0), putWord(out, o + 4, plain.s1 ^ p1);
      putWord(out, o + 8, plain.s2 ^ p2), putWord(out, o + 12, plain.s3 ^ p3);
      p0 = c0, p1 = c1, p2 = c2, p3 = c3;
    }
  }
}

function checkCbc(iv: Uint8Array, length: number): void {
  if (iv.length !== AES_BLOCK) throw new RangeError(`AES-CBC IV of ${iv.length} bytes`);
  if (length % AES_BLOCK !== 0) throw new RangeError(`AES-CBC input of ${length} bytes is not whole blocks`);
}

const HASHES = { md5, sha1, sha256 } as const;

/** What HmacKey uses of noble's HMAC: `_cloneInto` copies the keyed states into a reused object. */
interface Hmac {
  update(data: Uint8Array): unknown;
  digestInto(out: Uint8Array): void;
  clone(): Hmac;
  _cloneInto(to: Hmac): Hmac;
}

/** One HMAC key with its hash states after the padded key, for many messages. */
export class HmacKey {
  /** Bytes of a full MAC. */
  readonly length: number;
  readonly #keyed: Hmac;
  readonly #work: Hmac;
  readonly #mac: Uint8Array;

  constructor(alg: HashAlg, key: Uint8Array) {
    this.length = HASH_LENGTH[alg];
    this.#keyed = nobleHmac.create(HASHES[alg], key) as unknown as Hmac;
    this.#work = this.#keyed.clone();
    this.#mac = new Uint8Array(this.length);
  }

  /** Writes the first `length` bytes of the MAC of `data` into `out` at `at` (an ICV is cut short). */
  macInto(data: Uint8Array, out: Uint8Array, at: number, length = this.length): void {
    const work = this.#keyed._cloneInto(this.#work);
    work.update(data);
    work.digestInto(this.#mac);
    out.set(length === this.length ? this.#mac : this.#mac.subarray(0, length), at);
  }

  /** Whether the first `expected.length` bytes of the MAC of `data` are `expected`. */
  verify(data: Uint8Array, expected: Uint8Array): boolean {
    if (expected.length > this.length) return false;
    const work = this.#keyed._cloneInto(this.#work);
    work.update(data);
    work.digestInto(this.#mac);
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= this.#mac[i] ^ expected[i];
    return diff === 0;
  }
}
