/**
 * ISAKMP (RFC 2408) as IKEv1 (RFC 2409) uses it: the 28-byte header, the generic payload chain and the
 * payloads Main Mode, Quick Mode, Informational exchanges and NAT-T (RFC 3947) carry. Encrypted
 * messages are framed here too, but their body is opaque: decrypting needs the IKE SA's keys, which
 * live in the stack. Names, the inspector tree and the dissector are in isakmp_describe.ts.
 */
import { bytesOf, concatBytes, copyBytes, newBytes } from "../crypto/bytes.ts";
import { type Decoded, fail, ok } from "./field.ts";
import {
  type ChainErrors,
  genericPayload,
  type HeaderErrors,
  IKE_HEADER_LEN,
  readIkeHeader,
  walkChain,
  writeIkeHeader,
} from "./ike_header.ts";
import { put16, put32, u16, u32 } from "./octets.ts";

/** IKE's well-known port; NAT-T floats to 4500 (RFC 3947 §4). */
export const IKE_PORT = 500;
export const NAT_T_PORT = 4500;
export const ISAKMP_HEADER_LEN = IKE_HEADER_LEN;
/** Major version 1, minor 0. */
export const ISAKMP_VERSION = 0x10;

/** Payload type numbers (RFC 2408 §3.1, RFC 3947 §3.2 and §5.2, draft-ietf-ipsec-nat-t-ike-02). */
export const PT = {
  NONE: 0,
  SA: 1,
  PROPOSAL: 2,
  TRANSFORM: 3,
  KE: 4,
  ID: 5,
  CERT: 6,
  CR: 7,
  HASH: 8,
  SIG: 9,
  NONCE: 10,
  NOTIFY: 11,
  DELETE: 12,
  VID: 13,
  NAT_D: 20,
  NAT_OA: 21,
  NAT_D_DRAFT: 130,
  NAT_OA_DRAFT: 131,
} as const;

/** Exchange types (RFC 2408 §3.1, RFC 2409 §5.5). */
export const EXCHANGE = { MAIN: 2, AGGRESSIVE: 4, INFORMATIONAL: 5, QUICK: 32 } as const;

export const FLAG_ENCRYPTION = 1;
export const FLAG_COMMIT = 2;
export const FLAG_AUTH_ONLY = 4;

/** Protocol ids in proposals, notifications and deletes (RFC 2407 §4.4.1). */
export const PROTO_ISAKMP = 1;
export const PROTO_IPSEC_AH = 2;
export const PROTO_IPSEC_ESP = 3;

/** ID types (RFC 2407 §4.6.2.1). */
export const ID_IPV4_ADDR = 1;

/** Notify message types used here (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706). */
export const NOTIFY = {
  INVALID_PAYLOAD_TYPE: 1,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_ID_INFORMATION: 18,
  AUTHENTICATION_FAILED: 24,
  INVALID_HASH_INFORMATION: 23,
  INITIAL_CONTACT: 24578,
  R_U_THERE: 36136,
  R_U_THERE_ACK: 36137,
} as const;

/** A data attribute (RFC 2408 §3.3): TV when the value fits 16 bits, TLV otherwise. */
export interface Attribute {
  type: number;
  value: number | Uint8Array;
}

export interface Transform {
  number: number;
  /** KEY_IKE (1) in phase 1; ESP_3DES (3), ESP_AES (12), ESP_AES_GCM_16 (20) in phase 2. */
  id: number;
  attributes: Attribute[];
}

export interface Proposal {
  number: number;
  protocol: number;
  /** Empty in phase 1; the 4-byte inbound SPI of the sender for ESP. */
  spi: Uint8Array;
  transforms: Transform[];
}

