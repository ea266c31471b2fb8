import { newBytes } from "../crypto/bytes.ts";
import { internetChecksum } from "./checksum.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;

/** Destination Unreachable codes (RFC 792, RFC 1812). */
export const UNREACH_NET = 0;
export const UNREACH_HOST = 1;
export const UNREACH_PROTOCOL = 2;
export const UNREACH_PORT = 3;
export const UNREACH_FRAG_NEEDED = 4;
export const UNREACH_ADMIN_PROHIBITED = 13;

/** Time Exceeded codes. */
export const EXCEEDED_TTL = 0;
export const EXCEEDED_REASSEMBLY = 1;

export type IcmpMessage =
  | {
    type: typeof ICMP_ECHO_REQUEST | typeof ICMP_ECHO_REPLY;
    code: 0;
    identifier: number;
    sequence: number;
    data: Uint8Array;
  }
  | {
    type: typeof ICMP_DEST_UNREACHABLE | typeof ICMP_TIME_EXCEEDED;
    code: number;
    /** Next-hop MTU, meaningful for "fragmentation needed" (RFC 1191). */
    mtu: number;
    /** The offending datagram's header plus at least 8 bytes of its payload. */
    quoted: Uint8Array;
  }
  | { type: number; code: number; rest: Uint8Array };

export function encodeIcmp(message: IcmpMessage): Uint8Array {
  let body: Uint8Array;
  const header = newBytes(8);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  header[0] = message.type;
  header[1] = message.code;
  if ("identifier" in message) {
    view.setUint16(4, message.identifier);
    view.setUint16(6, message.sequence);
    body = message.data;
  } else if ("quoted" in message) {
    if (message.type === ICMP_DEST_UNREACHABLE && message.code === UNREACH_FRAG_NEEDED) {
      view.setUint16(6, message.mtu);
    }
    body = message.quoted;
  } else {
    header.set(message.rest.subarray(0, 4), 4);
    body = message.rest.subarray(4);
  }
  const bytes = newBytes(8 + body.length);
  bytes.set(header);
  bytes.set(body, 8);
  const checksum = internetChecksum(bytes);
  bytes[2] = checksum >>> 8;
  bytes[3] = checksum & 0xff;
  return bytes;
}

export function decodeIcmp(bytes: Uint8Array): Decoded<IcmpMessage> {
  if (bytes.length < 8) return fail(`truncated ICMP message (${bytes.length} bytes)`);
  if (internetChecksum(bytes) !== 0) return fail("bad ICMP checksum");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[0];
  const code = bytes[1];
  if (type === ICMP_ECHO_REQUEST || type === ICMP_ECHO_REPLY) {
    return ok({
      type,
      code: 0,
      identifier: view.getUint16(4),
      sequence: view.getUint16(6),
      data: bytes.subarray(8),
    });
  }
  if (type === ICMP_DEST_UNREACHABLE || type === ICMP_TIME_EXCEEDED) {
    if (bytes.length < 8 + 20) return fail("ICMP error quotes less than an IPv4 header");
    return ok({ type, code, mtu: view.getUint16(6), quoted: bytes.subarray(8) });
  }
  return ok({ type, code, rest: bytes.subarray(4) });
}

const UNREACH_NAMES: Record<number, string> = {
  0: "net unreachable",
  1: "host unreachable",
  2: "protocol unreachable",
  3: "port unreachable",
  4: "fragmentation needed",
  13: "communication administratively prohibited",
};

/** `echo request id 1 seq 3`, `port unreachable`, `time exceeded in transit`. */
export function icmpSummary(bytes: Uint8Array): string {
  if (bytes.length < 8) return "ICMP (truncated)";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (bytes[0]) {
    case ICMP_ECHO_REQUEST:
      return `ICMP echo request id ${view.getUint16(4)} seq ${view.getUint16(6)}`;
    case ICMP_ECHO_REPLY:
      return `ICMP echo reply id ${view.getUint16(4)} seq ${view.getUint16(6)}`;
    case ICMP_DEST_UNREACHABLE: {
      const name = UNREACH_NAMES[bytes[1]] ?? `unreachable code ${bytes[1]}`;
      return bytes[1] === UNREACH_FRAG_NEEDED ? `ICMP ${name} (mtu ${view.getUint16(6)})` : `ICMP ${name}`;
    }
    case ICMP_TIME_EXCEEDED:
      return bytes[1] === EXCEEDED_REASSEMBLY
        ? "ICMP time exceeded in reassembly"
        : "ICMP time exceeded in transit";
    default:
      return `ICMP type ${bytes[0]} code ${bytes[1]}`;
  }
}

export function describeIcmpHeader(bytes: Uint8Array, offset: number, end: number): Field {
  if (end - offset < 8) {
    return {
      name: "Internet Control Message Protocol",
      value: "truncated",
      start: offset,
      end: Math.max(offset, end),
    };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const at = (start: number, length: number) => ({ start: offset + start, end: offset + start + length });
  const type = bytes[offset];
  const checksumOk = internetChecksum(bytes, offset, end) === 0;
  const children: Field[] = [
    { name: "Type", value: String(type), ...at(0, 1) },
    { name: "Code", value: String(bytes[offset + 1]), ...at(1, 1) },
    {
      name: "Checksum",
      value: `0x${view.getUint16(2).toString(16).padStart(4, "0")} [${checksumOk ? "correct" : "incorrect"}]`,
      ...at(2, 2),
    },
  ];
  if (type === ICMP_ECHO_REQUEST || type === ICMP_ECHO_REPLY) {
    children.push(
      { name: "Identifier", value: String(view.getUint16(4)), ...at(4, 2) },
      { name: "Sequence Number", value: String(view.getUint16(6)), ...at(6, 2) },
      { name: "Data", value: `${end - offset - 8} bytes`, start: offset + 8, end },
    );
  } else if (type === ICMP_DEST_UNREACHABLE && bytes[offset + 1] === UNREACH_FRAG_NEEDED) {
    children.push({ name: "Next-Hop MTU", value: String(view.getUint16(6)), ...at(6, 2) });
  }
  return {
    name: "Internet Control Message Protocol",
    value: icmpSummary(bytes.subarray(offset, end)).replace(/^ICMP /, ""),
    start: offset,
    end,
    children,
  };
}
