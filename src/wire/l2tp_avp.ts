import { hideAvp, unhideAvp } from "../crypto/auth.ts";
import type { Secret } from "../crypto/bytes.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { bytesText, hexBytes, hexNum, leaf, put16, put32, textBytes, u16, u32 } from "./octets.ts";

/**
 * L2TPv2 control-message AVPs (RFC 2661 §4): a typed record per attribute the stack uses, raw bytes
 * for the rest, and hidden values kept opaque until `revealAvps` is given the tunnel secret.
 */

/** Control message types (RFC 2661 §3.2). */
export const MSG = {
  SCCRQ: 1,
  SCCRP: 2,
  SCCCN: 3,
  StopCCN: 4,
  HELLO: 6,
  OCRQ: 7,
  OCRP: 8,
  OCCN: 9,
  ICRQ: 10,
  ICRP: 11,
  ICCN: 12,
  CDN: 14,
  WEN: 15,
  SLI: 16,
} as const;

/** Short message names as Wireshark prints them (l2tp_message_type_short_str_vals). */
export const MESSAGE_TYPE_NAMES: Record<number, string> = {
  1: "SCCRQ",
  2: "SCCRP",
  3: "SCCCN",
  4: "StopCCN",
  6: "Hello",
  7: "OCRQ",
  8: "OCRP",
  9: "OCCN",
  10: "ICRQ",
  11: "ICRP",
  12: "ICCN",
  14: "CDN",
  15: "WEN",
  16: "SLI",
};

/** Full message names (RFC 2661 §3.2). */
export const MESSAGE_TYPE_LONG_NAMES: Record<number, string> = {
  1: "Start-Control-Connection-Request",
  2: "Start-Control-Connection-Reply",
  3: "Start-Control-Connection-Connected",
  4: "Stop-Control-Connection-Notification",
  6: "Hello",
  7: "Outgoing-Call-Request",
  8: "Outgoing-Call-Reply",
  9: "Outgoing-Call-Connected",
  10: "Incoming-Call-Request",
  11: "Incoming-Call-Reply",
  12: "Incoming-Call-Connected",
  14: "Call-Disconnect-Notify",
  15: "WAN-Error-Notify",
  16: "Set-Link-Info",
};

/** StopCCN result codes (RFC 2661 §4.4.2; wording as in Wireshark's result_code_stopccn_vals). */
export const STOPCCN_RESULT_NAMES: Record<number, string> = {
  0: "Reserved",
  1: "General request to clear control connection",
  2: "General error, Error Code indicates the problem",
  3: "Control connection already exists",
  4: "Requester is not authorized to establish a control connection",
  5: "The protocol version of the requester is not supported",
  6: "Requester is being shut down",
  7: "Finite state machine error or timeout",
};

/** CDN result codes (RFC 2661 §4.4.2; wording as in Wireshark's result_code_cdn_vals). */
export const CDN_RESULT_NAMES: Record<number, string> = {
  0: "Reserved",
  1: "Session disconnected due to loss of carrier or circuit disconnect",
  2: "Session disconnected for the reason indicated in Error Code",
  3: "Session disconnected for administrative reasons",
  4: "Appropriate facilities unavailable (temporary condition)",
  5: "Appropriate facilities unavailable (permanent condition)",
  6: "Invalid destination",
  7: "Call failed due to no carrier detected",
  8: "Call failed due to detection of a busy signal",
  9: "Call failed due to lack of a dial tone",
  10: "Call was not established within time allotted by LAC",
  11: "Call was connected but no appropriate framing was detected",
};

/** General error codes (RFC 2661 §4.4.2; Wireshark's error_code_vals). */
export const ERROR_CODE_NAMES: Record<number, string> = {
  0: "No General Error",
  1: "No control connection exists yet for this LAC-LNS pair",
  2: "Length is wrong",
  3: "One of the field values was out of range or reserved field was non-zero",
  4: "Insufficient resources to handle this operation now",
  5: "The Session ID is invalid in this context",
  6: "A generic vendor-specific error occurred in the LAC",
  7: "Try another LNS",
  8: "Session or tunnel was shutdown due to receipt of an unknown AVP with the M-bit set",
};

/** The name of a Result Code in the message that carries it. */
export function resultCodeName(messageType: number | undefined, result: number): string {
  const table = messageType === MSG.CDN ? CDN_RESULT_NAMES : STOPCCN_RESULT_NAMES;
  return table[result] ?? "Unknown";
}

