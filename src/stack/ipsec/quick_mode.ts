/**
 * IKEv1 Quick Mode (RFC 2409 §5.5) under an established ISAKMP SA: HASH(1) SA Ni IDci IDcr
 * [NAT-OAi NAT-OAr], the answer with HASH(2), and HASH(3); then KEYMAT for the two transport-mode
 * ESP SAs of L2TP/IPsec (RFC 3193), UDP-encapsulated behind a NAT (RFC 3947 §5). Functions over an
 * `IkeSa`; each Quick Mode's state is a `QuickMode` in `sa.quick`.
 */
import { bytesEqual } from "../../crypto/index.ts";
import { type Ip4, readIp } from "../../wire/addr.ts";
import {
  encodePayloads,
  EXCHANGE,
  ID_IPV4_ADDR,
  type IsakmpHeader,
  NOTIFY,
  type Payload,
  type PayloadItem,
  PROTO_IPSEC_ESP,
} from "../../wire/isakmp.ts";
import { u32 } from "../../wire/octets.ts";
import { be32, keymat, lastBlock, qmHash1, qmHash2, qmHash3 } from "./derive.ts";
import { type EspKeys, keyMaterialLength, splitKeyMaterial } from "./esp.ts";
import type { IkeSa } from "./ike_sa.ts";
import { peerError, sendNotify } from "./informational.ts";
import {
  afterHash,
  all,
  first,
  ipBytes,
  type Selector,
  selectorText,
  udpIdPayload,
  zeros,
} from "./payloads.ts";
import type { EspProposal } from "./config.ts";
import { acceptedEspProposal, chooseEspProposal, encapMode, espSaPayload } from "./proposals.ts";

type QuickState = "QM1_SENT" | "QM2_SENT" | "DONE" | "FAILED";

/** One Quick Mode's state. */
export interface QuickMode {
  messageId: number;
  initiator: boolean;
  state: QuickState;
  selector: Selector;
  spiIn: number;
  spiOut: number;
  ni: Uint8Array;
  nr: Uint8Array;
  udpEncap: boolean;
  peerOriginal?: { src: Ip4; dst: Ip4 };
  /** The ESP transform chosen (responder) or accepted (initiator). */
  esp?: EspProposal;
}

/** NAT-OA payloads: the initiator's and the responder's address as the sender sees them (RFC 3947 §5.2). */
function natOa(sa: IkeSa, initiatorAddr: Ip4, responderAddr: Ip4): Payload[] {
  if (!sa.natPresent) return [];
  const draft = sa.natT === "draft-02";
  return [
    { kind: "nat-oa", draft, idType: ID_IPV4_ADDR, address: ipBytes(initiatorAddr) },
    { kind: "nat-oa", draft, idType: ID_IPV4_ADDR, address: ipBytes(responderAddr) },
  ];
}

function peerOriginal(items: PayloadItem[], peerIsInitiator: boolean): { src: Ip4; dst: Ip4 } | undefined {
  const oas = all(items, "nat-oa").filter((p) => p.address.length === 4).map((p) => readIp(p.address, 0));
  if (oas.length < 2) return undefined;
  // NAT-OAi is the initiator's address, NAT-OAr the responder's, both as the sender saw them.
  return peerIsInitiator ? { src: oas[0], dst: oas[1] } : { src: oas[1], dst: oas[0] };
}

