import { bytesOf, newBytes } from "../crypto/bytes.ts";
import { type Decoded, fail, ok } from "./field.ts";
import { bytesText, put16, put32, textBytes, u16, u32 } from "./octets.ts";

/**
 * L2TPv2 control-message AVPs (RFC 2661 §4): a typed record per attribute the stack uses, raw bytes
 * for the rest, and hidden values kept opaque until `revealAvps` (l2tp_avp_hidden.ts) is given the tunnel secret.
 */

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

/** The Mandatory bit of an AVP header. */
export const FLAG_M = 0x8000;
/** The Hidden bit of an AVP header. */
export const FLAG_H = 0x4000;
const RESERVED = 0x3c00;
/** AVP header: flags and length, Vendor ID, Attribute Type. */
export const AVP_HEADER_LEN = 6;
/** The Length field has 10 bits. */
export const AVP_MAX_LEN = 0x3ff;

function n16(value: number): Uint8Array {
  const out = newBytes(2);
  put16(out, 0, value);
  return out;
}

function n32(value: number): Uint8Array {
  const out = newBytes(4);
  put32(out, 0, value);
  return out;
}

/** The value bytes of a typed (not hidden, not raw) AVP. */
export function encodeAvpValue(avp: Avp): Uint8Array {
  switch (avp.type) {
    case "messageType":
      return n16(avp.messageType);
    case "resultCode": {
      const message = avp.message !== undefined ? textBytes(avp.message) : newBytes(0);
      const out = newBytes(4 + message.length);
      put16(out, 0, avp.result);
      put16(out, 2, avp.error ?? 0);
      out.set(message, 4);
      return out;
    }
    case "protocolVersion":
      return bytesOf(avp.version, avp.revision);
    case "framingCapabilities":
    case "framingType":
      return n32((avp.async ? 2 : 0) | (avp.sync ? 1 : 0));
    case "bearerCapabilities":
    case "bearerType":
      return n32((avp.analog ? 2 : 0) | (avp.digital ? 1 : 0));
    case "tieBreaker": {
      const out = newBytes(8);
      new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(0, BigInt.asUintN(64, avp.value));
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
      const out = newBytes(10);
      put32(out, 2, avp.send);
      put32(out, 6, avp.receive);
      return out;
    }
    case "randomVector":
      return avp.vector;
    case "sequencingRequired":
      return newBytes(0);
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
  const out = newBytes(length);
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
  const out = newBytes(parts.reduce((n, p) => n + p.length, 0));
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
