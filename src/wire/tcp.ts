/**
 * TCP segments (RFC 9293 §3.1): the header, its options (End of Option List, No-Operation, MSS, window
 * scale, SACK-permitted, SACK, timestamps) and the checksum over the IPv4 pseudo-header. Decoding
 * checks lengths and the checksum and never throws; `describeTcpHeader` gives the inspector's field
 * tree; `clampMss` is the one in-place rewrite routers do to a segment (MSS clamping).
 */
import { type Ip4, writeIp } from "./addr.ts";
import { adjustChecksum, finishChecksum, onesSum } from "./checksum.ts";
import type { IpDissector } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { hexNum, leaf, put16, put32, u16, u32 } from "./octets.ts";

export const PROTO_TCP = 6;
export const TCP_HEADER_LEN = 20;
/** Data offset is 4 bits of 32-bit words: 60 bytes at most, so 40 bytes of options. */
export const TCP_MAX_HEADER_LEN = 60;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WINDOW_SCALE = 3;
export const OPT_SACK_PERMITTED = 4;
export const OPT_SACK = 5;
export const OPT_TIMESTAMPS = 8;

/** A decoded option. Kinds we do not interpret keep their raw data so forwarding loses nothing. */
export type TcpOption =
  | { kind: typeof OPT_NOP }
  | { kind: typeof OPT_MSS; mss: number }
  | { kind: typeof OPT_WINDOW_SCALE; shift: number }
  | { kind: typeof OPT_SACK_PERMITTED }
  | { kind: typeof OPT_SACK; blocks: [left: number, right: number][] }
  | { kind: typeof OPT_TIMESTAMPS; value: number; echo: number }
  | { kind: number; data: Uint8Array };

/** A TCP segment. `payload` is a view into the decoded buffer. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** The eight flag bits CWR ECE URG ACK PSH RST SYN FIN (the TCP_* constants). */
  flags: number;
  window: number;
  urgent: number;
  options: TcpOption[];
  payload: Uint8Array;
}

const FLAG_NAMES: [number, string][] = [
  [TCP_CWR, "CWR"],
  [TCP_ECE, "ECE"],
  [TCP_URG, "URG"],
  [TCP_ACK, "ACK"],
  [TCP_PSH, "PSH"],
  [TCP_RST, "RST"],
  [TCP_SYN, "SYN"],
  [TCP_FIN, "FIN"],
];

/** `SYN, ACK` — Wireshark's order of flag names. */
export function flagNames(flags: number): string {
  return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name).join(", ") || "none";
}

/** How many bytes an option takes on the wire (kind and length octets included). */
function optionLength(option: TcpOption): number {
  switch (option.kind) {
    case OPT_NOP:
      return 1;
    case OPT_MSS:
      return 4;
    case OPT_WINDOW_SCALE:
      return 3;
    case OPT_SACK_PERMITTED:
      return 2;
    case OPT_SACK:
      return 2 + 8 * ("blocks" in option ? option.blocks.length : 0);
    case OPT_TIMESTAMPS:
      return 10;
    default:
      return 2 + ("data" in option ? option.data.length : 0);
  }
}

function writeOption(bytes: Uint8Array, at: number, option: TcpOption): void {
  bytes[at] = option.kind;
  if (option.kind === OPT_NOP) return;
  bytes[at + 1] = optionLength(option);
  if ("mss" in option) put16(bytes, at + 2, option.mss);
  else if ("shift" in option) bytes[at + 2] = option.shift;
  else if ("blocks" in option) {
    option.blocks.forEach(([left, right], i) => {
      put32(bytes, at + 2 + 8 * i, left);
      put32(bytes, at + 6 + 8 * i, right);
    });
  } else if ("echo" in option) {
    put32(bytes, at + 2, option.value);
    put32(bytes, at + 6, option.echo);
  } else if ("data" in option) bytes.set(option.data, at + 2);
}

function pseudoHeaderSum(src: Ip4, dst: Ip4, length: number): number {
  const pseudo = new Uint8Array(12);
  writeIp(pseudo, 0, src);
  writeIp(pseudo, 4, dst);
  pseudo[9] = PROTO_TCP;
  pseudo[10] = length >>> 8;
  pseudo[11] = length & 0xff;
  return onesSum(pseudo);
}

/** The checksum over the pseudo-header and `segment`, whose checksum field must hold 0 (RFC 9293 §3.1). */
export function tcpChecksum(src: Ip4, dst: Ip4, segment: Uint8Array): number {
  return finishChecksum(onesSum(segment, 0, segment.length, pseudoHeaderSum(src, dst, segment.length)));
}

