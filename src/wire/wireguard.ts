/**
 * WireGuard's four messages on UDP (WireGuard paper §5.4; wireguard.com/protocol): handshake
 * initiation (148 bytes), handshake response (92), cookie reply (64) and transport data (16-byte
 * header, sealed packet, 16-byte tag). Every integer is little-endian, unlike the rest of the stack.
 * The handshake's sealed parts and MACs are opaque here; src/stack/wireguard gives them meaning.
 * `wireguardDissector` sits on the default port 51820 in the dissect.ts table, as Wireshark's `wg`
 * dissector claims it.
 */
import type { UdpDissector } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { hexBytes, hexNum, leaf } from "./octets.ts";

/** The port `wg` listens on unless told otherwise. */
export const WG_PORT = 51820;

export const WG_INITIATION = 1;
export const WG_RESPONSE = 2;
export const WG_COOKIE_REPLY = 3;
export const WG_TRANSPORT = 4;

/** Fixed message sizes; transport data is at least its header and tag. */
export const WG_INITIATION_LEN = 148;
export const WG_RESPONSE_LEN = 92;
export const WG_COOKIE_REPLY_LEN = 64;
export const WG_TRANSPORT_HEADER_LEN = 16;
export const WG_TAG_LEN = 16;
/** Where mac1 starts in an initiation and a response: the MACs cover everything before them. */
export const WG_INITIATION_MAC1_AT = 116;
export const WG_RESPONSE_MAC1_AT = 60;

/** Message 1: the initiator's index, ephemeral key, sealed static key and sealed TAI64N timestamp. */
export interface WgInitiation {
  type: typeof WG_INITIATION;
  sender: number;
  ephemeral: Uint8Array;
  /** 32 + 16 bytes. */
  encryptedStatic: Uint8Array;
  /** 12 + 16 bytes. */
  encryptedTimestamp: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
}

/** Message 2: the responder's index, the initiator's index, its ephemeral key, a sealed empty payload. */
export interface WgResponse {
  type: typeof WG_RESPONSE;
  sender: number;
  receiver: number;
  ephemeral: Uint8Array;
  /** 0 + 16 bytes: only the tag. */
  encryptedNothing: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
}

/** Message 3: a cookie sealed for the sender of the message it answers (receiver = that sender's index). */
export interface WgCookieReply {
  type: typeof WG_COOKIE_REPLY;
  receiver: number;
  nonce: Uint8Array;
  /** 16 + 16 bytes. */
  encryptedCookie: Uint8Array;
}

/** Message 4: the receiver's index, the 64-bit counter (the AEAD nonce), the sealed inner packet. */
export interface WgTransport {
  type: typeof WG_TRANSPORT;
  receiver: number;
  counter: bigint;
  /** The padded packet plus the tag; exactly a tag for a keepalive. */
  encryptedPacket: Uint8Array;
}

export type WgMessage = WgInitiation | WgResponse | WgCookieReply | WgTransport;

const NAMES: Record<number, string> = {
  [WG_INITIATION]: "Handshake Initiation",
  [WG_RESPONSE]: "Handshake Response",
  [WG_COOKIE_REPLY]: "Cookie Reply",
  [WG_TRANSPORT]: "Transport Data",
};

function header(type: number, length: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(length);
  bytes[0] = type; // bytes 1–3 are reserved zeros
  return { bytes, view: new DataView(bytes.buffer) };
}

function put(bytes: Uint8Array, at: number, part: Uint8Array, length: number, what: string): void {
  if (part.length !== length) {
    throw new RangeError(`WireGuard ${what}: ${part.length} bytes, expected ${length}`);
  }
  bytes.set(part, at);
}

