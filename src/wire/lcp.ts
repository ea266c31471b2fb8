import { newBytes } from "../crypto/bytes.ts";
import { formatIp, type Ip4, readIp, writeIp } from "./addr.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { hexBytes, hexNum, leaf, put16, put32, u16, u32 } from "./octets.ts";
import { describePppHead } from "./ppp_head.ts";

/**
 * The configure-packet format LCP (RFC 1661 §5) and IPCP (RFC 1332) share: Code, Identifier,
 * Length, Data, where the Configure-* data is a list of Type, Length, Value options. One generic
 * codec, parameterised by a `ControlProtocol` that knows its option types, so the RFC 1661
 * automaton in the stack can drive both.
 */

/** Packet kinds by their RFC 1661 names. */
export type CpKind =
  | "conf-req"
  | "conf-ack"
  | "conf-nak"
  | "conf-rej"
  | "term-req"
  | "term-ack"
  | "code-rej"
  | "proto-rej"
  | "echo-req"
  | "echo-reply"
  | "discard-req";

/** A decoded LCP or IPCP packet; `O` is the option record of the protocol. */
export type CpPacket<O> =
  | { kind: "conf-req" | "conf-ack" | "conf-nak" | "conf-rej"; id: number; options: O[] }
  | { kind: "term-req" | "term-ack"; id: number; data: Uint8Array }
  /** `rejected`: the start of the packet whose code we did not know. */
  | { kind: "code-rej"; id: number; rejected: Uint8Array }
  /** LCP only: the peer does not speak `protocol`; `rejected` is the start of that frame's information. */
  | { kind: "proto-rej"; id: number; protocol: number; rejected: Uint8Array }
  /** LCP only: carry the sender's Magic-Number (0 when it negotiated none). */
  | { kind: "echo-req" | "echo-reply" | "discard-req"; id: number; magic: number; data: Uint8Array }
  /** A code this protocol does not define; the automaton answers it with Code-Reject. */
  | { kind: "unknown"; code: number; id: number; data: Uint8Array };

/** The Code of each kind on the wire. */
export const CP_CODES: Record<CpKind, number> = {
  "conf-req": 1,
  "conf-ack": 2,
  "conf-nak": 3,
  "conf-rej": 4,
  "term-req": 5,
  "term-ack": 6,
  "code-rej": 7,
  "proto-rej": 8,
  "echo-req": 9,
  "echo-reply": 10,
  "discard-req": 11,
};

/** Short code names as in the summaries ("Conf-Req"). */
export const CP_CODE_NAMES: Record<number, string> = {
  1: "Conf-Req",
  2: "Conf-Ack",
  3: "Conf-Nak",
  4: "Conf-Rej",
  5: "Term-Req",
  6: "Term-Ack",
  7: "Code-Rej",
  8: "Proto-Rej",
  9: "Echo-Req",
  10: "Echo-Reply",
  11: "Discard-Req",
};

const KIND_BY_CODE: Record<number, CpKind> = Object.fromEntries(
  Object.entries(CP_CODES).map(([kind, code]) => [code, kind as CpKind]),
);

/** What the generic codec needs to know about one control protocol. */
export interface ControlProtocol<O> {
  /** "LCP" or "IPCP". */
  name: string;
  /** Long name for the inspector. */
  longName: string;
  /** PPP protocol number. */
  protocol: number;
  /** Highest code defined: 11 for LCP, 7 for IPCP (RFC 1332 §2). */
  maxCode: number;
  optionCode(option: O): number;
  /** The option value bytes (without Type and Length). */
  encodeOptionValue(option: O): Uint8Array;
  /** Builds the typed option; fails when a known option has the wrong length. */
  decodeOption(code: number, value: Uint8Array): Decoded<O>;
  /** Option name for the inspector ("Maximum-Receive-Unit"). */
  optionName(code: number): string;
  /** Short text for summaries ("MRU 1400"). */
  summarizeOption(option: O): string;
}