/** Proxy Authen Type values (RFC 2661 §4.4.5). */
export const PROXY_AUTHEN_TYPES = { TEXT: 1, CHAP: 2, PAP: 3, NONE: 4, MSCHAP: 5 } as const;

/** A control-message AVP. `mandatory` defaults to the RFC's M bit for the attribute when encoding. */
export type Avp =
  & { mandatory?: boolean }
  & (
    | { type: "messageType"; messageType: number }
    /** `error` and `message` are optional on the wire; xl2tpd wants the error code, so encoding always writes it. */
    | { type: "resultCode"; result: number; error?: number; message?: string }
    | { type: "protocolVersion"; version: number; revision: number }
    | { type: "framingCapabilities"; sync: boolean; async: boolean }
    | { type: "bearerCapabilities"; digital: boolean; analog: boolean }
    /** 8 bytes, compared as an unsigned number: the lower value wins (§4.4.3). */
    | { type: "tieBreaker"; value: bigint }
    | { type: "firmwareRevision"; revision: number }
    | { type: "hostName"; name: string }
    | { type: "vendorName"; name: string }
    | { type: "assignedTunnelId"; id: number }
    | { type: "receiveWindowSize"; size: number }
    | { type: "challenge"; challenge: Uint8Array }
    | { type: "challengeResponse"; response: Uint8Array }
    | { type: "assignedSessionId"; id: number }
    | { type: "callSerialNumber"; serial: number }
    | { type: "minimumBps"; bps: number }
    | { type: "maximumBps"; bps: number }
    | { type: "bearerType"; digital: boolean; analog: boolean }
    | { type: "framingType"; sync: boolean; async: boolean }
    | { type: "calledNumber"; number: string }
    | { type: "callingNumber"; number: string }
    | { type: "subAddress"; address: string }
    | { type: "txConnectSpeed"; bps: number }
    | { type: "physicalChannelId"; id: number }
    /** Proxy LCP (26–28): the LCP options of a CONFREQ, from the first option on (§4.4.5). */
    | { type: "initialReceivedLcpConfReq"; options: Uint8Array }
    | { type: "lastSentLcpConfReq"; options: Uint8Array }
    | { type: "lastReceivedLcpConfReq"; options: Uint8Array }
    | { type: "proxyAuthenType"; authType: number }
    | { type: "proxyAuthenName"; name: string }
    | { type: "proxyAuthenChallenge"; challenge: Uint8Array }
    | { type: "proxyAuthenId"; id: number }
    | { type: "proxyAuthenResponse"; response: Uint8Array }
    | { type: "accm"; send: number; receive: number }
    | { type: "randomVector"; vector: Uint8Array }
    | { type: "rxConnectSpeed"; bps: number }
    | { type: "sequencingRequired" }
    /** An IETF AVP with the H bit: `value` is the hidden subformat until revealed. */
    | { type: "hidden"; attrType: number; value: Uint8Array }
    /** Anything else (vendor AVPs, unknown types), kept verbatim. */
    | { type: "raw"; vendorId: number; attrType: number; hidden: boolean; value: Uint8Array }
  );

/** The typed AVP kinds, by attribute type number. */
export type AvpType = Exclude<Avp["type"], "hidden" | "raw">;

interface Spec {
  code: number;
  name: string;
  /** The M bit the RFC prescribes. */
  mandatory: boolean;
}