/** The bytes of a message. Wrong part sizes are a bug in our code and throw. */
export function encodeWg(message: WgMessage): Uint8Array {
  switch (message.type) {
    case WG_INITIATION: {
      const { bytes, view } = header(WG_INITIATION, WG_INITIATION_LEN);
      view.setUint32(4, message.sender, true);
      put(bytes, 8, message.ephemeral, 32, "ephemeral");
      put(bytes, 40, message.encryptedStatic, 48, "static");
      put(bytes, 88, message.encryptedTimestamp, 28, "timestamp");
      put(bytes, 116, message.mac1, 16, "mac1");
      put(bytes, 132, message.mac2, 16, "mac2");
      return bytes;
    }
    case WG_RESPONSE: {
      const { bytes, view } = header(WG_RESPONSE, WG_RESPONSE_LEN);
      view.setUint32(4, message.sender, true);
      view.setUint32(8, message.receiver, true);
      put(bytes, 12, message.ephemeral, 32, "ephemeral");
      put(bytes, 44, message.encryptedNothing, 16, "empty");
      put(bytes, 60, message.mac1, 16, "mac1");
      put(bytes, 76, message.mac2, 16, "mac2");
      return bytes;
    }
    case WG_COOKIE_REPLY: {
      const { bytes, view } = header(WG_COOKIE_REPLY, WG_COOKIE_REPLY_LEN);
      view.setUint32(4, message.receiver, true);
      put(bytes, 8, message.nonce, 24, "nonce");
      put(bytes, 32, message.encryptedCookie, 32, "cookie");
      return bytes;
    }
    case WG_TRANSPORT: {
      const length = WG_TRANSPORT_HEADER_LEN + message.encryptedPacket.length;
      const { bytes, view } = header(WG_TRANSPORT, length);
      view.setUint32(4, message.receiver, true);
      view.setBigUint64(8, message.counter, true);
      bytes.set(message.encryptedPacket, WG_TRANSPORT_HEADER_LEN);
      return bytes;
    }
  }
}

