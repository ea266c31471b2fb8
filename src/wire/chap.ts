import { type Decoded, fail, type Field, ok } from "./field.ts";
import { bytesText, hexBytes, leaf, put16, textBytes, u16 } from "./octets.ts";
import { describePppHead } from "./ppp_head.ts";

/** CHAP packets (RFC 1994 §4): Challenge and Response carry Value-Size, Value, Name. */
export type ChapPacket =
  | { kind: "challenge" | "response"; id: number; value: Uint8Array; name: string }
  | { kind: "success" | "failure"; id: number; message: string };

const CODES = { challenge: 1, response: 2, success: 3, failure: 4 } as const;
const NAMES: Record<number, string> = { 1: "Challenge", 2: "Response", 3: "Success", 4: "Failure" };

/** Encodes a CHAP packet; Length and Value-Size are computed here. */
export function encodeChap(packet: ChapPacket): Uint8Array {
  let data: Uint8Array;
  if ("value" in packet) {
    const name = textBytes(packet.name);
    data = new Uint8Array(1 + packet.value.length + name.length);
    data[0] = packet.value.length;
    data.set(packet.value, 1);
    data.set(name, 1 + packet.value.length);
  } else {
    data = textBytes(packet.message);
  }
  const out = new Uint8Array(4 + data.length);
  out[0] = CODES[packet.kind];
  out[1] = packet.id & 0xff;
  put16(out, 2, out.length);
  out.set(data, 4);
  return out;
}

/** Decodes a CHAP packet; bytes past Length are ignored as padding. */
export function decodeChap(bytes: Uint8Array): Decoded<ChapPacket> {
  if (bytes.length < 4) return fail(`truncated CHAP header (${bytes.length} bytes)`);
  const code = bytes[0];
  const id = bytes[1];
  const length = u16(bytes, 2);
  if (length < 4) return fail(`CHAP length ${length} is below 4`);
  if (length > bytes.length) return fail(`CHAP length ${length} exceeds the ${bytes.length} bytes received`);
  const data = bytes.subarray(4, length);
  if (code === 1 || code === 2) {
    if (data.length < 1) return fail(`CHAP ${NAMES[code]} without Value-Size`);
    const size = data[0];
    if (size === 0) return fail(`CHAP ${NAMES[code]} with an empty value`);
    if (1 + size > data.length) return fail(`CHAP Value-Size ${size} runs past the end`);
    return ok({
      kind: code === 1 ? "challenge" : "response",
      id,
      value: data.subarray(1, 1 + size),
      name: bytesText(data.subarray(1 + size)),
    });
  }
  if (code === 3 || code === 4) {
    return ok({ kind: code === 3 ? "success" : "failure", id, message: bytesText(data) });
  }
  return fail(`unknown CHAP code ${code}`);
}

/** One line: "CHAP Challenge id 1 name lns", "CHAP Failure id 2 \"bad password\"". */
export function summarizeChap(bytes: Uint8Array): string {
  const decoded = decodeChap(bytes);
  if (!decoded.ok) return `CHAP malformed: ${decoded.error}`;
  const p = decoded.value;
  const head = `CHAP ${NAMES[CODES[p.kind]]} id ${p.id}`;
  if ("value" in p) return p.name ? `${head} name ${p.name}` : head;
  return p.message ? `${head} ${JSON.stringify(p.message)}` : head;
}

/** The inspector tree of a CHAP packet starting at `offset`. */
export function describeChap(bytes: Uint8Array, offset: number, end = bytes.length): Field {
  const name = "PPP Challenge Handshake Authentication Protocol";
  if (end - offset < 4) return leaf(name, "truncated", offset, Math.max(0, end - offset));
  const { code, stop, children } = describePppHead(bytes, offset, end, NAMES);
  const at = offset + 4;
  if ((code === 1 || code === 2) && stop > at) {
    const size = bytes[at];
    const valueEnd = Math.min(stop, at + 1 + size);
    children.push(leaf("Value Size", String(size), at, 1));
    children.push(leaf("Value", hexBytes(bytes.subarray(at + 1, valueEnd)), at + 1, valueEnd - at - 1));
    if (stop > valueEnd) {
      children.push(leaf("Name", bytesText(bytes.subarray(valueEnd, stop)), valueEnd, stop - valueEnd));
    }
  } else if (stop > at) {
    children.push(leaf("Message", bytesText(bytes.subarray(at, stop)), at, stop - at));
  }
  return {
    name,
    value: summarizeChap(bytes.subarray(offset, end)).slice(5),
    start: offset,
    end: stop,
    children,
  };
}