/** Attribute numbers, names and M bits (RFC 2661 §4.4). */
export const AVP_SPECS: Record<AvpType, Spec> = {
  messageType: { code: 0, name: "Message Type", mandatory: true },
  resultCode: { code: 1, name: "Result Code", mandatory: true },
  protocolVersion: { code: 2, name: "Protocol Version", mandatory: true },
  framingCapabilities: { code: 3, name: "Framing Capabilities", mandatory: true },
  bearerCapabilities: { code: 4, name: "Bearer Capabilities", mandatory: true },
  tieBreaker: { code: 5, name: "Tie Breaker", mandatory: false },
  firmwareRevision: { code: 6, name: "Firmware Revision", mandatory: false },
  hostName: { code: 7, name: "Host Name", mandatory: true },
  vendorName: { code: 8, name: "Vendor Name", mandatory: false },
  assignedTunnelId: { code: 9, name: "Assigned Tunnel ID", mandatory: true },
  receiveWindowSize: { code: 10, name: "Receive Window Size", mandatory: true },
  challenge: { code: 11, name: "Challenge", mandatory: true },
  challengeResponse: { code: 13, name: "Challenge Response", mandatory: true },
  assignedSessionId: { code: 14, name: "Assigned Session ID", mandatory: true },
  callSerialNumber: { code: 15, name: "Call Serial Number", mandatory: true },
  minimumBps: { code: 16, name: "Minimum BPS", mandatory: true },
  maximumBps: { code: 17, name: "Maximum BPS", mandatory: true },
  bearerType: { code: 18, name: "Bearer Type", mandatory: true },
  framingType: { code: 19, name: "Framing Type", mandatory: true },
  calledNumber: { code: 21, name: "Called Number", mandatory: true },
  callingNumber: { code: 22, name: "Calling Number", mandatory: true },
  subAddress: { code: 23, name: "Sub-Address", mandatory: true },
  txConnectSpeed: { code: 24, name: "(Tx) Connect Speed", mandatory: true },
  physicalChannelId: { code: 25, name: "Physical Channel ID", mandatory: false },
  initialReceivedLcpConfReq: { code: 26, name: "Initial Received LCP CONFREQ", mandatory: false },
  lastSentLcpConfReq: { code: 27, name: "Last Sent LCP CONFREQ", mandatory: false },
  lastReceivedLcpConfReq: { code: 28, name: "Last Received LCP CONFREQ", mandatory: false },
  proxyAuthenType: { code: 29, name: "Proxy Authen Type", mandatory: false },
  proxyAuthenName: { code: 30, name: "Proxy Authen Name", mandatory: false },
  proxyAuthenChallenge: { code: 31, name: "Proxy Authen Challenge", mandatory: false },
  proxyAuthenId: { code: 32, name: "Proxy Authen ID", mandatory: false },
  proxyAuthenResponse: { code: 33, name: "Proxy Authen Response", mandatory: false },
  accm: { code: 35, name: "ACCM", mandatory: true },
  randomVector: { code: 36, name: "Random Vector", mandatory: true },
  rxConnectSpeed: { code: 38, name: "Rx Connect Speed", mandatory: false },
  sequencingRequired: { code: 39, name: "Sequencing Required", mandatory: true },
};

const TYPE_BY_CODE: Record<number, AvpType> = Object.fromEntries(
  Object.entries(AVP_SPECS).map(([type, spec]) => [spec.code, type as AvpType]),
);

const OTHER_AVP_NAMES: Record<number, string> = {
  12: "Q.931 Cause Code",
  20: "Reserved",
  34: "Call Errors",
  37: "Private Group ID",
};

/** Name of an IETF attribute type. */
export function avpName(attrType: number): string {
  const type = TYPE_BY_CODE[attrType];
  return type ? AVP_SPECS[type].name : OTHER_AVP_NAMES[attrType] ?? `Unknown AVP ${attrType}`;
}

/** The attribute number of an AVP record. */
export function avpAttrType(avp: Avp): number {
  return avp.type === "hidden" || avp.type === "raw" ? avp.attrType : AVP_SPECS[avp.type].code;
}

/** The first AVP of the given type, typed. */
export function findAvp<T extends Avp["type"]>(avps: Avp[], type: T): Extract<Avp, { type: T }> | undefined {
  return avps.find((avp) => avp.type === type) as Extract<Avp, { type: T }> | undefined;
}

const FLAG_M = 0x8000;
const FLAG_H = 0x4000;
const RESERVED = 0x3c00;
/** AVP header: flags and length, Vendor ID, Attribute Type. */
export const AVP_HEADER_LEN = 6;
/** The Length field has 10 bits. */
export const AVP_MAX_LEN = 0x3ff;

function n16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  put16(out, 0, value);
  return out;
}

function n32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  put32(out, 0, value);
  return out;
}

