/**
 * STUN (RFC 5389) Binding messages with the RFC 5780 attributes NAT behaviour discovery needs:
 * XOR-MAPPED-ADDRESS (what the server saw), CHANGE-REQUEST (answer from the other address/port),
 * OTHER-ADDRESS and RESPONSE-ORIGIN, plus ERROR-CODE, SOFTWARE and FINGERPRINT.
 */
import { formatIp, type Ip4, readIp, writeIp } from "./addr.ts";
import type { UdpDissector } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";

export const STUN_PORT = 3478;
/** The second port an RFC 5780 server listens on (its "alternate port"; 3479 by convention). */
export const STUN_ALT_PORT = 3479;
export const STUN_MAGIC = 0x2112a442;
export const STUN_HEADER_LEN = 20;

export const BINDING_REQUEST = 0x0001;
export const BINDING_SUCCESS = 0x0101;
export const BINDING_ERROR = 0x0111;

export const ATTR_MAPPED_ADDRESS = 0x0001;
export const ATTR_CHANGE_REQUEST = 0x0003;
export const ATTR_ERROR_CODE = 0x0009;
export const ATTR_UNKNOWN_ATTRIBUTES = 0x000a;
export const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
export const ATTR_SOFTWARE = 0x8022;
export const ATTR_FINGERPRINT = 0x8028;
export const ATTR_RESPONSE_ORIGIN = 0x802b;
export const ATTR_OTHER_ADDRESS = 0x802c;

const FINGERPRINT_XOR = 0x5354554e;

export interface StunAddress {
  ip: Ip4;
  port: number;
}

/** A STUN message as the discovery code uses it; absent attributes are undefined. */
export interface StunMessage {
  /** Method and class, e.g. BINDING_REQUEST. */
  type: number;
  /** 12 bytes chosen by the client, echoed by the server. */
  transactionId: Uint8Array;
  mappedAddress?: StunAddress;
  xorMappedAddress?: StunAddress;
  responseOrigin?: StunAddress;
  otherAddress?: StunAddress;
  changeRequest?: { changeIp: boolean; changePort: boolean };
  errorCode?: { code: number; reason: string };
  unknownAttributes?: number[];
  software?: string;
  /** Encoding: append FINGERPRINT. Decoding: it was present (and correct, or decoding fails). */
  fingerprint?: boolean;
}

const ATTR_NAMES: Record<number, string> = {
  [ATTR_MAPPED_ADDRESS]: "MAPPED-ADDRESS",
  [ATTR_CHANGE_REQUEST]: "CHANGE-REQUEST",
  [ATTR_ERROR_CODE]: "ERROR-CODE",
  [ATTR_UNKNOWN_ATTRIBUTES]: "UNKNOWN-ATTRIBUTES",
  [ATTR_XOR_MAPPED_ADDRESS]: "XOR-MAPPED-ADDRESS",
  [ATTR_SOFTWARE]: "SOFTWARE",
  [ATTR_FINGERPRINT]: "FINGERPRINT",
  [ATTR_RESPONSE_ORIGIN]: "RESPONSE-ORIGIN",
  [ATTR_OTHER_ADDRESS]: "OTHER-ADDRESS",
};

const TYPE_NAMES: Record<number, string> = {
  [BINDING_REQUEST]: "Binding Request",
  [BINDING_SUCCESS]: "Binding Success Response",
  [BINDING_ERROR]: "Binding Error Response",
};

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, the one zlib and Ethernet use), as FINGERPRINT requires. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function addressValue(a: StunAddress, xor: boolean): Uint8Array {
  const v = new Uint8Array(8);
  v[1] = 0x01; // IPv4
  const port = xor ? a.port ^ (STUN_MAGIC >>> 16) : a.port;
  v[2] = port >>> 8;
  v[3] = port & 0xff;
  writeIp(v, 4, xor ? (a.ip ^ STUN_MAGIC) >>> 0 : a.ip);
  return v;
}

