/**
 * What this side offers and what it accepts: the phase-1 (ISAKMP) and Quick Mode (ESP) SA payloads
 * built from the configured proposal lists, and the choice among a peer's offers (RFC 2409 App. A,
 * RFC 2407 §4.5, RFC 3947 §5.1). The responder takes the first of the initiator's transforms, in the
 * initiator's order, that matches one of its own exactly, key length included; it answers with that
 * one proposal and transform (RFC 2408 §4.2). Pure functions of the configuration and the payloads.
 */
import { SECOND } from "../../engine/time.ts";
import {
  type Attribute,
  type Payload,
  type Proposal,
  PROTO_IPSEC_ESP,
  PROTO_ISAKMP,
  type Transform,
} from "../../wire/isakmp.ts";
import {
  DH_GROUP_ATTR,
  ESP_AUTHS,
  ESP_CIPHERS,
  type EspProposal,
  IKE_CIPHERS,
  IKE_HASH_ATTR,
  type IkeProposal,
  type IpsecConfig,
} from "./config.ts";
import { be32 } from "./derive.ts";
import { attr, zeros } from "./payloads.ts";
import {
  describeEspTransform,
  describeIkeTransform,
  espProposalText,
  ikeProposalText,
} from "./proposal_text.ts";

/** ISAKMP Encapsulation-Mode values (RFC 2407 §4.5, RFC 3947 §5.1, draft-02). */
export const ENCAP_TRANSPORT = 2;
export const ENCAP_UDP_TRANSPORT = 4;
export const ENCAP_UDP_TRANSPORT_DRAFT = 61444;

/** Life Type "seconds" (RFC 2409 App. A, RFC 2407 §4.5). */
const LIFE_SECONDS = 1;

/** Our phase-1 SA payload: one ISAKMP proposal with one transform per configured proposal. */
export function ikeSaPayload(config: IpsecConfig): Payload {
  const lifetime = Math.round(config.ike.lifetime / SECOND);
  const transforms = config.ike.proposals.map((p, i): Transform => {
    const cipher = IKE_CIPHERS[p.encryption];
    const attributes: Attribute[] = [
      { type: 1, value: cipher.attr },
      ...(cipher.keyBits ? [{ type: 14, value: cipher.keyBits }] : []),
      { type: 2, value: IKE_HASH_ATTR[p.hash] },
      { type: 3, value: 1 },
      { type: 4, value: DH_GROUP_ATTR[p.group] },
      { type: 11, value: LIFE_SECONDS },
      { type: 12, value: lifetime },
    ];
    return { number: i + 1, id: 1, attributes };
  });
  return {
    kind: "sa",
    doi: 1,
    situation: 1,
    proposals: [{ number: 1, protocol: PROTO_ISAKMP, spi: zeros(0), transforms }],
  };
}

/** Which of our phase-1 proposals a transform is, if any (pre-shared key authentication only). */
function ikeMatch(ours: IkeProposal[], t: Transform): IkeProposal | undefined {
  if (t.id !== 1) return undefined;
  const a = t.attributes;
  return ours.find((p) => {
    const cipher = IKE_CIPHERS[p.encryption];
    return attr(a, 1) === cipher.attr && attr(a, 14) === cipher.keyBits &&
      attr(a, 2) === IKE_HASH_ATTR[p.hash] &&
      attr(a, 3) === 1 && attr(a, 4) === DH_GROUP_ATTR[p.group];
  });
}

/** What a responder chose, or why nothing was acceptable. */
export type Choice<P> =
  | { ok: true; chosen: P; proposal: Proposal; transform: Transform }
  | { ok: false; error: string };

/** The responder's pick among an initiator's phase-1 offers. */
export function chooseIkeProposal(config: IpsecConfig, offered: Proposal[]): Choice<IkeProposal> {
  const ours = config.ike.proposals;
  for (const proposal of offered) {
    if (proposal.protocol !== PROTO_ISAKMP) continue;
    for (const transform of proposal.transforms) {
      const chosen = ikeMatch(ours, transform);
      if (chosen) return { ok: true, chosen, proposal, transform };
    }
  }
  const names = offered.flatMap((p) => p.transforms.map(describeIkeTransform));
  return {
    ok: false,
    error: `offered ${names.join(", ") || "nothing"}; we accept ${ours.map(ikeProposalText).join(", ")}`,
  };
}

/** The initiator's check of the responder's answer: exactly one transform, one we offered. */
export function acceptedIkeProposal(config: IpsecConfig, answer: Proposal[]): IkeProposal | undefined {
  const transform =
    answer.length === 1 && answer[0].protocol === PROTO_ISAKMP && answer[0].transforms.length === 1
      ? answer[0].transforms[0]
      : undefined;
  return transform && ikeMatch(config.ike.proposals, transform);
}

