/**
 * SA payloads of IKEv2 (RFC 7296 §3.3): each configured proposal becomes one Proposal substructure
 * with one transform of each type, and the responder picks, in the initiator's order, the first offered
 * proposal that holds every transform of one of its own (what charon does with a peer's list when it
 * prefers the peer's order). The answer carries exactly the chosen transforms.
 */
import { ESP_AUTHS, ESP_CIPHERS, type EspProposal } from "../ipsec/config.ts";
import { espProposalText } from "../ipsec/proposal_text.ts";
import { type Payload, type Proposal, PROTO, T, type Transform } from "../../wire/ikev2.ts";
import {
  IKEV2_CIPHERS,
  IKEV2_GROUPS,
  IKEV2_INTEGS,
  IKEV2_PRFS,
  type Ikev2Proposal,
  ikev2ProposalText,
} from "./config.ts";

/** ESP integrity transform ids in IKEv2 (RFC 7296 §3.3.2; RFC 4868 for SHA-256). */
const ESP_INTEG_ID: Record<string, number> = { "hmac-sha1-96": 2, "hmac-sha256-128": 12 };

/** The transforms of one IKE proposal. */
export function ikeTransforms(p: Ikev2Proposal): Transform[] {
  const cipher = IKEV2_CIPHERS[p.encryption];
  return [
    { type: T.ENCR, id: cipher.id, keyLength: cipher.keyBits },
    { type: T.PRF, id: IKEV2_PRFS[p.prf].id },
    ...(p.integrity ? [{ type: T.INTEG, id: IKEV2_INTEGS[p.integrity].id }] : []),
    { type: T.DH, id: IKEV2_GROUPS[p.group] },
  ];
}

/** The transforms of one ESP proposal (no extended sequence numbers). */
export function espTransforms(p: EspProposal): Transform[] {
  const cipher = ESP_CIPHERS[p.encryption];
  return [
    { type: T.ENCR, id: cipher.transformId, ...(cipher.keyBits ? { keyLength: cipher.keyBits } : {}) },
    ...(cipher.aead ? [] : [{ type: T.INTEG, id: ESP_INTEG_ID[p.integrity] }]),
    { type: T.ESN, id: 0 },
  ];
}

/** An SA payload offering `proposals` (an 8-byte SPI for a new IKE SA, 4 for ESP, none for the first IKE SA). */
export function saPayload<X>(
  protocol: number,
  proposals: X[],
  transforms: (x: X) => Transform[],
  spi: Uint8Array,
): Payload {
  return {
    type: 33,
    proposals: proposals.map((x, i) => ({ num: i + 1, protocol, spi, transforms: transforms(x) })),
  };
}

const same = (a: Transform, b: Transform) =>
  a.type === b.type && a.id === b.id && a.keyLength === b.keyLength;

/** Whether `offered` holds every transform of `wanted` (and offers nothing of a type we do not use but must). */
function holds(offered: Proposal, wanted: Transform[]): boolean {
  return wanted.every((w) => offered.transforms.some((t) => same(t, w)));
}

export type Choice<X> = { ok: true; chosen: X; proposal: Proposal } | { ok: false; error: string };

function transformName(t: Transform): string {
  const names: Record<number, Record<number, string>> = {
    [T.ENCR]: { 3: "3des", 12: "aes", 20: "aesgcm16" },
    [T.PRF]: { 2: "prfsha1", 5: "prfsha256", 7: "prfsha512" },
    [T.INTEG]: { 2: "sha1", 12: "sha256", 14: "sha512" },
    [T.DH]: { 2: "modp1024", 14: "modp2048", 19: "ecp256", 31: "curve25519" },
    [T.ESN]: { 0: "noesn", 1: "esn" },
  };
  const name = names[t.type]?.[t.id] ?? `${t.type}#${t.id}`;
  return t.keyLength ? name.replace(/^aes/, `aes${t.keyLength}`) : name;
}

/** An offered proposal in strongSwan-like words, for refusals. */
export function proposalText(p: Proposal): string {
  return p.transforms.map(transformName).join("-");
}

/** The responder's pick: in the initiator's order, the first offered proposal holding one of ours. */
export function choose<X>(
  protocol: number,
  ours: X[],
  transforms: (x: X) => Transform[],
  text: (x: X) => string,
  offered: Proposal[],
): Choice<X> {
  for (const proposal of offered) {
    if (proposal.protocol !== protocol) continue;
    for (const x of ours) if (holds(proposal, transforms(x))) return { ok: true, chosen: x, proposal };
  }
  return {
    ok: false,
    error: `offered ${offered.map(proposalText).join(", ") || "nothing"}; we accept ${
      ours.map(text).join(", ")
    }`,
  };
}

/** The answer to a choice: the chosen transforms only, under the offered proposal's number. */
export function answerPayload<X>(
  choice: { chosen: X; proposal: Proposal },
  transforms: (x: X) => Transform[],
  spi: Uint8Array,
): Payload {
  return {
    type: 33,
    proposals: [{
      num: choice.proposal.num,
      protocol: choice.proposal.protocol,
      spi,
      transforms: transforms(choice.chosen),
    }],
  };
}

/** The initiator's check of an answer: one proposal, exactly one of the ones it offered. */
export function accepted<X>(
  protocol: number,
  ours: X[],
  transforms: (x: X) => Transform[],
  answer: Proposal[],
): { chosen: X; proposal: Proposal } | undefined {
  if (answer.length !== 1 || answer[0].protocol !== protocol) return undefined;
  const got = answer[0];
  const chosen = ours.find((x) => {
    const want = transforms(x);
    return want.length === got.transforms.length && holds(got, want);
  });
  return chosen ? { chosen, proposal: got } : undefined;
}

export const ikeChoice = (ours: Ikev2Proposal[], offered: Proposal[]) =>
  choose(PROTO.IKE, ours, ikeTransforms, ikev2ProposalText, offered);
export const espChoice = (ours: EspProposal[], offered: Proposal[]) =>
  choose(PROTO.ESP, ours, espTransforms, espProposalText, offered);

/** The ESP integrity key length, 0 for AEAD (for tables). */
export function espIntegrityName(p: EspProposal): string {
  return ESP_CIPHERS[p.encryption].aead ? "NULL" : ESP_AUTHS[p.integrity].wireshark;
}
