/**
 * IKEv2 messages (RFC 7296 §3) as records and bytes: the 28-byte header, the generic payload chain,
 * and the bodies of SA (proposals and transforms), KE, IDi/IDr, AUTH, Nonce, Notify, Delete, TSi/TSr
 * and CP. The SK payload is kept as raw bytes here: sealing and opening it needs the IKE SA's keys,
 * which live in the stack. Decoders return `Decoded` values and never throw.
 */
import { type Decoded, fail, ok } from "./field.ts";
import {
  type ChainErrors,
  genericPayload,
  type HeaderErrors,
  IKE_HEADER_LEN,
  type IkeHeaderFields,
  readIkeHeader,
  walkChain,
  writeIkeHeader,
} from "./ike_header.ts";
import { put16, put32, u16, u32 } from "./octets.ts";

export const IKEV2_HEADER_LEN = IKE_HEADER_LEN;
/** Major version 2, minor 0. */
export const IKEV2_VERSION = 0x20;

/** Exchange types (§3.1). */
export const X = { IKE_SA_INIT: 34, IKE_AUTH: 35, CREATE_CHILD_SA: 36, INFORMATIONAL: 37 } as const;

/** Header flags (§3.1). */
export const F_INITIATOR = 0x08;
export const F_VERSION = 0x10;
export const F_RESPONSE = 0x20;

/** Payload types (§3.2). */
export const P = {
  NONE: 0,
  SA: 33,
  KE: 34,
  IDI: 35,
  IDR: 36,
  CERT: 37,
  CERTREQ: 38,
  AUTH: 39,
  NONCE: 40,
  NOTIFY: 41,
  DELETE: 42,
  VENDOR: 43,
  TSI: 44,
  TSR: 45,
  SK: 46,
  CP: 47,
  EAP: 48,
} as const;

/** Transform types (§3.3.2). */
export const T = { ENCR: 1, PRF: 2, INTEG: 3, DH: 4, ESN: 5 } as const;
/** The Key Length transform attribute (§3.3.5), always in TV form. */
export const ATTR_KEY_LENGTH = 14;

/** Protocol ids in proposals, notifies and deletes (§3.3.1). */
export const PROTO = { IKE: 1, AH: 2, ESP: 3 } as const;

/** Notify message types used here (§3.10.1, RFC 7296 and RFC 7383's neighbours). */
export const N = {
  INVALID_SYNTAX: 7,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_KE_PAYLOAD: 17,
  AUTHENTICATION_FAILED: 24,
  TS_UNACCEPTABLE: 38,
  INTERNAL_ADDRESS_FAILURE: 36,
  INITIAL_CONTACT: 16384,
  NAT_DETECTION_SOURCE_IP: 16388,
  NAT_DETECTION_DESTINATION_IP: 16389,
  USE_TRANSPORT_MODE: 16391,
  REKEY_SA: 16393,
} as const;

/** ID types (§3.5). */
export const ID = { IPV4_ADDR: 1, FQDN: 2, RFC822_ADDR: 3, KEY_ID: 11 } as const;
/** AUTH method: Shared Key Message Integrity Code (§3.8). */
export const AUTH_PSK = 2;
/** Traffic selector type (§3.13.1). */
export const TS_IPV4_ADDR_RANGE = 7;
/** Configuration payload types and attributes (§3.15). */
export const CFG = { REQUEST: 1, REPLY: 2, SET: 3, ACK: 4 } as const;
export const CFG_ATTR = { INTERNAL_IP4_ADDRESS: 1, INTERNAL_IP4_NETMASK: 2, INTERNAL_IP4_DNS: 3 } as const;

/** IKEv2 names the header's fields as ike_header.ts does. */
export type Ikev2Header = IkeHeaderFields;

export interface Transform {
  type: number;
  id: number;
  /** Key Length attribute in bits, when present. */
  keyLength?: number;
}

export interface Proposal {
  num: number;
  protocol: number;
  spi: Uint8Array;
  transforms: Transform[];
}

/** One IPv4 address range with its protocol and port range. */
export interface TrafficSelector {
  protocol: number;
  startPort: number;
  endPort: number;
  start: number;
  end: number;
}

export interface CfgAttribute {
  type: number;
  value: Uint8Array;
}

