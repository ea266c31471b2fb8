/**
 * CCP (RFC 1962) with its one option that matters for PPTP, MPPE (type 18, RFC 3078 §2): four bytes of
 * supported bits, of which we use S (128-bit keys), M (56), L (40) and H (stateless: a new key for
 * every packet). And the MPPE packet itself (PPP protocol 0x00FD): a 2-byte header (flags A-D and a
 * 12-bit coherency count) before the RC4-encrypted protocol field and payload.
 */
import { type Decoded, fail, type Field, ok } from "./field.ts";
import type { ControlProtocol } from "./lcp.ts";
import { hexNum, leaf, put32, u16, u32 } from "./octets.ts";

/** PPP protocol numbers of CCP and of a compressed (here: encrypted) datagram. */
export const PPP_CCP = 0x80fd;
export const PPP_COMP = 0x00fd;

/** MPPE supported bits (RFC 3078 §2.1). */
export const MPPE_STATELESS = 0x01000000;
export const MPPE_128 = 0x00000040;
export const MPPE_56 = 0x00000080;
export const MPPE_40 = 0x00000020;
const MPPC = 0x00000001;

/** A CCP configuration option. */
export type CcpOption =
  | { type: "mppe"; bits: number }
  | { type: "raw"; code: number; data: Uint8Array };

/** "128-bit stateless" for a set of MPPE bits. */
export function mppeBitsText(bits: number): string {
  const parts: string[] = [];
  if (bits & MPPE_128) parts.push("128-bit");
  if (bits & MPPE_56) parts.push("56-bit");
  if (bits & MPPE_40) parts.push("40-bit");
  if (bits & MPPC) parts.push("MPPC");
  parts.push(bits & MPPE_STATELESS ? "stateless" : "stateful");
  return parts.join(" ");
}

/** CCP's option table (codes 1–7 like LCP; Reset-Request/Ack are not used in stateless mode). */
export const CCP: ControlProtocol<CcpOption> = {
  name: "CCP",
  longName: "PPP Compression Control Protocol",
  protocol: PPP_CCP,
  maxCode: 7,
  optionCode: (o) => (o.type === "mppe" ? 18 : o.code),
  encodeOptionValue(o) {
    if (o.type === "raw") return o.data;
    const out = new Uint8Array(4);
    put32(out, 0, o.bits);
    return out;
  },
  decodeOption(code, v) {
    if (code !== 18) return ok({ type: "raw", code, data: v });
    if (v.length !== 4) return fail(`MPPE option of ${v.length + 2} bytes, expected 6`);
    return ok({ type: "mppe", bits: u32(v, 0) });
  },
  optionName: (code) => (code === 18 ? "Microsoft PPE" : `Compression option ${code}`),
  summarizeOption: (o) => (o.type === "mppe" ? `MPPE ${mppeBitsText(o.bits)}` : `opt ${o.code}`),
};

/** The MPPE header flags. */
export const MPPE_FLUSHED = 0x80;
export const MPPE_ENCRYPTED = 0x10;

/** An MPPE packet: its flags, coherency count and the encrypted rest. */
export interface MppePacket {
  flags: number;
  count: number;
  data: Uint8Array;
}

/** Builds the 0x00FD payload from a header and already-encrypted data. */
export function encodeMppe(packet: MppePacket): Uint8Array {
  const out = new Uint8Array(2 + packet.data.length);
  out[0] = packet.flags | ((packet.count >>> 8) & 0x0f);
  out[1] = packet.count & 0xff;
  out.set(packet.data, 2);
  return out;
}

/** Reads the MPPE header of a 0x00FD payload. */
export function decodeMppe(bytes: Uint8Array): Decoded<MppePacket> {
  if (bytes.length < 3) return fail(`MPPE packet of ${bytes.length} bytes is too short`);
  return ok({ flags: bytes[0] & 0xf0, count: u16(bytes, 0) & 0x0fff, data: bytes.subarray(2) });
}

/** "MPPE count 5 encrypted 86 bytes". */
export function summarizeMppe(bytes: Uint8Array): string {
  const d = decodeMppe(bytes);
  if (!d.ok) return `MPPE malformed: ${d.error}`;
  const { flags, count, data } = d.value;
  return `MPPE count ${count}${flags & MPPE_ENCRYPTED ? " encrypted" : ""} ${data.length} bytes`;
}

/** The inspector's fields of an MPPE packet at `offset`. */
export function describeMppe(bytes: Uint8Array, offset: number, end: number): Field {
  const d = decodeMppe(bytes.subarray(offset, end));
  if (!d.ok) return leaf("Microsoft Point-to-Point Encryption", d.error, offset, end - offset);
  const { flags, count } = d.value;
  return {
    name: "Microsoft Point-to-Point Encryption",
    value: `coherency count ${count}`,
    start: offset,
    end,
    children: [
      leaf(
        "Flags",
        `${hexNum(flags >>> 4, 1)} (${flags & MPPE_FLUSHED ? "A: flushed, " : ""}${
          flags & MPPE_ENCRYPTED ? "D: encrypted" : "not encrypted"
        })`,
        offset,
        1,
      ),
      leaf("Coherency count", String(count), offset, 2),
      leaf(
        "Encrypted data",
        `${end - offset - 2} bytes (RC4: the inner protocol and datagram)`,
        offset + 2,
        end - offset - 2,
      ),
    ],
  };
}