/** The payloads this module understands; anything else round-trips as `raw`. */
export type Payload =
  | { kind: "sa"; doi: number; situation: number; proposals: Proposal[] }
  | { kind: "ke"; data: Uint8Array }
  | { kind: "id"; idType: number; protocol: number; port: number; data: Uint8Array }
  | { kind: "hash"; data: Uint8Array }
  | { kind: "nonce"; data: Uint8Array }
  | { kind: "notify"; doi: number; protocol: number; spi: Uint8Array; notifyType: number; data: Uint8Array }
  | { kind: "delete"; doi: number; protocol: number; spiSize: number; spis: Uint8Array[] }
  | { kind: "vid"; data: Uint8Array }
  | { kind: "nat-d"; draft: boolean; data: Uint8Array }
  | { kind: "nat-oa"; draft: boolean; idType: number; address: Uint8Array }
  | { kind: "raw"; type: number; data: Uint8Array };

export interface IsakmpHeader {
  initiatorCookie: Uint8Array;
  responderCookie: Uint8Array;
  nextPayload: number;
  version: number;
  exchange: number;
  flags: number;
  messageId: number;
  length: number;
}

/** A decoded payload with its body as sent (the `_b` of RFC 2409's hash formulas). */
export interface PayloadItem {
  type: number;
  payload: Payload;
  body: Uint8Array;
}

/** The payload type number of a payload. */
export function payloadType(p: Payload): number {
  switch (p.kind) {
    case "sa":
      return PT.SA;
    case "ke":
      return PT.KE;
    case "id":
      return PT.ID;
    case "hash":
      return PT.HASH;
    case "nonce":
      return PT.NONCE;
    case "notify":
      return PT.NOTIFY;
    case "delete":
      return PT.DELETE;
    case "vid":
      return PT.VID;
    case "nat-d":
      return p.draft ? PT.NAT_D_DRAFT : PT.NAT_D;
    case "nat-oa":
      return p.draft ? PT.NAT_OA_DRAFT : PT.NAT_OA;
    case "raw":
      return p.type;
  }
}

function encodeAttribute(a: Attribute): Uint8Array {
  if (typeof a.value === "number" && a.value <= 0xffff) {
    const out = newBytes(4);
    put16(out, 0, 0x8000 | a.type);
    put16(out, 2, a.value);
    return out;
  }
  let value: Uint8Array;
  if (typeof a.value === "number") {
    value = newBytes(4);
    put32(value, 0, a.value);
  } else value = a.value;
  const out = newBytes(4 + value.length);
  put16(out, 0, a.type & 0x7fff);
  put16(out, 2, value.length);
  out.set(value, 4);
  return out;
}

/** Attributes of a transform as bytes. */
export function encodeAttributes(attributes: Attribute[]): Uint8Array {
  return concatBytes(...attributes.map(encodeAttribute));
}

function encodeTransform(t: Transform, last: boolean): Uint8Array {
  const body = concatBytes(bytesOf(t.number, t.id, 0, 0), encodeAttributes(t.attributes));
  return genericPayload(last ? PT.NONE : PT.TRANSFORM, body);
}

function encodeProposal(p: Proposal, last: boolean): Uint8Array {
  const head = bytesOf(p.number, p.protocol, p.spi.length, p.transforms.length);
  const transforms = p.transforms.map((t, i) => encodeTransform(t, i === p.transforms.length - 1));
  return genericPayload(last ? PT.NONE : PT.PROPOSAL, concatBytes(head, p.spi, ...transforms));
}

function idBody(idType: number, protocol: number, port: number, data: Uint8Array): Uint8Array {
  const out = newBytes(4 + data.length);
  out[0] = idType;
  out[1] = protocol;
  put16(out, 2, port);
  out.set(data, 4);
  return out;
}

