/**
 * PPTP control messages (RFC 2637 §2): a 12-byte header (Length, Message Type 1, Magic Cookie
 * 0x1A2B3C4D, Control Message Type, Reserved) and a fixed body per type, laid out here once as a field
 * table that encoding, decoding and the inspector all read. They travel in a TCP stream to port 1723,
 * so `splitPptp` cuts a stream's bytes into messages by their Length.
 */
import type { IpDissector } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { bytesText, leaf, put16, put32, textBytes, u16, u32 } from "./octets.ts";
import { summarizeTcp, tcpDissector } from "./tcp.ts";

/** TCP port of the control connection. */
export const PPTP_PORT = 1723;
export const PPTP_MAGIC = 0x1a2b3c4d;
const HEADER = 12;

type FieldKind = "u8" | "u16" | "u32" | "text64" | "bytes128";
type FieldSpec = readonly [name: string, kind: FieldKind];

const SIZE: Record<FieldKind, number> = { u8: 1, u16: 2, u32: 4, text64: 64, bytes128: 128 };

/**
 * What each end of a control connection announces of itself, in the same order in SCCRQ and SCCRP
 * (RFC 2637 §2.1–2.2): the two differ only in the word before it (Reserved vs Result and Error Code).
 */
const CONTROL_CONNECTION_CAPABILITIES: readonly FieldSpec[] = [
  ["framing", "u32"],
  ["bearer", "u32"],
  ["maxChannels", "u16"],
  ["firmware", "u16"],
  ["hostname", "text64"],
  ["vendor", "text64"],
];

/** Each control message type: its name, short name and body fields in wire order (RFC 2637 §2.1–2.16). */
const TYPES: Record<number, { name: string; short: string; fields: readonly FieldSpec[] }> = {
  1: {
    name: "Start-Control-Connection-Request",
    short: "SCCRQ",
    fields: [
      ["version", "u16"],
      ["reserved1", "u16"],
      ...CONTROL_CONNECTION_CAPABILITIES,
    ],
  },
  2: {
    name: "Start-Control-Connection-Reply",
    short: "SCCRP",
    fields: [
      ["version", "u16"],
      ["result", "u8"],
      ["error", "u8"],
      ...CONTROL_CONNECTION_CAPABILITIES,
    ],
  },
  3: {
    name: "Stop-Control-Connection-Request",
    short: "StopCCRQ",
    fields: [["reason", "u8"], ["reserved1", "u8"], ["reserved2", "u16"]],
  },
  4: {
    name: "Stop-Control-Connection-Reply",
    short: "StopCCRP",
    fields: [["result", "u8"], ["error", "u8"], ["reserved2", "u16"]],
  },
  5: { name: "Echo-Request", short: "Echo-Request", fields: [["identifier", "u32"]] },
  6: {
    name: "Echo-Reply",
    short: "Echo-Reply",
    fields: [["identifier", "u32"], ["result", "u8"], ["error", "u8"], ["reserved1", "u16"]],
  },
  7: {
    name: "Outgoing-Call-Request",
    short: "OCRQ",
    fields: [
      ["callId", "u16"],
      ["serial", "u16"],
      ["minBps", "u32"],
      ["maxBps", "u32"],
      ["bearerType", "u32"],
      [
        "framingType",
        "u32",
      ],
      ["window", "u16"],
      ["delay", "u16"],
      ["phoneLength", "u16"],
      ["reserved1", "u16"],
      ["phone", "text64"],
      [
        "subaddress",
        "text64",
      ],
    ],
  },
  8: {
    name: "Outgoing-Call-Reply",
    short: "OCRP",
    fields: [
      ["callId", "u16"],
      ["peerCallId", "u16"],
      ["result", "u8"],
      ["error", "u8"],
      ["cause", "u16"],
      [
        "speed",
        "u32",
      ],
      ["window", "u16"],
      ["delay", "u16"],
      ["channel", "u32"],
    ],
  },
  9: { name: "Incoming-Call-Request", short: "ICRQ", fields: [["callId", "u16"], ["serial", "u16"]] },
  10: { name: "Incoming-Call-Reply", short: "ICRP", fields: [["callId", "u16"], ["peerCallId", "u16"]] },
  11: {
    name: "Incoming-Call-Connected",
    short: "ICCN",
    fields: [["peerCallId", "u16"], ["reserved1", "u16"]],
  },
  12: { name: "Call-Clear-Request", short: "CCRQ", fields: [["callId", "u16"], ["reserved1", "u16"]] },
  13: {
    name: "Call-Disconnect-Notify",
    short: "CDN",
    fields: [["callId", "u16"], ["result", "u8"], ["error", "u8"], ["cause", "u16"], ["reserved1", "u16"], [
      "statistics",
      "bytes128",
    ]],
  },
  14: { name: "WAN-Error-Notify", short: "WEN", fields: [["peerCallId", "u16"], ["reserved1", "u16"]] },
  15: {
    name: "Set-Link-Info",
    short: "SLI",
    fields: [["peerCallId", "u16"], ["reserved1", "u16"], ["sendAccm", "u32"], ["receiveAccm", "u32"]],
  },
};