/** Whether the checksum of `segment` is right for the datagram's addresses. */
export function tcpChecksumOk(src: Ip4, dst: Ip4, segment: Uint8Array): boolean {
  return finishChecksum(onesSum(segment, 0, segment.length, pseudoHeaderSum(src, dst, segment.length))) === 0;
}

/**
 * Builds a segment: the data offset, the padding of options to a 32-bit boundary (with End of Option
 * List, as RFC 9293 asks) and the checksum are computed here. Throws only for options that cannot fit
 * in 40 bytes, which is a programming error, not untrusted input.
 */
export function encodeTcp(src: Ip4, dst: Ip4, segment: TcpSegment): Uint8Array {
  const optionsLength = segment.options.reduce((sum, option) => sum + optionLength(option), 0);
  const headerLength = TCP_HEADER_LEN + ((optionsLength + 3) & ~3);
  if (headerLength > TCP_MAX_HEADER_LEN) throw new Error(`TCP options take ${optionsLength} bytes (max 40)`);
  const bytes = new Uint8Array(headerLength + segment.payload.length);
  put16(bytes, 0, segment.srcPort);
  put16(bytes, 2, segment.dstPort);
  put32(bytes, 4, segment.seq);
  put32(bytes, 8, segment.ack);
  bytes[12] = (headerLength / 4) << 4;
  bytes[13] = segment.flags & 0xff;
  put16(bytes, 14, segment.window);
  put16(bytes, 18, segment.urgent);
  let at = TCP_HEADER_LEN;
  for (const option of segment.options) {
    writeOption(bytes, at, option);
    at += optionLength(option);
  }
  bytes.set(segment.payload, headerLength);
  put16(bytes, 16, tcpChecksum(src, dst, bytes));
  return bytes;
}

/** Parses the options area; a length that runs past the header or below 2 is an error. */
export function decodeTcpOptions(area: Uint8Array): Decoded<TcpOption[]> {
  const options: TcpOption[] = [];
  for (let at = 0; at < area.length;) {
    const kind = area[at];
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      options.push({ kind: OPT_NOP });
      at++;
      continue;
    }
    if (at + 1 >= area.length) return fail(`TCP option ${kind} has no length octet`);
    const length = area[at + 1];
    if (length < 2 || at + length > area.length) {
      return fail(`TCP option ${kind} length ${length} does not fit the header`);
    }
    const data = area.subarray(at + 2, at + length);
    const expect = (want: number) =>
      length === want ? null : `TCP option ${kind} length ${length}, not ${want}`;
    let problem: string | null = null;
    if (kind === OPT_MSS) {
      problem = expect(4);
      if (!problem) options.push({ kind, mss: u16(data, 0) });
    } else if (kind === OPT_WINDOW_SCALE) {
      problem = expect(3);
      if (!problem) options.push({ kind, shift: data[0] });
    } else if (kind === OPT_SACK_PERMITTED) {
      problem = expect(2);
      if (!problem) options.push({ kind });
    } else if (kind === OPT_TIMESTAMPS) {
      problem = expect(10);
      if (!problem) options.push({ kind, value: u32(data, 0), echo: u32(data, 4) });
    } else if (kind === OPT_SACK) {
      if ((length - 2) % 8 !== 0) problem = `TCP SACK option length ${length} is not 2 + 8n`;
      else {
        const blocks: [number, number][] = [];
        for (let i = 0; i < data.length; i += 8) blocks.push([u32(data, i), u32(data, i + 4)]);
        options.push({ kind, blocks });
      }
    } else options.push({ kind, data });
    if (problem) return fail(problem);
    at += length;
  }
  return ok(options);
}

/** Parses a segment and verifies its checksum against the carrying datagram's addresses. */
export function decodeTcp(segment: Uint8Array, src: Ip4, dst: Ip4): Decoded<TcpSegment> {
  if (segment.length < TCP_HEADER_LEN) return fail(`truncated TCP header (${segment.length} bytes)`);
  const headerLength = (segment[12] >>> 4) * 4;
  if (headerLength < TCP_HEADER_LEN) return fail(`TCP data offset ${headerLength} bytes is below 20`);
  if (headerLength > segment.length) {
    return fail(`TCP data offset ${headerLength} exceeds the ${segment.length} bytes carried`);
  }
  if (!tcpChecksumOk(src, dst, segment)) return fail("bad TCP checksum");
  const options = decodeTcpOptions(segment.subarray(TCP_HEADER_LEN, headerLength));
  if (!options.ok) return options;
  return ok({
    srcPort: u16(segment, 0),
    dstPort: u16(segment, 2),
    seq: u32(segment, 4),
    ack: u32(segment, 8),
    flags: segment[13],
    window: u16(segment, 14),
    urgent: u16(segment, 18),
    options: options.value,
    payload: segment.subarray(headerLength),
  });
}

