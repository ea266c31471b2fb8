/**
 * What this side offers and what it accepts: the phase-1 (ISAKMP) and Quick Mode (ESP) SA payloads
 * built from the configuration, and the checks a received proposal must pass (RFC 2409 App. A,
 * RFC 2407 §4.5, RFC 3947 §5.1). Pure functions of the configuration and the payloads.
 */
import { SECOND } from "../../engine/time.ts";
import {
  type Attribute,
  type Payload,
  type Proposal,
  PROTO_IPSEC_ESP,
  PROTO_ISAKMP,
} from "../../wire/isakmp.ts";
import {
  DH_GROUP_ATTR,
  ESP_AUTHS,
  ESP_CIPHERS,
  IKE_CIPHERS,
  IKE_HASH_ATTR,
  type IpsecConfig,
} from "./config.ts";
import { be32 } from "./derive.ts";
import { attr, zeros } from "./payloads.ts";

/** ISAKMP Encapsulation-Mode values (RFC 2407 §4.5, RFC 3947 §5.1, draft-02). */
export const ENCAP_TRANSPORT = 2;
export const ENCAP_UDP_TRANSPORT = 4;
export const ENCAP_UDP_TRANSPORT_DRAFT = 61444;

/** Life Type "seconds" (RFC 2409 App. A, RFC 2407 §4.5). */
const LIFE_SECONDS = 1;

/** Our phase-1 SA payload: one ISAKMP proposal with the configured transform. */
export function ikeSaPayload(config: IpsecConfig): Payload {
  const cipher = IKE_CIPHERS[config.ike.encryption];
  const attributes: Attribute[] = [
    { type: 1, value: cipher.attr },
    ...(cipher.keyBits ? [{ type: 14, value: cipher.keyBits }] : []),
    { type: 2, value: IKE_HASH_ATTR[config.ike.hash] },
    { type: 3, value: 1 },
    { type: 4, value: DH_GROUP_ATTR[config.ike.group] },
    { type: 11, value: LIFE_SECONDS },
    { type: 12, value: Math.round(config.ike.lifetime / SECOND) },
  ];
  return {
    kind: "sa",
    doi: 1,
    situation: 1,
    proposals: [{
      number: 1,
      protocol: PROTO_ISAKMP,
      spi: zeros(0),
      transforms: [{ number: 1, id: 1, attributes }],
    }],
  };
}

/** Whether a phase-1 proposal's transform matches our single configured one. */
export function ikeProposalAcceptable(config: IpsecConfig, proposal: Proposal | undefined): boolean {
  const transform = proposal?.transforms[0];
  if (!proposal || proposal.protocol !== PROTO_ISAKMP || !transform || transform.id !== 1) return false;
  const cipher = IKE_CIPHERS[config.ike.encryption];
  const a = transform.attributes;
  return attr(a, 1) === cipher.attr && attr(a, 14) === cipher.keyBits &&
    attr(a, 2) === IKE_HASH_ATTR[config.ike.hash] && attr(a, 3) === 1 &&
    attr(a, 4) === DH_GROUP_ATTR[config.ike.group];
}

/** The Encapsulation Mode to ask for: UDP-encapsulated behind a NAT, in the announced NAT-T dialect. */
export function encapMode(natPresent: boolean, natT: "rfc3947" | "draft-02" | null): number {
  if (!natPresent) return ENCAP_TRANSPORT;
  return natT === "draft-02" ? ENCAP_UDP_TRANSPORT_DRAFT : ENCAP_UDP_TRANSPORT;
}

/** Our Quick Mode SA payload: one ESP proposal with the configured transform and inbound SPI. */
export function espSaPayload(config: IpsecConfig, spi: number, encap: number): Payload {
  const esp = config.esp;
  const cipher = ESP_CIPHERS[esp.encryption];
  const attributes: Attribute[] = [
    { type: 1, value: LIFE_SECONDS },
    { type: 2, value: Math.round(esp.lifetime / SECOND) },
    { type: 4, value: encap },
    ...(cipher.aead ? [] : [{ type: 5, value: ESP_AUTHS[esp.integrity].attr }]),
    ...(cipher.keyBits ? [{ type: 6, value: cipher.keyBits }] : []),
  ];
  return {
    kind: "sa",
    doi: 1,
    situation: 1,
    proposals: [{
      number: 1,
      protocol: PROTO_IPSEC_ESP,
      spi: be32(spi),
      transforms: [{ number: 1, id: cipher.transformId, attributes }],
    }],
  };
}

/** Why an ESP proposal is not acceptable, or null when it is. */
export function espProposalProblem(
  config: IpsecConfig,
  proposal: Proposal | undefined,
  natPresent: boolean,
): string | null {
  const esp = config.esp;
  const cipher = ESP_CIPHERS[esp.encryption];
  const transform = proposal?.transforms[0];
  if (!proposal || proposal.protocol !== PROTO_IPSEC_ESP || proposal.spi.length !== 4 || !transform) {
    return "the proposal is not ESP with a 4-byte SPI";
  }
  const a = transform.attributes;
  if (transform.id !== cipher.transformId || attr(a, 6) !== cipher.keyBits) {
    return `ESP transform ${transform.id} does not match ${esp.encryption}`;
  }
  if (!cipher.aead && attr(a, 5) !== ESP_AUTHS[esp.integrity].attr) {
    return `ESP integrity does not match ${esp.integrity}`;
  }
  const mode = attr(a, 4);
  const modes = natPresent ? [ENCAP_UDP_TRANSPORT, ENCAP_UDP_TRANSPORT_DRAFT] : [ENCAP_TRANSPORT];
  if (mode === undefined || !modes.includes(mode)) {
    return `encapsulation mode ${mode} (${
      natPresent ? "a NAT is between us: expected UDP-Encapsulated-Transport" : "expected Transport"
    })`;
  }
  return null;
}