/** The body of a payload (everything after its 4-byte generic header). */
export function encodePayloadBody(p: Payload): Uint8Array {
  switch (p.kind) {
    case "sa": {
      const head = newBytes(8);
      put32(head, 0, p.doi);
      put32(head, 4, p.situation);
      const proposals = p.proposals.map((q, i) => encodeProposal(q, i === p.proposals.length - 1));
      return concatBytes(head, ...proposals);
    }
    case "id":
      return idBody(p.idType, p.protocol, p.port, p.data);
    case "notify": {
      const head = newBytes(8);
      put32(head, 0, p.doi);
      head[4] = p.protocol;
      head[5] = p.spi.length;
      put16(head, 6, p.notifyType);
      return concatBytes(head, p.spi, p.data);
    }
    case "delete": {
      const head = newBytes(8);
      put32(head, 0, p.doi);
      head[4] = p.protocol;
      head[5] = p.spiSize;
      put16(head, 6, p.spis.length);
      return concatBytes(head, ...p.spis);
    }
    case "nat-oa": {
      const out = newBytes(4 + p.address.length);
      out[0] = p.idType;
      out.set(p.address, 4);
      return out;
    }
    case "ke":
    case "hash":
    case "nonce":
    case "vid":
    case "nat-d":
    case "raw":
      return copyBytes(p.data);
  }
}

/** A payload chain: the first payload's type (for the header) and the bytes. */
export function encodePayloads(payloads: Payload[]): { first: number; bytes: Uint8Array } {
  const parts = payloads.map((p, i) =>
    genericPayload(i + 1 < payloads.length ? payloadType(payloads[i + 1]) : PT.NONE, encodePayloadBody(p))
  );
  return { first: payloads.length ? payloadType(payloads[0]) : PT.NONE, bytes: concatBytes(...parts) };
}

/** The fields of a header that the encoder does not compute. */
export type HeaderFields = Omit<IsakmpHeader, "length" | "nextPayload" | "version"> & { version?: number };

/** Header plus an already-encoded body (a payload chain, or ciphertext when FLAG_ENCRYPTION is set). */
export function encodeIsakmpRaw(header: HeaderFields, nextPayload: number, body: Uint8Array): Uint8Array {
  const out = newBytes(ISAKMP_HEADER_LEN + body.length);
  writeIkeHeader(out, {
    spiI: header.initiatorCookie,
    spiR: header.responderCookie,
    nextPayload,
    version: header.version ?? ISAKMP_VERSION,
    exchange: header.exchange,
    flags: header.flags,
    messageId: header.messageId,
    length: out.length,
  });
  out.set(body, ISAKMP_HEADER_LEN);
  return out;
}

/** A whole plaintext ISAKMP message. */
export function encodeIsakmp(header: HeaderFields, payloads: Payload[]): Uint8Array {
  const chain = encodePayloads(payloads);
  return encodeIsakmpRaw({ ...header, flags: header.flags & ~FLAG_ENCRYPTION }, chain.first, chain.bytes);
}

const HEADER_ERRORS: HeaderErrors = {
  short: (size) => `truncated ISAKMP header (${size} bytes)`,
  version: (major) => `ISAKMP major version ${major} (IKEv1 is 1)`,
  length: (length, size) => `ISAKMP length ${length} does not fit the ${size} bytes received`,
};

/** Parses the header; `body` is everything after it up to Length (ciphertext if encrypted). */
export function decodeIsakmpHeader(bytes: Uint8Array): Decoded<{ header: IsakmpHeader; body: Uint8Array }> {
  const read = readIkeHeader(bytes, 1, HEADER_ERRORS);
  if (!read.ok) return read;
  const { spiI, spiR, ...rest } = read.value.header;
  return ok({ header: { initiatorCookie: spiI, responderCookie: spiR, ...rest }, body: read.value.body });
}

