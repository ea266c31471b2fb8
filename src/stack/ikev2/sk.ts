/**
 * The Encrypted and Authenticated payload (SK, RFC 7296 §3.14) for one direction of an IKE SA:
 * AES-CBC with a truncated HMAC over the whole message, or AES-GCM (RFC 5282) whose additional data
 * is the IKE header and the SK payload's own header. Sealing takes the IV from the caller (the
 * node's PRNG), so a run stays reproducible.
 */
import {
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesGcmOpen,
  aesGcmSeal,
  bytesEqual,
  concatBytes,
  hmac,
} from "../../crypto/index.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import {
  decodeBody,
  decodeChain,
  encodeChain,
  encodeHeader,
  IKEV2_HEADER_LEN,
  type Ikev2Header,
  P,
  type Payload,
} from "../../wire/ikev2.ts";
import { put16 } from "../../wire/octets.ts";
import { IKEV2_CIPHERS, IKEV2_INTEGS, type Ikev2Proposal } from "./config.ts";

/** One direction's keys: SK_e and SK_a of the sender. */
export interface SkKeys {
  proposal: Ikev2Proposal;
  enc: Uint8Array;
  auth: Uint8Array;
}

function icvLength(p: Ikev2Proposal): number {
  return p.integrity ? IKEV2_INTEGS[p.integrity].icv : 16;
}

/** A whole message whose payloads travel inside an SK payload. */
export function sealMessage(
  keys: SkKeys,
  header: Omit<Ikev2Header, "length" | "version" | "nextPayload">,
  payloads: Payload[],
  iv: Uint8Array,
): Uint8Array {
  const cipher = IKEV2_CIPHERS[keys.proposal.encryption];
  const inner = encodeChain(payloads);
  // GCM needs no alignment, so no padding; CBC pads to its block, the last byte naming the pad length.
  const padLength = cipher.aead ? 0 : (cipher.block - ((inner.length + 1) % cipher.block)) % cipher.block;
  const plaintext = new Uint8Array(inner.length + padLength + 1);
  plaintext.set(inner);
  plaintext[plaintext.length - 1] = padLength;
  const icv = icvLength(keys.proposal);
  const skLength = 4 + iv.length + plaintext.length + icv;
  const head = encodeHeader(
    { ...header, nextPayload: P.SK },
    IKEV2_HEADER_LEN + skLength,
  );
  const skHeader = new Uint8Array(4);
  skHeader[0] = payloads[0]?.type ?? P.NONE;
  put16(skHeader, 2, skLength);
  if (cipher.aead) {
    const key = keys.enc.subarray(0, keys.enc.length - 4);
    const nonce = concatBytes(keys.enc.subarray(keys.enc.length - 4), iv);
    const aad = concatBytes(head, skHeader);
    return concatBytes(aad, iv, aesGcmSeal(key, nonce, plaintext, aad, 16));
  }
  const body = concatBytes(head, skHeader, iv, aesCbcEncrypt(keys.enc, iv, plaintext));
  const mac = hmac(keys.proposal.integrity!, keys.auth, body).subarray(0, icv);
  return concatBytes(body, mac);
}

/** What came out of an SK payload. */
export interface Opened {
  header: Ikev2Header;
  payloads: Payload[];
}

/**
 * Checks and decrypts a message whose only payload is SK. Fails with a reason a student can read
 * (a wrong key shows as an integrity failure, exactly as charon logs it).
 */
export function openMessage(keys: SkKeys, header: Ikev2Header, message: Uint8Array): Decoded<Opened> {
  if (header.nextPayload !== P.SK) return fail(`expected an SK payload, found payload ${header.nextPayload}`);
  const cipher = IKEV2_CIPHERS[keys.proposal.encryption];
  const icv = icvLength(keys.proposal);
  const end = header.length;
  const at = IKEV2_HEADER_LEN;
  const chain = decodeChain(P.SK, message.subarray(at, end));
  if (!chain.ok) return chain;
  const sk = chain.value[0];
  if (sk.body.length < cipher.iv + icv + 1) return fail(`SK payload of ${sk.body.length} bytes is too short`);
  const skEnd = at + 4 + sk.body.length;
  const iv = message.subarray(at + 4, at + 4 + cipher.iv);
  let plaintext: Uint8Array;
  if (cipher.aead) {
    const key = keys.enc.subarray(0, keys.enc.length - 4);
    const nonce = concatBytes(keys.enc.subarray(keys.enc.length - 4), iv);
    const opened = aesGcmOpen(
      key,
      nonce,
      message.subarray(at + 4 + cipher.iv, skEnd),
      message.subarray(0, at + 4),
      16,
    );
    if (!opened.ok) return fail("integrity check of the SK payload failed (AES-GCM tag mismatch)");
    plaintext = opened.value;
  } else {
    const mac = hmac(keys.proposal.integrity!, keys.auth, message.subarray(0, skEnd - icv)).subarray(0, icv);
    if (!bytesEqual(mac, message.subarray(skEnd - icv, skEnd))) {
      return fail(
        `integrity check of the SK payload failed (HMAC-${keys.proposal.integrity!.toUpperCase()})`,
      );
    }
    const decrypted = aesCbcDecrypt(keys.enc, iv, message.subarray(at + 4 + cipher.iv, skEnd - icv));
    if (!decrypted.ok) return decrypted;
    plaintext = decrypted.value;
  }
  const padLength = plaintext[plaintext.length - 1];
  if (padLength + 1 > plaintext.length) return fail(`SK pad length ${padLength} exceeds the plaintext`);
  const inner = decodeChain(message[at], plaintext.subarray(0, plaintext.length - 1 - padLength));
  if (!inner.ok) return inner;
  const payloads: Payload[] = [];
  for (const item of inner.value) {
    const p = decodeBody(item.type, item.body);
    if (!p.ok) return p;
    payloads.push(p.value);
  }
  return ok({ header, payloads });
}
