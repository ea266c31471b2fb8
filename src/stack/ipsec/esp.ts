/**
 * ESP sealing and opening for one SA (RFC 4303 §3.3 and §3.4): CBC ciphers with HMAC (RFC 3602,
 * RFC 2451, RFC 2404, RFC 4868) or AES-GCM (RFC 4106), and the 64-packet anti-replay window. Pure:
 * the caller supplies the sequence number and the IV (drawn from the device's PRNG).
 */
import { copyBytes, newBytes } from "../../crypto/bytes.ts";
import {
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesGcmOpen,
  aesGcmSeal,
  bytesEqual,
  concatBytes,
  hmac,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
} from "../../crypto/index.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import { decodeEspHeader, encodeEspHeader, ESP_HEADER_LEN } from "../../wire/esp.ts";
import { ESP_AUTHS, ESP_CIPHERS, type EspEncryption, type EspIntegrity, GCM_ICV } from "./config.ts";
import { openCbc, preparedCbc, sealCbc } from "./esp_cbc.ts";

/** What sealing or opening needs to know about an SA. */
export interface EspKeys {
  spi: number;
  encryption: EspEncryption;
  /** Ignored for AEAD ciphers (GCM authenticates by itself). */
  integrity: EspIntegrity;
  /** For GCM: the AES key followed by the 4-byte salt. */
  encKey: Uint8Array;
  authKey: Uint8Array;
}

/** Bytes of key material an SA needs: encryption key (with salt) then integrity key (RFC 2409 §5.5). */
export function keyMaterialLength(encryption: EspEncryption, integrity: EspIntegrity): number {
  const cipher = ESP_CIPHERS[encryption];
  return cipher.keyLength + (cipher.aead ? 0 : ESP_AUTHS[integrity].keyLength);
}

/** Splits KEYMAT into the encryption key (with a GCM salt) and the integrity key that follows it. */
export function splitKeyMaterial(
  encryption: EspEncryption,
  material: Uint8Array,
): { encKey: Uint8Array; authKey: Uint8Array } {
  const length = ESP_CIPHERS[encryption].keyLength;
  return { encKey: copyBytes(material.subarray(0, length)), authKey: copyBytes(material.subarray(length)) };
}

function icvLength(keys: EspKeys): number {
  return ESP_CIPHERS[keys.encryption].aead ? GCM_ICV : ESP_AUTHS[keys.integrity].icv;
}

/** The payload plus padding 1, 2, 3, …, Pad Length and Next Header, aligned to `block` (RFC 4303 §2.4). */
function trailer(payload: Uint8Array, nextHeader: number, block: number): Uint8Array {
  const padLength = (block - ((payload.length + 2) % block)) % block;
  const out = newBytes(payload.length + padLength + 2);
  out.set(payload);
  for (let i = 0; i < padLength; i++) out[payload.length + i] = i + 1;
  out[out.length - 2] = padLength;
  out[out.length - 1] = nextHeader;
  return out;
}

/**
 * The ESP packet (header through ICV) carrying `payload`; `iv` must have the cipher's IV size. With
 * `headroom`, the packet starts that many bytes into the returned buffer, the bytes before it left zero
 * for the headers that carry it (UDP, IPv4), so the packet is not copied again to add them.
 */
export function espSeal(
  keys: EspKeys,
  seq: number,
  payload: Uint8Array,
  nextHeader: number,
  iv: Uint8Array,
  headroom = 0,
): Uint8Array {
  const fast = preparedCbc(keys);
  if (fast) return sealCbc(fast, keys.spi, seq, payload, nextHeader, iv, headroom);
  const packet = sealGeneral(keys, seq, payload, nextHeader, iv);
  if (headroom === 0) return packet;
  const out = newBytes(headroom + packet.length);
  out.set(packet, headroom);
  return out;
}

/** Sealing for every cipher, the key state made afresh for each packet. */
function sealGeneral(
  keys: EspKeys,
  seq: number,
  payload: Uint8Array,
  nextHeader: number,
  iv: Uint8Array,
): Uint8Array {
  const cipher = ESP_CIPHERS[keys.encryption];
  const header = encodeEspHeader({ spi: keys.spi, seq });
  const plaintext = trailer(payload, nextHeader, cipher.block);
  if (cipher.aead) {
    const key = keys.encKey.subarray(0, keys.encKey.length - 4);
    const nonce = concatBytes(keys.encKey.subarray(keys.encKey.length - 4), iv);
    return concatBytes(header, iv, aesGcmSeal(key, nonce, plaintext, header, GCM_ICV));
  }
  const ciphertext = keys.encryption === "3des-cbc"
    ? tdesCbcEncrypt(keys.encKey, iv, plaintext)
    : aesCbcEncrypt(keys.encKey, iv, plaintext);
  const auth = ESP_AUTHS[keys.integrity];
  const body = concatBytes(header, iv, ciphertext);
  return concatBytes(body, hmac(auth.hash, keys.authKey, body).subarray(0, auth.icv));
}