/** The fixed length of each message type that has one fully laid out here (ICRQ/ICRP/ICCN/WEN are longer). */
const FULL_LENGTH: Record<number, number> = {
  1: 156,
  2: 156,
  3: 16,
  4: 16,
  5: 16,
  6: 20,
  7: 168,
  8: 32,
  12: 16,
  13: 148,
  15: 24,
};

/** A control message: its type and the named fields of its body (numbers and strings). */
export interface PptpMessage {
  type: number;
  fields: Record<string, number | string>;
}

/** The message type's name ("Outgoing-Call-Request"), or "type N". */
export function pptpTypeName(type: number): string {
  return TYPES[type]?.name ?? `type ${type}`;
}

/** Byte offset of a field from the start of its message (for the NAT helper's call-ID rewrite). */
export function pptpFieldOffset(type: number, field: string): number | undefined {
  let at = HEADER;
  for (const [name, kind] of TYPES[type]?.fields ?? []) {
    if (name === field) return at;
    at += SIZE[kind];
  }
  return undefined;
}

/** Encodes a message; fields not given are zero (or empty text). */
export function encodePptp(message: PptpMessage): Uint8Array {
  const spec = TYPES[message.type];
  if (!spec) throw new RangeError(`no PPTP control message type ${message.type}`);
  const length = FULL_LENGTH[message.type] ??
    HEADER + spec.fields.reduce((sum, [, kind]) => sum + SIZE[kind], 0);
  const out = new Uint8Array(length);
  put16(out, 0, length);
  put16(out, 2, 1);
  put32(out, 4, PPTP_MAGIC);
  put16(out, 8, message.type);
  let at = HEADER;
  for (const [name, kind] of spec.fields) {
    const value = message.fields[name] ?? 0;
    if (kind === "u8") out[at] = Number(value);
    else if (kind === "u16") put16(out, at, Number(value));
    else if (kind === "u32") put32(out, at, Number(value));
    else if (kind === "text64") out.set(textBytes(String(value || "")).subarray(0, 63), at);
    at += SIZE[kind];
  }
  return out;
}

/** Decodes one whole message (exactly `Length` bytes). */
export function decodePptp(bytes: Uint8Array): Decoded<PptpMessage> {
  if (bytes.length < HEADER) return fail(`truncated PPTP header (${bytes.length} bytes)`);
  const length = u16(bytes, 0);
  if (length !== bytes.length) return fail(`PPTP Length ${length} but ${bytes.length} bytes`);
  if (u16(bytes, 2) !== 1) return fail(`PPTP message type ${u16(bytes, 2)} is not 1 (control)`);
  if (u32(bytes, 4) !== PPTP_MAGIC) return fail(`bad PPTP magic cookie 0x${u32(bytes, 4).toString(16)}`);
  const type = u16(bytes, 8);
  const spec = TYPES[type];
  if (!spec) return fail(`unknown PPTP control message type ${type}`);
  const fields: Record<string, number | string> = {};
  let at = HEADER;
  for (const [name, kind] of spec.fields) {
    if (at + SIZE[kind] > length) return fail(`${spec.name} of ${length} bytes is too short`);
    fields[name] = readField(bytes, at, kind);
    at += SIZE[kind];
  }
  const full = FULL_LENGTH[type];
  if (full !== undefined && length !== full) return fail(`${spec.name} of ${length} bytes, expected ${full}`);
  return ok({ type, fields });
}

function readField(bytes: Uint8Array, at: number, kind: FieldKind): number | string {
  if (kind === "u8") return bytes[at];
  if (kind === "u16") return u16(bytes, at);
  if (kind === "u32") return u32(bytes, at);
  if (kind === "text64") {
    const raw = bytes.subarray(at, at + 64);
    const nul = raw.indexOf(0);
    return bytesText(nul >= 0 ? raw.subarray(0, nul) : raw);
  }
  return "";
}

