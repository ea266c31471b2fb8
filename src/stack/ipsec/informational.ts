/**
 * IKEv1 Informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7): Notify and Delete payloads, sent in
 * clear before keys exist and under HASH(1) with the SA's keys afterwards. Functions over an `IkeSa`.
 */
import { bytesEqual, concatBytes } from "../../crypto/index.ts";
import {
  decodePayloads,
  encodeIsakmp,
  encodePayloads,
  EXCHANGE,
  FLAG_ENCRYPTION,
  type IsakmpHeader,
  NOTIFY,
  type Payload,
  type PayloadItem,
  PROTO_ISAKMP,
} from "../../wire/isakmp.ts";
import { exchangeIv, infoHash } from "./derive.ts";
import type { IkeSa } from "./ike_sa.ts";
import { afterHash, all, zeros } from "./payloads.ts";

/** Handles an Informational message from the peer. */
export function informational(sa: IkeSa, header: IsakmpHeader, body: Uint8Array): void {
  let items: PayloadItem[];
  if (header.flags & FLAG_ENCRYPTION) {
    const opened = sa.openProtected(header, body);
    if (!opened) return;
    items = opened.items;
    const rest = afterHash(opened.plaintext, items);
    const hash = (items[0].payload as { data: Uint8Array }).data;
    if (!bytesEqual(hash, infoHash(sa.hashAlg, sa.keys!.a, header.messageId, rest))) {
      return sa.host.log("Informational HASH mismatch: ignored");
    }
  } else {
    const parsed = decodePayloads(header.nextPayload, body);
    if (!parsed.ok) return sa.host.log(`Informational message parsing failed: ${parsed.error}`);
    items = parsed.value;
  }
  for (const notify of all(items, "notify")) peerError(sa, notify.notifyType);
  for (const del of all(items, "delete")) {
    sa.host.log(`received DELETE for ${del.protocol === PROTO_ISAKMP ? "IKE_SA" : "CHILD_SA"}`);
  }
}

/** A Notify from the peer: error types (below 16384) end the SA. */
export function peerError(sa: IkeSa, type: number): void {
  const names: Record<number, string> = {
    [NOTIFY.NO_PROPOSAL_CHOSEN]: "NO_PROPOSAL_CHOSEN",
    [NOTIFY.AUTHENTICATION_FAILED]: "AUTHENTICATION_FAILED",
    [NOTIFY.INVALID_ID_INFORMATION]: "INVALID_ID_INFORMATION",
  };
  const name = names[type] ?? `notify type ${type}`;
  sa.host.log(`received ${name} error notify`);
  if (type < 16384) sa.fail(`peer sent ${name}`);
}

/** An Informational exchange with one Notify; encrypted once keys exist (RFC 2409 §5.7). */
export function sendNotify(sa: IkeSa, type: number, encrypted: boolean): void {
  const notify: Payload = {
    kind: "notify",
    doi: 1,
    protocol: PROTO_ISAKMP,
    spi: concatBytes(sa.icookie, sa.rcookie),
    notifyType: type,
    data: zeros(0),
  };
  const mid = encrypted && sa.keys ? sa.newMessageId() : 0;
  if (!encrypted || !sa.keys) {
    sa.host.sendIke(
      sa,
      encodeIsakmp({
        initiatorCookie: sa.icookie,
        responderCookie: sa.rcookie,
        exchange: EXCHANGE.INFORMATIONAL,
        flags: 0,
        messageId: 0,
      }, [notify]),
    );
    return;
  }
  const hash = infoHash(sa.hashAlg, sa.keys.a, mid, encodePayloads([notify]).bytes);
  const iv = sa.established
    ? exchangeIv(sa.hashAlg, sa.phase1LastBlock, mid, sa.block)
    // During Main Mode the phase-1 IV chain is the only one both sides know.
    : sa.iv;
  sa.exchangeIvs.set(mid, iv);
  sa.send(mid, EXCHANGE.INFORMATIONAL, [{ kind: "hash", data: hash }, notify], true, false);
}
