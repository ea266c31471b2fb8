/**
 * IKEv1 Informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7): Notify and Delete payloads, sent in
 * clear before keys exist and under HASH(1) with the SA's keys afterwards; DPD's R-U-THERE and its
 * ACK ride in them too (RFC 3706). Functions over an `IkeSa`.
 */
import { bytesEqual, concatBytes, toHex } from "../../crypto/index.ts";
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
  PROTO_IPSEC_ESP,
  PROTO_ISAKMP,
} from "../../wire/isakmp.ts";
import { u32 } from "../../wire/octets.ts";
import { be32, exchangeIv, infoHash } from "./derive.ts";
import type { IkeSa } from "./ike_sa.ts";
import { afterHash, all, selectorText, zeros } from "./payloads.ts";

/** The reason a peer's DELETE for the ISAKMP SA gives; its pairs then move to a newer SA if there is one. */
export const DELETED_BY_PEER = "deleted by the peer (DELETE)";

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
  const encrypted = (header.flags & FLAG_ENCRYPTION) !== 0;
  for (const notify of all(items, "notify")) {
    if (encrypted && notify.notifyType === NOTIFY.R_U_THERE) sa.dpd.answer(notify.data);
    else if (encrypted && notify.notifyType === NOTIFY.R_U_THERE_ACK) sa.dpd.acknowledged(notify.data);
    else peerError(sa, notify.notifyType);
  }
  // An unauthenticated DELETE could end anyone's SA: only the encrypted kind counts (RFC 2408 §4.8).
  for (const del of all(items, "delete")) {
    if (!encrypted) {
      sa.host.log("ignoring an unencrypted DELETE");
      continue;
    }
    if (del.protocol === PROTO_ISAKMP) {
      sa.host.log("received DELETE for IKE_SA");
      sa.close(DELETED_BY_PEER);
      return;
    }
    if (del.protocol === PROTO_IPSEC_ESP) {
      for (const spi of del.spis.filter((s) => s.length === 4)) {
        sa.host.log(`received DELETE for ESP CHILD_SA with SPI ${toHex(spi)}`);
        sa.host.childDeleted(sa, u32(spi, 0));
      }
    }
  }
}

const NOTIFY_NAMES: Record<number, string> = {
  [NOTIFY.NO_PROPOSAL_CHOSEN]: "NO_PROPOSAL_CHOSEN",
  [NOTIFY.AUTHENTICATION_FAILED]: "AUTHENTICATION_FAILED",
  [NOTIFY.INVALID_ID_INFORMATION]: "INVALID_ID_INFORMATION",
};

/**
 * A Notify from the peer. Error types (below 16384) end Main Mode; once the ISAKMP SA is up they
 * concern a Quick Mode, which fails alone while the ISAKMP SA stays (as charon does).
 */
export function peerError(sa: IkeSa, type: number): void {
  const name = NOTIFY_NAMES[type] ?? `notify type ${type}`;
  sa.host.log(`received ${name} error notify`);
  if (type >= 16384) return;
  if (!sa.established) return sa.fail(`peer sent ${name}`);
  for (const quick of sa.quick.values()) {
    // Our Quick Mode waiting for an answer, or one we answered whose HASH(3) will not come.
    if (quick.state !== "QM1_SENT" && quick.state !== "QM2_SENT") continue;
    quick.state = "FAILED";
    sa.exchanges.stop(quick.messageId);
    sa.host.log(
      `Quick Mode for ${selectorText(quick.selector)} failed: peer sent ${name}; the IKE_SA stays up`,
    );
  }
}

/** An encrypted Informational exchange of an established SA carrying `payloads` under HASH(1). */
export function sendInformational(sa: IkeSa, payloads: Payload[]): void {
  if (!sa.keys) return;
  const mid = sa.newMessageId();
  const hash = infoHash(sa.hashAlg, sa.keys.a, mid, encodePayloads(payloads).bytes);
  sa.send(mid, EXCHANGE.INFORMATIONAL, [{ kind: "hash", data: hash }, ...payloads], true, false);
}

/** Tells the peer that SAs are gone: ESP SAs by our inbound SPIs, or the ISAKMP SA itself. */
export function sendDelete(sa: IkeSa, what: { esp: number[] } | "isakmp"): void {
  const payload: Payload = what === "isakmp"
    ? {
      kind: "delete",
      doi: 1,
      protocol: PROTO_ISAKMP,
      spiSize: 16,
      spis: [concatBytes(sa.icookie, sa.rcookie)],
    }
    : { kind: "delete", doi: 1, protocol: PROTO_IPSEC_ESP, spiSize: 4, spis: what.esp.map(be32) };
  sendInformational(sa, [payload]);
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
