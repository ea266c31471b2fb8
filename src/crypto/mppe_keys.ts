/**
 * MPPE keys from MS-CHAPv2 (RFC 3079 §3) and their changes (RFC 3078 §7.3). Everything follows from
 * the NT hash and the NT-Response: whoever learns the hash and saw the handshake has every key.
 */
import { utf8 } from "./bytes.ts";
import { sha1 } from "./hash.ts";
import { hashNtPasswordHash } from "./mschapv2.ts";
import { rc4 } from "./rc4.ts";

const MASTER_MAGIC = utf8("This is the MPPE Master Key");
const CLIENT_SEND_MAGIC = utf8(
  "On the client side, this is the send key; on the server side, it is the receive key.",
);
const CLIENT_RECEIVE_MAGIC = utf8(
  "On the client side, this is the receive key; on the server side, it is the send key.",
);
const SHS_PAD1 = new Uint8Array(40);
const SHS_PAD2 = new Uint8Array(40).fill(0xf2);

/** GetMasterKey: 16 bytes of SHA1(HashNtPasswordHash ‖ NT-Response ‖ magic). */
export function mppeMasterKey(passwordHash: Uint8Array, ntResponse: Uint8Array): Uint8Array {
  return sha1(hashNtPasswordHash(passwordHash), ntResponse, MASTER_MAGIC).subarray(0, 16);
}

/** GetAsymmetricStartKey: the start key for one direction, `length` bytes (8 or 16). */
export function mppeStartKey(master: Uint8Array, length: number, send: boolean, server: boolean): Uint8Array {
  const magic = send === server ? CLIENT_RECEIVE_MAGIC : CLIENT_SEND_MAGIC;
  return sha1(master, SHS_PAD1, magic, SHS_PAD2).subarray(0, length);
}

/** GetNewKeyFromSHA: SHA1(start key ‖ pad1 ‖ current key ‖ pad2), cut to the key length. */
export function mppeNewKeyFromSha(start: Uint8Array, current: Uint8Array): Uint8Array {
  const n = start.length;
  return sha1(start.subarray(0, n), SHS_PAD1, current.subarray(0, n), SHS_PAD2).subarray(0, n);
}

/** 40- and 56-bit keys have their first bytes fixed (RFC 3079 §3.1/3.2): only the rest is secret. */
function reduce(key: Uint8Array, bits: 40 | 56 | 128): Uint8Array {
  const out = key.slice();
  if (bits === 40) out.set([0xd1, 0x26, 0x9e]);
  else if (bits === 56) out[0] = 0xd1;
  return out;
}

/** The first session key of a direction: the start key hashed with itself (no RC4 step yet). */
export function mppeInitialKey(start: Uint8Array, bits: 40 | 56 | 128): Uint8Array {
  return reduce(mppeNewKeyFromSha(start, start), bits);
}

/** The next session key (RFC 3078 §7.3): hash with the start key, then RC4 the result under itself. */
export function mppeNextKey(start: Uint8Array, current: Uint8Array, bits: 40 | 56 | 128): Uint8Array {
  const interim = mppeNewKeyFromSha(start, current);
  return reduce(rc4(interim, interim), bits);
}
