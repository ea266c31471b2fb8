/**
 * Byte helpers the crypto and wire code share. Nothing here draws randomness: every nonce, IV,
 * challenge or padding comes from the caller (the engine's seeded PRNG), so runs stay reproducible.
 */

/** Joins byte strings into one new array (the ‖ of the RFCs). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
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