/** The value bytes of a typed (not hidden, not raw) AVP. */
export function encodeAvpValue(avp: Avp): Uint8Array {
  switch (avp.type) {
    case "messageType":
      return n16(avp.messageType);
    case "resultCode": {
      const message = avp.message !== undefined ? textBytes(avp.message) : new Uint8Array(0);
      const out = new Uint8Array(4 + message.length);
      put16(out, 0, avp.result);
      put16(out, 2, avp.error ?? 0);
      out.set(message, 4);
      return out;
    }
    case "protocolVersion":
      return Uint8Array.of(avp.version, avp.revision);
    case "framingCapabilities":
    case "framingType":
      return n32((avp.async ? 2 : 0) | (avp.sync ? 1 : 0));
    case "bearerCapabilities":
    case "bearerType":
      return n32((avp.analog ? 2 : 0) | (avp.digital ? 1 : 0));
    case "tieBreaker": {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, avp.value));
      return out;
    }
    case "firmwareRevision":
      return n16(avp.revision);
    case "hostName":
    case "vendorName":
    case "proxyAuthenName":
      return textBytes(avp.name);
    case "assignedTunnelId":
    case "assignedSessionId":
      return n16(avp.id);
    case "receiveWindowSize":
      return n16(avp.size);
    case "challenge":
    case "proxyAuthenChallenge":
      return avp.challenge;
    case "challengeResponse":
    case "proxyAuthenResponse":
      return avp.response;
    case "callSerialNumber":
      return n32(avp.serial);
    case "minimumBps":
    case "maximumBps":
    case "txConnectSpeed":
    case "rxConnectSpeed":
      return n32(avp.bps);
    case "calledNumber":
    case "callingNumber":
      return textBytes(avp.number);
    case "subAddress":
      return textBytes(avp.address);
    case "physicalChannelId":
      return n32(avp.id);
    case "initialReceivedLcpConfReq":
    case "lastSentLcpConfReq":
    case "lastReceivedLcpConfReq":
      return avp.options;
    case "proxyAuthenType":
      return n16(avp.authType);
    case "proxyAuthenId":
      // High octet reserved, Identifier in the low octet (§4.4.5).
      return n16(avp.id & 0xff);
    case "accm": {
      const out = new Uint8Array(10);
      put32(out, 2, avp.send);
      put32(out, 6, avp.receive);
      return out;
    }
    case "randomVector":
      return avp.vector;
    case "sequencingRequired":
      return new Uint8Array(0);
    case "hidden":
    case "raw":
      return avp.value;
  }
}

/** Encodes one AVP with its header. Throws on a value too long for the 10-bit Length (a configuration bug). */
export function encodeAvp(avp: Avp): Uint8Array {
  const value = encodeAvpValue(avp);
  const length = AVP_HEADER_LEN + value.length;
  if (length > AVP_MAX_LEN) {
    throw new RangeError(`AVP ${avpName(avpAttrType(avp))} of ${length} bytes exceeds 1023`);
  }
  const spec = avp.type === "hidden" || avp.type === "raw" ? undefined : AVP_SPECS[avp.type];
  const mandatory = avp.mandatory ?? spec?.mandatory ?? false;
  const hidden = avp.type === "hidden" || (avp.type === "raw" && avp.hidden);
  const out = new Uint8Array(length);
  put16(out, 0, (mandatory ? FLAG_M : 0) | (hidden ? FLAG_H : 0) | length);
  put16(out, 2, avp.type === "raw" ? avp.vendorId : 0);
  put16(out, 4, avpAttrType(avp));
  out.set(value, AVP_HEADER_LEN);
  return out;
}

/** Value lengths fixed by §4.4; the other attributes are variable. */
const FIXED_LENGTHS: Partial<Record<AvpType, number>> = {
  messageType: 2,
  protocolVersion: 2,
  framingCapabilities: 4,
  bearerCapabilities: 4,
  tieBreaker: 8,
  firmwareRevision: 2,
  assignedTunnelId: 2,
  receiveWindowSize: 2,
  challengeResponse: 16,
  assignedSessionId: 2,
  callSerialNumber: 4,
  minimumBps: 4,
  maximumBps: 4,
  bearerType: 4,
  framingType: 4,
  txConnectSpeed: 4,
  physicalChannelId: 4,
  proxyAuthenType: 2,
  proxyAuthenId: 2,
  accm: 10,
  rxConnectSpeed: 4,
  sequencingRequired: 0,
};

/**
 * Builds the typed record of an IETF AVP from its (clear) value; for unknown types returns a raw
 * record. Fails when a known attribute has an impossible length.
 */