// ---------------------------------------------------------------------------------------------
// LCP options (RFC 1661 §6, RFC 1662 for ACCM, RFC 1994 for the CHAP algorithm byte)

/** PPP protocol numbers used inside LCP options. */
const PROTO_PAP = 0xc023;
const PROTO_CHAP = 0xc223;
const PROTO_EAP = 0xc227;

/** An LCP configuration option. */
export type LcpOption =
  | { type: "mru"; mru: number }
  | { type: "accm"; accm: number }
  /** Authentication-Protocol: CHAP carries a one-byte algorithm (5 = MD5); PAP none. */
  | { type: "auth"; protocol: number; algorithm?: number }
  | { type: "quality"; protocol: number; data: Uint8Array }
  | { type: "magic"; magic: number }
  | { type: "pfc" }
  | { type: "acfc" }
  /** Any other option, kept verbatim so a Configure-Reject can echo it. */
  | { type: "raw"; code: number; data: Uint8Array };

/** Authentication-Protocol option values for CHAP with MD5 and for PAP. */
export const AUTH_CHAP_MD5: LcpOption = { type: "auth", protocol: PROTO_CHAP, algorithm: 5 };
export const AUTH_PAP: LcpOption = { type: "auth", protocol: PROTO_PAP };

const LCP_OPTION_CODES = { mru: 1, accm: 2, auth: 3, quality: 4, magic: 5, pfc: 7, acfc: 8 } as const;

const LCP_OPTION_NAMES: Record<number, string> = {
  1: "Maximum-Receive-Unit",
  2: "Async-Control-Character-Map",
  3: "Authentication-Protocol",
  4: "Quality-Protocol",
  5: "Magic-Number",
  7: "Protocol-Field-Compression",
  8: "Address-and-Control-Field-Compression",
};

/** "CHAP-MD5", "PAP", … for an Authentication-Protocol option. */
export function authName(protocol: number, algorithm?: number): string {
  if (protocol === PROTO_PAP) return "PAP";
  if (protocol === PROTO_EAP) return "EAP";
  if (protocol === PROTO_CHAP) {
    if (algorithm === 5) return "CHAP-MD5";
    if (algorithm === 0x80) return "MS-CHAP";
    if (algorithm === 0x81) return "MS-CHAPv2";
    return `CHAP alg ${algorithm ?? "?"}`;
  }
  return hexNum(protocol, 4);
}

function fixed(length: number, value: Uint8Array, name: string): string | null {
  return value.length === length
    ? null
    : `${name} option of ${value.length + 2} bytes, expected ${length + 2}`;
}

function u16Bytes(value: number): Uint8Array {
  const out = newBytes(2);
  put16(out, 0, value);
  return out;
}

function u32Bytes(value: number): Uint8Array {
  const out = newBytes(4);
  put32(out, 0, value);
  return out;
}

