/**
 * ISAKMP as people read it: the names Wireshark prints for payloads, exchanges, notifications and
 * attributes, the inspector's field tree, the one-line summary and the UDP 500/4500 dissector. Apart
 * from the codec, which the IKE state machines use without any of this.
 */
import type { UdpDissector } from "./dissect.ts";
import type { Field } from "./field.ts";
import { isIkev2 } from "./ikev2.ts";
import { describeIkev2, summarizeIkev2 } from "./ikev2_describe.ts";
import { hexBytes, hexNum, leaf, u16, u32 } from "./octets.ts";
import {
  type Attribute,
  decodeAttributes,
  decodeIsakmpHeader,
  decodePayloadBody,
  decodePayloads,
  FLAG_AUTH_ONLY,
  FLAG_COMMIT,
  FLAG_ENCRYPTION,
  ID_IPV4_ADDR,
  ISAKMP_HEADER_LEN,
  payloadName,
  PROTO_ISAKMP,
  PT,
} from "./isakmp.ts";

// ---- names (as Wireshark's packet-isakmp.c prints them) ----

const PAYLOAD_SHORT: Record<number, string> = {
  1: "SA",
  4: "KE",
  5: "ID",
  8: "HASH",
  10: "No",
  11: "N",
  12: "D",
  13: "V",
  20: "NAT-D",
  21: "NAT-OA",
  130: "NAT-D",
  131: "NAT-OA",
};

export const EXCHANGE_NAMES: Record<number, string> = {
  2: "Identity Protection (Main Mode)",
  4: "Aggressive",
  5: "Informational",
  32: "Quick Mode",
};

const PROTOCOL_NAMES: Record<number, string> = { 1: "ISAKMP", 2: "IPSEC_AH", 3: "IPSEC_ESP", 4: "IPCOMP" };

const NOTIFY_NAMES: Record<number, string> = {
  1: "INVALID-PAYLOAD-TYPE",
  14: "NO-PROPOSAL-CHOSEN",
  18: "INVALID-ID-INFORMATION",
  23: "INVALID-HASH-INFORMATION",
  24: "AUTHENTICATION-FAILED",
  24576: "RESPONDER-LIFETIME",
  24578: "INITIAL-CONTACT",
  36136: "R-U-THERE",
  36137: "R-U-THERE-ACK",
};

const IKE_ATTR_NAMES: Record<number, string> = {
  1: "Encryption-Algorithm",
  2: "Hash-Algorithm",
  3: "Authentication-Method",
  4: "Group-Description",
  11: "Life-Type",
  12: "Life-Duration",
  14: "Key-Length",
};

const IPSEC_ATTR_NAMES: Record<number, string> = {
  1: "SA-Life-Type",
  2: "SA-Life-Duration",
  3: "Group-Description",
  4: "Encapsulation-Mode",
  5: "Authentication-Algorithm",
  6: "Key-Length",
};

const IKE_VALUE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: "DES-CBC", 5: "3DES-CBC", 7: "AES-CBC" },
  2: { 1: "MD5", 2: "SHA", 4: "SHA2-256" },
  3: { 1: "Pre-shared key" },
  4: { 1: "Default 768-bit MODP group", 2: "Alternate 1024-bit MODP group", 14: "2048 bit MODP group" },
  11: { 1: "Seconds", 2: "Kilobytes" },
};

const IPSEC_VALUE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: "Seconds", 2: "Kilobytes" },
  4: {
    1: "Tunnel",
    2: "Transport",
    3: "UDP-Encapsulated-Tunnel",
    4: "UDP-Encapsulated-Transport",
    61443: "UDP-Encapsulated-Tunnel (draft)",
    61444: "UDP-Encapsulated-Transport (draft)",
  },
  5: { 1: "HMAC-MD5", 2: "HMAC-SHA", 5: "HMAC-SHA2-256" },
};

const ESP_TRANSFORM_NAMES: Record<number, string> = {
  3: "3DES",
  11: "NULL",
  12: "AES",
  18: "AES-GCM with a 8 octet ICV",
  19: "AES-GCM with a 12 octet ICV",
  20: "AES-GCM with a 16 octet ICV",
};