export function decodeAvpValue(attrType: number, value: Uint8Array, mandatory: boolean): Decoded<Avp> {
  const type = TYPE_BY_CODE[attrType];
  if (!type) return ok({ type: "raw", vendorId: 0, attrType, hidden: false, value, mandatory });
  const name = AVP_SPECS[type].name;
  const length = FIXED_LENGTHS[type];
  if (length !== undefined && value.length !== length) {
    return fail(`AVP ${name}: value of ${value.length} bytes, expected ${length}`);
  }
  const m = { mandatory };
  switch (type) {
    case "messageType":
      return ok({ ...m, type, messageType: u16(value, 0) });
    case "resultCode": {
      if (value.length < 2) return fail(`AVP ${name}: value of ${value.length} bytes, expected at least 2`);
      if (value.length === 3) return fail(`AVP ${name}: value of 3 bytes cuts the Error Code`);
      const avp: Extract<Avp, { type: "resultCode" }> = { ...m, type, result: u16(value, 0) };
      if (value.length >= 4) avp.error = u16(value, 2);
      if (value.length > 4) avp.message = bytesText(value.subarray(4));
      return ok(avp);
    }
    case "protocolVersion":
      return ok({ ...m, type, version: value[0], revision: value[1] });
    case "framingCapabilities":
    case "framingType": {
      const bits = u32(value, 0);
      return ok({ ...m, type, sync: (bits & 1) !== 0, async: (bits & 2) !== 0 });
    }
    case "bearerCapabilities":
    case "bearerType": {
      const bits = u32(value, 0);
      return ok({ ...m, type, digital: (bits & 1) !== 0, analog: (bits & 2) !== 0 });
    }
    case "tieBreaker":
      return ok({ ...m, type, value: new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0) });
    case "firmwareRevision":
      return ok({ ...m, type, revision: u16(value, 0) });
    case "hostName":
    case "vendorName":
    case "proxyAuthenName":
      return ok({ ...m, type, name: bytesText(value) });
    case "assignedTunnelId":
    case "assignedSessionId":
      return ok({ ...m, type, id: u16(value, 0) });
    case "receiveWindowSize":
      return ok({ ...m, type, size: u16(value, 0) });
    case "challenge":
    case "proxyAuthenChallenge":
      if (value.length === 0) return fail(`AVP ${name}: empty value`);
      return ok({ ...m, type, challenge: value });
    case "challengeResponse":
      return ok({ ...m, type, response: value });
    case "proxyAuthenResponse":
      return ok({ ...m, type, response: value });
    case "callSerialNumber":
      return ok({ ...m, type, serial: u32(value, 0) });
    case "minimumBps":
    case "maximumBps":
    case "txConnectSpeed":
    case "rxConnectSpeed":
      return ok({ ...m, type, bps: u32(value, 0) });
    case "calledNumber":
    case "callingNumber":
      return ok({ ...m, type, number: bytesText(value) });
    case "subAddress":
      return ok({ ...m, type, address: bytesText(value) });
    case "physicalChannelId":
      return ok({ ...m, type, id: u32(value, 0) });
    case "initialReceivedLcpConfReq":
    case "lastSentLcpConfReq":
    case "lastReceivedLcpConfReq":
      return ok({ ...m, type, options: value });
    case "proxyAuthenType":
      return ok({ ...m, type, authType: u16(value, 0) });
    case "proxyAuthenId":
      return ok({ ...m, type, id: value[1] });
    case "accm":
      return ok({ ...m, type, send: u32(value, 2), receive: u32(value, 6) });
    case "randomVector":
      if (value.length === 0) return fail(`AVP ${name}: empty value`);
      return ok({ ...m, type, vector: value });
    case "sequencingRequired":
      return ok({ ...m, type });
  }
}

/** Where one AVP sits in a message: its header bits and value range. */
interface AvpSlice {
  flags: number;
  length: number;
  vendorId: number;
  attrType: number;
  value: Uint8Array;
}

/** Splits an AVP list; fails on a Length below 6 or past the end of the message. */
function sliceAvps(bytes: Uint8Array): Decoded<AvpSlice[]> {
  const slices: AvpSlice[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < AVP_HEADER_LEN) return fail(`truncated AVP header at byte ${at} of the AVP list`);
    const flags = u16(bytes, at);
    const length = flags & AVP_MAX_LEN;
    const attrType = u16(bytes, at + 4);
    if (length < AVP_HEADER_LEN) return fail(`AVP ${avpName(attrType)} has length ${length} (< 6)`);
    if (at + length > bytes.length) {
      return fail(
        `AVP ${avpName(attrType)} of length ${length} runs ${at + length - bytes.length} bytes past the end`,
      );
    }
    slices.push({
      flags,
      length,
      vendorId: u16(bytes, at + 2),
      attrType,
      value: bytes.subarray(at + AVP_HEADER_LEN, at + length),
    });
    at += length;
  }
  return ok(slices);
}

