/**
 * Byte helpers the crypto and wire code share. Nothing here draws randomness: every nonce, IV,
 * challenge or padding comes from the caller (the engine's seeded PRNG), so runs stay reproducible.
 */

export { bytesOf, copyBytes, newBytes } from "../engine/new_bytes.ts";
import { newBytes } from "../engine/new_bytes.ts";

/** Joins byte strings into one new array (the ‖ of the RFCs). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = newBytes(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Lower-case hex without separators, as tshark prints byte fields. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Parses hex (whitespace and colons allowed); null when it is not an even run of hex digits. */
export function fromHex(text: string): Uint8Array | null {
  const clean = text.replace(/[\s:]/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Byte-wise equality. Timing does not matter in a simulator, so no constant-time trick. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const encoder = new TextEncoder();

/** Secrets and names are configured as text; protocols hash their UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A secret given either as text or as raw bytes. */
export type Secret = string | Uint8Array;

/** The bytes of a secret. */
export function secretBytes(secret: Secret): Uint8Array {
  return typeof secret === "string" ? utf8(secret) : secret;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding (RFC 4648 §4), the way `wg` prints keys; written here, not `btoa`, to stay off host APIs. */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[(n >>> 18) & 63] + BASE64[(n >>> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >>> 6) & 63] : "=";
    out += i + 2 < bytes.length ? BASE64[n & 63] : "=";
  }
  return out;
}

/** Parses standard padded base64; null when the text is not that. */
export function fromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let at = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) n = (n << 6) | (text[i + j] === "=" ? 0 : BASE64.indexOf(text[i + j]));
    for (let j = 0; j < 3 && at < out.length; j++) out[at++] = (n >>> (16 - 8 * j)) & 0xff;
  }
  return out;
}