/** LCP's option table. */
export const LCP: ControlProtocol<LcpOption> = {
  name: "LCP",
  longName: "PPP Link Control Protocol",
  protocol: 0xc021,
  maxCode: 11,
  optionCode: (o) => (o.type === "raw" ? o.code : LCP_OPTION_CODES[o.type]),
  encodeOptionValue(o) {
    switch (o.type) {
      case "mru":
        return u16Bytes(o.mru);
      case "accm":
        return u32Bytes(o.accm);
      case "auth": {
        const out = newBytes(o.algorithm === undefined ? 2 : 3);
        put16(out, 0, o.protocol);
        if (o.algorithm !== undefined) out[2] = o.algorithm;
        return out;
      }
      case "quality": {
        const out = newBytes(2 + o.data.length);
        put16(out, 0, o.protocol);
        out.set(o.data, 2);
        return out;
      }
      case "magic":
        return u32Bytes(o.magic);
      case "pfc":
      case "acfc":
        return newBytes(0);
      case "raw":
        return o.data;
    }
  },
  decodeOption(code, v) {
    let bad: string | null;
    switch (code) {
      case 1:
        bad = fixed(2, v, "MRU");
        return bad ? fail(bad) : ok({ type: "mru", mru: u16(v, 0) });
      case 2:
        bad = fixed(4, v, "ACCM");
        return bad ? fail(bad) : ok({ type: "accm", accm: u32(v, 0) });
      case 3:
        if (v.length < 2) return fail(`Authentication-Protocol option of ${v.length + 2} bytes`);
        if (v.length === 2) return ok({ type: "auth", protocol: u16(v, 0) });
        if (v.length === 3) return ok({ type: "auth", protocol: u16(v, 0), algorithm: v[2] });
        return ok({ type: "raw", code, data: v });
      case 4:
        if (v.length < 2) return fail(`Quality-Protocol option of ${v.length + 2} bytes`);
        return ok({ type: "quality", protocol: u16(v, 0), data: v.subarray(2) });
      case 5:
        bad = fixed(4, v, "Magic-Number");
        return bad ? fail(bad) : ok({ type: "magic", magic: u32(v, 0) });
      case 7:
        bad = fixed(0, v, "PFC");
        return bad ? fail(bad) : ok({ type: "pfc" });
      case 8:
        bad = fixed(0, v, "ACFC");
        return bad ? fail(bad) : ok({ type: "acfc" });
      default:
        return ok({ type: "raw", code, data: v });
    }
  },
  optionName: (code) => LCP_OPTION_NAMES[code] ?? `Unknown option ${code}`,
  summarizeOption(o) {
    switch (o.type) {
      case "mru":
        return `MRU ${o.mru}`;
      case "accm":
        return `ACCM ${hexNum(o.accm, 8)}`;
      case "auth":
        return `auth ${authName(o.protocol, o.algorithm)}`;
      case "quality":
        return `quality ${hexNum(o.protocol, 4)}`;
      case "magic":
        return `magic ${hexNum(o.magic, 8)}`;
      case "pfc":
        return "PFC";
      case "acfc":
        return "ACFC";
      case "raw":
        return `opt ${o.code}`;
    }
  },
};

// ---------------------------------------------------------------------------------------------
// IPCP options (RFC 1332 §3, RFC 1877)

/** An IPCP configuration option. */
export type IpcpOption =
  | { type: "ip-compression"; protocol: number; data: Uint8Array }
  /** The sender's address; 0.0.0.0 asks the peer to assign one (it answers with a Nak). */
  | { type: "ip-address"; address: Ip4 }
  | { type: "primary-dns" | "primary-nbns" | "secondary-dns" | "secondary-nbns"; address: Ip4 }
  | { type: "raw"; code: number; data: Uint8Array };

const IPCP_ADDRESS_CODES = {
  "ip-address": 3,
  "primary-dns": 129,
  "primary-nbns": 130,
  "secondary-dns": 131,
  "secondary-nbns": 132,
} as const;

const IPCP_ADDRESS_TYPES: Record<number, keyof typeof IPCP_ADDRESS_CODES> = {
  3: "ip-address",
  129: "primary-dns",
  130: "primary-nbns",
  131: "secondary-dns",
  132: "secondary-nbns",
};

const IPCP_OPTION_NAMES: Record<number, string> = {
  1: "IP-Addresses (deprecated)",
  2: "IP-Compression-Protocol",
  3: "IP-Address",
  129: "Primary DNS Server Address",
  130: "Primary NBNS Server Address",
  131: "Secondary DNS Server Address",
  132: "Secondary NBNS Server Address",
};

const IPCP_SUMMARY_WORDS: Record<keyof typeof IPCP_ADDRESS_CODES, string> = {
  "ip-address": "addr",
  "primary-dns": "dns",
  "primary-nbns": "nbns",
  "secondary-dns": "dns2",
  "secondary-nbns": "nbns2",
};