/** What came out of an ESP packet. */
export interface EspOpened {
  seq: number;
  payload: Uint8Array;
  nextHeader: number;
  padLength: number;
}

/** Checks the ICV, decrypts and strips the trailer. Fails with a reason a student can read. */
export function espOpen(keys: EspKeys, packet: Uint8Array): Decoded<EspOpened> {
  const header = decodeEspHeader(packet);
  if (!header.ok) return header;
  const cipher = ESP_CIPHERS[keys.encryption];
  const icv = icvLength(keys);
  const minimum = ESP_HEADER_LEN + cipher.iv + Math.max(cipher.block, 4) + icv;
  if (packet.length < minimum) {
    return fail(`ESP packet of ${packet.length} bytes is too short for ${keys.encryption}`);
  }
  const iv = packet.subarray(ESP_HEADER_LEN, ESP_HEADER_LEN + cipher.iv);
  let plaintext: Uint8Array;
  const fast = preparedCbc(keys);
  if (cipher.aead) {
    const key = keys.encKey.subarray(0, keys.encKey.length - 4);
    const nonce = concatBytes(keys.encKey.subarray(keys.encKey.length - 4), iv);
    const opened = aesGcmOpen(
      key,
      nonce,
      packet.subarray(ESP_HEADER_LEN + cipher.iv),
      packet.subarray(0, ESP_HEADER_LEN),
      GCM_ICV,
    );
    if (!opened.ok) return fail("ICV check failed (AES-GCM tag mismatch)");
    plaintext = opened.value;
  } else if (fast) {
    const decrypted = openCbc(fast, keys, packet);
    if (!decrypted.ok) return fail(decrypted.error);
    plaintext = decrypted.value;
  } else {
    const auth = ESP_AUTHS[keys.integrity];
    const body = packet.subarray(0, packet.length - icv);
    const expected = hmac(auth.hash, keys.authKey, body).subarray(0, icv);
    if (!bytesEqual(expected, packet.subarray(packet.length - icv))) {
      return fail(`ICV check failed (${keys.integrity})`);
    }
    const ciphertext = body.subarray(ESP_HEADER_LEN + cipher.iv);
    const decrypted = keys.encryption === "3des-cbc"
      ? tdesCbcDecrypt(keys.encKey, iv, ciphertext)
      : aesCbcDecrypt(keys.encKey, iv, ciphertext);
    if (!decrypted.ok) return fail(decrypted.error);
    plaintext = decrypted.value;
  }
  const padLength = plaintext[plaintext.length - 2];
  const nextHeader = plaintext[plaintext.length - 1];
  if (padLength + 2 > plaintext.length) return fail(`ESP pad length ${padLength} exceeds the payload`);
  const payloadEnd = plaintext.length - 2 - padLength;
  for (let i = 0; i < padLength; i++) {
    if (plaintext[payloadEnd + i] !== i + 1) return fail("ESP padding is not 1, 2, 3, … (RFC 4303 §2.4)");
  }
  // The plaintext is this call's own buffer, so the payload can be a view of it.
  return ok({ seq: header.value.seq, payload: plaintext.subarray(0, payloadEnd), nextHeader, padLength });
}

/** Anti-replay window size (RFC 4303 §3.4.3 recommends 64). */
export const REPLAY_WINDOW = 64;

/**
 * The receiver's sliding window: `top` is the highest sequence number authenticated so far, bit i of
 * `bitmap` says whether top - i was seen. Check before the ICV, update only after it passed.
 */
export class ReplayWindow {
  top = 0;
  bitmap = 0n;

  /** Why `seq` must be dropped, or null when it may be new. */
  check(seq: number): string | null {
    if (seq === 0) return "sequence number 0 is never sent";
    if (seq > this.top) return null;
    const offset = this.top - seq;
    if (offset >= REPLAY_WINDOW) {
      return `sequence number ${seq} is left of the anti-replay window (highest seen ${this.top}, window ${REPLAY_WINDOW})`;
    }
    if ((this.bitmap >> BigInt(offset)) & 1n) return `sequence number ${seq} was already received (replay)`;
    return null;
  }

  /** Records an authenticated `seq`. */
  update(seq: number): void {
    if (seq > this.top) {
      const shift = BigInt(seq - this.top);
      this.bitmap = shift >= BigInt(REPLAY_WINDOW) ? 1n : ((this.bitmap << shift) | 1n) & ((1n << 64n) - 1n);
      this.top = seq;
    } else {
      this.bitmap |= 1n << BigInt(this.top - seq);
    }
  }
}