/** Decodes a list of data attributes (RFC 2408 §3.3), as SA transforms carry them. */
export function decodeAttributes(bytes: Uint8Array): Decoded<Attribute[]> {
  const out: Attribute[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) return fail("truncated data attribute");
    const word = u16(bytes, at);
    const type = word & 0x7fff;
    if (word & 0x8000) {
      out.push({ type, value: u16(bytes, at + 2) });
      at += 4;
      continue;
    }
    const length = u16(bytes, at + 2);
    if (at + 4 + length > bytes.length) {
      return fail(`attribute ${type} length ${length} overruns the transform`);
    }
    const value = copyBytes(bytes.subarray(at + 4, at + 4 + length));
    out.push({ type, value: length > 0 && length <= 4 ? value.reduce((n, b) => n * 256 + b, 0) : value });
    at += 4 + length;
  }
  return ok(out);
}

/** Walks a chain of generic headers of one type (proposals, transforms) inside a parent body. */
function decodeSubChain(bytes: Uint8Array, expected: number, what: string): Decoded<Uint8Array[]> {
  const bodies: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    if (at + 4 > bytes.length) return fail(`truncated ${what} payload`);
    const next = bytes[at];
    const length = u16(bytes, at + 2);
    if (length < 4 || at + length > bytes.length) return fail(`${what} payload length ${length} is invalid`);
    bodies.push(bytes.subarray(at + 4, at + length));
    at += length;
    if (next === PT.NONE) return ok(bodies);
    if (next !== expected) return fail(`${what} payload followed by payload type ${next}`);
  }
}

function decodeSa(body: Uint8Array): Decoded<Payload> {
  if (body.length < 8) return fail("SA payload shorter than DOI and Situation");
  const doi = u32(body, 0);
  const situation = u32(body, 4);
  const proposals: Proposal[] = [];
  if (body.length === 8) return ok({ kind: "sa", doi, situation, proposals });
  const chain = decodeSubChain(body.subarray(8), PT.PROPOSAL, "Proposal");
  if (!chain.ok) return chain;
  for (const pb of chain.value) {
    if (pb.length < 4) return fail("Proposal payload too short");
    const spiSize = pb[2];
    const count = pb[3];
    if (4 + spiSize > pb.length) return fail(`Proposal SPI size ${spiSize} overruns the payload`);
    const transforms: Transform[] = [];
    if (count > 0) {
      const tchain = decodeSubChain(pb.subarray(4 + spiSize), PT.TRANSFORM, "Transform");
      if (!tchain.ok) return tchain;
      for (const tb of tchain.value) {
        if (tb.length < 4) return fail("Transform payload too short");
        const attrs = decodeAttributes(tb.subarray(4));
        if (!attrs.ok) return attrs;
        transforms.push({ number: tb[0], id: tb[1], attributes: attrs.value });
      }
      if (transforms.length !== count) {
        return fail(`Proposal announces ${count} transforms but carries ${transforms.length}`);
      }
    }
    proposals.push({
      number: pb[0],
      protocol: pb[1],
      spi: copyBytes(pb.subarray(4, 4 + spiSize)),
      transforms,
    });
  }
  return ok({ kind: "sa", doi, situation, proposals });
}

