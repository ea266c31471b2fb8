import { type Decoded, fail, type Field, ok } from "./field.ts";
import { bytesText, leaf, put16, textBytes, u16 } from "./octets.ts";
import { describePppHead } from "./ppp_head.ts";

/** PAP packets (RFC 1334 §2.2). The password travels in clear, which is the lesson. */
export type PapPacket =
  | { kind: "auth-req"; id: number; peerId: string; password: string }
  | { kind: "auth-ack" | "auth-nak"; id: number; message: string };

const CODES = { "auth-req": 1, "auth-ack": 2, "auth-nak": 3 } as const;
const NAMES: Record<number, string> = {
  1: "Authenticate-Request",
  2: "Authenticate-Ack",
  3: "Authenticate-Nak",
};
const SHORT: Record<number, string> = { 1: "Auth-Req", 2: "Auth-Ack", 3: "Auth-Nak" };

function lengthPrefixed(text: string): Uint8Array {
  const bytes = textBytes(text).subarray(0, 255);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

/** Encodes a PAP packet; lengths are computed here (texts are cut at 255 bytes). */
export function encodePap(packet: PapPacket): Uint8Array {
  const parts = packet.kind === "auth-req"
    ? [lengthPrefixed(packet.peerId), lengthPrefixed(packet.password)]
    : [lengthPrefixed(packet.message)];
  const dataLength = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(4 + dataLength);
  out[0] = CODES[packet.kind];
  out[1] = packet.id & 0xff;
  put16(out, 2, out.length);
  let at = 4;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Decodes a PAP packet; bytes past Length are ignored as padding. */
export function decodePap(bytes: Uint8Array): Decoded<PapPacket> {
  if (bytes.length < 4) return fail(`truncated PAP header (${bytes.length} bytes)`);
  const code = bytes[0];
  const id = bytes[1];
  const length = u16(bytes, 2);
  if (length < 4) return fail(`PAP length ${length} is below 4`);
  if (length > bytes.length) return fail(`PAP length ${length} exceeds the ${bytes.length} bytes received`);
  const data = bytes.subarray(4, length);
  if (code === 1) {
    if (data.length < 1 || 1 + data[0] + 1 > data.length) return fail("PAP Peer-ID length runs past the end");
    const idLength = data[0];
    const pwLength = data[1 + idLength];
    if (2 + idLength + pwLength > data.length) return fail("PAP Passwd length runs past the end");
    return ok({
      kind: "auth-req",
      id,
      peerId: bytesText(data.subarray(1, 1 + idLength)),
      password: bytesText(data.subarray(2 + idLength, 2 + idLength + pwLength)),
    });
  }
  if (code === 2 || code === 3) {
    // Some peers send an Ack with no Msg-Length octet at all; treat that as an empty message.
    if (data.length === 0) return ok({ kind: code === 2 ? "auth-ack" : "auth-nak", id, message: "" });
    if (1 + data[0] > data.length) return fail("PAP Msg-Length runs past the end");
    return ok({
      kind: code === 2 ? "auth-ack" : "auth-nak",
      id,
      message: bytesText(data.subarray(1, 1 + data[0])),
    });
  }
  return fail(`unknown PAP code ${code}`);
}

/** One line: "PAP Auth-Req id 1 user alice", "PAP Auth-Nak id 1 \"Login incorrect\"". */
export function summarizePap(bytes: Uint8Array): string {
  const decoded = decodePap(bytes);
  if (!decoded.ok) return `PAP malformed: ${decoded.error}`;
  const p = decoded.value;
  const head = `PAP ${SHORT[CODES[p.kind]]} id ${p.id}`;
  if (p.kind === "auth-req") return `${head} user ${p.peerId}`;
  return p.message ? `${head} ${JSON.stringify(p.message)}` : head;
}

/** The inspector tree of a PAP packet starting at `offset`. */
export function describePap(bytes: Uint8Array, offset: number, end = bytes.length): Field {
  const name = "PPP Password Authentication Protocol";
  if (end - offset < 4) return leaf(name, "truncated", offset, Math.max(0, end - offset));
  const { code, stop, children } = describePppHead(bytes, offset, end, NAMES);
  const texts = code === 1 ? ["Peer-ID", "Password"] : ["Message"];
  let at = offset + 4;
  for (const label of texts) {
    if (at >= stop) break;
    const size = bytes[at];
    const textEnd = Math.min(stop, at + 1 + size);
    children.push(leaf(`${label} Length`, String(size), at, 1));
    children.push(leaf(label, bytesText(bytes.subarray(at + 1, textEnd)), at + 1, textEnd - at - 1));
    at = textEnd;
  }
  return {
    name,
    value: summarizePap(bytes.subarray(offset, end)).slice(4),
    start: offset,
    end: stop,
    children,
  };
}