/** Cuts whole messages off the front of a stream buffer; `rest` is an incomplete tail (or junk). */
export function splitPptp(buffer: Uint8Array): { messages: Uint8Array[]; rest: Uint8Array; error?: string } {
  const messages: Uint8Array[] = [];
  let at = 0;
  while (buffer.length - at >= 2) {
    const length = u16(buffer, at);
    if (length < HEADER) {
      return { messages, rest: buffer.subarray(at), error: `PPTP Length ${length} is below 12` };
    }
    if (buffer.length - at < length) break;
    messages.push(buffer.subarray(at, at + length));
    at += length;
  }
  return { messages, rest: buffer.subarray(at) };
}

/** One line for one message: "PPTP OCRQ call 17 serial 1". */
export function summarizePptpMessage(bytes: Uint8Array): string {
  const d = decodePptp(bytes);
  if (!d.ok) return `PPTP malformed: ${d.error}`;
  const { type, fields: f } = d.value;
  const parts = [`PPTP ${TYPES[type].short}`];
  if (f.callId !== undefined) parts.push(`call ${f.callId}`);
  if (f.peerCallId !== undefined) parts.push(`peer call ${f.peerCallId}`);
  if (f.result !== undefined) parts.push(`result ${f.result}`);
  if (typeof f.hostname === "string" && f.hostname) parts.push(`host ${f.hostname}`);
  if (f.identifier !== undefined) parts.push(`id ${f.identifier}`);
  return parts.join(" ");
}

/** The summaries of the whole messages in a segment's payload (a fragment of one is "PPTP data"). */
export function summarizePptpPayload(payload: Uint8Array): string {
  const { messages, rest } = splitPptp(payload);
  const parts = messages.map(summarizePptpMessage);
  if (rest.length) parts.push(`PPTP data ${rest.length} bytes`);
  return parts.join("; ");
}

/** The inspector's tree for the messages in `bytes[offset, end)`. */
export function describePptp(bytes: Uint8Array, offset: number, end: number): Field[] {
  const { messages } = splitPptp(bytes.subarray(offset, end));
  const out: Field[] = [];
  let at = offset;
  for (const message of messages) {
    const type = u16(message, 8);
    const spec = TYPES[type];
    const children: Field[] = [
      leaf("Length", String(message.length), at, 2),
      leaf("Message type", "Control Message (1)", at + 2, 2),
      leaf("Magic cookie", "0x1a2b3c4d", at + 4, 4),
      leaf("Control message type", `${pptpTypeName(type)} (${type})`, at + 8, 2),
    ];
    let f = at + HEADER;
    for (const [name, kind] of spec?.fields ?? []) {
      if (f + SIZE[kind] > at + message.length) break;
      if (!name.startsWith("reserved")) {
        const value = readField(bytes, f, kind);
        children.push(leaf(name, kind === "bytes128" ? "128 bytes" : String(value), f, SIZE[kind]));
      }
      f += SIZE[kind];
    }
    out.push({
      name: "Point-to-Point Tunnelling Protocol",
      value: pptpTypeName(type),
      start: at,
      end: at + message.length,
      children,
    });
    at += message.length;
  }
  return out;
}

function pptpPayloadOf(segment: Uint8Array): Uint8Array | undefined {
  if (segment.length < 20) return undefined;
  const headerLength = (segment[12] >>> 4) * 4;
  if (headerLength < 20 || headerLength >= segment.length) return undefined;
  if (u16(segment, 0) !== PPTP_PORT && u16(segment, 2) !== PPTP_PORT) return undefined;
  return segment.subarray(headerLength);
}

/** TCP in the IP dissector table, with PPTP on port 1723 on top (as Wireshark's `tcp.port` table does). */
export const tcpPptpDissector: IpDissector = {
  label: "TCP",
  labelOf: (segment) => (pptpPayloadOf(segment) ? "PPTP" : "TCP"),
  summarize(segment) {
    const payload = pptpPayloadOf(segment);
    return payload ? `${summarizeTcp(segment)} ${summarizePptpPayload(payload)}` : summarizeTcp(segment);
  },
  describe(bytes, offset, end) {
    const fields = tcpDissector.describe(bytes, offset, end);
    const payload = pptpPayloadOf(bytes.subarray(offset, end));
    if (!payload) return fields;
    const start = end - payload.length;
    return [...fields.filter((f) => f.name !== "Data"), ...describePptp(bytes, start, end)];
  },
};
