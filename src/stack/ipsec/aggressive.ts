/**
 * IKEv1 Aggressive Mode with a pre-shared key (RFC 2409 §5.4): three messages instead of six.
 * The initiator sends SA, KE, Ni and its identity at once; the responder answers with its choice,
 * KE, Nr, its identity and HASH_R, all in clear; the initiator closes with HASH_I (encrypted here,
 * as charon does). Because HASH_R = prf(prf(PSK, Ni | Nr), ...) travels in clear beside every other
 * input, anyone who captures message 2 can test guesses of the key offline (psk_crack.ts); Main
 * Mode encrypts its hashes under a key from the Diffie-Hellman secret, which an eavesdropper lacks.
 * NAT-D rides in messages 2 and 3 and the initiator floats to 4500 for message 3 (RFC 3947 §3.2, §4).
 * Off unless `aggressive: true`; functions over an `IkeSa`, like main_mode.ts.
 */
import {
  encodePayloadBody,
  EXCHANGE,
  FLAG_ENCRYPTION,
  IKE_PORT,
  type IsakmpHeader,
  type Payload,
  type PayloadItem,
} from "../../wire/isakmp.ts";
import { type DhGroupName, type IpsecConfig } from "./config.ts";
import { dhKeyPair, MODP_GROUPS } from "./dh.ts";
import { lastBlock } from "./derive.ts";
import type { IkeSa } from "./ike_sa.ts";
import { peerError } from "./informational.ts";
import {
  deriveKeys,
  detectNat,
  establish,
  floatOnNat,
  natdPayloads,
  noteVendorIds,
  phase1Id,
  readPhase1,
  refusedBehindNat,
  refuseProposal,
  vendorIds,
} from "./main_mode.ts";
import { peerHashMatches, phase1Hash } from "./phase1_auth.ts";
import { all, type Endpoint, first, itemOf } from "./payloads.ts";
import { acceptedIkeProposal, chooseIkeProposal, ikeSaPayload } from "./proposals.ts";

/**
 * The KE payload goes out with message 1, before the responder chose, so every transform offered
 * must use the group of the first (RFC 2409 §5.4): the others are left out of the offer.
 */
export function aggressiveConfig(config: IpsecConfig): IpsecConfig {
  const group = config.ike.proposals[0].group;
  return {
    ...config,
    ike: { ...config.ike, proposals: config.ike.proposals.filter((p) => p.group === group) },
  };
}

/** The group whose public value is `length` bytes long. */
function groupOfLength(length: number): DhGroupName | undefined {
  return (Object.keys(MODP_GROUPS) as DhGroupName[]).find((g) => MODP_GROUPS[g].length === length);
}

/** Sends Aggressive Mode message 1: SA, KE, Ni, IDii and the Vendor IDs. */
export function startAggressive(sa: IkeSa): void {
  const offer = ikeSaPayload(aggressiveConfig(sa.config));
  sa.ike = sa.config.ike.proposals[0];
  sa.mm.saiB = encodePayloadBody(offer);
  sa.mm.dh = dhKeyPair(MODP_GROUPS[sa.ike.group], sa.host.rng.bytes(32));
  sa.mm.gxi = sa.mm.dh.publicValue;
  sa.mm.ni = sa.host.rng.bytes(32);
  const idii = phase1Id(sa);
  sa.mm.idiB = encodePayloadBody(idii);
  sa.send(
    0,
    EXCHANGE.AGGRESSIVE,
    [
      offer,
      { kind: "ke", data: sa.mm.gxi },
      { kind: "nonce", data: sa.mm.ni },
      idii,
      ...vendorIds(sa),
    ],
    false,
    true,
  );
}

/** Handles an Aggressive Mode message (message 3 arrives encrypted). */
export function aggressiveMode(
  sa: IkeSa,
  header: IsakmpHeader,
  body: Uint8Array,
  raw: Uint8Array,
  from: Endpoint,
): void {
  const encrypted = (header.flags & FLAG_ENCRYPTION) !== 0;
  const items = readPhase1(sa, header, body, {
    mode: "Aggressive Mode",
    hint: "the pre-shared keys may differ",
    failure: "Aggressive Mode message 3 could not be read: pre-shared keys differ?",
  });
  if (!items) return;
  if (sa.initiator) return initiatorStep(sa, header, items, raw);
  if (!sa.exchanges.of(0).lastSent) return firstMessage(sa, items, raw, from);
  if (encrypted) return lastMessage(sa, body, items, raw, from);
  sa.host.log("unencrypted Aggressive Mode message 3: ignored");
}

