import { type Decoded, fail, ok } from "../wire/field.ts";
import { type Secret, secretBytes } from "./bytes.ts";
import { md5 } from "./hash.ts";

/** The MD5 output length, which is also the hiding block size of RFC 2661 §4.3. */
const MD5_LENGTH = 16;

/** CHAP-MD5 Response value (RFC 1994 §4.1): MD5(Identifier ‖ secret ‖ Challenge). */
export function chapResponse(id: number, secret: Secret, challenge: Uint8Array): Uint8Array {
  return md5(Uint8Array.of(id & 0xff), secretBytes(secret), challenge);
}

/**
 * L2TP tunnel authentication (RFC 2661 §5.1.1): MD5(message type ‖ secret ‖ peer's Challenge), the
 * one-byte message type being that of the message carrying the response (2 in SCCRP, 3 in SCCCN).
 */
export function l2tpChallengeResponse(
  messageType: number,
  secret: Secret,
  challenge: Uint8Array,
): Uint8Array {
  return md5(Uint8Array.of(messageType & 0xff), secretBytes(secret), challenge);
}

function xorStream(
  attrType: number,
  input: Uint8Array,
  secret: Uint8Array,
  randomVector: Uint8Array,
  encrypting: boolean,
): Uint8Array {
  const out = new Uint8Array(input.length);
  // b1 = MD5(type ‖ secret ‖ RV); each later b_i = MD5(secret ‖ c_(i-1)), chaining on the ciphertext.
  let block = md5(Uint8Array.of(attrType >>> 8, attrType & 0xff), secret, randomVector);
  for (let at = 0; at < input.length; at += MD5_LENGTH) {
    const end = Math.min(at + MD5_LENGTH, input.length);
    for (let i = at; i < end; i++) out[i] = input[i] ^ block[i - at];
    const cipherChunk = encrypting ? out.subarray(at, end) : input.subarray(at, end);
    block = md5(secret, cipherChunk);
  }
  return out;
}

/**
 * Hides an AVP value (RFC 2661 §4.3): the hidden subformat u16 original length ‖ value ‖ padding,
 * XORed with the MD5 stream keyed by the attribute type, the tunnel secret and the Random Vector most
 * recently sent in the same message. `padding` (optional, to conceal the length) comes from the caller.
 */
export function hideAvp(
  attrType: number,
  value: Uint8Array,
  secret: Secret,
  randomVector: Uint8Array,
  padding: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const plain = new Uint8Array(2 + value.length + padding.length);
  plain[0] = value.length >>> 8;
  plain[1] = value.length & 0xff;
  plain.set(value, 2);
  plain.set(padding, 2 + value.length);
  return xorStream(attrType, plain, secretBytes(secret), randomVector, true);
}

/** Reverses `hideAvp`; fails when the recovered original length does not fit (wrong secret or vector). */
export function unhideAvp(
  attrType: number,
  hidden: Uint8Array,
  secret: Secret,
  randomVector: Uint8Array,
): Decoded<Uint8Array> {
  if (hidden.length < 2) return fail(`hidden AVP value of ${hidden.length} bytes has no original length`);
  const plain = xorStream(attrType, hidden, secretBytes(secret), randomVector, false);
  const length = (plain[0] << 8) | plain[1];
  if (length > plain.length - 2) {
    return fail(
      `hidden AVP original length ${length} exceeds the ${plain.length - 2} bytes carried (wrong secret?)`,
    );
  }
  return ok(plain.subarray(2, 2 + length));
}
