import { describe } from "./dissect.ts";
import type { Field } from "./field.ts";
import { describePpp } from "./ppp.ts";

/**
 * The field tree of a captured frame: an IPv4 datagram, or with `linktype: "ppp"` a PPP frame from a
 * dial-up line (whose IPv4 payload, if any, is described inside it).
 */
export function describeFrame(bytes: Uint8Array, linktype?: "ppp"): Field[] {
  return linktype === "ppp" ? describePpp(bytes, 0) : describe(bytes);
}
