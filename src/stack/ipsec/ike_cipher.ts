/**
 * The phase-1 cipher of one IKEv1 SA, keyed once: Main Mode, Quick Mode and Informational messages all
 * use the same key (RFC 2409 App. B), so the AES key schedule is expanded once per SA (as ESP's is, see
 * crypto/keyed.ts) instead of once per message; a thousand clients make some twelve thousand encrypted
 * IKE messages. The bytes are those of derive.ts's `ikeEncrypt` and `ikeDecrypt`, which 3DES still uses.
 */
import { newBytes } from "../../crypto/bytes.ts";
import { AES_BLOCK } from "../../crypto/index.ts";
import { AesCbcKey } from "../../crypto/keyed.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import type { IkeEncryption } from "./config.ts";
import { ikeDecrypt, ikeEncrypt, ikePadded } from "./derive.ts";

/** One SA's phase-1 key and cipher. */
export class IkeCipher {
  readonly #cipher: IkeEncryption;
  readonly #key: Uint8Array;
  readonly #aes: AesCbcKey | undefined;

  constructor(cipher: IkeEncryption, key: Uint8Array) {
    this.#cipher = cipher;
    this.#key = key;
    this.#aes = cipher === "3des" ? undefined : new AesCbcKey(key);
  }

  /** Whether this is `cipher` with `key` (the very buffer). */
  uses(cipher: IkeEncryption, key: Uint8Array): boolean {
    return this.#cipher === cipher && this.#key === key;
  }

  /** Encrypts a payload chain, zero-padded to the block size, into a new buffer. */
  encrypt(iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const aes = this.#aes;
    if (aes === undefined) return ikeEncrypt(this.#cipher, this.#key, iv, plaintext);
    const padded = ikePadded(this.#cipher, plaintext);
    aes.encryptInPlace(iv, padded, 0, padded.length);
    return padded;
  }

  /** Decrypts an encrypted ISAKMP body (padding left in place); fails on a partial block. */
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Decoded<Uint8Array> {
    const aes = this.#aes;
    if (aes === undefined) return ikeDecrypt(this.#cipher, this.#key, iv, ciphertext);
    if (ciphertext.length % AES_BLOCK !== 0) {
      return fail(`AES-CBC ciphertext of ${ciphertext.length} bytes is not a multiple of ${AES_BLOCK}`);
    }
    if (iv.length !== AES_BLOCK) return fail(`AES-CBC IV of ${iv.length} bytes`);
    const out = newBytes(ciphertext.length);
    aes.decryptInto(iv, ciphertext, out, 0);
    return ok(out);
  }
}