/** Parses one payload body of the given type. */
export function decodePayloadBody(type: number, body: Uint8Array): Decoded<Payload> {
  switch (type) {
    case PT.SA:
      return decodeSa(body);
    case PT.KE:
      return ok({ kind: "ke", data: copyBytes(body) });
    case PT.ID:
      if (body.length < 4) return fail("Identification payload too short");
      return ok({
        kind: "id",
        idType: body[0],
        protocol: body[1],
        port: u16(body, 2),
        data: copyBytes(body.subarray(4)),
      });
    case PT.HASH:
      return ok({ kind: "hash", data: copyBytes(body) });
    case PT.NONCE:
      return ok({ kind: "nonce", data: copyBytes(body) });
    case PT.NOTIFY: {
      if (body.length < 8) return fail("Notification payload too short");
      const spiSize = body[5];
      if (8 + spiSize > body.length) return fail(`Notification SPI size ${spiSize} overruns the payload`);
      return ok({
        kind: "notify",
        doi: u32(body, 0),
        protocol: body[4],
        spi: copyBytes(body.subarray(8, 8 + spiSize)),
        notifyType: u16(body, 6),
        data: copyBytes(body.subarray(8 + spiSize)),
      });
    }
    case PT.DELETE: {
      if (body.length < 8) return fail("Delete payload too short");
      const spiSize = body[5];
      const count = u16(body, 6);
      if (8 + spiSize * count > body.length) {
        return fail(`Delete payload lists ${count} SPIs it does not carry`);
      }
      const spis: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        spis.push(copyBytes(body.subarray(8 + i * spiSize, 8 + (i + 1) * spiSize)));
      }
      return ok({ kind: "delete", doi: u32(body, 0), protocol: body[4], spiSize, spis });
    }
    case PT.VID:
      return ok({ kind: "vid", data: copyBytes(body) });
    case PT.NAT_D:
    case PT.NAT_D_DRAFT:
      return ok({ kind: "nat-d", draft: type === PT.NAT_D_DRAFT, data: copyBytes(body) });
    case PT.NAT_OA:
    case PT.NAT_OA_DRAFT:
      if (body.length < 4) return fail("NAT-OA payload too short");
      return ok({
        kind: "nat-oa",
        draft: type === PT.NAT_OA_DRAFT,
        idType: body[0],
        address: copyBytes(body.subarray(4)),
      });
    default:
      return ok({ kind: "raw", type, data: copyBytes(body) });
  }
}

/**
 * Parses a payload chain starting with type `first`. Bytes after the last payload are ignored: an
 * encrypted body is padded to the cipher's block size (RFC 2409 App. B).
 */
export function decodePayloads(first: number, bytes: Uint8Array): Decoded<PayloadItem[]> {
  const entries = walkChain(first, bytes, CHAIN_ERRORS);
  if (!entries.ok) return entries;
  const items: PayloadItem[] = [];
  for (const { type, body } of entries.value) {
    const payload = decodePayloadBody(type, body);
    if (!payload.ok) return payload;
    items.push({ type, payload: payload.value, body });
  }
  return ok(items);
}

const CHAIN_ERRORS: ChainErrors = {
  truncated: (type) => `truncated ${payloadName(type)} payload header`,
  length: (type, length) => `${payloadName(type)} payload length ${length} does not fit the message`,
};

/** A decoded plaintext message. */
export interface IsakmpMessage {
  header: IsakmpHeader;
  payloads: PayloadItem[];
}

/** Header and payloads of a message that is not encrypted. */
export function decodeIsakmp(bytes: Uint8Array): Decoded<IsakmpMessage> {
  const head = decodeIsakmpHeader(bytes);
  if (!head.ok) return head;
  if (head.value.header.flags & FLAG_ENCRYPTION) return fail("ISAKMP message is encrypted");
  const payloads = decodePayloads(head.value.header.nextPayload, head.value.body);
  if (!payloads.ok) return payloads;
  return ok({ header: head.value.header, payloads: payloads.value });
}

// ---- payload names (as Wireshark's packet-isakmp.c prints them; the decoder's errors use them) ----

const PAYLOAD_NAMES: Record<number, string> = {
  0: "NONE",
  1: "Security Association",
  2: "Proposal",
  3: "Transform",
  4: "Key Exchange",
  5: "Identification",
  6: "Certificate",
  7: "Certificate Request",
  8: "Hash",
  9: "Signature",
  10: "Nonce",
  11: "Notification",
  12: "Delete",
  13: "Vendor ID",
  20: "NAT-D (RFC 3947)",
  21: "NAT-OA (RFC 3947)",
  130: "NAT-D (draft-ietf-ipsec-nat-t-ike-01 to 03)",
  131: "NAT-OA (draft-ietf-ipsec-nat-t-ike-01 to 04)",
};

/** The payload type's name, as Wireshark prints it. */
export function payloadName(type: number): string {
  return PAYLOAD_NAMES[type] ?? `Unknown (${type})`;
}