/** A payload as the stack uses it; kinds it does not interpret keep their body as `data`. */
export type Payload =
  | { type: typeof P.SA; proposals: Proposal[] }
  | { type: typeof P.KE; group: number; data: Uint8Array }
  | { type: typeof P.IDI | typeof P.IDR; idType: number; data: Uint8Array }
  | { type: typeof P.AUTH; method: number; data: Uint8Array }
  | { type: typeof P.NONCE; data: Uint8Array }
  | { type: typeof P.NOTIFY; protocol: number; spi: Uint8Array; notify: number; data: Uint8Array }
  | { type: typeof P.DELETE; protocol: number; spiSize: number; spis: Uint8Array[] }
  | { type: typeof P.TSI | typeof P.TSR; selectors: TrafficSelector[] }
  | { type: typeof P.CP; cfgType: number; attributes: CfgAttribute[] }
  | { type: typeof P.VENDOR | typeof P.CERTREQ | typeof P.CERT | typeof P.EAP; data: Uint8Array };

/** A payload found in a chain: its type, its body (after the 4-byte generic header) and where it was. */
export interface PayloadItem {
  type: number;
  critical: boolean;
  body: Uint8Array;
  /** Offset of the generic payload header within the chain. */
  at: number;
}

// ---- header ----

export function encodeHeader(h: Omit<Ikev2Header, "length" | "version">, length: number): Uint8Array {
  const out = new Uint8Array(IKEV2_HEADER_LEN);
  writeIkeHeader(out, { ...h, version: IKEV2_VERSION, length });
  return out;
}

const HEADER_ERRORS: HeaderErrors = {
  short: (size) => `IKEv2 message of ${size} bytes is shorter than its header`,
  version: (major) => `major version ${major} is not IKEv2`,
  length: (length, size) => `IKEv2 length ${length} does not fit the ${size}-byte datagram`,
};

/** The header and the payload chain after it; the length must match the datagram. */
export function decodeHeader(bytes: Uint8Array): Decoded<{ header: Ikev2Header; body: Uint8Array }> {
  return readIkeHeader(bytes, 2, HEADER_ERRORS);
}

/** Whether a UDP 500/4500 payload (after any non-ESP marker) is IKEv2 rather than IKEv1. */
export function isIkev2(bytes: Uint8Array): boolean {
  return bytes.length >= IKEV2_HEADER_LEN && bytes[17] >> 4 === 2;
}

// ---- payload chain ----

const CHAIN_ERRORS: ChainErrors = {
  truncated: (type) => `payload ${type} header runs past the message`,
  length: (type, length) => `payload ${type} length ${length} is wrong`,
};

/** Walks the generic payload headers; a length that runs past the end is an error. */
export function decodeChain(first: number, bytes: Uint8Array): Decoded<PayloadItem[]> {
  // The SK payload is always last; its next-payload names the inner chain.
  const entries = walkChain(first, bytes, CHAIN_ERRORS, P.SK);
  if (!entries.ok) return entries;
  return ok(
    entries.value.map(({ type, reserved, body, at }) => ({
      type,
      critical: (reserved & 0x80) !== 0,
      body,
      at,
    })),
  );
}

function encodeTransform(t: Transform, last: boolean): Uint8Array {
  const length = 8 + (t.keyLength !== undefined ? 4 : 0);
  const out = new Uint8Array(length);
  out[0] = last ? 0 : 3;
  put16(out, 2, length);
  out[4] = t.type;
  put16(out, 6, t.id);
  if (t.keyLength !== undefined) {
    put16(out, 8, 0x8000 | ATTR_KEY_LENGTH);
    put16(out, 10, t.keyLength);
  }
  return out;
}