/** IPCP's option table. */
export const IPCP: ControlProtocol<IpcpOption> = {
  name: "IPCP",
  longName: "PPP IP Control Protocol",
  protocol: 0x8021,
  maxCode: 7,
  optionCode: (
    o,
  ) => (o.type === "raw" ? o.code : o.type === "ip-compression" ? 2 : IPCP_ADDRESS_CODES[o.type]),
  encodeOptionValue(o) {
    if (o.type === "raw") return o.data;
    if (o.type === "ip-compression") {
      const out = newBytes(2 + o.data.length);
      put16(out, 0, o.protocol);
      out.set(o.data, 2);
      return out;
    }
    const out = newBytes(4);
    writeIp(out, 0, o.address);
    return out;
  },
  decodeOption(code, v) {
    const addressType = IPCP_ADDRESS_TYPES[code];
    if (addressType) {
      const bad = fixed(4, v, IPCP_OPTION_NAMES[code]);
      return bad ? fail(bad) : ok({ type: addressType, address: readIp(v, 0) });
    }
    if (code === 2) {
      if (v.length < 2) return fail(`IP-Compression-Protocol option of ${v.length + 2} bytes`);
      return ok({ type: "ip-compression", protocol: u16(v, 0), data: v.subarray(2) });
    }
    return ok({ type: "raw", code, data: v });
  },
  optionName: (code) => IPCP_OPTION_NAMES[code] ?? `Unknown option ${code}`,
  summarizeOption(o) {
    if (o.type === "raw") return `opt ${o.code}`;
    if (o.type === "ip-compression") {
      return o.protocol === 0x002d ? "VJ-comp" : `comp ${hexNum(o.protocol, 4)}`;
    }
    return `${IPCP_SUMMARY_WORDS[o.type]} ${formatIp(o.address)}`;
  },
};

// ---------------------------------------------------------------------------------------------
// Generic codec

/** Encodes an option list (Type, Length, Value each); also the body of L2TP proxy LCP AVPs. */
export function encodeOptions<O>(cp: ControlProtocol<O>, options: O[]): Uint8Array {
  const parts = options.map((o) => cp.encodeOptionValue(o));
  const out = newBytes(parts.reduce((n, p) => n + 2 + p.length, 0));
  let at = 0;
  options.forEach((o, i) => {
    out[at] = cp.optionCode(o);
    out[at + 1] = 2 + parts[i].length;
    out.set(parts[i], at + 2);
    at += 2 + parts[i].length;
  });
  return out;
}

/** Decodes an option list; fails on an option length below 2 or past the end. */
export function decodeOptions<O>(cp: ControlProtocol<O>, bytes: Uint8Array): Decoded<O[]> {
  const options: O[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 2) return fail(`${cp.name} option truncated at byte ${at}`);
    const code = bytes[at];
    const length = bytes[at + 1];
    if (length < 2) return fail(`${cp.name} option ${code} has length ${length} (< 2)`);
    if (at + length > bytes.length) {
      return fail(`${cp.name} option ${code} of length ${length} runs past the end`);
    }
    const option = cp.decodeOption(code, bytes.subarray(at + 2, at + length));
    if (!option.ok) return fail(`${cp.name}: ${option.error}`);
    options.push(option.value);
    at += length;
  }
  return ok(options);
}

