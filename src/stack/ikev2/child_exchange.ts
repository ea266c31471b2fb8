/**
 * CREATE_CHILD_SA (RFC 7296 §1.3): rekeying a CHILD_SA (§1.3.3: REKEY_SA notify naming the old
 * pair, fresh nonces, new SPIs; traffic moves to the new pair, then the old one is deleted, §2.8) and
 * rekeying the IKE SA itself (§1.3.2: new SPIs and a new DH exchange, SKEYSEED from the old SK_d,
 * §2.18; the CHILD_SAs move to the new IKE SA and the old one is deleted). Only the IKE SA's
 * original initiator (the road warrior) starts rekeys here, so the two sides never collide (§2.8.1).
 */
import { type Ikev2Header, N, P, type Payload, PROTO, X } from "../../wire/ikev2.ts";
import { hexNum } from "../../wire/octets.ts";
import { IKEV2_GROUPS, ikev2ProposalText } from "./config.ts";
import type { ExchangeHost } from "./exchange_host.ts";
import {
  be32,
  childAnswer,
  errorNotify,
  find,
  findNotify,
  ikev2Keys,
  notify,
  notifyName,
  spiOf,
} from "./handshake.ts";
import { dhPair, Ikev2Sa } from "./ike_sa.ts";
import { childKeys, deriveIkeKeys, rekeySkeyseed } from "./keys.ts";
import { accepted, answerPayload, espTransforms, ikeChoice, ikeTransforms, saPayload } from "./proposals.ts";
import { deleteChild, deleteIke } from "./informational.ts";
import type { Child } from "./tunnel.ts";

const NONCE_LENGTH = 32;

/** Rekeys `old` (ours to rekey: we initiated the IKE SA). */
export function rekeyChild(host: ExchangeHost, sa: Ikev2Sa, old: Child): void {
  const spi = host.allocateSpi();
  const ni = host.rng.bytes(NONCE_LENGTH);
  host.log(`rekeying CHILD_SA with SPIs ${hexNum(old.spiIn, 8)}_i ${hexNum(old.spiOut, 8)}_o`);
  sa.request(X.CREATE_CHILD_SA, () => [
    notify(N.REKEY_SA, new Uint8Array(0), PROTO.ESP, be32(old.spiIn)),
    saPayload(PROTO.ESP, host.config.esp.proposals, espTransforms, be32(spi)),
    { type: P.NONCE, data: ni },
    { type: P.TSI, selectors: old.local },
    { type: P.TSR, selectors: old.remote },
  ], (payloads) => {
    const error = errorNotify(payloads);
    if (error !== undefined) return host.log(`CHILD_SA rekey refused: ${notifyName(error)}`);
    const answer = find(payloads, P.SA);
    const nonce = find(payloads, P.NONCE);
    const tsi = find(payloads, P.TSI);
    const tsr = find(payloads, P.TSR);
    const choice = answer && accepted(PROTO.ESP, host.config.esp.proposals, espTransforms, answer.proposals);
    if (!choice || !nonce || !tsi || !tsr || choice.proposal.spi.length !== 4) {
      return host.log("CREATE_CHILD_SA response is not an acceptable CHILD_SA");
    }
    const keys = childKeys(sa.proposal!.prf, sa.keys!.d, choice.chosen, ni, nonce.data);
    host.installChild(sa, {
      proposal: choice.chosen,
      spiIn: spi,
      spiOut: spiOf(choice.proposal.spi),
      outKeys: keys.i2r,
      inKeys: keys.r2i,
      local: tsi.selectors,
      remote: tsr.selectors,
    }, old);
    deleteChild(host, sa, old);
  });
}

/** Rekeys the IKE SA: a new one with new SPIs and keys takes over its CHILD_SAs; the old is deleted. */
export function rekeyIke(host: ExchangeHost, sa: Ikev2Sa): void {
  const proposal = sa.proposal!;
  const spiI = host.ikeSpi();
  const ni = host.rng.bytes(NONCE_LENGTH);
  const dh = dhPair(proposal.group, host.rng);
  host.log(`rekeying IKE_SA ${hexSpi(sa)}`);
  sa.request(X.CREATE_CHILD_SA, () => [
    saPayload(PROTO.IKE, [proposal], ikeTransforms, spiI),
    { type: P.NONCE, data: ni },
    { type: P.KE, group: IKEV2_GROUPS[proposal.group], data: dh.publicValue },
  ], (payloads) => {
    const error = errorNotify(payloads);
    if (error !== undefined) return host.log(`IKE_SA rekey refused: ${notifyName(error)}`);
    const answer = find(payloads, P.SA);
    const nonce = find(payloads, P.NONCE);
    const ke = find(payloads, P.KE);
    const choice = answer && accepted(PROTO.IKE, [proposal], ikeTransforms, answer.proposals);
    const gir = ke && ke.group === IKEV2_GROUPS[proposal.group] ? dh.shared(ke.data) : null;
    if (!choice || !nonce || !gir || choice.proposal.spi.length !== 8) {
      return host.log("CREATE_CHILD_SA response is not an acceptable IKE SA");
    }
    const fresh = successor(host, sa, true, spiI, choice.proposal.spi, ni, nonce.data, gir);
    deleteIke(host, sa, `rekeyed by ${hexSpi(fresh)}`, true);
  });
}

