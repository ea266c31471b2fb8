/**
 * An ESP packet as its receiver sees it once opened (RFC 4303 §2): header, IV, the payload, and the
 * trailer (padding, pad length, next header) and ICV as fields of their own, so a student sees where the
 * bytes that a tap counts as "encrypted" go. Byte ranges point into the packet as sent: the trailer's
 * range is the ciphertext's tail that decrypts to it.
 */
import type { Field } from "./field.ts";

/** What opening the packet gave: lengths and values, not keys. */
export interface OpenedEsp {
  spi: number;
  seq: number;
  ivLength: number;
  icvLength: number;
  /** The inner packet (the payload before the trailer). */
  payloadLength: number;
  padLength: number;
  nextHeader: number;
  /** Cipher and integrity names, e.g. "3des-cbc", "hmac-sha1-96". */
  encryption: string;
  integrity: string;
}

const NEXT_HEADERS: Record<number, string> = {
  4: "IPv4",
  6: "TCP",
  17: "UDP",
  41: "IPv6",
  59: "no next header",
};

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");

/**
 * Fields of an opened ESP packet whose bytes (from the SPI) are `packet`, at `offset` in the frame. The
 * padding is 1, 2, 3, … as RFC 4303 §2.4 requires (opening checked it).
 */
export function describeOpenedEsp(packet: Uint8Array, offset: number, opened: OpenedEsp): Field[] {
  const ivStart = offset + 8;
  const bodyStart = ivStart + opened.ivLength;
  const end = offset + packet.length;
  const icvStart = end - opened.icvLength;
  const padStart = icvStart - 2 - opened.padLength;
  const padding = Uint8Array.from({ length: opened.padLength }, (_, i) => i + 1);
  const next = NEXT_HEADERS[opened.nextHeader] ?? "unknown";
  const trailer: Field[] = [
    {
      name: "Padding",
      value: opened.padLength === 0 ? "none" : `${opened.padLength} bytes: ${hex(padding)}`,
      start: padStart,
      end: padStart + opened.padLength,
    },
    { name: "Pad Length", value: String(opened.padLength), start: icvStart - 2, end: icvStart - 1 },
    { name: "Next Header", value: `${opened.nextHeader} (${next})`, start: icvStart - 1, end: icvStart },
  ];
  return [{
    name: "Encapsulating Security Payload (decrypted)",
    value: `SPI 0x${opened.spi.toString(16).padStart(8, "0")}, ${opened.encryption}/${opened.integrity}`,
    start: offset,
    end,
    children: [
      {
        name: "SPI",
        value: `0x${opened.spi.toString(16).padStart(8, "0")}`,
        start: offset,
        end: offset + 4,
      },
      { name: "Sequence Number", value: String(opened.seq), start: offset + 4, end: offset + 8 },
      {
        name: "IV",
        value: opened.ivLength === 0 ? "none" : hex(packet.subarray(8, 8 + opened.ivLength)),
        start: ivStart,
        end: bodyStart,
      },
      {
        name: "Payload",
        value: `${opened.payloadLength} bytes (${next})`,
        start: bodyStart,
        end: bodyStart + opened.payloadLength,
      },
      {
        name: "ESP Trailer",
        value: `${opened.padLength + 2} bytes`,
        start: padStart,
        end: icvStart,
        children: trailer,
      },
      {
        name: "ICV",
        value: `${opened.icvLength} bytes (${opened.integrity}): ${
          hex(packet.subarray(packet.length - opened.icvLength))
        }`,
        start: icvStart,
        end,
      },
    ],
  }];
}