/** The MSS option's value, if the segment carries one. */
export function mssOption(segment: TcpSegment): number | undefined {
  for (const option of segment.options) if ("mss" in option) return option.mss;
  return undefined;
}

/**
 * MSS clamping (what iptables' TCPMSS target does): if `segment` is a SYN whose MSS option exceeds
 * `clamp`, lower it in place and patch the checksum incrementally (RFC 1624), so nothing beyond the
 * two changed bytes is read. Returns the MSS before and after, or null when nothing was changed.
 */
export function clampMss(segment: Uint8Array, clamp: number): { from: number; to: number } | null {
  if (segment.length < TCP_HEADER_LEN || !(segment[13] & TCP_SYN)) return null;
  const headerLength = Math.min((segment[12] >>> 4) * 4, segment.length);
  for (let at = TCP_HEADER_LEN; at < headerLength;) {
    const kind = segment[at];
    if (kind === OPT_EOL) return null;
    if (kind === OPT_NOP) {
      at++;
      continue;
    }
    const length = segment[at + 1];
    if (at + 1 >= headerLength || length < 2 || at + length > headerLength) return null;
    if (kind === OPT_MSS && length === 4) {
      const from = u16(segment, at + 2);
      if (from <= clamp) return null;
      // The option's word may start on an odd offset; patch the checksum over aligned 16-bit words.
      const wordStart = (at + 2) & ~1;
      const before = [
        u16(segment, wordStart),
        wordStart + 2 < headerLength ? u16(segment, wordStart + 2) : 0,
      ];
      put16(segment, at + 2, clamp);
      const after = [u16(segment, wordStart), wordStart + 2 < headerLength ? u16(segment, wordStart + 2) : 0];
      let checksum = u16(segment, 16);
      checksum = adjustChecksum(checksum, before[0], after[0]);
      checksum = adjustChecksum(checksum, before[1], after[1]);
      put16(segment, 16, checksum);
      return { from, to: clamp };
    }
    at += length;
  }
  return null;
}

function optionText(option: TcpOption): string {
  switch (option.kind) {
    case OPT_NOP:
      return "nop";
    case OPT_MSS:
      return `mss ${"mss" in option ? option.mss : "?"}`;
    case OPT_WINDOW_SCALE:
      return `wscale ${"shift" in option ? option.shift : "?"}`;
    case OPT_SACK_PERMITTED:
      return "sackOK";
    case OPT_SACK:
      return `sack ${"blocks" in option ? option.blocks.length : 0}`;
    case OPT_TIMESTAMPS:
      return "TS";
    default:
      return `opt ${option.kind}`;
  }
}

/** One line in the spirit of tcpdump: `49152 → 5201 [SYN] seq=123 win=65535 [mss 1460] len=0`. */
export function summarizeTcp(payload: Uint8Array): string {
  if (payload.length < TCP_HEADER_LEN) return `TCP truncated (${payload.length} bytes)`;
  const headerLength = (payload[12] >>> 4) * 4;
  if (headerLength < TCP_HEADER_LEN || headerLength > payload.length) return "TCP malformed header";
  const flags = payload[13];
  const options = decodeTcpOptions(payload.subarray(TCP_HEADER_LEN, headerLength));
  const shown = options.ok
    ? options.value.filter((o) => o.kind !== OPT_NOP).map(optionText)
    : ["bad options"];
  return `TCP ${u16(payload, 0)} → ${u16(payload, 2)} [${flagNames(flags)}] seq=${u32(payload, 4)}` +
    (flags & TCP_ACK ? ` ack=${u32(payload, 8)}` : "") + ` win=${u16(payload, 14)}` +
    (shown.length ? ` [${shown.join(", ")}]` : "") + ` len=${payload.length - headerLength}`;
}

