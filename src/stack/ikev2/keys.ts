/**
 * IKEv2's key schedule (RFC 7296 §2.13–2.18, §2.15): prf+, SKEYSEED and the seven SK_* keys, the
 * SKEYSEED of a rekeyed IKE SA, CHILD_SA key material, the PSK AUTH value and the NAT detection hash
 * (§2.23). Pure functions of their inputs, so known-answer tests can pin every step.
 */
import { concatBytes, hmac, sha1, utf8 } from "../../crypto/index.ts";
import { type Ip4 } from "../../wire/addr.ts";
import type { EspProposal } from "../ipsec/config.ts";
import { keyMaterialLength } from "../ipsec/esp.ts";
import { IKEV2_CIPHERS, IKEV2_INTEGS, IKEV2_PRFS, type Ikev2Hash, type Ikev2Proposal } from "./config.ts";

/** prf(K, S): HMAC with the negotiated hash. */
export function prf(alg: Ikev2Hash, key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  return hmac(alg, key, ...data);
}

/** prf+(K, S) = T1 | T2 | …, T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), cut to `length` (§2.13). */
export function prfPlus(alg: Ikev2Hash, key: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let n = 1, at = 0; at < length; n++) {
    if (n > 255) throw new Error("prf+ cannot give more than 255 blocks");
    previous = prf(alg, key, previous, seed, Uint8Array.of(n));
    out.set(previous.subarray(0, Math.min(previous.length, length - at)), at);
    at += previous.length;
  }
  return out;
}

/** SKEYSEED = prf(Ni | Nr, g^ir) (§2.14). */
export function skeyseed(alg: Ikev2Hash, ni: Uint8Array, nr: Uint8Array, gir: Uint8Array): Uint8Array {
  return prf(alg, concatBytes(ni, nr), gir);
}

/** SKEYSEED of a new IKE SA from CREATE_CHILD_SA: prf(SK_d (old), g^ir (new) | Ni | Nr) (§2.18). */
export function rekeySkeyseed(
  alg: Ikev2Hash,
  oldSkD: Uint8Array,
  gir: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
): Uint8Array {
  return prf(alg, oldSkD, gir, ni, nr);
}

/** The keys of an IKE SA, in the order prf+ produces them. */
export interface IkeKeys {
  d: Uint8Array;
  ai: Uint8Array;
  ar: Uint8Array;
  ei: Uint8Array;
  er: Uint8Array;
  pi: Uint8Array;
  pr: Uint8Array;
}

/** Bytes of each SK_* key for a proposal. */
export function ikeKeyLengths(p: Ikev2Proposal): { prf: number; integ: number; enc: number } {
  return {
    prf: IKEV2_PRFS[p.prf].length,
    integ: p.integrity ? IKEV2_INTEGS[p.integrity].keyLength : 0,
    enc: IKEV2_CIPHERS[p.encryption].keyLength,
  };
}

/** {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
export function deriveIkeKeys(
  p: Ikev2Proposal,
  seed: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  spiI: Uint8Array,
  spiR: Uint8Array,
): IkeKeys {
  const l = ikeKeyLengths(p);
  const stream = prfPlus(p.prf, seed, concatBytes(ni, nr, spiI, spiR), 3 * l.prf + 2 * l.integ + 2 * l.enc);
  let at = 0;
  const take = (n: number) => stream.slice(at, at += n);
  return {
    d: take(l.prf),
    ai: take(l.integ),
    ar: take(l.integ),
    ei: take(l.enc),
    er: take(l.enc),
    pi: take(l.prf),
    pr: take(l.prf),
  };
}

/**
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (§2.17): the initiator-to-responder SA's keys first
 * (encryption, then integrity), then the other direction's.
 */
export function childKeys(
  alg: Ikev2Hash,
  skD: Uint8Array,
  esp: EspProposal,
  ni: Uint8Array,
  nr: Uint8Array,
  gir?: Uint8Array,
): { i2r: Uint8Array; r2i: Uint8Array } {
  const one = keyMaterialLength(esp.encryption, esp.integrity);
  const seed = gir ? concatBytes(gir, ni, nr) : concatBytes(ni, nr);
  const keymat = prfPlus(alg, skD, seed, 2 * one);
  return { i2r: keymat.slice(0, one), r2i: keymat.slice(one) };
}

const KEY_PAD = utf8("Key Pad for IKEv2");

/**
 * AUTH for a pre-shared key (§2.15): prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>),
 * SignedOctets = the sender's first message | the peer's nonce | prf(SK_p, ID payload body).
 */
export function pskAuth(
  alg: Ikev2Hash,
  psk: Uint8Array,
  firstMessage: Uint8Array,
  peerNonce: Uint8Array,
  skP: Uint8Array,
  idBody: Uint8Array,
): Uint8Array {
  const macedId = prf(alg, skP, idBody);
  return prf(alg, prf(alg, psk, KEY_PAD), firstMessage, peerNonce, macedId);
}

/** NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port) (§2.23). */
export function natDetectionHash(spiI: Uint8Array, spiR: Uint8Array, ip: Ip4, port: number): Uint8Array {
  const tail = Uint8Array.of(
    ip >>> 24,
    (ip >>> 16) & 0xff,
    (ip >>> 8) & 0xff,
    ip & 0xff,
    port >>> 8,
    port & 0xff,
  );
  return sha1(spiI, spiR, tail);
}
