/**
 * Building and checking control-message AVP lists: the required AVPs of each message (RFC 2661 §6),
 * hiding the ones worth hiding behind a Random Vector (§4.3), and revealing them on receipt.
 */
import type { Prng } from "../../engine/prng.ts";
import { type Avp, AVP_SPECS, avpName, type AvpType, findAvp } from "../../wire/l2tp_avp.ts";
import { MESSAGE_TYPE_NAMES } from "../../wire/l2tp_names.ts";
import { concealAvp, revealAvps } from "../../wire/l2tp_avp_hidden.ts";
import type { Decoded } from "../../wire/field.ts";
import { FIRMWARE_REVISION, VENDOR_NAME } from "./config.ts";
import type { EndpointConfig } from "./endpoint.ts";

/** AVP types hidden when hiding is on: identifiers and the proxy authentication exchange. */
export const HIDDEN_WHEN_ENABLED: ReadonlySet<AvpType> = new Set<AvpType>([
  "assignedSessionId",
  "callingNumber",
  "calledNumber",
  "proxyAuthenName",
  "proxyAuthenChallenge",
  "proxyAuthenResponse",
]);

/** Random Vector length: xl2tpd and most implementations use 16 octets. */
const VECTOR_LENGTH = 16;

/**
 * The AVP list of a message: Message Type first, then — when `secret` is given and some AVP is to be
 * hidden — a Random Vector and the AVPs with the hidden ones concealed (Message Type and Random
 * Vector themselves are never hidden, §4.3).
 */
export function buildAvps(
  messageType: number,
  avps: Avp[],
  options: { secret?: string; hide?: ReadonlySet<AvpType>; rng: Prng },
): Avp[] {
  const out: Avp[] = [{ type: "messageType", messageType }];
  const hide = options.hide;
  const toHide = (avp: Avp) =>
    hide !== undefined && avp.type !== "hidden" && avp.type !== "raw" && hide.has(avp.type);
  if (options.secret === undefined || !avps.some(toHide)) return [...out, ...avps];
  const vector = options.rng.bytes(VECTOR_LENGTH);
  out.push({ type: "randomVector", vector });
  for (const avp of avps) out.push(toHide(avp) ? concealAvp(avp, options.secret, vector) : avp);
  return out;
}

/** Reveals hidden AVPs with the tunnel secret; a hidden AVP without a secret is an error. */
export function revealAll(avps: Avp[], secret: string | undefined): Decoded<Avp[]> {
  const hidden = avps.find((avp) => avp.type === "hidden");
  if (!hidden) return { ok: true, value: avps };
  if (secret === undefined) {
    return {
      ok: false,
      error: `hidden AVP ${
        avpName(hidden.type === "hidden" ? hidden.attrType : 0)
      } but no tunnel secret to reveal it`,
    };
  }
  return revealAvps(avps, secret);
}

/** An unrecognised AVP with the M bit set, which obliges us to clear the session or tunnel (§4.1). */
export function unknownMandatory(avps: Avp[]): Extract<Avp, { type: "raw" }> | undefined {
  return avps.find((avp) => avp.type === "raw" && avp.mandatory === true) as
    | Extract<Avp, { type: "raw" }>
    | undefined;
}

/**
 * AVPs a message cannot do without. §6 lists more (Host Name, Protocol Version, Call Serial Number,
 * the ICCN's speed and framing); like xl2tpd we refuse only what we cannot work without and accept
 * the rest missing (the Host Name is demanded only when authenticating the tunnel).
 */
const REQUIRED: Record<number, AvpType[]> = {
  1: ["framingCapabilities", "assignedTunnelId"],
  2: ["framingCapabilities", "assignedTunnelId"],
  4: ["assignedTunnelId", "resultCode"],
  10: ["assignedSessionId"],
  11: ["assignedSessionId"],
  14: ["resultCode", "assignedSessionId"],
};

/** The first required AVP missing from a message, as a readable complaint, or undefined. */
export function missingAvp(messageType: number, avps: Avp[]): string | undefined {
  for (const type of REQUIRED[messageType] ?? []) {
    if (!findAvp(avps, type)) {
      return `${MESSAGE_TYPE_NAMES[messageType] ?? messageType} without the ${AVP_SPECS[type].name} AVP`;
    }
  }
  return undefined;
}

/** The AVPs that introduce us in SCCRQ and SCCRP, in xl2tpd's order. */
export function identityAvps(config: EndpointConfig, localTunnelId: number): Avp[] {
  return [
    { type: "protocolVersion", version: 1, revision: 0 },
    { type: "framingCapabilities", sync: true, async: true },
    { type: "bearerCapabilities", digital: true, analog: true },
    { type: "firmwareRevision", revision: FIRMWARE_REVISION },
    { type: "hostName", name: config.hostname },
    { type: "vendorName", name: VENDOR_NAME },
    { type: "assignedTunnelId", id: localTunnelId },
    { type: "receiveWindowSize", size: config.timers.receiveWindow },
  ];
}