/** The new IKE SA of a rekey, keys from the old SK_d; the CHILD_SAs move over to it. */
function successor(
  host: ExchangeHost,
  old: Ikev2Sa,
  initiator: boolean,
  spiI: Uint8Array,
  spiR: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  gir: Uint8Array,
): Ikev2Sa {
  const fresh = new Ikev2Sa(host, initiator, spiI, old.local, old.remote);
  fresh.spiR = spiR.slice();
  fresh.proposal = old.proposal;
  fresh.ni = ni;
  fresh.nr = nr;
  fresh.keys = deriveIkeKeys(
    old.proposal!,
    rekeySkeyseed(old.proposal!.prf, old.keys!.d, gir, ni, nr),
    ni,
    nr,
    spiI,
    spiR,
  );
  fresh.natLocal = old.natLocal;
  fresh.natRemote = old.natRemote;
  fresh.floated = old.floated;
  fresh.peerId = old.peerId;
  fresh.vip = old.vip;
  fresh.dns = old.dns;
  fresh.state = "ESTABLISHED";
  fresh.children = old.children;
  for (const child of fresh.children) child.owner = fresh;
  old.children = [];
  old.state = "REKEYED";
  old.replacedBy = fresh;
  host.adopt(fresh);
  host.log(`IKE_SA ${hexSpi(old)} rekeyed to ${hexSpi(fresh)}`, { ikev2: ikev2Keys(fresh) });
  host.ikeEstablished(fresh, old);
  host.changed(old);
  return fresh;
}

function hexSpi(sa: Ikev2Sa): string {
  return `${[...sa.spiI].map((b) => b.toString(16).padStart(2, "0")).join("")}_i`;
}

/** Answers a CREATE_CHILD_SA request: a CHILD_SA rekey, a new CHILD_SA, or an IKE SA rekey. */
export function respondCreateChild(
  host: ExchangeHost,
  sa: Ikev2Sa,
  payloads: Payload[],
  header: Ikev2Header,
): void {
  const mid = header.messageId;
  const offer = find(payloads, P.SA);
  const nonce = find(payloads, P.NONCE);
  if (!offer || !nonce) return void sa.respond(X.CREATE_CHILD_SA, mid, [notify(N.INVALID_SYNTAX)]);
  const nr = host.rng.bytes(NONCE_LENGTH);
  if (offer.proposals[0]?.protocol === PROTO.IKE) {
    const choice = ikeChoice(host.config.ike.proposals, offer.proposals);
    const ke = find(payloads, P.KE);
    if (!choice.ok || choice.proposal.spi.length !== 8 || !ke) {
      return void sa.respond(X.CREATE_CHILD_SA, mid, [notify(N.NO_PROPOSAL_CHOSEN)]);
    }
    const group = IKEV2_GROUPS[choice.chosen.group];
    if (ke.group !== group) {
      return void sa.respond(X.CREATE_CHILD_SA, mid, [
        notify(N.INVALID_KE_PAYLOAD, Uint8Array.of(group >> 8, group & 0xff)),
      ]);
    }
    const dh = dhPair(choice.chosen.group, host.rng);
    const gir = dh.shared(ke.data);
    if (!gir || !sameProposal(sa, choice.chosen)) {
      return void sa.respond(X.CREATE_CHILD_SA, mid, [notify(N.NO_PROPOSAL_CHOSEN)]);
    }
    const spiR = host.ikeSpi();
    sa.respond(X.CREATE_CHILD_SA, mid, [
      answerPayload(choice, ikeTransforms, spiR),
      { type: P.NONCE, data: nr },
      { type: P.KE, group, data: dh.publicValue },
    ]);
    host.log(`IKE_SA rekey requested; selected proposal: IKE:${ikev2ProposalText(choice.chosen)}`);
    successor(host, sa, false, choice.proposal.spi, spiR, nonce.data, nr, gir);
    return;
  }
  const tsi = find(payloads, P.TSI);
  const tsr = find(payloads, P.TSR);
  if (!tsi || !tsr) return void sa.respond(X.CREATE_CHILD_SA, mid, [notify(N.INVALID_SYNTAX)]);
  const rekey = findNotify(payloads, N.REKEY_SA);
  let old: Child | undefined;
  if (rekey) {
    const spi = rekey.spi.length === 4 ? spiOf(rekey.spi) : -1;
    old = sa.children.find((c) => c.spiOut === spi);
    if (!old) {
      host.log(`CHILD_SA to rekey (SPI ${hexNum(spi >>> 0, 8)}) not found`);
      return void sa.respond(X.CREATE_CHILD_SA, mid, [notify(N.NO_PROPOSAL_CHOSEN)]);
    }
    host.log(
      `rekeying CHILD_SA with SPIs ${hexNum(old.spiIn, 8)}_i ${
        hexNum(old.spiOut, 8)
      }_o at the peer's request`,
    );
  }
  const answer = childAnswer(
    host,
    sa,
    offer.proposals,
    tsi.selectors,
    tsr.selectors,
    nonce.data,
    nr,
    [],
    old,
  );
  const nonceAt = answer.install ? 1 : answer.payloads.length;
  answer.payloads.splice(nonceAt, 0, { type: P.NONCE, data: nr });
  sa.respond(X.CREATE_CHILD_SA, mid, answer.payloads);
  answer.install?.();
}

function sameProposal(sa: Ikev2Sa, p: typeof sa.proposal): boolean {
  const a = sa.proposal!;
  return !!p && a.encryption === p.encryption && a.integrity === p.integrity && a.prf === p.prf &&
    a.group === p.group;
}
