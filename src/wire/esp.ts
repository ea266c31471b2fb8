/**
 * ESP framing (RFC 4303 §2): SPI, sequence number, then bytes only the SA's keys can read. Sealing and
 * opening live in src/stack/ipsec/esp.ts; this module frames, summarises and describes. Registers
 * IP protocol 50 and the UDP 4500 demultiplexer of RFC 3948 §2.2 (keepalive, non-ESP marker + IKE,
 * or ESP).
 */
import type { UdpDissector } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { describeIsakmp, summarizeIsakmp } from "./isakmp_describe.ts";
import { hexNum, leaf, put32, u32 } from "./octets.ts";
import type { ProtoLabel } from "../trace/record.ts";

/** ESP's IP protocol number is defined with the other IP protocol numbers, in ipv4.ts. */
export { PROTO_ESP } from "./ipv4.ts";
export const ESP_HEADER_LEN = 8;
/** The 4 zero bytes that tell IKE from ESP on port 4500 (ESP never uses SPI 0). */
export const NON_ESP_MARKER_LEN = 4;
/** A NAT-keepalive is one byte, 0xFF (RFC 3948 §2.3). */
export const NAT_KEEPALIVE = 0xff;

export interface EspHeader {
  spi: number;
  seq: number;
}

/** SPI and sequence number, plus the opaque rest (IV, ciphertext, ICV). */
export function decodeEspHeader(bytes: Uint8Array): Decoded<EspHeader & { rest: Uint8Array }> {
  if (bytes.length < ESP_HEADER_LEN) return fail(`truncated ESP header (${bytes.length} bytes)`);
  const spi = u32(bytes, 0);
  if (spi === 0) return fail("ESP SPI 0 is reserved");
  return ok({ spi, seq: u32(bytes, 4), rest: bytes.subarray(ESP_HEADER_LEN) });
}

/** The 8-byte ESP header. */
export function encodeEspHeader(header: EspHeader): Uint8Array {
  const out = new Uint8Array(ESP_HEADER_LEN);
  put32(out, 0, header.spi);
  put32(out, 4, header.seq);
  return out;
}

/** `ESP(spi=0x…,seq=0x…), length N`, as tcpdump prints it. */
export function summarizeEsp(payload: Uint8Array): string {
  const header = decodeEspHeader(payload);
  if (!header.ok) return `ESP (malformed: ${header.error})`;
  return `ESP(spi=${hexNum(header.value.spi, 8)},seq=${
    hexNum(header.value.seq, 1)
  }), length ${payload.length}`;
}

/** The inspector's tree for ESP at `bytes[offset, end)`. */
export function describeEsp(bytes: Uint8Array, offset: number, end: number): Field[] {
  if (end - offset < ESP_HEADER_LEN) {
    return [
      leaf("Encapsulating Security Payload (malformed)", `${end - offset} bytes`, offset, end - offset),
    ];
  }
  const spi = u32(bytes, offset);
  const seq = u32(bytes, offset + 4);
  return [{
    name: "Encapsulating Security Payload",
    value: `SPI ${hexNum(spi, 8)}, seq ${seq}`,
    start: offset,
    end,
    children: [
      leaf("ESP SPI", hexNum(spi, 8), offset, 4),
      leaf("ESP Sequence", String(seq), offset + 4, 4),
      leaf(
        "Encrypted payload",
        `${
          end - offset - ESP_HEADER_LEN
        } bytes: IV, ciphertext (inner packet, padding, pad length, next header), ICV`,
        offset + ESP_HEADER_LEN,
        end - offset - ESP_HEADER_LEN,
      ),
    ],
  }];
}

/** What a UDP 4500 payload is (RFC 3948 §2.2). */
export type UdpEncapKind = "keepalive" | "ike" | "esp" | "malformed";

export function udpEncapKind(payload: Uint8Array): UdpEncapKind {
  if (payload.length === 1 && payload[0] === NAT_KEEPALIVE) return "keepalive";
  if (payload.length >= NON_ESP_MARKER_LEN && u32(payload, 0) === 0) return "ike";
  return payload.length >= ESP_HEADER_LEN ? "esp" : "malformed";
}

/** ESP straight on IP (protocol 50). */
export const espDissector: UdpDissector = {
  label: "ESP",
  summarize: summarizeEsp,
  describe: describeEsp,
};

/** UDP 4500: keepalive, IKE after the non-ESP marker, or UDP-encapsulated ESP. */
export const udpEncapDissector: UdpDissector = {
  label: "ESP",
  labelOf(payload: Uint8Array): ProtoLabel {
    return udpEncapKind(payload) === "ike" ? "IKE" : "ESP";
  },
  summarize(payload: Uint8Array): string {
    switch (udpEncapKind(payload)) {
      case "keepalive":
        return "NAT-keepalive";
      case "ike":
        return summarizeIsakmp(payload.subarray(NON_ESP_MARKER_LEN));
      case "esp":
        return `UDP-encap ${summarizeEsp(payload)}`;
      case "malformed":
        return `UDP-encap (malformed, ${payload.length} bytes)`;
    }
  },
  describe(bytes: Uint8Array, offset: number, end: number): Field[] {
    const payload = bytes.subarray(offset, end);
    switch (udpEncapKind(payload)) {
      case "keepalive":
        return [leaf("NAT-keepalive", "0xff", offset, 1)];
      case "ike":
        return [
          leaf("Non-ESP Marker", "0x00000000", offset, NON_ESP_MARKER_LEN),
          ...describeIsakmp(bytes, offset + NON_ESP_MARKER_LEN, end),
        ];
      case "esp":
        return describeEsp(bytes, offset, end);
      case "malformed":
        return [
          leaf(
            "UDP Encapsulation of IPsec Packets (malformed)",
            `${end - offset} bytes`,
            offset,
            end - offset,
          ),
        ];
    }
  },
};