/** Encodes a packet; the Length field is computed here. */
export function encodeCp<O>(cp: ControlProtocol<O>, packet: CpPacket<O>): Uint8Array {
  let data: Uint8Array;
  switch (packet.kind) {
    case "conf-req":
    case "conf-ack":
    case "conf-nak":
    case "conf-rej":
      data = encodeOptions(cp, packet.options);
      break;
    case "term-req":
    case "term-ack":
      data = packet.data;
      break;
    case "code-rej":
      data = packet.rejected;
      break;
    case "proto-rej":
      data = newBytes(2 + packet.rejected.length);
      put16(data, 0, packet.protocol);
      data.set(packet.rejected, 2);
      break;
    case "echo-req":
    case "echo-reply":
    case "discard-req":
      data = newBytes(4 + packet.data.length);
      put32(data, 0, packet.magic);
      data.set(packet.data, 4);
      break;
    case "unknown":
      data = packet.data;
      break;
  }
  const out = newBytes(4 + data.length);
  out[0] = packet.kind === "unknown" ? packet.code : CP_CODES[packet.kind];
  out[1] = packet.id & 0xff;
  put16(out, 2, out.length);
  out.set(data, 4);
  return out;
}

/**
 * Decodes a packet. Bytes past Length are padding and ignored (RFC 1661 §5); a Length beyond the
 * bytes received, or malformed options, is an error (the automaton silently discards those).
 */
export function decodeCp<O>(cp: ControlProtocol<O>, bytes: Uint8Array): Decoded<CpPacket<O>> {
  if (bytes.length < 4) return fail(`truncated ${cp.name} header (${bytes.length} bytes)`);
  const code = bytes[0];
  const id = bytes[1];
  const length = u16(bytes, 2);
  if (length < 4) return fail(`${cp.name} length ${length} is below 4`);
  if (length > bytes.length) {
    return fail(`${cp.name} length ${length} exceeds the ${bytes.length} bytes received`);
  }
  const data = bytes.subarray(4, length);
  const kind = code <= cp.maxCode ? KIND_BY_CODE[code] : undefined;
  switch (kind) {
    case "conf-req":
    case "conf-ack":
    case "conf-nak":
    case "conf-rej": {
      const options = decodeOptions(cp, data);
      return options.ok ? ok({ kind, id, options: options.value }) : fail(options.error);
    }
    case "term-req":
    case "term-ack":
      return ok({ kind, id, data });
    case "code-rej":
      return ok({ kind, id, rejected: data });
    case "proto-rej":
      if (data.length < 2) return fail(`${cp.name} Protocol-Reject without a protocol`);
      return ok({ kind, id, protocol: u16(data, 0), rejected: data.subarray(2) });
    case "echo-req":
    case "echo-reply":
    case "discard-req":
      if (data.length < 4) return fail(`${cp.name} ${CP_CODE_NAMES[code]} without a Magic-Number`);
      return ok({ kind, id, magic: u32(data, 0), data: data.subarray(4) });
    default:
      return ok({ kind: "unknown", code, id, data });
  }
}

/** One line: "LCP Conf-Req id 1 MRU 1400 magic 0x1234abcd auth CHAP-MD5". */
export function summarizeCp<O>(cp: ControlProtocol<O>, bytes: Uint8Array): string {
  const decoded = decodeCp(cp, bytes);
  if (!decoded.ok) return `${cp.name} malformed: ${decoded.error}`;
  const p = decoded.value;
  const head = p.kind === "unknown"
    ? `${cp.name} code ${p.code} id ${p.id}`
    : `${cp.name} ${CP_CODE_NAMES[CP_CODES[p.kind]]} id ${p.id}`;
  switch (p.kind) {
    case "conf-req":
    case "conf-ack":
    case "conf-nak":
    case "conf-rej":
      return [head, ...p.options.map((o) => cp.summarizeOption(o))].join(" ");
    case "proto-rej":
      return `${head} proto ${hexNum(p.protocol, 4)}`;
    case "code-rej":
      return p.rejected.length > 0 ? `${head} code ${p.rejected[0]}` : head;
    case "echo-req":
    case "echo-reply":
    case "discard-req":
      return `${head} magic ${hexNum(p.magic, 8)}`;
    default:
      return head;
  }
}