/** Encodes an AVP list. */
export function encodeAvps(avps: Avp[]): Uint8Array {
  const parts = avps.map(encodeAvp);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Decodes an AVP list. Hidden IETF AVPs stay `hidden`; vendor AVPs and AVPs with reserved bits set
 * (which §4.1 says to treat as unrecognized) stay `raw`.
 */
export function decodeAvps(bytes: Uint8Array): Decoded<Avp[]> {
  const slices = sliceAvps(bytes);
  if (!slices.ok) return slices;
  const avps: Avp[] = [];
  for (const s of slices.value) {
    const mandatory = (s.flags & FLAG_M) !== 0;
    const hidden = (s.flags & FLAG_H) !== 0;
    if (s.vendorId !== 0 || (s.flags & RESERVED) !== 0) {
      avps.push({
        type: "raw",
        vendorId: s.vendorId,
        attrType: s.attrType,
        hidden,
        value: s.value,
        mandatory,
      });
    } else if (hidden) {
      avps.push({ type: "hidden", attrType: s.attrType, value: s.value, mandatory });
    } else {
      const avp = decodeAvpValue(s.attrType, s.value, mandatory);
      if (!avp.ok) return avp;
      avps.push(avp.value);
    }
  }
  return ok(avps);
}

/**
 * Hides a typed AVP (§4.3) with the tunnel secret and the Random Vector that precedes it in the
 * message. `padding` (caller-chosen bytes, for reproducibility) conceals the value's length.
 */
export function concealAvp(avp: Avp, secret: Secret, randomVector: Uint8Array, padding?: Uint8Array): Avp {
  const attrType = avpAttrType(avp);
  const spec = avp.type === "hidden" || avp.type === "raw" ? undefined : AVP_SPECS[avp.type];
  return {
    type: "hidden",
    attrType,
    value: hideAvp(attrType, encodeAvpValue(avp), secret, randomVector, padding),
    mandatory: avp.mandatory ?? spec?.mandatory ?? false,
  };
}

/** Reveals one hidden AVP into its typed record. */
export function revealAvp(
  avp: Extract<Avp, { type: "hidden" }>,
  secret: Secret,
  randomVector: Uint8Array,
): Decoded<Avp> {
  const value = unhideAvp(avp.attrType, avp.value, secret, randomVector);
  if (!value.ok) return fail(`hidden AVP ${avpName(avp.attrType)}: ${value.error}`);
  return decodeAvpValue(avp.attrType, value.value, avp.mandatory ?? false);
}

/**
 * Reveals every hidden AVP of a message, each with the Random Vector most recently seen before it
 * (§4.3: a Random Vector applies to the hidden AVPs that follow it).
 */
export function revealAvps(avps: Avp[], secret: Secret): Decoded<Avp[]> {
  let vector: Uint8Array | undefined;
  const out: Avp[] = [];
  for (const avp of avps) {
    if (avp.type === "randomVector") vector = avp.vector;
    if (avp.type !== "hidden") {
      out.push(avp);
      continue;
    }
    if (!vector) return fail(`hidden AVP ${avpName(avp.attrType)} without a preceding Random Vector`);
    const revealed = revealAvp(avp, secret, vector);
    if (!revealed.ok) return revealed;
    out.push(revealed.value);
  }
  return ok(out);
}

/** Short text of an AVP value, for summaries and the inspector. */
export function avpValueText(avp: Avp, messageType?: number): string {
  switch (avp.type) {
    case "messageType":
      return `${MESSAGE_TYPE_NAMES[avp.messageType] ?? "Unknown"} (${avp.messageType})`;
    case "resultCode": {
      let text = `${avp.result} (${resultCodeName(messageType, avp.result)})`;
      if (avp.error !== undefined && avp.error !== 0) {
        text += `, error ${avp.error} (${ERROR_CODE_NAMES[avp.error] ?? "Unknown"})`;
      }
      if (avp.message) text += `, "${avp.message}"`;
      return text;
    }
    case "protocolVersion":
      return `${avp.version}.${avp.revision}`;
    case "framingCapabilities":
    case "framingType":
      return [avp.sync && "sync", avp.async && "async"].filter(Boolean).join("+") || "none";
    case "bearerCapabilities":
    case "bearerType":
      return [avp.digital && "digital", avp.analog && "analog"].filter(Boolean).join("+") || "none";
    case "tieBreaker":
      return "0x" + avp.value.toString(16).padStart(16, "0");
    case "firmwareRevision":
      return hexNum(avp.revision, 4);
    case "hostName":
    case "vendorName":
    case "proxyAuthenName":
      return avp.name;
    case "assignedTunnelId":
    case "assignedSessionId":
    case "proxyAuthenId":
      return String(avp.id);
    case "physicalChannelId":
      return String(avp.id);
    case "receiveWindowSize":
      return String(avp.size);
    case "challenge":
    case "proxyAuthenChallenge":
      return hexBytes(avp.challenge);
    case "challengeResponse":
    case "proxyAuthenResponse":
      return hexBytes(avp.response);
    case "callSerialNumber":
      return String(avp.serial);
    case "minimumBps":
    case "maximumBps":
    case "txConnectSpeed":
    case "rxConnectSpeed":
      return `${avp.bps} bps`;
    case "calledNumber":
    case "callingNumber":
      return avp.number;
    case "subAddress":
      return avp.address;
    case "initialReceivedLcpConfReq":
    case "lastSentLcpConfReq":
    case "lastReceivedLcpConfReq":
      return hexBytes(avp.options);
    case "proxyAuthenType": {
      const names: Record<number, string> = {
        1: "Textual",
        2: "PPP CHAP",
        3: "PPP PAP",
        4: "No Authentication",
        5: "MS-CHAPv1",
      };
      return `${names[avp.authType] ?? "Unknown"} (${avp.authType})`;
    }
    case "accm":
      return `send ${hexNum(avp.send, 8)} receive ${hexNum(avp.receive, 8)}`;
    case "randomVector":
      return hexBytes(avp.vector);
    case "sequencingRequired":
      return "yes";
    case "hidden":
      return `hidden, ${avp.value.length} bytes`;
    case "raw":
      return hexBytes(avp.value);
  }
}

/**
 * The inspector fields of the AVP list in `bytes[start, end)`; stops with a "Malformed AVP" field
 * where the list breaks.
 */
export function describeAvps(bytes: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [];
  let messageType: number | undefined;
  let at = start;
  while (at < end) {
    if (end - at < AVP_HEADER_LEN) {
      fields.push(leaf("Malformed AVP", `${end - at} trailing bytes`, at, end - at));
      break;
    }
    const flags = u16(bytes, at);
    const length = flags & AVP_MAX_LEN;
    const vendorId = u16(bytes, at + 2);
    const attrType = u16(bytes, at + 4);
    if (length < AVP_HEADER_LEN || at + length > end) {
      fields.push(leaf("Malformed AVP", `${avpName(attrType)}, length ${length}`, at, end - at));
      break;
    }
    const value = bytes.subarray(at + AVP_HEADER_LEN, at + length);
    const hidden = (flags & FLAG_H) !== 0;
    const name = vendorId === 0 ? avpName(attrType) : `Vendor ${vendorId} attribute ${attrType}`;
    let text: string;
    if (vendorId !== 0) text = hexBytes(value);
    else if (hidden) text = `hidden, ${value.length} bytes`;
    else {
      const avp = decodeAvpValue(attrType, value, (flags & FLAG_M) !== 0);
      text = avp.ok ? avpValueText(avp.value, messageType) : avp.error;
      if (avp.ok && avp.value.type === "messageType") messageType = avp.value.messageType;
    }
    fields.push({
      name: `AVP: ${name}`,
      value: text,
      start: at,
      end: at + length,
      children: [
        leaf("Mandatory", (flags & FLAG_M) ? "1" : "0", at, 2),
        leaf("Hidden", hidden ? "1" : "0", at, 2),
        leaf("Length", String(length), at, 2),
        leaf("Vendor ID", vendorId === 0 ? "IETF (0)" : String(vendorId), at + 2, 2),
        leaf("Attribute Type", `${name} (${attrType})`, at + 4, 2),
        ...(length > AVP_HEADER_LEN
          ? [leaf("Value", text, at + AVP_HEADER_LEN, length - AVP_HEADER_LEN)]
          : []),
      ],
    });
    at += length;
  }
  return fields;
}