/** Sends Quick Mode message 1 for `selector`. */
export function startQuickMode(sa: IkeSa, selector: Selector): void {
  const messageId = sa.newMessageId();
  const quick: QuickMode = {
    messageId,
    initiator: true,
    state: "QM1_SENT",
    selector,
    spiIn: sa.host.allocateSpi(),
    spiOut: 0,
    ni: sa.host.rng.bytes(32),
    nr: zeros(0),
    udpEncap: sa.natPresent,
  };
  sa.quick.set(messageId, quick);
  sa.host.log(`initiating Quick Mode for ${selectorText(selector)}`);
  const rest: Payload[] = [
    espSaPayload(sa.config, quick.spiIn, encapMode(sa.natPresent, sa.natT)),
    { kind: "nonce", data: quick.ni },
    udpIdPayload(selector.local),
    udpIdPayload(selector.remote),
    ...natOa(sa, sa.local.ip, sa.remote.ip),
  ];
  const restBytes = encodePayloads(rest).bytes;
  const hash = qmHash1(sa.hashAlg, sa.keys!.a, messageId, restBytes);
  sa.send(messageId, EXCHANGE.QUICK, [{ kind: "hash", data: hash }, ...rest], true, true);
}

/** Handles a Quick Mode message: a peer's message 1, or the next step of one of ours. */
export function quickMode(sa: IkeSa, header: IsakmpHeader, body: Uint8Array, raw: Uint8Array): void {
  const opened = sa.openProtected(header, body);
  if (!opened) return;
  const { items, plaintext } = opened;
  const mid = header.messageId;
  const hash = (items[0].payload as { data: Uint8Array }).data;
  const quick = sa.quick.get(mid);
  const exchange = sa.exchanges.of(mid);
  if (!quick) {
    // Quick Mode message 1 from the initiator.
    const rest = afterHash(plaintext, items);
    if (!bytesEqual(hash, qmHash1(sa.hashAlg, sa.keys!.a, mid, rest))) {
      return sa.host.log(`Quick Mode HASH(1) mismatch in message ID ${mid}: ignored`);
    }
    sa.exchangeIvs.set(mid, lastBlock(body, sa.block));
    exchange.lastReceived = raw;
    respond(sa, mid, items);
    return;
  }
  if (quick.initiator && quick.state === "QM1_SENT") {
    const rest = afterHash(plaintext, items);
    if (!bytesEqual(hash, qmHash2(sa.hashAlg, sa.keys!.a, mid, quick.ni, rest))) {
      return sa.host.log(`Quick Mode HASH(2) mismatch in message ID ${mid}: ignored`);
    }
    const notify = first(items, "notify");
    if (notify) return peerError(sa, notify.notifyType);
    const answer = first(items, "sa");
    const nonce = first(items, "nonce");
    const accepted = answer ? acceptedEspProposal(sa.config, answer.proposals, sa.natPresent) : undefined;
    if (!accepted?.ok || !nonce) {
      sa.exchanges.stop(mid);
      return sa.host.log(
        `Quick Mode reply rejected: ${accepted && !accepted.ok ? accepted.error : "no SA or Nonce"}`,
      );
    }
    exchange.lastReceived = raw;
    sa.exchanges.stop(mid);
    sa.exchangeIvs.set(mid, lastBlock(body, sa.block));
    quick.spiOut = u32(accepted.proposal.spi, 0);
    quick.esp = accepted.chosen;
    quick.nr = nonce.data;
    quick.peerOriginal = peerOriginal(items, false);
    const hash3 = qmHash3(sa.hashAlg, sa.keys!.a, mid, quick.ni, quick.nr);
    sa.send(mid, EXCHANGE.QUICK, [{ kind: "hash", data: hash3 }], true, false);
    quick.state = "DONE";
    childDone(sa, quick);
    return;
  }
  if (!quick.initiator && quick.state === "QM2_SENT") {
    if (!bytesEqual(hash, qmHash3(sa.hashAlg, sa.keys!.a, mid, quick.ni, quick.nr))) {
      return sa.host.log(`Quick Mode HASH(3) mismatch in message ID ${mid}: ignored`);
    }
    exchange.lastReceived = raw;
    sa.exchanges.stop(mid);
    quick.state = "DONE";
    childDone(sa, quick);
  }
}