function describeOptionList<O>(
  cp: ControlProtocol<O>,
  bytes: Uint8Array,
  start: number,
  end: number,
): Field[] {
  const fields: Field[] = [];
  let at = start;
  while (at + 2 <= end) {
    const code = bytes[at];
    const length = bytes[at + 1];
    if (length < 2 || at + length > end) {
      fields.push(leaf("Malformed option", `type ${code} length ${length}`, at, end - at));
      return fields;
    }
    const value = bytes.subarray(at + 2, at + length);
    const option = cp.decodeOption(code, value);
    const text = option.ok ? cp.summarizeOption(option.value) : option.error;
    fields.push({
      name: cp.optionName(code),
      value: text,
      start: at,
      end: at + length,
      children: [
        leaf("Type", String(code), at, 1),
        leaf("Length", String(length), at + 1, 1),
        ...(length > 2 ? [leaf("Value", hexBytes(value), at + 2, length - 2)] : []),
      ],
    });
    at += length;
  }
  if (at < end) fields.push(leaf("Trailing bytes", `${end - at}`, at, end - at));
  return fields;
}

/** The inspector tree of a packet starting at `offset` in the outer packet. */
export function describeCp<O>(
  cp: ControlProtocol<O>,
  bytes: Uint8Array,
  offset: number,
  end = bytes.length,
): Field {
  if (end - offset < 4) return leaf(cp.longName, "truncated", offset, Math.max(0, end - offset));
  const { code, stop, children } = describePppHead(bytes, offset, end, CP_CODE_NAMES);
  const dataStart = offset + 4;
  if (code >= 1 && code <= 4) {
    const options = describeOptionList(cp, bytes, dataStart, stop);
    if (options.length > 0) {
      children.push({
        name: "Options",
        value: `${stop - dataStart} bytes`,
        start: dataStart,
        end: stop,
        children: options,
      });
    }
  } else if (code === 8 && cp.maxCode >= 8 && stop - dataStart >= 2) {
    children.push(leaf("Rejected Protocol", hexNum(u16(bytes, dataStart), 4), dataStart, 2));
    if (stop > dataStart + 2) {
      children.push(
        leaf("Rejected Information", `${stop - dataStart - 2} bytes`, dataStart + 2, stop - dataStart - 2),
      );
    }
  } else if (code >= 9 && code <= 11 && cp.maxCode >= 9 && stop - dataStart >= 4) {
    children.push(leaf("Magic-Number", hexNum(u32(bytes, dataStart), 8), dataStart, 4));
    if (stop > dataStart + 4) {
      children.push(
        leaf("Data", hexBytes(bytes.subarray(dataStart + 4, stop)), dataStart + 4, stop - dataStart - 4),
      );
    }
  } else if (stop > dataStart) {
    children.push(leaf("Data", hexBytes(bytes.subarray(dataStart, stop)), dataStart, stop - dataStart));
  }
  return {
    name: cp.longName,
    value: summarizeCp(cp, bytes.subarray(offset, end)).slice(cp.name.length + 1),
    start: offset,
    end: stop,
    children,
  };
}

/** An LCP packet to bytes. */
export const encodeLcp = (packet: CpPacket<LcpOption>): Uint8Array => encodeCp(LCP, packet);
/** LCP bytes to a packet. */
export const decodeLcp = (bytes: Uint8Array): Decoded<CpPacket<LcpOption>> => decodeCp(LCP, bytes);
/** An IPCP packet to bytes. */
export const encodeIpcp = (packet: CpPacket<IpcpOption>): Uint8Array => encodeCp(IPCP, packet);
/** IPCP bytes to a packet. */
export const decodeIpcp = (bytes: Uint8Array): Decoded<CpPacket<IpcpOption>> => decodeCp(IPCP, bytes);
/** LCP options to bytes (the value of the L2TP proxy LCP AVPs 26–28). */
export const encodeLcpOptions = (options: LcpOption[]): Uint8Array => encodeOptions(LCP, options);
/** Bytes to LCP options. */
export const decodeLcpOptions = (bytes: Uint8Array): Decoded<LcpOption[]> => decodeOptions(LCP, bytes);
