import { newBytes } from "../crypto/bytes.ts";
import { CCP, describeMppe, PPP_CCP, PPP_COMP, summarizeMppe } from "./ccp.ts";
import { describeChap, summarizeChap } from "./chap.ts";
import { describe as describeIp, summarize as summarizeIp } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { describeCp, IPCP, LCP, summarizeCp } from "./lcp.ts";
import { hexNum, leaf, shiftFields } from "./octets.ts";
import { describePap, summarizePap } from "./pap.ts";

/** PPP protocol numbers (RFC 1661 §2, IANA PPP DLL protocol numbers). */
export const PPP_IP = 0x0021;
export const PPP_IPCP = 0x8021;
export const PPP_LCP = 0xc021;
export const PPP_PAP = 0xc023;
export const PPP_CHAP = 0xc223;

/** Protocol names for summaries and the inspector. */
export const PPP_PROTOCOL_NAMES: Record<number, string> = {
  [PPP_IP]: "IPv4",
  [PPP_IPCP]: "IPCP",
  [PPP_LCP]: "LCP",
  [PPP_PAP]: "PAP",
  [PPP_CHAP]: "CHAP",
  0x0057: "IPv6",
  0x8057: "IPv6CP",
  [PPP_CCP]: "CCP",
  [PPP_COMP]: "MPPE",
  0xc025: "LQR",
  0xc227: "EAP",
};

/** A PPP frame as L2TP carries it: no flags, no FCS, no byte stuffing (RFC 2661 §1). */
export interface PppFrame {
  protocol: number;
  payload: Uint8Array;
}

/** What the decoder saw besides the frame: whether the peer compressed the header. */
export interface DecodedPppFrame extends PppFrame {
  /** The FF 03 Address and Control bytes were present. */
  addressControl: boolean;
  /** The Protocol field was one byte (PFC). */
  protocolCompressed: boolean;
}

/** Header compression the sender negotiated (ACFC and PFC, RFC 1661 §6.5/6.6). */
export interface PppEncodeOptions {
  acfc?: boolean;
  pfc?: boolean;
}

/**
 * Builds FF 03 + Protocol + payload. LCP is always sent uncompressed (RFC 1661 §6.5/6.6), and PFC
 * applies only to protocols below 0x100, whatever was negotiated.
 */
export function encodePpp(frame: PppFrame, options: PppEncodeOptions = {}): Uint8Array {
  const isLcp = frame.protocol === PPP_LCP;
  const acfc = options.acfc === true && !isLcp;
  const pfc = options.pfc === true && !isLcp && frame.protocol < 0x100;
  const header = (acfc ? 0 : 2) + (pfc ? 1 : 2);
  const out = newBytes(header + frame.payload.length);
  let at = 0;
  if (!acfc) {
    out[0] = 0xff;
    out[1] = 0x03;
    at = 2;
  }
  if (pfc) {
    out[at++] = frame.protocol;
  } else {
    out[at++] = frame.protocol >>> 8;
    out[at++] = frame.protocol & 0xff;
  }
  out.set(frame.payload, at);
  return out;
}

/** Length of Address/Control and Protocol at the start of `bytes`, or an error. */
function headerLayout(
  bytes: Uint8Array,
): Decoded<{ addressControl: boolean; protocol: number; length: number }> {
  let at = 0;
  const addressControl = bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0x03;
  if (addressControl) at = 2;
  else if (bytes.length >= 1 && bytes[0] === 0xff) return fail("PPP address 0xff without control 0x03");
  if (bytes.length - at < 1) return fail(`truncated PPP header (${bytes.length} bytes)`);
  // Protocol numbers have an even high byte and an odd low byte, so an odd first byte is a compressed field.
  if (bytes[at] & 1) return ok({ addressControl, protocol: bytes[at], length: at + 1 });
  if (bytes.length - at < 2) return fail(`truncated PPP protocol field (${bytes.length} bytes)`);
  const protocol = (bytes[at] << 8) | bytes[at + 1];
  if (!(protocol & 1)) return fail(`invalid PPP protocol ${hexNum(protocol, 4)} (low byte must be odd)`);
  return ok({ addressControl, protocol, length: at + 2 });
}