/** Answers a peer's Quick Mode message 1 with message 2, or refuses it with a Notify. */
function respond(sa: IkeSa, mid: number, items: PayloadItem[]): void {
  const offered = first(items, "sa");
  const nonce = first(items, "nonce");
  const ids = all(items, "id");
  if (!offered || !nonce) return sa.host.log(`Quick Mode message ID ${mid} lacks SA or Nonce: ignored`);
  const choice = chooseEspProposal(sa.config, offered.proposals, sa.natPresent);
  if (!choice.ok) {
    sa.host.log(`no acceptable proposal found in Quick Mode: ${choice.error}`);
    return sendNotify(sa, NOTIFY.NO_PROPOSAL_CHOSEN, true);
  }
  // RFC 3193: L2TP/IPsec protects UDP with port 1701 on the server's side (0 means any port).
  const [idci, idcr] = ids;
  const badId = ids.length === 2 &&
    !(idcr.protocol === 17 && (idcr.port === 1701 || idcr.port === 0) && (idci.protocol === 17));
  if (badId) {
    sa.host.log("Quick Mode traffic selectors are not UDP port 1701 (L2TP): INVALID-ID-INFORMATION");
    return sendNotify(sa, NOTIFY.INVALID_ID_INFORMATION, true);
  }
  // Behind a NAT the initiator's ID carries its private address: transport mode uses the
  // addresses the IKE SA actually runs between instead (as strongSwan and isakmpd do).
  const selector: Selector = {
    local: { ip: sa.local.ip, port: idcr?.port ?? 0 },
    remote: { ip: sa.remote.ip, port: idci?.port ?? 0 },
  };
  const quick: QuickMode = {
    messageId: mid,
    initiator: false,
    state: "QM2_SENT",
    selector,
    spiIn: sa.host.allocateSpi(),
    spiOut: u32(choice.proposal.spi, 0),
    ni: nonce.data,
    nr: sa.host.rng.bytes(32),
    udpEncap: sa.natPresent,
    peerOriginal: peerOriginal(items, true),
    esp: choice.chosen,
  };
  sa.quick.set(mid, quick);
  const chosen: Payload = {
    ...offered,
    proposals: [{ ...choice.proposal, spi: be32(quick.spiIn), transforms: [choice.transform] }],
  };
  const rest: Payload[] = [
    chosen,
    { kind: "nonce", data: quick.nr },
    ...ids.slice(0, 2),
    ...natOa(sa, sa.remote.ip, sa.local.ip),
  ];
  const hash = qmHash2(sa.hashAlg, sa.keys!.a, mid, quick.ni, encodePayloads(rest).bytes);
  sa.send(mid, EXCHANGE.QUICK, [{ kind: "hash", data: hash }, ...rest], true, true);
}

/** Derives both directions' ESP keys (RFC 2409 §5.5 KEYMAT) and hands the pair to the host. */
function childDone(sa: IkeSa, quick: QuickMode): void {
  const esp = quick.esp!;
  const length = keyMaterialLength(esp.encryption, esp.integrity);
  const material = (spi: number) =>
    splitKeyMaterial(
      esp.encryption,
      keymat(sa.hashAlg, sa.keys!.d, PROTO_IPSEC_ESP, be32(spi), quick.ni, quick.nr, length),
    );
  const inbound: EspKeys = {
    spi: quick.spiIn,
    encryption: esp.encryption,
    integrity: esp.integrity,
    ...material(quick.spiIn),
  };
  const outbound: EspKeys = {
    spi: quick.spiOut,
    encryption: esp.encryption,
    integrity: esp.integrity,
    ...material(quick.spiOut),
  };
  sa.host.childEstablished({
    ike: sa,
    messageId: quick.messageId,
    spiIn: quick.spiIn,
    spiOut: quick.spiOut,
    inbound,
    outbound,
    udpEncap: quick.udpEncap,
    selector: quick.selector,
    ...(quick.peerOriginal ? { peerOriginal: quick.peerOriginal } : {}),
  });
}