/** Well-known Vendor IDs (MD5 of a string, RFC 3947 §3.1; RFC 3706 §9 for DPD). */
export const VENDOR_IDS: Record<string, string> = {
  "4a131c81070358455c5728f20e95452f": "RFC 3947 Negotiation of NAT-Traversal in the IKE",
  "90cb80913ebb696e086381b5ec427b1f": "draft-ietf-ipsec-nat-t-ike-02\\n",
  "cd60464335df21f87cfdb2fc68b6a448": "draft-ietf-ipsec-nat-t-ike-02",
  "afcad71368a1f1c96b8696fc77570100": "RFC 3706 DPD (Dead Peer Detection)",
};

function hexOf(bytes: Uint8Array): string {
  return hexBytes(bytes, bytes.length);
}

function attributeField(a: Attribute, phase1: boolean, start: number, end: number): Field {
  const names = phase1 ? IKE_ATTR_NAMES : IPSEC_ATTR_NAMES;
  const valueNames = phase1 ? IKE_VALUE_NAMES : IPSEC_VALUE_NAMES;
  const shown = typeof a.value === "number"
    ? `${valueNames[a.type]?.[a.value] ?? a.value}${valueNames[a.type]?.[a.value] ? ` (${a.value})` : ""}`
    : hexOf(a.value);
  return { name: names[a.type] ?? `Attribute ${a.type}`, value: shown, start, end };
}

function describeAttributes(bytes: Uint8Array, start: number, end: number, phase1: boolean): Field[] {
  const fields: Field[] = [];
  let at = start;
  while (at + 4 <= end) {
    const word = u16(bytes, at);
    const length = word & 0x8000 ? 0 : u16(bytes, at + 2);
    const stop = Math.min(end, at + 4 + length);
    const decoded = decodeAttributes(bytes.subarray(at, stop));
    if (!decoded.ok || decoded.value.length === 0) break;
    fields.push(attributeField(decoded.value[0], phase1, at, stop));
    at = stop;
  }
  return fields;
}

function describeSa(bytes: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [
    leaf(
      "Domain of interpretation",
      u32(bytes, start) === 1 ? "IPSEC (1)" : String(u32(bytes, start)),
      start,
      4,
    ),
    leaf("Situation", hexNum(u32(bytes, start + 4), 8), start + 4, 4),
  ];
  let at = start + 8;
  while (at + 8 <= end) {
    const length = u16(bytes, at + 2);
    const stop = Math.min(end, at + Math.max(length, 4));
    const protocol = bytes[at + 5];
    const spiSize = bytes[at + 6];
    const children: Field[] = [
      leaf("Proposal number", String(bytes[at + 4]), at + 4, 1),
      leaf("Protocol ID", `${PROTOCOL_NAMES[protocol] ?? "Unknown"} (${protocol})`, at + 5, 1),
      leaf("SPI Size", String(spiSize), at + 6, 1),
      leaf("Proposal transforms", String(bytes[at + 7]), at + 7, 1),
    ];
    if (spiSize > 0 && at + 8 + spiSize <= stop) {
      children.push(leaf("SPI", hexOf(bytes.subarray(at + 8, at + 8 + spiSize)), at + 8, spiSize));
    }
    let t = at + 8 + spiSize;
    while (t + 8 <= stop) {
      const tLength = u16(bytes, t + 2);
      const tStop = Math.min(stop, t + Math.max(tLength, 4));
      const id = bytes[t + 5];
      const idName = protocol === PROTO_ISAKMP ? (id === 1 ? "KEY_IKE" : "Unknown") : ESP_TRANSFORM_NAMES[id];
      children.push({
        name: `Payload: Transform (3) # ${bytes[t + 4]}`,
        value: `${idName ?? "Unknown"} (${id})`,
        start: t,
        end: tStop,
        children: [
          leaf("Transform number", String(bytes[t + 4]), t + 4, 1),
          leaf("Transform ID", `${idName ?? "Unknown"} (${id})`, t + 5, 1),
          ...describeAttributes(bytes, t + 8, tStop, protocol === PROTO_ISAKMP),
        ],
      });
      t = tStop;
    }
    fields.push({
      name: `Payload: Proposal (2) # ${bytes[at + 4]}`,
      value: PROTOCOL_NAMES[protocol] ?? String(protocol),
      start: at,
      end: stop,
      children,
    });
    at = stop;
  }
  return fields;
}