/** The Encapsulation Mode to ask for: UDP-encapsulated behind a NAT, in the announced NAT-T dialect. */
export function encapMode(natPresent: boolean, natT: "rfc3947" | "draft-02" | null): number {
  if (!natPresent) return ENCAP_TRANSPORT;
  return natT === "draft-02" ? ENCAP_UDP_TRANSPORT_DRAFT : ENCAP_UDP_TRANSPORT;
}

/** Our Quick Mode SA payload: one ESP proposal per configured one, all with our inbound SPI. */
export function espSaPayload(config: IpsecConfig, spi: number, encap: number): Payload {
  const lifetime = Math.round(config.esp.lifetime / SECOND);
  return {
    kind: "sa",
    doi: 1,
    situation: 1,
    proposals: config.esp.proposals.map((p, i): Proposal => {
      const cipher = ESP_CIPHERS[p.encryption];
      const attributes: Attribute[] = [
        { type: 1, value: LIFE_SECONDS },
        { type: 2, value: lifetime },
        { type: 4, value: encap },
        ...(cipher.aead ? [] : [{ type: 5, value: ESP_AUTHS[p.integrity].attr }]),
        ...(cipher.keyBits ? [{ type: 6, value: cipher.keyBits }] : []),
      ];
      return {
        number: i + 1,
        protocol: PROTO_IPSEC_ESP,
        spi: be32(spi),
        transforms: [{ number: 1, id: cipher.transformId, attributes }],
      };
    }),
  };
}

function espMatch(ours: EspProposal[], t: Transform): EspProposal | undefined {
  const a = t.attributes;
  return ours.find((p) => {
    const cipher = ESP_CIPHERS[p.encryption];
    return t.id === cipher.transformId && attr(a, 6) === cipher.keyBits &&
      (cipher.aead || attr(a, 5) === ESP_AUTHS[p.integrity].attr);
  });
}

function modeProblem(t: Transform, natPresent: boolean): string | null {
  const mode = attr(t.attributes, 4);
  const modes = natPresent ? [ENCAP_UDP_TRANSPORT, ENCAP_UDP_TRANSPORT_DRAFT] : [ENCAP_TRANSPORT];
  if (mode !== undefined && modes.includes(mode)) return null;
  return `encapsulation mode ${mode} (${
    natPresent ? "a NAT is between us: expected UDP-Encapsulated-Transport" : "expected Transport"
  })`;
}

/** The responder's pick among an initiator's ESP offers (SPI of 4 bytes, transport mode). */
export function chooseEspProposal(
  config: IpsecConfig,
  offered: Proposal[],
  natPresent: boolean,
): Choice<EspProposal> {
  const ours = config.esp.proposals;
  let mode: string | null = null;
  for (const proposal of offered) {
    if (proposal.protocol !== PROTO_IPSEC_ESP || proposal.spi.length !== 4) continue;
    for (const transform of proposal.transforms) {
      const chosen = espMatch(ours, transform);
      if (!chosen) continue;
      mode = modeProblem(transform, natPresent);
      if (!mode) return { ok: true, chosen, proposal, transform };
    }
  }
  if (mode) return { ok: false, error: mode };
  const esp = offered.filter((p) => p.protocol === PROTO_IPSEC_ESP && p.spi.length === 4);
  if (!esp.length) return { ok: false, error: "the proposal is not ESP with a 4-byte SPI" };
  const names = esp.flatMap((p) => p.transforms.map(describeEspTransform));
  return {
    ok: false,
    error: `offered ${names.join(", ")}; we accept ${ours.map(espProposalText).join(", ")}`,
  };
}

/** The initiator's check of the responder's ESP answer: one proposal, one transform we offered. */
export function acceptedEspProposal(
  config: IpsecConfig,
  answer: Proposal[],
  natPresent: boolean,
): Choice<EspProposal> {
  const proposal = answer[0];
  const transform = proposal?.transforms[0];
  if (
    answer.length !== 1 || proposal.protocol !== PROTO_IPSEC_ESP || proposal.spi.length !== 4 ||
    proposal.transforms.length !== 1
  ) {
    return { ok: false, error: "the answer is not one ESP proposal with one transform and a 4-byte SPI" };
  }
  const chosen = espMatch(config.esp.proposals, transform);
  if (!chosen) {
    return {
      ok: false,
      error: `the responder chose ${describeEspTransform(transform)}, which we did not offer`,
    };
  }
  const mode = modeProblem(transform, natPresent);
  return mode ? { ok: false, error: mode } : { ok: true, chosen, proposal, transform };
}
