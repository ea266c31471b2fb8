import { newBytes } from "../crypto/bytes.ts";
import type { UdpDissector } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { type Avp, decodeAvps, encodeAvps, findAvp } from "./l2tp_avp.ts";
import { MESSAGE_TYPE_LONG_NAMES, MESSAGE_TYPE_NAMES, MSG } from "./l2tp_names.ts";
import { avpValueText, describeAvps } from "./l2tp_avp_describe.ts";
import { hexNum, leaf, put16, u16 } from "./octets.ts";
import { describePpp, summarizePpp } from "./ppp.ts";

/** The well-known L2TP port (RFC 2661 §8.1). */
export const L2TP_PORT = 1701;

const FLAG_T = 0x8000;
const FLAG_L = 0x4000;
const FLAG_S = 0x0800;
const FLAG_O = 0x0200;
const FLAG_P = 0x0100;
const VERSION_MASK = 0x000f;

/** Header of a control message: flags 0xC802, Length, Tunnel ID, Session ID, Ns, Nr. */
export const L2TP_CONTROL_HEADER_LEN = 12;

/**
 * A control message. Tunnel and Session IDs are the receiver's (SCCRQ goes with Tunnel ID 0). An
 * empty `avps` list is a ZLB acknowledgement (§5.8).
 */
export interface L2tpControl {
  kind: "control";
  tunnelId: number;
  sessionId: number;
  ns: number;
  nr: number;
  avps: Avp[];
}

/**
 * A data message carrying one PPP frame. The common form is just 0x0002, Tunnel ID, Session ID;
 * the Length field, sequence numbers (Ns/Nr, when Sequencing Required), an Offset pad and the
 * Priority bit are optional.
 */
export interface L2tpData {
  kind: "data";
  tunnelId: number;
  sessionId: number;
  payload: Uint8Array;
  /** Send the Length field (L bit). */
  length?: boolean;
  /** Ns and Nr are sent together (S bit) when `ns` is set. */
  ns?: number;
  nr?: number;
  /** Offset Size (O bit): that many zero bytes of padding precede the payload. */
  offsetSize?: number;
  priority?: boolean;
}

/** An L2TPv2 message. */
export type L2tpMessage = L2tpControl | L2tpData;

/** A ZLB (zero-length body) control message, the explicit acknowledgement. */
export function isZlb(message: L2tpMessage): boolean {
  return message.kind === "control" && message.avps.length === 0;
}

/** The Message Type of a control message (its first AVP), or undefined for a ZLB. */
export function messageTypeOf(message: L2tpControl): number | undefined {
  return findAvp(message.avps, "messageType")?.messageType;
}

/** Encodes a message; Length and flags are computed here. Throws only on an over-long AVP. */
export function encodeL2tp(message: L2tpMessage): Uint8Array {
  if (message.kind === "control") {
    const body = encodeAvps(message.avps);
    const out = newBytes(L2TP_CONTROL_HEADER_LEN + body.length);
    put16(out, 0, FLAG_T | FLAG_L | FLAG_S | 2);
    put16(out, 2, out.length);
    put16(out, 4, message.tunnelId);
    put16(out, 6, message.sessionId);
    put16(out, 8, message.ns);
    put16(out, 10, message.nr);
    out.set(body, L2TP_CONTROL_HEADER_LEN);
    return out;
  }
  const withLength = message.length === true;
  const withSequence = message.ns !== undefined;
  const withOffset = message.offsetSize !== undefined;
  const offsetSize = message.offsetSize ?? 0;
  const header = 6 + (withLength ? 2 : 0) + (withSequence ? 4 : 0) + (withOffset ? 2 + offsetSize : 0);
  const out = newBytes(header + message.payload.length);
  put16(
    out,
    0,
    (withLength ? FLAG_L : 0) | (withSequence ? FLAG_S : 0) | (withOffset ? FLAG_O : 0) |
      (message.priority ? FLAG_P : 0) | 2,
  );
  let at = 2;
  if (withLength) {
    put16(out, at, out.length);
    at += 2;
  }
  put16(out, at, message.tunnelId);
  put16(out, at + 2, message.sessionId);
  at += 4;
  if (withSequence) {
    put16(out, at, message.ns ?? 0);
    put16(out, at + 2, message.nr ?? 0);
    at += 4;
  }
  if (withOffset) {
    put16(out, at, offsetSize);
    at += 2 + offsetSize;
  }
  out.set(message.payload, at);
  return out;
}