function ipv4Text(data: Uint8Array): string {
  return data.length === 4 ? Array.from(data).join(".") : hexOf(data);
}

function describeBody(type: number, bytes: Uint8Array, start: number, end: number): Field[] {
  const body = bytes.subarray(start, end);
  const decoded = decodePayloadBody(type, body);
  if (!decoded.ok) return [leaf("Malformed payload", decoded.error, start, end - start)];
  const p = decoded.value;
  switch (p.kind) {
    case "sa":
      return describeSa(bytes, start, end);
    case "ke":
      return [
        leaf("Key Exchange Data", `${p.data.length} bytes: ${hexBytes(p.data, 16)}`, start, body.length),
      ];
    case "id":
      return [
        leaf("ID type", p.idType === ID_IPV4_ADDR ? "IPV4_ADDR (1)" : String(p.idType), start, 1),
        leaf("Protocol ID", p.protocol === 17 ? "UDP (17)" : String(p.protocol), start + 1, 1),
        leaf("Port", String(p.port), start + 2, 2),
        leaf(
          "Identification Data",
          p.idType === ID_IPV4_ADDR ? ipv4Text(p.data) : hexOf(p.data),
          start + 4,
          p.data.length,
        ),
      ];
    case "hash":
      return [leaf("Hash DATA", hexOf(p.data), start, body.length)];
    case "nonce":
      return [leaf("Nonce DATA", hexOf(p.data), start, body.length)];
    case "notify":
      return [
        leaf("Domain of interpretation", String(p.doi), start, 4),
        leaf("Protocol ID", `${PROTOCOL_NAMES[p.protocol] ?? "Unknown"} (${p.protocol})`, start + 4, 1),
        leaf("SPI Size", String(p.spi.length), start + 5, 1),
        leaf(
          "Notify Message Type",
          `${NOTIFY_NAMES[p.notifyType] ?? "Unknown"} (${p.notifyType})`,
          start + 6,
          2,
        ),
        ...(p.spi.length ? [leaf("SPI", hexOf(p.spi), start + 8, p.spi.length)] : []),
        ...(p.data.length
          ? [leaf("Notification DATA", hexOf(p.data), start + 8 + p.spi.length, p.data.length)]
          : []),
      ];
    case "delete":
      return [
        leaf("Domain of interpretation", String(p.doi), start, 4),
        leaf("Protocol ID", `${PROTOCOL_NAMES[p.protocol] ?? "Unknown"} (${p.protocol})`, start + 4, 1),
        leaf("SPI Size", String(p.spiSize), start + 5, 1),
        leaf("Number of SPIs", String(p.spis.length), start + 6, 2),
        ...p.spis.map((spi, i) => leaf("Delete SPI", hexOf(spi), start + 8 + i * p.spiSize, p.spiSize)),
      ];
    case "vid":
      return [leaf("Vendor ID", VENDOR_IDS[hexOf(p.data)] ?? hexOf(p.data), start, body.length)];
    case "nat-d":
      return [leaf("HASH of the address and port", hexOf(p.data), start, body.length)];
    case "nat-oa":
      return [
        leaf("ID type", p.idType === ID_IPV4_ADDR ? "IPV4_ADDR (1)" : String(p.idType), start, 1),
        leaf("NAT Original IPv4 Address", ipv4Text(p.address), start + 4, p.address.length),
      ];
    case "raw":
      return [leaf("Data", `${body.length} bytes`, start, body.length)];
  }
}

/** Field trees of the payload chain in `bytes[start, end)` starting with type `first`. */
function describeChain(bytes: Uint8Array, first: number, start: number, end: number): Field[] {
  const fields: Field[] = [];
  let type = first;
  let at = start;
  while (type !== PT.NONE && at + 4 <= end) {
    const next = bytes[at];
    const length = u16(bytes, at + 2);
    if (length < 4 || at + length > end) {
      fields.push(leaf(`Payload: ${payloadName(type)} (${type})`, `bad length ${length}`, at, end - at));
      break;
    }
    fields.push({
      name: `Payload: ${payloadName(type)} (${type})`,
      value: `${length} bytes`,
      start: at,
      end: at + length,
      children: [
        leaf("Next payload", `${payloadName(next)} (${next})`, at, 1),
        leaf("Payload length", String(length), at + 2, 2),
        ...describeBody(type, bytes, at + 4, at + length),
      ],
    });
    at += length;
    type = next;
  }
  return fields;
}