/** Parses a frame, accepting ACFC- and PFC-compressed headers. */
export function decodePpp(bytes: Uint8Array): Decoded<DecodedPppFrame> {
  const layout = headerLayout(bytes);
  if (!layout.ok) return layout;
  const { addressControl, protocol, length } = layout.value;
  return ok({
    protocol,
    payload: bytes.subarray(length),
    addressControl,
    protocolCompressed: length - (addressControl ? 2 : 0) === 1,
  });
}

/** One line for the payload of a PPP frame: "LCP Conf-Req id 1 MRU 1400 …", "IP 10.0.0.2 > …". */
export function summarizePpp(bytes: Uint8Array): string {
  const frame = decodePpp(bytes);
  if (!frame.ok) return `PPP malformed: ${frame.error}`;
  const { protocol, payload } = frame.value;
  switch (protocol) {
    case PPP_LCP:
      return summarizeCp(LCP, payload);
    case PPP_IPCP:
      return summarizeCp(IPCP, payload);
    case PPP_CHAP:
      return summarizeChap(payload);
    case PPP_PAP:
      return summarizePap(payload);
    case PPP_IP:
      return `IP ${summarizeIp(payload)}`;
    case PPP_CCP:
      return summarizeCp(CCP, payload);
    case PPP_COMP:
      return summarizeMppe(payload);
    default:
      return `PPP ${PPP_PROTOCOL_NAMES[protocol] ?? hexNum(protocol, 4)} len ${payload.length}`;
  }
}

/**
 * The inspector layers of a PPP frame at `offset` in the outer packet: the PPP header, then the
 * carried protocol (LCP, IPCP, CHAP, PAP, or the whole inner IPv4 datagram).
 */
export function describePpp(bytes: Uint8Array, offset: number, end = bytes.length): Field[] {
  const frameBytes = bytes.subarray(offset, end);
  const layout = headerLayout(frameBytes);
  if (!layout.ok) return [leaf("Point-to-Point Protocol", layout.error, offset, end - offset)];
  const { addressControl, protocol, length } = layout.value;
  const children: Field[] = [];
  if (addressControl) {
    children.push(leaf("Address", "0xff", offset, 1), leaf("Control", "0x03", offset + 1, 1));
  }
  const protocolStart = offset + (addressControl ? 2 : 0);
  const protocolName = PPP_PROTOCOL_NAMES[protocol] ?? "Unknown";
  children.push(
    leaf(
      "Protocol",
      `${protocolName} (${hexNum(protocol, 4)})`,
      protocolStart,
      offset + length - protocolStart,
    ),
  );
  const layers: Field[] = [
    { name: "Point-to-Point Protocol", value: protocolName, start: offset, end: offset + length, children },
  ];
  const at = offset + length;
  switch (protocol) {
    case PPP_LCP:
      layers.push(describeCp(LCP, bytes, at, end));
      break;
    case PPP_IPCP:
      layers.push(describeCp(IPCP, bytes, at, end));
      break;
    case PPP_CHAP:
      layers.push(describeChap(bytes, at, end));
      break;
    case PPP_PAP:
      layers.push(describePap(bytes, at, end));
      break;
    case PPP_IP:
      layers.push(...shiftFields(describeIp(bytes.subarray(at, end)), at));
      break;
    case PPP_CCP:
      layers.push(describeCp(CCP, bytes, at, end));
      break;
    case PPP_COMP:
      layers.push(describeMppe(bytes, at, end));
      break;
    default:
      if (end > at) layers.push(leaf("Data", `${end - at} bytes`, at, end - at));
  }
  return layers;
}