/** Header fields as laid out on the wire, before any interpretation of the body. */
interface Layout {
  flags: number;
  length?: number;
  tunnelId: number;
  sessionId: number;
  ns?: number;
  nr?: number;
  offsetSize?: number;
  /** Where the body (AVPs or PPP frame) starts. */
  bodyStart: number;
  /** Where the message ends: Length when present, else the end of the bytes. */
  end: number;
}

function layout(bytes: Uint8Array): Decoded<Layout> {
  if (bytes.length < 2) return fail(`truncated L2TP header (${bytes.length} bytes)`);
  const flags = u16(bytes, 0);
  const version = flags & VERSION_MASK;
  if (version !== 2) {
    const what = version === 3 ? " (L2TPv3)" : version === 1 ? " (L2F)" : "";
    return fail(`unsupported L2TP version ${version}${what}, expected 2`);
  }
  const control = (flags & FLAG_T) !== 0;
  if (control && !(flags & FLAG_L)) return fail("L2TP control message without the Length bit");
  if (control && !(flags & FLAG_S)) return fail("L2TP control message without the Sequence bit");
  if (control && (flags & FLAG_O)) return fail("L2TP control message with the Offset bit set");
  if (control && (flags & FLAG_P)) return fail("L2TP control message with the Priority bit set");
  const headerLength = 6 + (flags & FLAG_L ? 2 : 0) + (flags & FLAG_S ? 4 : 0) + (flags & FLAG_O ? 2 : 0);
  if (bytes.length < headerLength) {
    return fail(`truncated L2TP header (${bytes.length} of ${headerLength} bytes)`);
  }
  let at = 2;
  const result: Layout = { flags, tunnelId: 0, sessionId: 0, bodyStart: 0, end: bytes.length };
  if (flags & FLAG_L) {
    result.length = u16(bytes, at);
    at += 2;
    if (result.length < headerLength) return fail(`L2TP length ${result.length} is shorter than the header`);
    if (result.length > bytes.length) {
      return fail(`L2TP length ${result.length} exceeds the ${bytes.length} bytes received`);
    }
    result.end = result.length;
  }
  result.tunnelId = u16(bytes, at);
  result.sessionId = u16(bytes, at + 2);
  at += 4;
  if (flags & FLAG_S) {
    result.ns = u16(bytes, at);
    result.nr = u16(bytes, at + 2);
    at += 4;
  }
  if (flags & FLAG_O) {
    result.offsetSize = u16(bytes, at);
    at += 2 + result.offsetSize;
    if (at > result.end) return fail(`L2TP offset size ${result.offsetSize} runs past the end`);
  }
  result.bodyStart = at;
  return ok(result);
}

/**
 * Decodes a message. Fails on a version other than 2, a truncated header, a Length beyond the bytes
 * received, a broken AVP list, or a control message whose first AVP is not Message Type.
 */
export function decodeL2tp(bytes: Uint8Array): Decoded<L2tpMessage> {
  const parsed = layout(bytes);
  if (!parsed.ok) return parsed;
  const l = parsed.value;
  if (l.flags & FLAG_T) {
    const avps = decodeAvps(bytes.subarray(l.bodyStart, l.end));
    if (!avps.ok) return avps;
    if (avps.value.length > 0 && avps.value[0].type !== "messageType") {
      return fail("L2TP control message whose first AVP is not Message Type");
    }
    return ok({
      kind: "control",
      tunnelId: l.tunnelId,
      sessionId: l.sessionId,
      ns: l.ns ?? 0,
      nr: l.nr ?? 0,
      avps: avps.value,
    });
  }
  const data: L2tpData = {
    kind: "data",
    tunnelId: l.tunnelId,
    sessionId: l.sessionId,
    payload: bytes.subarray(l.bodyStart, l.end),
  };
  if (l.length !== undefined) data.length = true;
  if (l.ns !== undefined) {
    data.ns = l.ns;
    data.nr = l.nr;
  }
  if (l.offsetSize !== undefined) data.offsetSize = l.offsetSize;
  if (l.flags & FLAG_P) data.priority = true;
  return ok(data);
}

function controlSummary(message: L2tpControl): string {
  const type = messageTypeOf(message);
  const name = type === undefined ? "ZLB" : MESSAGE_TYPE_NAMES[type] ?? `type ${type}`;
  let text = `L2TP ${name} tid ${message.tunnelId}`;
  if (message.sessionId !== 0) text += ` sid ${message.sessionId}`;
  text += ` Ns ${message.ns} Nr ${message.nr}`;
  const result = findAvp(message.avps, "resultCode");
  if (result && (type === MSG.StopCCN || type === MSG.CDN)) text += ` result ${avpValueText(result, type)}`;
  return text;
}