/** The inspector's tree for an ISAKMP message at `bytes[offset, end)`. */
export function describeIsakmp(bytes: Uint8Array, offset: number, end: number): Field[] {
  if (isIkev2(bytes.subarray(offset, end))) return describeIkev2(bytes, offset, end);
  const head = decodeIsakmpHeader(bytes.subarray(offset, end));
  if (!head.ok) return [leaf("ISAKMP (malformed)", head.error, offset, end - offset)];
  const h = head.value.header;
  const stop = offset + h.length;
  const flagNames = [
    h.flags & FLAG_ENCRYPTION ? "Encryption" : "",
    h.flags & FLAG_COMMIT ? "Commit" : "",
    h.flags & FLAG_AUTH_ONLY ? "Authentication" : "",
  ].filter(Boolean).join(", ");
  const children: Field[] = [
    leaf("Initiator SPI", hexOf(h.initiatorCookie), offset, 8),
    leaf("Responder SPI", hexOf(h.responderCookie), offset + 8, 8),
    leaf("Next payload", `${payloadName(h.nextPayload)} (${h.nextPayload})`, offset + 16, 1),
    leaf("Version", `${h.version >> 4}.${h.version & 0xf}`, offset + 17, 1),
    leaf("Exchange type", `${EXCHANGE_NAMES[h.exchange] ?? "Unknown"} (${h.exchange})`, offset + 18, 1),
    leaf("Flags", `${hexNum(h.flags, 2)}${flagNames ? ` (${flagNames})` : ""}`, offset + 19, 1),
    leaf("Message ID", hexNum(h.messageId, 8), offset + 20, 4),
    leaf("Length", String(h.length), offset + 24, 4),
  ];
  if (h.flags & FLAG_ENCRYPTION) {
    children.push(
      leaf(
        "Encrypted Data",
        `${stop - offset - ISAKMP_HEADER_LEN} bytes (needs the IKE SA's key)`,
        offset + 28,
        stop - offset - 28,
      ),
    );
  } else {
    children.push(...describeChain(bytes, h.nextPayload, offset + ISAKMP_HEADER_LEN, stop));
  }
  return [{
    name: "Internet Security Association and Key Management Protocol",
    value: EXCHANGE_NAMES[h.exchange] ?? `exchange ${h.exchange}`,
    start: offset,
    end: stop,
    children,
  }];
}

/** One line in the style of charon's logs: `Identity Protection (Main Mode) [ SA V V V ]`. */
export function summarizeIsakmp(bytes: Uint8Array): string {
  if (isIkev2(bytes)) return summarizeIkev2(bytes);
  const head = decodeIsakmpHeader(bytes);
  if (!head.ok) return `ISAKMP (malformed: ${head.error})`;
  const h = head.value.header;
  const name = EXCHANGE_NAMES[h.exchange] ?? `exchange ${h.exchange}`;
  const mid = h.messageId ? ` MID ${hexNum(h.messageId, 8)}` : "";
  if (h.flags & FLAG_ENCRYPTION) {
    return `ISAKMP ${name}${mid} [ encrypted ${head.value.body.length} bytes ]`;
  }
  const chain = decodePayloads(h.nextPayload, head.value.body);
  if (!chain.ok) return `ISAKMP ${name}${mid} (malformed: ${chain.error})`;
  const list = chain.value.map((item) => PAYLOAD_SHORT[item.type] ?? String(item.type)).join(" ");
  return `ISAKMP ${name}${mid} [ ${list} ]`;
}

/** The UDP 500 dissector (Wireshark's `udp.port == 500` → isakmp). */
export const isakmpDissector: UdpDissector = {
  label: "IKE",
  summarize: summarizeIsakmp,
  describe: describeIsakmp,
};
