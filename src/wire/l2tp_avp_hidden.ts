import { hideAvp, unhideAvp } from "../crypto/auth.ts";
import type { Secret } from "../crypto/bytes.ts";
import { type Avp, AVP_SPECS, avpAttrType, avpName, decodeAvpValue, encodeAvpValue } from "./l2tp_avp.ts";
import { type Decoded, fail, ok } from "./field.ts";

/**
 * Hidden AVPs (RFC 2661 §4.3): concealing a typed AVP with the tunnel secret, and revealing it again.
 * Apart from the codec because only endpoints that hold the secret need it.
 */

/**
 * Hides a typed AVP (§4.3) with the tunnel secret and the Random Vector that precedes it in the
 * message. `padding` (caller-chosen bytes, for reproducibility) conceals the value's length.
 */
export function concealAvp(avp: Avp, secret: Secret, randomVector: Uint8Array, padding?: Uint8Array): Avp {
  const attrType = avpAttrType(avp);
  const spec = avp.type === "hidden" || avp.type === "raw" ? undefined : AVP_SPECS[avp.type];
  return {
    type: "hidden",
    attrType,
    value: hideAvp(attrType, encodeAvpValue(avp), secret, randomVector, padding),
    mandatory: avp.mandatory ?? spec?.mandatory ?? false,
  };
}

/** Reveals one hidden AVP into its typed record. */
export function revealAvp(
  avp: Extract<Avp, { type: "hidden" }>,
  secret: Secret,
  randomVector: Uint8Array,
): Decoded<Avp> {
  const value = unhideAvp(avp.attrType, avp.value, secret, randomVector);
  if (!value.ok) return fail(`hidden AVP ${avpName(avp.attrType)}: ${value.error}`);
  return decodeAvpValue(avp.attrType, value.value, avp.mandatory ?? false);
}

/**
 * Reveals every hidden AVP of a message, each with the Random Vector most recently seen before it
 * (§4.3: a Random Vector applies to the hidden AVPs that follow it).
 */
export function revealAvps(avps: Avp[], secret: Secret): Decoded<Avp[]> {
  let vector: Uint8Array | undefined;
  const out: Avp[] = [];
  for (const avp of avps) {
    if (avp.type === "randomVector") vector = avp.vector;
    if (avp.type !== "hidden") {
      out.push(avp);
      continue;
    }
    if (!vector) return fail(`hidden AVP ${avpName(avp.attrType)} without a preceding Random Vector`);
    const revealed = revealAvp(avp, secret, vector);
    if (!revealed.ok) return revealed;
    out.push(revealed.value);
  }
  return ok(out);
}