/** Builds a message; lengths, padding and the fingerprint are computed here. */
export function encodeStun(m: StunMessage): Uint8Array {
  const attrs: [number, Uint8Array][] = [];
  const text = new TextEncoder();
  if (m.mappedAddress) attrs.push([ATTR_MAPPED_ADDRESS, addressValue(m.mappedAddress, false)]);
  if (m.xorMappedAddress) attrs.push([ATTR_XOR_MAPPED_ADDRESS, addressValue(m.xorMappedAddress, true)]);
  if (m.changeRequest) {
    const v = new Uint8Array(4);
    v[3] = (m.changeRequest.changeIp ? 0x04 : 0) | (m.changeRequest.changePort ? 0x02 : 0);
    attrs.push([ATTR_CHANGE_REQUEST, v]);
  }
  if (m.errorCode) {
    const reason = text.encode(m.errorCode.reason);
    const v = new Uint8Array(4 + reason.length);
    v[2] = Math.floor(m.errorCode.code / 100);
    v[3] = m.errorCode.code % 100;
    v.set(reason, 4);
    attrs.push([ATTR_ERROR_CODE, v]);
  }
  if (m.unknownAttributes) {
    const v = new Uint8Array(m.unknownAttributes.length * 2);
    m.unknownAttributes.forEach((a, i) => {
      v[2 * i] = a >>> 8;
      v[2 * i + 1] = a & 0xff;
    });
    attrs.push([ATTR_UNKNOWN_ATTRIBUTES, v]);
  }
  if (m.responseOrigin) attrs.push([ATTR_RESPONSE_ORIGIN, addressValue(m.responseOrigin, false)]);
  if (m.otherAddress) attrs.push([ATTR_OTHER_ADDRESS, addressValue(m.otherAddress, false)]);
  if (m.software !== undefined) attrs.push([ATTR_SOFTWARE, text.encode(m.software)]);
  const bodyLength = attrs.reduce((n, [, v]) => n + 4 + ((v.length + 3) & ~3), 0) + (m.fingerprint ? 8 : 0);
  const out = new Uint8Array(STUN_HEADER_LEN + bodyLength);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(0, m.type & 0x3fff);
  view.setUint16(2, bodyLength);
  view.setUint32(4, STUN_MAGIC);
  out.set(m.transactionId.subarray(0, 12), 8);
  let at = STUN_HEADER_LEN;
  for (const [type, value] of attrs) {
    view.setUint16(at, type);
    view.setUint16(at + 2, value.length);
    out.set(value, at + 4);
    at += 4 + ((value.length + 3) & ~3);
  }
  if (m.fingerprint) {
    view.setUint16(at, ATTR_FINGERPRINT);
    view.setUint16(at + 2, 4);
    view.setUint32(at + 4, (crc32(out.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0);
  }
  return out;
}

/** Whether a UDP payload looks like STUN (zero top bits, magic cookie, consistent length). */
export function isStun(bytes: Uint8Array): boolean {
  if (bytes.length < STUN_HEADER_LEN || (bytes[0] & 0xc0) !== 0) return false;
  const length = (bytes[2] << 8) | bytes[3];
  return readIp(bytes, 4) === STUN_MAGIC && length % 4 === 0 && STUN_HEADER_LEN + length <= bytes.length;
}

function readAddress(v: Uint8Array, xor: boolean): Decoded<StunAddress> {
  if (v.length < 8) return fail(`address attribute of ${v.length} bytes (IPv4 needs 8)`);
  if (v[1] !== 0x01) return fail(`address family ${v[1]} is not IPv4`);
  const port = (v[2] << 8) | v[3];
  const ip = readIp(v, 4);
  return ok(xor ? { port: port ^ (STUN_MAGIC >>> 16), ip: (ip ^ STUN_MAGIC) >>> 0 } : { port, ip });
}

/** Parses a message, checking the header, every attribute's length and the fingerprint. */
export function decodeStun(bytes: Uint8Array): Decoded<StunMessage> {
  if (bytes.length < STUN_HEADER_LEN) return fail(`truncated STUN header (${bytes.length} bytes)`);
  if (!isStun(bytes)) return fail("not a STUN message (no magic cookie, or a bad length)");
  const length = (bytes[2] << 8) | bytes[3];
  const m: StunMessage = {
    type: (bytes[0] << 8) | bytes[1],
    transactionId: bytes.slice(8, 20),
  };
  const end = STUN_HEADER_LEN + length;
  let at = STUN_HEADER_LEN;
  const text = new TextDecoder();
  while (at < end) {
    if (at + 4 > end) return fail("truncated STUN attribute header");
    const type = (bytes[at] << 8) | bytes[at + 1];
    const len = (bytes[at + 2] << 8) | bytes[at + 3];
    if (at + 4 + len > end) return fail(`STUN attribute 0x${type.toString(16)} overruns the message`);
    const v = bytes.subarray(at + 4, at + 4 + len);
    let address: Decoded<StunAddress> | undefined;
    switch (type) {
      case ATTR_MAPPED_ADDRESS:
      case ATTR_XOR_MAPPED_ADDRESS:
      case ATTR_RESPONSE_ORIGIN:
      case ATTR_OTHER_ADDRESS:
        address = readAddress(v, type === ATTR_XOR_MAPPED_ADDRESS);
        if (!address.ok) return fail(`${ATTR_NAMES[type]}: ${address.error}`);
        if (type === ATTR_MAPPED_ADDRESS) m.mappedAddress = address.value;
        else if (type === ATTR_XOR_MAPPED_ADDRESS) m.xorMappedAddress = address.value;
        else if (type === ATTR_RESPONSE_ORIGIN) m.responseOrigin = address.value;
        else m.otherAddress = address.value;
        break;
      case ATTR_CHANGE_REQUEST:
        if (len !== 4) return fail(`CHANGE-REQUEST of ${len} bytes (expected 4)`);
        m.changeRequest = { changeIp: (v[3] & 0x04) !== 0, changePort: (v[3] & 0x02) !== 0 };
        break;
      case ATTR_ERROR_CODE:
        if (len < 4) return fail(`ERROR-CODE of ${len} bytes`);
        m.errorCode = { code: (v[2] & 0x07) * 100 + v[3], reason: text.decode(v.subarray(4)) };
        break;
      case ATTR_UNKNOWN_ATTRIBUTES:
        m.unknownAttributes = [];
        for (let i = 0; i + 1 < len; i += 2) m.unknownAttributes.push((v[i] << 8) | v[i + 1]);
        break;
      case ATTR_SOFTWARE:
        m.software = text.decode(v);
        break;
      case ATTR_FINGERPRINT: {
        if (len !== 4) return fail(`FINGERPRINT of ${len} bytes (expected 4)`);
        const expected = (crc32(bytes.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0;
        if (readIp(v, 0) !== expected) return fail("bad STUN FINGERPRINT");
        m.fingerprint = true;
        break;
      }
      default:
        break; // comprehension-optional or unknown: ignored here, the server reports required ones
    }
    at += 4 + ((len + 3) & ~3);
  }
  return ok(m);
}

/** `STUN Binding Request (change IP+port)`, `STUN Binding Success Response 203.0.113.2:5000`. */
export function stunSummary(bytes: Uint8Array): string {
  const d = decodeStun(bytes);
  if (!d.ok) return `STUN (malformed: ${d.error})`;
  const m = d.value;
  const name = TYPE_NAMES[m.type] ?? `message type 0x${m.type.toString(16).padStart(4, "0")}`;
  const parts = [`STUN ${name}`];
  const mapped = m.xorMappedAddress ?? m.mappedAddress;
  if (mapped) parts.push(`${formatIp(mapped.ip)}:${mapped.port}`);
  if (m.changeRequest && (m.changeRequest.changeIp || m.changeRequest.changePort)) {
    const what = [m.changeRequest.changeIp && "IP", m.changeRequest.changePort && "port"].filter(Boolean)
      .join("+");
    parts.push(`(change ${what})`);
  }
  if (m.errorCode) parts.push(`${m.errorCode.code} ${m.errorCode.reason}`);
  return parts.join(" ");
}

/** The inspector's field tree for a STUN message at `offset` (up to `end`). */
export function describeStun(bytes: Uint8Array, offset: number, end: number): Field[] {
  const msg = bytes.subarray(offset, end);
  if (!isStun(msg)) return [{ name: "Data", value: `${end - offset} bytes`, start: offset, end }];
  const length = (msg[2] << 8) | msg[3];
  const type = (msg[0] << 8) | msg[1];
  const children: Field[] = [
    {
      name: "Message Type",
      value: `${TYPE_NAMES[type] ?? "unknown"} (0x${type.toString(16).padStart(4, "0")})`,
      start: offset,
      end: offset + 2,
    },
    { name: "Message Length", value: String(length), start: offset + 2, end: offset + 4 },
    { name: "Magic Cookie", value: "0x2112a442", start: offset + 4, end: offset + 8 },
    {
      name: "Transaction ID",
      value: [...msg.subarray(8, 20)].map((b) => b.toString(16).padStart(2, "0")).join(""),
      start: offset + 8,
      end: offset + 20,
    },
  ];
  const decoded = decodeStun(msg);
  let at = STUN_HEADER_LEN;
  while (at + 4 <= STUN_HEADER_LEN + length) {
    const attr = (msg[at] << 8) | msg[at + 1];
    const len = (msg[at + 2] << 8) | msg[at + 3];
    const name = ATTR_NAMES[attr] ?? `attribute 0x${attr.toString(16).padStart(4, "0")}`;
    let value = `${len} bytes`;
    if (decoded.ok) {
      const m = decoded.value;
      const addr = (a?: StunAddress) => a ? `${formatIp(a.ip)}:${a.port}` : value;
      if (attr === ATTR_XOR_MAPPED_ADDRESS) value = addr(m.xorMappedAddress);
      else if (attr === ATTR_MAPPED_ADDRESS) value = addr(m.mappedAddress);
      else if (attr === ATTR_OTHER_ADDRESS) value = addr(m.otherAddress);
      else if (attr === ATTR_RESPONSE_ORIGIN) value = addr(m.responseOrigin);
      else if (attr === ATTR_CHANGE_REQUEST && m.changeRequest) {
        value = `change IP: ${m.changeRequest.changeIp}, change port: ${m.changeRequest.changePort}`;
      } else if (attr === ATTR_ERROR_CODE && m.errorCode) value = `${m.errorCode.code} ${m.errorCode.reason}`;
      else if (attr === ATTR_SOFTWARE && m.software !== undefined) value = m.software;
      else if (attr === ATTR_FINGERPRINT) value = "correct";
    }
    const stop = Math.min(STUN_HEADER_LEN + length, at + 4 + ((len + 3) & ~3));
    children.push({ name, value, start: offset + at, end: offset + stop });
    at += 4 + ((len + 3) & ~3);
  }
  return [{
    name: "Session Traversal Utilities for NAT",
    value: stunSummary(msg).replace(/^STUN /, ""),
    start: offset,
    end,
    children,
  }];
}

/** STUN on its two ports. */
export const stunDissector: UdpDissector = {
  label: "UDP",
  summarize: (payload) => isStun(payload) ? stunSummary(payload) : `UDP len ${payload.length}`,
  describe: describeStun,
};
