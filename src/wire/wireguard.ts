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

/**
 * The fixed-size messages field by field after their 4-byte type and reserved zeros: 32-bit indices
 * (little-endian) and byte strings of fixed length. Encoder and decoder both read offsets from here.
 */
type Layout = readonly (readonly [name: string, size: number | "index"])[];
const LAYOUTS: Record<number, Layout> = {
  [WG_INITIATION]: [
    ["sender", "index"],
    ["ephemeral", 32],
    ["encryptedStatic", 48],
    ["encryptedTimestamp", 28],
    ["mac1", 16],
    ["mac2", 16],
  ],
  [WG_RESPONSE]: [
    ["sender", "index"],
    ["receiver", "index"],
    ["ephemeral", 32],
    ["encryptedNothing", 16],
    ["mac1", 16],
    ["mac2", 16],
  ],
  [WG_COOKIE_REPLY]: [["receiver", "index"], ["nonce", 24], ["encryptedCookie", 32]],
};
const LENGTHS: Record<number, number> = {
  [WG_INITIATION]: WG_INITIATION_LEN,
  [WG_RESPONSE]: WG_RESPONSE_LEN,
  [WG_COOKIE_REPLY]: WG_COOKIE_REPLY_LEN,
};

function header(type: number, length: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(length);
  bytes[0] = type; // bytes 1–3 are reserved zeros
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** The bytes of a message. Wrong part sizes are a bug in our code and throw. */
export function encodeWg(message: WgMessage): Uint8Array {
  if (message.type === WG_TRANSPORT) {
    const length = WG_TRANSPORT_HEADER_LEN + message.encryptedPacket.length;
    const { bytes, view } = header(WG_TRANSPORT, length);
    view.setUint32(4, message.receiver, true);
    view.setBigUint64(8, message.counter, true);
    bytes.set(message.encryptedPacket, WG_TRANSPORT_HEADER_LEN);
    return bytes;
  }
  const { bytes, view } = header(message.type, LENGTHS[message.type]);
  const fields = message as unknown as Record<string, number | Uint8Array>;
  let at = 4;
  for (const [name, size] of LAYOUTS[message.type]) {
    const value = fields[name];
    if (size === "index") {
      view.setUint32(at, value as number, true);
      at += 4;
      continue;
    }
    const part = value as Uint8Array;
    if (part.length !== size) {
      throw new RangeError(`WireGuard ${name}: ${part.length} bytes, expected ${size}`);
    }
    bytes.set(part, at);
    at += size;
  }
  return bytes;
}

/** Parses a UDP payload as a WireGuard message; sizes are exact, reserved bytes must be zero. */
export function decodeWg(bytes: Uint8Array): Decoded<WgMessage> {
  if (bytes.length < 4) return fail(`WireGuard message of ${bytes.length} bytes is shorter than its header`);
  const type = bytes[0];
  if (bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0) {
    return fail("WireGuard reserved bytes are not zero");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (type === WG_TRANSPORT) {
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
  const layout = LAYOUTS[type];
  if (!layout) return fail(`unknown WireGuard message type ${type}`);
  if (bytes.length !== LENGTHS[type]) {
    return fail(`WireGuard ${NAMES[type]} of ${bytes.length} bytes (must be ${LENGTHS[type]})`);
  }
  const fields: Record<string, number | Uint8Array> = { type };
  let at = 4;
  for (const [name, size] of layout) {
    if (size === "index") {
      fields[name] = view.getUint32(at, true);
      at += 4;
    } else {
      fields[name] = bytes.subarray(at, at + size);
      at += size;
    }
  }
  return ok(fields as unknown as WgMessage);
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
