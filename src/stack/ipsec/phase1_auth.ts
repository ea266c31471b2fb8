/**
 * The proof of phase 1 with a pre-shared key (RFC 2409 §5): HASH_I and HASH_R over the values an
 * `IkeSa` has gathered, and their check on receipt. Main and Aggressive Mode differ only in when the
 * hashes travel (encrypted in messages 5 and 6, or HASH_R in clear in message 2), not in what they are.
 */
import { bytesEqual } from "../../crypto/index.ts";
import { NOTIFY } from "../../wire/isakmp.ts";
import { hashI, hashR } from "./derive.ts";
import type { IkeSa } from "./ike_sa.ts";
import { sendNotify } from "./informational.ts";

/** HASH_I (the initiator's) or HASH_R (the responder's), over the sender's ID payload body `idB`. */
export function phase1Hash(sa: IkeSa, of: "initiator" | "responder", idB: Uint8Array): Uint8Array {
  const prf = of === "initiator" ? hashI : hashR;
  return prf(sa.hashAlg, sa.keys!.skeyid, sa.mm.gxi, sa.mm.gxr, sa.icookie, sa.rcookie, sa.mm.saiB, idB);
}

/**
 * Whether the peer's hash proves it holds our key. When it does not, the SA fails; a responder also
 * tells the initiator AUTHENTICATION-FAILED, as charon does (an initiator has no one left to tell).
 */
export function peerHashMatches(sa: IkeSa, idB: Uint8Array, received: Uint8Array): boolean {
  const peer = sa.initiator ? "responder" : "initiator";
  if (bytesEqual(phase1Hash(sa, peer, idB), received)) return true;
  if (peer === "initiator") {
    sa.host.log("HASH_I does not match: the pre-shared keys differ (AUTHENTICATION-FAILED)");
    sendNotify(sa, NOTIFY.AUTHENTICATION_FAILED, true);
    sa.fail("authentication failed: pre-shared key mismatch");
  } else {
    sa.host.log("HASH_R does not match: the pre-shared keys differ");
    sa.fail("authentication of the responder failed");
  }
  return false;
}