function encodeProposal(p: Proposal, last: boolean): Uint8Array {
  const transforms = p.transforms.map((t, i) => encodeTransform(t, i === p.transforms.length - 1));
  const length = 8 + p.spi.length + transforms.reduce((n, t) => n + t.length, 0);
  const out = new Uint8Array(length);
  out[0] = last ? 0 : 2;
  put16(out, 2, length);
  out[4] = p.num;
  out[5] = p.protocol;
  out[6] = p.spi.length;
  out[7] = p.transforms.length;
  out.set(p.spi, 8);
  let at = 8 + p.spi.length;
  for (const t of transforms) {
    out.set(t, at);
    at += t.length;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeSelector(ts: TrafficSelector): Uint8Array {
  const out = new Uint8Array(16);
  out[0] = TS_IPV4_ADDR_RANGE;
  out[1] = ts.protocol;
  put16(out, 2, 16);
  put16(out, 4, ts.startPort);
  put16(out, 6, ts.endPort);
  put32(out, 8, ts.start);
  put32(out, 12, ts.end);
  return out;
}

/** The body of a payload (what follows its generic header). */
export function encodeBody(p: Payload): Uint8Array {
  switch (p.type) {
    case P.SA:
      return concat(p.proposals.map((q, i) => encodeProposal(q, i === p.proposals.length - 1)));
    case P.KE: {
      const out = new Uint8Array(4 + p.data.length);
      put16(out, 0, p.group);
      out.set(p.data, 4);
      return out;
    }
    case P.IDI:
    case P.IDR:
    case P.AUTH: {
      const out = new Uint8Array(4 + p.data.length);
      out[0] = p.type === P.AUTH ? p.method : p.idType;
      out.set(p.data, 4);
      return out;
    }
    case P.NOTIFY: {
      const out = new Uint8Array(4 + p.spi.length + p.data.length);
      out[0] = p.protocol;
      out[1] = p.spi.length;
      put16(out, 2, p.notify);
      out.set(p.spi, 4);
      out.set(p.data, 4 + p.spi.length);
      return out;
    }
    case P.DELETE: {
      const out = new Uint8Array(4 + p.spiSize * p.spis.length);
      out[0] = p.protocol;
      out[1] = p.spiSize;
      put16(out, 2, p.spis.length);
      p.spis.forEach((spi, i) => out.set(spi, 4 + i * p.spiSize));
      return out;
    }
    case P.TSI:
    case P.TSR: {
      const head = Uint8Array.of(p.selectors.length, 0, 0, 0);
      return concat([head, ...p.selectors.map(encodeSelector)]);
    }
    case P.CP: {
      const attrs = p.attributes.map((a) => {
        const out = new Uint8Array(4 + a.value.length);
        put16(out, 0, a.type & 0x7fff);
        put16(out, 2, a.value.length);
        out.set(a.value, 4);
        return out;
      });
      return concat([Uint8Array.of(p.cfgType, 0, 0, 0), ...attrs]);
    }
    default:
      return p.data;
  }
}

/** A chain of payloads; `last` is the next-payload value of the final one (the SK payload's inner type). */
export function encodeChain(payloads: Payload[], tail = P.NONE as number): Uint8Array {
  return concat(
    payloads.map((p, i) =>
      genericPayload(i + 1 < payloads.length ? payloads[i + 1].type : tail, encodeBody(p))
    ),
  );
}

/** A whole unencrypted message. */
export function encodeMessage(
  h: Omit<Ikev2Header, "length" | "version" | "nextPayload">,
  payloads: Payload[],
): Uint8Array {
  const chain = encodeChain(payloads);
  const header = encodeHeader(
    { ...h, nextPayload: payloads[0]?.type ?? P.NONE },
    IKEV2_HEADER_LEN + chain.length,
  );
  return concat([header, chain]);
}

// ---- payload bodies ----

function decodeTransforms(bytes: Uint8Array, count: number): Decoded<Transform[]> {
  const out: Transform[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 8 > bytes.length) return fail("transform runs past its proposal");
    const length = u16(bytes, at + 2);
    if (length < 8 || at + length > bytes.length) return fail(`transform length ${length} is wrong`);
    const t: Transform = { type: bytes[at + 4], id: u16(bytes, at + 6) };
    for (let a = at + 8; a + 4 <= at + length;) {
      const kind = u16(bytes, a);
      if (kind & 0x8000) {
        if ((kind & 0x7fff) === ATTR_KEY_LENGTH) t.keyLength = u16(bytes, a + 2);
        a += 4;
      } else {
        a += 4 + u16(bytes, a + 2);
      }
    }
    out.push(t);
    at += length;
  }
  return ok(out);
}

function decodeProposals(bytes: Uint8Array): Decoded<Proposal[]> {
  const out: Proposal[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) return fail("proposal header runs past the SA payload");
    const length = u16(bytes, at + 2);
    if (length < 8 || at + length > bytes.length) return fail(`proposal length ${length} is wrong`);
    const spiSize = bytes[at + 6];
    if (8 + spiSize > length) return fail(`proposal SPI size ${spiSize} exceeds its length`);
    const transforms = decodeTransforms(bytes.subarray(at + 8 + spiSize, at + length), bytes[at + 7]);
    if (!transforms.ok) return transforms;
    out.push({
      num: bytes[at + 4],
      protocol: bytes[at + 5],
      spi: bytes.slice(at + 8, at + 8 + spiSize),
      transforms: transforms.value,
    });
    const last = bytes[at] === 0;
    at += length;
    if (last) break;
  }
  return ok(out);
}

