/**
 * ESP with AES-CBC and HMAC (RFC 3602 with RFC 2404 or RFC 4868), the SAs nearly every lesson
 * negotiates, with each SA's AES key schedule and HMAC key states prepared once (crypto/keyed.ts)
 * rather than per packet, and each packet sealed in the one buffer that goes on the wire: the
 * plaintext is laid out where the ciphertext goes and encrypted in place, the ICV is written behind it,
 * and room is left in front for the UDP and IPv4 headers. A thousand clients send tens of thousands of
 * ESP packets; rebuilding the key state and copying each packet five times was most of their cost.
 * The bytes are those of the general path in esp.ts (esp_test.ts compares both).
 */
import { copyBytes, newBytes } from "../../crypto/bytes.ts";
import { AES_BLOCK, bytesEqual } from "../../crypto/index.ts";
import { AesCbcKey, HmacKey } from "../../crypto/keyed.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import { ESP_HEADER_LEN } from "../../wire/esp.ts";
import { put32 } from "../../wire/octets.ts";
import { ESP_AUTHS, ESP_CIPHERS } from "./config.ts";
import type { EspKeys } from "./esp.ts";

/** An SA's prepared state, with the keys it was made from to notice when they change. */
export interface PreparedCbc {
  readonly from: EspKeys;
  readonly aes: AesCbcKey;
  readonly mac: HmacKey;
  /** ICV bytes: the MAC cut short (96 bits for SHA-1, 128 for SHA-256). */
  readonly icv: number;
}

const prepared = new WeakMap<EspKeys, PreparedCbc>();

/**
 * The prepared state for `keys`, made on first use and again whenever the keys were changed since (a
 * test that corrupts a key must see its ICV fail); undefined for 3DES and GCM, and for a key of the
 * wrong length, whose error the general path reports.
 */
export function preparedCbc(keys: EspKeys): PreparedCbc | undefined {
  const cipher = ESP_CIPHERS[keys.encryption];
  if (cipher.aead || cipher.block !== AES_BLOCK || keys.encKey.length !== cipher.keyLength) return undefined;
  const known = prepared.get(keys);
  if (
    known && known.from.encryption === keys.encryption && known.from.integrity === keys.integrity &&
    bytesEqual(known.from.encKey, keys.encKey) && bytesEqual(known.from.authKey, keys.authKey)
  ) return known;
  const auth = ESP_AUTHS[keys.integrity];
  const made: PreparedCbc = {
    from: { ...keys, encKey: copyBytes(keys.encKey), authKey: copyBytes(keys.authKey) },
    aes: new AesCbcKey(keys.encKey),
    mac: new HmacKey(auth.hash, keys.authKey),
    icv: auth.icv,
  };
  prepared.set(keys, made);
  return made;
}

/**
 * The ESP packet (header, IV, ciphertext, ICV) carrying `payload`, from byte `headroom` of the
 * returned buffer; the bytes before it are left zero for the caller's headers.
 */
export function sealCbc(
  sa: PreparedCbc,
  spi: number,
  seq: number,
  payload: Uint8Array,
  nextHeader: number,
  iv: Uint8Array,
  headroom: number,
): Uint8Array {
  const padLength = (AES_BLOCK - ((payload.length + 2) % AES_BLOCK)) % AES_BLOCK;
  const start = headroom;
  const cipherStart = start + ESP_HEADER_LEN + iv.length;
  const cipherEnd = cipherStart + payload.length + padLength + 2;
  const out = newBytes(cipherEnd + sa.icv);
  put32(out, start, spi);
  put32(out, start + 4, seq);
  out.set(iv, start + ESP_HEADER_LEN);
  // RFC 4303 §2.4: padding 1, 2, 3, …, then Pad Length and Next Header, to a whole block.
  out.set(payload, cipherStart);
  for (let i = 0; i < padLength; i++) out[cipherStart + payload.length + i] = i + 1;
  out[cipherEnd - 2] = padLength;
  out[cipherEnd - 1] = nextHeader;
  sa.aes.encryptInPlace(iv, out, cipherStart, cipherEnd);
  sa.mac.macInto(out.subarray(start, cipherEnd), out, cipherEnd, sa.icv);
  return out;
}

/**
 * Checks the ICV of `packet` (header through ICV) and decrypts it into a buffer of its own; fails with
 * the words of the general path.
 */
export function openCbc(sa: PreparedCbc, keys: EspKeys, packet: Uint8Array): Decoded<Uint8Array> {
  const body = packet.subarray(0, packet.length - sa.icv);
  if (!sa.mac.verify(body, packet.subarray(packet.length - sa.icv))) {
    return fail(`ICV check failed (${keys.integrity})`);
  }
  const iv = body.subarray(ESP_HEADER_LEN, ESP_HEADER_LEN + AES_BLOCK);
  const ciphertext = body.subarray(ESP_HEADER_LEN + AES_BLOCK);
  if (ciphertext.length % AES_BLOCK !== 0) {
    return fail(`AES-CBC ciphertext of ${ciphertext.length} bytes is not a multiple of ${AES_BLOCK}`);
  }
  const plaintext = newBytes(ciphertext.length);
  sa.aes.decryptInto(iv, ciphertext, plaintext, 0);
  return ok(plaintext);
}
