/**
 * IKEv1 derivations with a pre-shared key (RFC 2409 §5, §5.4, §5.5, App. B) and NAT-T's NAT-D hash
 * (RFC 3947 §3.2). Pure functions of their inputs, so tests can check each against values computed
 * independently and tshark can decrypt what the stack built from them. prf is HMAC with the
 * negotiated hash; `_b` arguments are payload bodies without their generic header.
 */
import { bytesOf, copyBytes, newBytes } from "../../crypto/bytes.ts";
import {
  aesCbcDecrypt,
  aesCbcEncrypt,
  concatBytes,
  hash,
  type HashAlg,
  hmac,
  md5,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
  utf8,
} from "../../crypto/index.ts";
import type { Decoded } from "../../wire/field.ts";
import type { IkeEncryption } from "./config.ts";

const ZERO = bytesOf(0);
const ONE = bytesOf(1);
const TWO = bytesOf(2);

/** A 32-bit number as 4 big-endian bytes (message IDs, SPIs in the hash and KEYMAT inputs). */
export function be32(n: number): Uint8Array {
  return bytesOf((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** SKEYID for pre-shared keys: prf(pre-shared-key, Ni_b | Nr_b). */
export function skeyidPsk(alg: HashAlg, psk: Uint8Array, niB: Uint8Array, nrB: Uint8Array): Uint8Array {
  return hmac(alg, psk, niB, nrB);
}

/** SKEYID_d, SKEYID_a and SKEYID_e (RFC 2409 §5). */
export interface Skeyids {
  skeyid: Uint8Array;
  d: Uint8Array;
  a: Uint8Array;
  e: Uint8Array;
}

export function deriveSkeyids(
  alg: HashAlg,
  skeyid: Uint8Array,
  gxy: Uint8Array,
  ckyI: Uint8Array,
  ckyR: Uint8Array,
): Skeyids {
  const d = hmac(alg, skeyid, gxy, ckyI, ckyR, ZERO);
  const a = hmac(alg, skeyid, d, gxy, ckyI, ckyR, ONE);
  const e = hmac(alg, skeyid, a, gxy, ckyI, ckyR, TWO);
  return { skeyid, d, a, e };
}

/**
 * The phase-1 cipher key (App. B): the leading bytes of SKEYID_e, or, when SKEYID_e is too short
 * (3DES with SHA-1, AES-256 with SHA-1), of Ka = K1 | K2 | ... with K1 = prf(SKEYID_e, 0) and
 * Kn = prf(SKEYID_e, Kn-1).
 */
export function phase1Key(alg: HashAlg, skeyidE: Uint8Array, keyLength: number): Uint8Array {
  if (skeyidE.length >= keyLength) return copyBytes(skeyidE.subarray(0, keyLength));
  const blocks: Uint8Array[] = [];
  let k = hmac(alg, skeyidE, ZERO);
  blocks.push(k);
  while (blocks.reduce((n, b) => n + b.length, 0) < keyLength) {
    k = hmac(alg, skeyidE, k);
    blocks.push(k);
  }
  return concatBytes(...blocks).subarray(0, keyLength);
}

/** The first phase-1 IV: hash(g^xi | g^xr) cut to the block size (App. B). */
export function phase1Iv(alg: HashAlg, gxi: Uint8Array, gxr: Uint8Array, block: number): Uint8Array {
  return hash(alg, gxi, gxr).subarray(0, block);
}

/**
 * The IV of a new exchange after phase 1 (Quick Mode, Informational): hash(last phase-1 CBC block |
 * M-ID) cut to the block size (App. B).
 */
export function exchangeIv(
  alg: HashAlg,
  lastPhase1Block: Uint8Array,
  messageId: number,
  block: number,
): Uint8Array {
  return hash(alg, lastPhase1Block, be32(messageId)).subarray(0, block);
}

/** HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b). */
export function hashI(
  alg: HashAlg,
  skeyid: Uint8Array,
  gxi: Uint8Array,
  gxr: Uint8Array,
  ckyI: Uint8Array,
  ckyR: Uint8Array,
  saiB: Uint8Array,
  idiiB: Uint8Array,
): Uint8Array {
  return hmac(alg, skeyid, gxi, gxr, ckyI, ckyR, saiB, idiiB);
}

/** HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b). */
export function hashR(
  alg: HashAlg,
  skeyid: Uint8Array,
  gxi: Uint8Array,
  gxr: Uint8Array,
  ckyI: Uint8Array,
  ckyR: Uint8Array,
  saiB: Uint8Array,
  idirB: Uint8Array,
): Uint8Array {
  return hmac(alg, skeyid, gxr, gxi, ckyR, ckyI, saiB, idirB);
}

/** Quick Mode HASH(1) = prf(SKEYID_a, M-ID | everything after the HASH payload). */
export function qmHash1(alg: HashAlg, skeyidA: Uint8Array, messageId: number, rest: Uint8Array): Uint8Array {
  return hmac(alg, skeyidA, be32(messageId), rest);
}

/** Quick Mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | everything after the HASH payload). */
export function qmHash2(
  alg: HashAlg,
  skeyidA: Uint8Array,
  messageId: number,
  niB: Uint8Array,
  rest: Uint8Array,
): Uint8Array {
  return hmac(alg, skeyidA, be32(messageId), niB, rest);
}

/** Quick Mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
export function qmHash3(
  alg: HashAlg,
  skeyidA: Uint8Array,
  messageId: number,
  niB: Uint8Array,
  nrB: Uint8Array,
): Uint8Array {
  return hmac(alg, skeyidA, ZERO, be32(messageId), niB, nrB);
}

/** Informational HASH(1) = prf(SKEYID_a, M-ID | N/D payload) (RFC 2409 §5.7). */
export function infoHash(alg: HashAlg, skeyidA: Uint8Array, messageId: number, rest: Uint8Array): Uint8Array {
  return hmac(alg, skeyidA, be32(messageId), rest);
}

/**
 * KEYMAT for one direction without PFS (RFC 2409 §5.5): K1 = prf(SKEYID_d, protocol | SPI | Ni_b |
 * Nr_b), Kn = prf(SKEYID_d, Kn-1 | protocol | SPI | Ni_b | Nr_b), concatenated to `length` bytes.
 * The SPI is the one the receiving side chose.
 */
export function keymat(
  alg: HashAlg,
  skeyidD: Uint8Array,
  protocol: number,
  spi: Uint8Array,
  niB: Uint8Array,
  nrB: Uint8Array,
  length: number,
): Uint8Array {
  const seed = concatBytes(bytesOf(protocol), spi, niB, nrB);
  const blocks: Uint8Array[] = [];
  let total = 0;
  let k: Uint8Array = newBytes(0);
  while (total < length) {
    k = hmac(alg, skeyidD, k, seed);
    blocks.push(k);
    total += k.length;
  }
  return concatBytes(...blocks).subarray(0, length);
}

/** NAT-D = HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash, not its HMAC (RFC 3947 §3.2). */
export function natdHash(
  alg: HashAlg,
  ckyI: Uint8Array,
  ckyR: Uint8Array,
  ip: number,
  port: number,
): Uint8Array {
  return hash(alg, ckyI, ckyR, be32(ip), bytesOf(port >>> 8, port & 0xff));
}

/** Vendor IDs are the MD5 of a well-known string (RFC 3947 §3.1, RFC 3706 §9). */
export const VID_RFC3947 = md5(utf8("RFC 3947"));
export const VID_DRAFT_02N = md5(utf8("draft-ietf-ipsec-nat-t-ike-02\n"));
/** RFC 3706's DPD Vendor ID is a fixed value, not the MD5 of a published string. */
export const VID_DPD = bytesOf(
  0xaf,
  0xca,
  0xd7,
  0x13,
  0x68,
  0xa1,
  0xf1,
  0xc9,
  0x6b,
  0x86,
  0x96,
  0xfc,
  0x77,
  0x57,
  0x01,
  0x00,
);

/** Encrypts a phase-1 or phase-2 payload chain, zero-padded to the block size (App. B). */
export function ikeEncrypt(
  cipher: IkeEncryption,
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const padded = ikePadded(cipher, plaintext);
  return cipher === "3des" ? tdesCbcEncrypt(key, iv, padded) : aesCbcEncrypt(key, iv, padded);
}

/** A payload chain in a new buffer, zero-padded to whole cipher blocks (at least one), as IKEv1 sends it. */
export function ikePadded(cipher: IkeEncryption, plaintext: Uint8Array): Uint8Array {
  const block = cipher === "3des" ? 8 : 16;
  const padded = newBytes(Math.ceil(plaintext.length / block) * block || block);
  padded.set(plaintext);
  return padded;
}

/** Decrypts an encrypted ISAKMP body; the padding is left in place for the payload parser to skip. */
export function ikeDecrypt(
  cipher: IkeEncryption,
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Decoded<Uint8Array> {
  return cipher === "3des" ? tdesCbcDecrypt(key, iv, ciphertext) : aesCbcDecrypt(key, iv, ciphertext);
}

/** The last cipher block of a message: the IV of the next message in the same exchange. */
export function lastBlock(ciphertext: Uint8Array, block: number): Uint8Array {
  return copyBytes(ciphertext.subarray(ciphertext.length - block));
}