/**
 * One line: "L2TP SCCRQ tid 0 Ns 0 Nr 0", "L2TP ZLB tid 5 Ns 1 Nr 2",
 * "L2TP data tid 5 sid 3: LCP Conf-Req id 1 MRU 1400 …".
 */
export function summarizeL2tp(bytes: Uint8Array): string {
  const decoded = decodeL2tp(bytes);
  if (!decoded.ok) return `L2TP malformed: ${decoded.error}`;
  const message = decoded.value;
  if (message.kind === "control") return controlSummary(message);
  return `L2TP data tid ${message.tunnelId} sid ${message.sessionId}: ${summarizePpp(message.payload)}`;
}

/**
 * The inspector layers of an L2TP message at `offset` in the outer packet: the L2TP header with its
 * AVPs, then for data messages the PPP layers.
 */
export function describeL2tp(bytes: Uint8Array, offset: number, end = bytes.length): Field[] {
  const message = bytes.subarray(offset, end);
  const parsed = layout(message);
  if (!parsed.ok) return [leaf("Layer 2 Tunneling Protocol", parsed.error, offset, end - offset)];
  const l = parsed.value;
  const control = (l.flags & FLAG_T) !== 0;
  const flagNames = [
    control ? "control" : "data",
    l.flags & FLAG_L && "L",
    l.flags & FLAG_S && "S",
    l.flags & FLAG_O && "O",
    l.flags & FLAG_P && "P",
  ].filter(Boolean).join(" ");
  const children: Field[] = [{
    name: "Flags",
    value: `${hexNum(l.flags, 4)} (${flagNames}, version 2)`,
    start: offset,
    end: offset + 2,
    children: [
      leaf("Type", control ? "Control Message (1)" : "Data Message (0)", offset, 2),
      leaf("Length Bit", l.flags & FLAG_L ? "1" : "0", offset, 2),
      leaf("Sequence Bit", l.flags & FLAG_S ? "1" : "0", offset, 2),
      leaf("Offset Bit", l.flags & FLAG_O ? "1" : "0", offset, 2),
      leaf("Priority", l.flags & FLAG_P ? "1" : "0", offset, 2),
      leaf("Version", "2", offset, 2),
    ],
  }];
  let at = offset + 2;
  if (l.length !== undefined) {
    children.push(leaf("Length", String(l.length), at, 2));
    at += 2;
  }
  children.push(
    leaf("Tunnel ID", String(l.tunnelId), at, 2),
    leaf("Session ID", String(l.sessionId), at + 2, 2),
  );
  at += 4;
  if (l.ns !== undefined) {
    children.push(leaf("Ns", String(l.ns), at, 2), leaf("Nr", String(l.nr), at + 2, 2));
    at += 4;
  }
  if (l.offsetSize !== undefined) {
    children.push(leaf("Offset Size", String(l.offsetSize), at, 2));
    if (l.offsetSize > 0) {
      children.push(leaf("Offset Padding", `${l.offsetSize} bytes`, at + 2, l.offsetSize));
    }
  }
  const bodyStart = offset + l.bodyStart;
  const bodyEnd = offset + l.end;
  const decoded = decodeL2tp(message);
  const summary = !decoded.ok
    ? decoded.error
    : decoded.value.kind === "control"
    ? controlSummary(decoded.value).slice("L2TP ".length)
    : `data tid ${l.tunnelId} sid ${l.sessionId}`;
  if (control) {
    if (bodyEnd === bodyStart) children.push(leaf("Zero Length Body", "acknowledgement", bodyStart, 0));
    else children.push(...describeAvps(bytes, bodyStart, bodyEnd));
    return [{ name: "Layer 2 Tunneling Protocol", value: summary, start: offset, end: bodyEnd, children }];
  }
  return [
    { name: "Layer 2 Tunneling Protocol", value: summary, start: offset, end: bodyStart, children },
    ...(bodyEnd > bodyStart ? describePpp(bytes, bodyStart, bodyEnd) : []),
  ];
}

/** The UDP 1701 row of the dissector table. */
export const l2tpDissector: UdpDissector = {
  label: "L2TP",
  summarize: summarizeL2tp,
  describe: describeL2tp,
};

export { MESSAGE_TYPE_LONG_NAMES, MESSAGE_TYPE_NAMES, MSG };