/** Responder, message 1: choose, compute the keys, answer with HASH_R in clear. */
function firstMessage(sa: IkeSa, items: PayloadItem[], raw: Uint8Array, from: Endpoint): void {
  const offered = first(items, "sa");
  const saItem = itemOf(items, "sa");
  const ke = first(items, "ke");
  const nonce = first(items, "nonce");
  const idItem = itemOf(items, "id");
  if (!offered || !saItem || !ke || !nonce || !idItem) {
    return sa.fail("Aggressive Mode message 1 lacks SA, KE, Nonce or ID");
  }
  noteVendorIds(sa, items);
  // Only a transform in the group the initiator's KE is computed in can be taken.
  const group = groupOfLength(ke.data.length);
  const ours = {
    ...sa.config,
    ike: { ...sa.config.ike, proposals: sa.config.ike.proposals.filter((p) => p.group === group) },
  };
  const choice = chooseIkeProposal(ours.ike.proposals.length ? ours : sa.config, offered.proposals);
  if (!choice.ok || choice.chosen.group !== group) {
    const error = choice.ok
      ? `its KE (${ke.data.length} bytes) is not in the group of the transform we accept, ${choice.chosen.group}`
      : choice.error;
    return refuseProposal(sa, "Aggressive Mode", error);
  }
  sa.ike = choice.chosen;
  sa.mm.saiB = saItem.body.slice();
  sa.mm.idiB = idItem.body.slice();
  sa.mm.peerId = first(items, "id");
  sa.mm.gxi = ke.data;
  sa.mm.ni = nonce.data;
  sa.mm.dh = dhKeyPair(MODP_GROUPS[sa.ike.group], sa.host.rng.bytes(32));
  sa.mm.gxr = sa.mm.dh.publicValue;
  sa.mm.nr = sa.host.rng.bytes(32);
  if (!deriveKeys(sa)) return;
  sa.exchanges.of(0).lastReceived = raw;
  const idir = phase1Id(sa);
  const idirB = encodePayloadBody(idir);
  const hash = phase1Hash(sa, "responder", idirB);
  const chosen: Payload = { ...offered, proposals: [{ ...choice.proposal, transforms: [choice.transform] }] };
  sa.mm.peerAtStart = { ...from };
  // Resent until message 3 arrives: without it the initiator would think the SA up while we do not.
  sa.send(
    0,
    EXCHANGE.AGGRESSIVE,
    [
      chosen,
      { kind: "ke", data: sa.mm.gxr },
      { kind: "nonce", data: sa.mm.nr },
      idir,
      { kind: "hash", data: hash },
      ...vendorIds(sa),
      ...(sa.natT ? natdPayloads(sa) : []),
    ],
    false,
    true,
  );
  sa.host.changed(sa);
}

/** Responder, message 3: HASH_I proves the initiator holds the key. */
function lastMessage(
  sa: IkeSa,
  body: Uint8Array,
  items: PayloadItem[],
  raw: Uint8Array,
  from: Endpoint,
): void {
  const hash = first(items, "hash");
  if (!hash) return sa.fail("Aggressive Mode message 3 lacks HASH");
  if (!peerHashMatches(sa, sa.mm.idiB!, hash.data)) return;
  sa.exchanges.of(0).lastReceived = raw;
  sa.exchanges.stop(0);
  const natds = all(items, "nat-d").map((d) => d.data);
  // NAT-D describes the addresses of message 1; the float to 4500 since then is not a NAT.
  if (sa.natT && natds.length >= 2) {
    detectNat(sa, natds, sa.mm.peerAtStart ?? from, { ip: sa.local.ip, port: IKE_PORT });
  }
  sa.phase1LastBlock = lastBlock(body, sa.block);
  establish(sa, sa.mm.peerId!);
}

/** Initiator, message 2: check the choice and HASH_R, then close with HASH_I. */
function initiatorStep(sa: IkeSa, header: IsakmpHeader, items: PayloadItem[], raw: Uint8Array): void {
  const notify = first(items, "notify");
  if (notify) return peerError(sa, notify.notifyType);
  if (sa.state !== "AM_SENT") return;
  const answer = first(items, "sa");
  const chosen = answer && acceptedIkeProposal(aggressiveConfig(sa.config), answer.proposals);
  if (!chosen) return sa.fail("the responder chose a proposal we did not offer");
  const ke = first(items, "ke");
  const nonce = first(items, "nonce");
  const idItem = itemOf(items, "id");
  const hash = first(items, "hash");
  if (!ke || !nonce || !idItem || !hash) {
    return sa.fail("Aggressive Mode message 2 lacks KE, Nonce, ID or HASH");
  }
  sa.ike = chosen;
  sa.exchanges.of(0).lastReceived = raw;
  sa.rcookie = header.responderCookie.slice();
  noteVendorIds(sa, items);
  sa.mm.gxr = ke.data;
  sa.mm.nr = nonce.data;
  if (!deriveKeys(sa)) return;
  if (!peerHashMatches(sa, idItem.body, hash.data)) return;
  const natds = all(items, "nat-d").map((d) => d.data);
  if (sa.natT && natds.length >= 2) detectNat(sa, natds, sa.remote);
  if (refusedBehindNat(sa)) return;
  // NAT-D for message 3 describes the ports of the exchange so far, so it is built before the float.
  const natd = sa.natT && natds.length >= 2 ? natdPayloads(sa) : [];
  floatOnNat(sa);
  const hashIb = phase1Hash(sa, "initiator", sa.mm.idiB!);
  sa.exchanges.stop(0);
  const sent = sa.send(0, EXCHANGE.AGGRESSIVE, [{ kind: "hash", data: hashIb }, ...natd], true, false);
  sa.phase1LastBlock = lastBlock(sent.subarray(28), sa.block);
  establish(sa, first(items, "id")!);
}
