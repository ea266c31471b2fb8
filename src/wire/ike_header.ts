/**
 * What ISAKMP (RFC 2408 §3.1, §3.2) and IKEv2 (RFC 7296 §3.1, §3.2) lay out alike: the 28-byte header
 * (two 8-byte SPIs, next payload, version, exchange type, flags, message ID, length) and the 4-byte
 * generic payload header (next payload, a byte IKEv2 gives its critical bit, length). Field names, the
 * major version each accepts and the wording of errors stay in isakmp.ts and ikev2.ts.
 */
import { copyBytes, newBytes } from "../crypto/bytes.ts";
import { type Decoded, fail, ok } from "./field.ts";
import { put16, put32, u16, u32 } from "./octets.ts";

export const IKE_HEADER_LEN = 28;

/** The header's fields in wire order; ISAKMP calls the SPIs cookies. */
export interface IkeHeaderFields {
  spiI: Uint8Array;
  spiR: Uint8Array;
  nextPayload: number;
  version: number;
  exchange: number;
  flags: number;
  messageId: number;
  length: number;
}

/** How a module words the three ways a header can be wrong. */
export interface HeaderErrors {
  short(size: number): string;
  version(major: number): string;
  length(length: number, size: number): string;
}

/** Writes the header into the first 28 bytes of `out`. */
export function writeIkeHeader(out: Uint8Array, h: IkeHeaderFields): void {
  out.set(h.spiI.subarray(0, 8), 0);
  out.set(h.spiR.subarray(0, 8), 8);
  out[16] = h.nextPayload;
  out[17] = h.version;
  out[18] = h.exchange;
  out[19] = h.flags;
  put32(out, 20, h.messageId);
  put32(out, 24, h.length);
}

/** Reads the header of a `major`-version message; `body` runs from byte 28 to the header's length. */
export function readIkeHeader(
  bytes: Uint8Array,
  major: number,
  errors: HeaderErrors,
): Decoded<{ header: IkeHeaderFields; body: Uint8Array }> {
  if (bytes.length < IKE_HEADER_LEN) return fail(errors.short(bytes.length));
  const version = bytes[17];
  if (version >> 4 !== major) return fail(errors.version(version >> 4));
  const length = u32(bytes, 24);
  if (length < IKE_HEADER_LEN || length > bytes.length) return fail(errors.length(length, bytes.length));
  return ok({
    header: {
      spiI: copyBytes(bytes.subarray(0, 8)),
      spiR: copyBytes(bytes.subarray(8, 16)),
      nextPayload: bytes[16],
      version,
      exchange: bytes[18],
      flags: bytes[19],
      messageId: u32(bytes, 20),
      length,
    },
    body: bytes.subarray(IKE_HEADER_LEN, length),
  });
}

/** A body behind its generic payload header. */
export function genericPayload(next: number, body: Uint8Array): Uint8Array {
  const out = newBytes(4 + body.length);
  out[0] = next;
  put16(out, 2, out.length);
  out.set(body, 4);
  return out;
}

/** One payload of a chain: its type, the byte after next-payload, its body and where its header was. */
export interface ChainEntry {
  type: number;
  reserved: number;
  body: Uint8Array;
  at: number;
}

/** How a module words a chain that runs past its bytes. */
export interface ChainErrors {
  truncated(type: number): string;
  length(type: number, length: number): string;
}

/**
 * Walks generic payload headers from type `first` until next-payload is 0 (or after a payload of type
 * `last`, whose next-payload means something else). Bytes after the final payload are not read.
 */
export function walkChain(
  first: number,
  bytes: Uint8Array,
  errors: ChainErrors,
  last?: number,
): Decoded<ChainEntry[]> {
  const entries: ChainEntry[] = [];
  let type = first;
  let at = 0;
  while (type !== 0) {
    if (at + 4 > bytes.length) return fail(errors.truncated(type));
    const length = u16(bytes, at + 2);
    if (length < 4 || at + length > bytes.length) return fail(errors.length(type, length));
    entries.push({ type, reserved: bytes[at + 1], body: bytes.subarray(at + 4, at + length), at });
    if (type === last) break;
    type = bytes[at];
    at += length;
  }
  return ok(entries);
}