/** Parses a UDP payload as a WireGuard message; sizes are exact, reserved bytes must be zero. */
export function decodeWg(bytes: Uint8Array): Decoded<WgMessage> {
  if (bytes.length < 4) return fail(`WireGuard message of ${bytes.length} bytes is shorter than its header`);
  const type = bytes[0];
  if (bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0) {
    return fail("WireGuard reserved bytes are not zero");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const exact = (length: number) =>
    bytes.length === length ? null : `WireGuard ${NAMES[type]} of ${bytes.length} bytes (must be ${length})`;
  switch (type) {
    case WG_INITIATION: {
      const bad = exact(WG_INITIATION_LEN);
      if (bad) return fail(bad);
      return ok({
        type,
        sender: view.getUint32(4, true),
        ephemeral: bytes.subarray(8, 40),
        encryptedStatic: bytes.subarray(40, 88),
        encryptedTimestamp: bytes.subarray(88, 116),
        mac1: bytes.subarray(116, 132),
        mac2: bytes.subarray(132, 148),
      });
    }
    case WG_RESPONSE: {
      const bad = exact(WG_RESPONSE_LEN);
      if (bad) return fail(bad);
      return ok({
        type,
        sender: view.getUint32(4, true),
        receiver: view.getUint32(8, true),
        ephemeral: bytes.subarray(12, 44),
        encryptedNothing: bytes.subarray(44, 60),
        mac1: bytes.subarray(60, 76),
        mac2: bytes.subarray(76, 92),
      });
    }
    case WG_COOKIE_REPLY: {
      const bad = exact(WG_COOKIE_REPLY_LEN);
      if (bad) return fail(bad);
      return ok({
        type,
        receiver: view.getUint32(4, true),
        nonce: bytes.subarray(8, 32),
        encryptedCookie: bytes.subarray(32, 64),
      });
    }
    case WG_TRANSPORT: {
      if (bytes.length < WG_TRANSPORT_HEADER_LEN + WG_TAG_LEN) {
        return fail(`WireGuard Transport Data of ${bytes.length} bytes is shorter than header and tag (32)`);
      }
      return ok({
        type,
        receiver: view.getUint32(4, true),
        counter: view.getBigUint64(8, true),
        encryptedPacket: bytes.subarray(WG_TRANSPORT_HEADER_LEN),
      });
    }
    default:
      return fail(`unknown WireGuard message type ${type}`);
  }
}

/** One line, in the spirit of Wireshark's Info column. */
export function summarizeWg(payload: Uint8Array): string {
  const decoded = decodeWg(payload);
  if (!decoded.ok) return `WireGuard (malformed: ${decoded.error})`;
  const m = decoded.value;
  switch (m.type) {
    case WG_INITIATION:
      return `WireGuard Handshake Initiation, sender=${hexNum(m.sender, 8)}`;
    case WG_RESPONSE:
      return `WireGuard Handshake Response, sender=${hexNum(m.sender, 8)}, receiver=${hexNum(m.receiver, 8)}`;
    case WG_COOKIE_REPLY:
      return `WireGuard Cookie Reply, receiver=${hexNum(m.receiver, 8)}`;
    case WG_TRANSPORT:
      return m.encryptedPacket.length === WG_TAG_LEN
        ? `WireGuard Keepalive, receiver=${hexNum(m.receiver, 8)}, counter=${m.counter}`
        : `WireGuard Transport Data, receiver=${
          hexNum(m.receiver, 8)
        }, counter=${m.counter}, length ${payload.length}`;
  }
}

function index(name: string, bytes: Uint8Array, at: number): Field {
  const value = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  return leaf(name, hexNum(value, 8), at, 4);
}

function opaque(name: string, bytes: Uint8Array, at: number, length: number): Field {
  return leaf(name, hexBytes(bytes.subarray(at, at + length), 16), at, length);
}

/** The inspector's tree for a WireGuard message at `bytes[offset, end)`. */
export function describeWg(bytes: Uint8Array, offset: number, end: number): Field[] {
  const payload = bytes.subarray(offset, end);
  const decoded = decodeWg(payload);
  if (!decoded.ok) return [leaf("WireGuard Protocol (malformed)", decoded.error, offset, end - offset)];
  const type = payload[0];
  const at = (relative: number) => offset + relative;
  const children: Field[] = [
    leaf("Type", `${NAMES[type]} (${type})`, at(0), 1),
    leaf("Reserved", "000000", at(1), 3),
  ];
  switch (type) {
    case WG_INITIATION:
      children.push(
        index("Sender", bytes, at(4)),
        opaque("Ephemeral", bytes, at(8), 32),
        opaque("Encrypted Static", bytes, at(40), 48),
        opaque("Encrypted Timestamp", bytes, at(88), 28),
        opaque("mac1", bytes, at(116), 16),
        opaque("mac2", bytes, at(132), 16),
      );
      break;
    case WG_RESPONSE:
      children.push(
        index("Sender", bytes, at(4)),
        index("Receiver", bytes, at(8)),
        opaque("Ephemeral", bytes, at(12), 32),
        opaque("Encrypted Empty", bytes, at(44), 16),
        opaque("mac1", bytes, at(60), 16),
        opaque("mac2", bytes, at(76), 16),
      );
      break;
    case WG_COOKIE_REPLY:
      children.push(
        index("Receiver", bytes, at(4)),
        opaque("Nonce", bytes, at(8), 24),
        opaque("Encrypted Cookie", bytes, at(32), 32),
      );
      break;
    case WG_TRANSPORT: {
      const counter = new DataView(bytes.buffer, bytes.byteOffset + at(8), 8).getBigUint64(0, true);
      const sealed = end - at(WG_TRANSPORT_HEADER_LEN);
      children.push(
        index("Receiver", bytes, at(4)),
        leaf("Counter", String(counter), at(8), 8),
        sealed === WG_TAG_LEN
          ? leaf(
            "Keepalive (authentication tag only)",
            hexBytes(bytes.subarray(at(16), end), 16),
            at(16),
            sealed,
          )
          : leaf("Encrypted Packet", `${sealed - WG_TAG_LEN} bytes + 16-byte tag`, at(16), sealed),
      );
      break;
    }
  }
  return [{ name: "WireGuard Protocol", value: NAMES[type], start: offset, end, children }];
}

/** WireGuard's row of the UDP dissector table. */
export const wireguardDissector: UdpDissector = {
  label: "WG",
  summarize: summarizeWg,
  describe: describeWg,
};