function describeOptions(bytes: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [];
  for (let at = start; at < end;) {
    const kind = bytes[at];
    if (kind === OPT_EOL) {
      fields.push(leaf("End of Option List", "", at, end - at));
      break;
    }
    if (kind === OPT_NOP) {
      fields.push(leaf("No-Operation", "", at, 1));
      at++;
      continue;
    }
    const length = at + 1 < end ? bytes[at + 1] : 0;
    if (length < 2 || at + length > end) {
      fields.push(leaf("Malformed option", `kind ${kind} length ${length}`, at, end - at));
      break;
    }
    const decoded = decodeTcpOptions(bytes.subarray(at, at + length));
    const value = decoded.ok && decoded.value.length ? optionText(decoded.value[0]) : `kind ${kind}`;
    const names: Record<number, string> = {
      [OPT_MSS]: "Maximum Segment Size",
      [OPT_WINDOW_SCALE]: "Window Scale",
      [OPT_SACK_PERMITTED]: "SACK Permitted",
      [OPT_SACK]: "SACK",
      [OPT_TIMESTAMPS]: "Timestamps",
    };
    fields.push(leaf(names[kind] ?? `Option ${kind}`, value, at, length));
    at += length;
  }
  return fields;
}

/**
 * The inspector's field tree for the segment in `bytes[offset, end)`. `checksumOk` is null when the
 * addresses are unknown (a fragment, a quoted header).
 */
export function describeTcpHeader(
  bytes: Uint8Array,
  offset: number,
  end: number,
  checksumOk: boolean | null,
): Field {
  if (end - offset < TCP_HEADER_LEN) {
    return leaf("Transmission Control Protocol", `truncated (${end - offset} bytes)`, offset, end - offset);
  }
  const claimed = (bytes[offset + 12] >>> 4) * 4;
  const headerLength = Math.min(Math.max(claimed, TCP_HEADER_LEN), end - offset);
  const flags = bytes[offset + 13];
  const checksum = u16(bytes, offset + 16);
  const children: Field[] = [
    leaf("Source Port", String(u16(bytes, offset)), offset, 2),
    leaf("Destination Port", String(u16(bytes, offset + 2)), offset + 2, 2),
    leaf("Sequence Number", String(u32(bytes, offset + 4)), offset + 4, 4),
    leaf("Acknowledgment Number", String(u32(bytes, offset + 8)), offset + 8, 4),
    leaf(
      "Header Length",
      `${claimed} bytes` + (claimed < TCP_HEADER_LEN || claimed > end - offset ? " [bogus]" : ""),
      offset + 12,
      1,
    ),
    leaf("Flags", `${hexNum(flags, 2)} (${flagNames(flags)})`, offset + 13, 1),
    leaf("Window", String(u16(bytes, offset + 14)), offset + 14, 2),
    leaf(
      "Checksum",
      hexNum(checksum, 4) + (checksumOk === null ? "" : checksumOk ? " [correct]" : " [incorrect]"),
      offset + 16,
      2,
    ),
    leaf("Urgent Pointer", String(u16(bytes, offset + 18)), offset + 18, 2),
  ];
  if (headerLength > TCP_HEADER_LEN) {
    children.push({
      name: "Options",
      value: `${headerLength - TCP_HEADER_LEN} bytes`,
      start: offset + TCP_HEADER_LEN,
      end: offset + headerLength,
      children: describeOptions(bytes, offset + TCP_HEADER_LEN, offset + headerLength),
    });
  }
  return {
    name: "Transmission Control Protocol",
    value: `${u16(bytes, offset)} → ${u16(bytes, offset + 2)} [${flagNames(flags)}] len ${
      end - offset - headerLength
    }`,
    start: offset,
    end,
    children,
  };
}

function readAddress(bytes: Uint8Array, at: number): Ip4 {
  return u32(bytes, at);
}

/** The dissector for IP protocol 6: label, summary and field tree (listed in src/wire/dissect.ts). */
export const tcpDissector: IpDissector = {
  label: "TCP",
  summarize: summarizeTcp,
  describe(bytes, offset, end) {
    // The dissector sees the whole datagram: the pseudo-header's addresses are in its IPv4 header.
    const segment = bytes.subarray(offset, end);
    const checksumOk = bytes.length >= 20
      ? tcpChecksumOk(readAddress(bytes, 12), readAddress(bytes, 16), segment)
      : null;
    const fields = [describeTcpHeader(bytes, offset, end, checksumOk)];
    const headerLength = end - offset >= TCP_HEADER_LEN ? (bytes[offset + 12] >>> 4) * 4 : 0;
    if (headerLength >= TCP_HEADER_LEN && offset + headerLength < end) {
      fields.push(
        leaf(
          "Data",
          `${end - offset - headerLength} bytes`,
          offset + headerLength,
          end - offset - headerLength,
        ),
      );
    }
    return fields;
  },
};