/** Reads a payload body by type; unknown types keep their bytes. */
export function decodeBody(type: number, body: Uint8Array): Decoded<Payload> {
  const short = (n: number) => fail<Payload>(`payload ${type} of ${body.length} bytes is shorter than ${n}`);
  switch (type) {
    case P.SA: {
      const proposals = decodeProposals(body);
      return proposals.ok ? ok({ type, proposals: proposals.value }) : proposals;
    }
    case P.KE:
      if (body.length < 4) return short(4);
      return ok({ type, group: u16(body, 0), data: body.slice(4) });
    case P.IDI:
    case P.IDR:
      if (body.length < 4) return short(4);
      return ok({ type, idType: body[0], data: body.slice(4) });
    case P.AUTH:
      if (body.length < 4) return short(4);
      return ok({ type, method: body[0], data: body.slice(4) });
    case P.NONCE:
      return ok({ type, data: body.slice() });
    case P.NOTIFY: {
      if (body.length < 4 || 4 + body[1] > body.length) return short(4 + (body[1] ?? 0));
      const spiSize = body[1];
      return ok({
        type,
        protocol: body[0],
        spi: body.slice(4, 4 + spiSize),
        notify: u16(body, 2),
        data: body.slice(4 + spiSize),
      });
    }
    case P.DELETE: {
      if (body.length < 4) return short(4);
      const spiSize = body[1];
      const count = u16(body, 2);
      if (4 + spiSize * count > body.length) return fail(`DELETE of ${count} SPIs runs past the payload`);
      const spis = Array.from(
        { length: count },
        (_, i) => body.slice(4 + i * spiSize, 4 + (i + 1) * spiSize),
      );
      return ok({ type, protocol: body[0], spiSize, spis });
    }
    case P.TSI:
    case P.TSR: {
      if (body.length < 4) return short(4);
      const selectors: TrafficSelector[] = [];
      let at = 4;
      for (let i = 0; i < body[0]; i++) {
        if (at + 4 > body.length) return fail("traffic selector runs past the payload");
        const length = u16(body, at + 2);
        if (length < 8 || at + length > body.length) {
          return fail(`traffic selector length ${length} is wrong`);
        }
        if (body[at] === TS_IPV4_ADDR_RANGE && length === 16) {
          selectors.push({
            protocol: body[at + 1],
            startPort: u16(body, at + 4),
            endPort: u16(body, at + 6),
            start: u32(body, at + 8),
            end: u32(body, at + 12),
          });
        }
        at += length;
      }
      return ok({ type, selectors });
    }
    case P.CP: {
      if (body.length < 4) return short(4);
      const attributes: CfgAttribute[] = [];
      for (let at = 4; at < body.length;) {
        if (at + 4 > body.length) return fail("configuration attribute runs past the payload");
        const length = u16(body, at + 2);
        if (at + 4 + length > body.length) return fail(`configuration attribute length ${length} is wrong`);
        attributes.push({ type: u16(body, at) & 0x7fff, value: body.slice(at + 4, at + 4 + length) });
        at += 4 + length;
      }
      return ok({ type, cfgType: body[0], attributes });
    }
    default:
      return ok({ type: type as typeof P.VENDOR, data: body.slice() });
  }
}

/** Decodes every body of a chain (not an SK payload, which must be opened first). */
export function decodePayloads(items: PayloadItem[]): Decoded<Payload[]> {
  const out: Payload[] = [];
  for (const item of items) {
    const p = decodeBody(item.type, item.body);
    if (!p.ok) return p;
    out.push(p.value);
  }
  return ok(out);
}
