/**
 * Enhanced GRE as PPTP carries PPP in it (RFC 2637 §4.1): version 1, protocol 0x880B, the Key
 * present and holding the payload length and the receiver's Call ID, an optional Sequence Number
 * (present whenever there is a payload) and an optional Acknowledgment Number (the highest sequence
 * received). IP protocol 47; it has no ports, which is why a NAT needs the PPTP helper to map it.
 */
import type { IpDissector } from "./dissect.ts";
import { type Decoded, fail, type Field, ok } from "./field.ts";
import { leaf, put16, put32, u16, u32 } from "./octets.ts";
import { describePpp, summarizePpp } from "./ppp.ts";

/** IP protocol number of GRE. */
export const PROTO_GRE = 47;
/** The GRE protocol type of PPP in PPTP. */
export const GRE_PPP = 0x880b;

const FLAG_KEY = 0x20;
const FLAG_SEQ = 0x10;
const FLAG_ACK = 0x80;

/** One enhanced GRE packet. */
export interface GrePacket {
  /** The Call ID of the peer this packet goes to. */
  callId: number;
  seq?: number;
  ack?: number;
  /** A PPP frame (may be empty: an acknowledgment alone). */
  payload: Uint8Array;
}

/** Encodes an enhanced GRE header and payload; the Key's payload length is filled in here. */
export function encodeGre(packet: GrePacket): Uint8Array {
  const header = 8 + (packet.seq !== undefined ? 4 : 0) + (packet.ack !== undefined ? 4 : 0);
  const out = new Uint8Array(header + packet.payload.length);
  out[0] = FLAG_KEY | (packet.seq !== undefined ? FLAG_SEQ : 0);
  out[1] = (packet.ack !== undefined ? FLAG_ACK : 0) | 1;
  put16(out, 2, GRE_PPP);
  put16(out, 4, packet.payload.length);
  put16(out, 6, packet.callId);
  let at = 8;
  if (packet.seq !== undefined) put32(out, (at += 4) - 4, packet.seq);
  if (packet.ack !== undefined) put32(out, (at += 4) - 4, packet.ack);
  out.set(packet.payload, at);
  return out;
}

/** Decodes an enhanced GRE packet; anything but version 1 with a Key and protocol 0x880B is refused. */
export function decodeGre(bytes: Uint8Array): Decoded<GrePacket> {
  if (bytes.length < 8) return fail(`truncated GRE header (${bytes.length} bytes)`);
  const version = bytes[1] & 7;
  if (version !== 1) return fail(`GRE version ${version}: PPTP uses enhanced GRE, version 1`);
  if (!(bytes[0] & FLAG_KEY)) return fail("enhanced GRE without the Key (payload length and Call ID)");
  if (bytes[0] & 0xc0) return fail("enhanced GRE must not carry a checksum or routing (C and R bits set)");
  const protocol = u16(bytes, 2);
  if (protocol !== GRE_PPP) return fail(`GRE protocol 0x${protocol.toString(16)} is not PPP (0x880b)`);
  const length = u16(bytes, 4);
  let at = 8;
  const hasSeq = (bytes[0] & FLAG_SEQ) !== 0;
  const hasAck = (bytes[1] & FLAG_ACK) !== 0;
  if (bytes.length < at + (hasSeq ? 4 : 0) + (hasAck ? 4 : 0)) return fail("truncated GRE sequence numbers");
  const packet: GrePacket = { callId: u16(bytes, 6), payload: new Uint8Array(0) };
  if (hasSeq) packet.seq = u32(bytes, (at += 4) - 4);
  if (hasAck) packet.ack = u32(bytes, (at += 4) - 4);
  if (at + length > bytes.length) {
    return fail(`GRE payload length ${length} runs past the ${bytes.length - at} bytes carried`);
  }
  packet.payload = bytes.subarray(at, at + length);
  return ok(packet);
}

/** "GRE call 1234 seq 5 ack 4 LCP Conf-Req …". */
export function summarizeGre(bytes: Uint8Array): string {
  const d = decodeGre(bytes);
  if (!d.ok) return `GRE malformed: ${d.error}`;
  const g = d.value;
  const numbers = `${g.seq !== undefined ? ` seq ${g.seq}` : ""}${
    g.ack !== undefined ? ` ack ${g.ack}` : ""
  }`;
  return `GRE call ${g.callId}${numbers}${g.payload.length ? ` ${summarizePpp(g.payload)}` : " (ack only)"}`;
}

/** The inspector's fields of a GRE packet at `offset`, then the PPP layers inside. */
export function describeGre(bytes: Uint8Array, offset: number, end: number): Field[] {
  const d = decodeGre(bytes.subarray(offset, end));
  if (!d.ok) return [leaf("Generic Routing Encapsulation", d.error, offset, end - offset)];
  const g = d.value;
  const children: Field[] = [
    leaf(
      "Flags and version",
      `0x${u16(bytes, offset).toString(16).padStart(4, "0")} (K, S, A bits; version 1)`,
      offset,
      2,
    ),
    leaf("Protocol type", "PPP (0x880b)", offset + 2, 2),
    leaf("Payload length", String(g.payload.length), offset + 4, 2),
    leaf("Call ID", String(g.callId), offset + 6, 2),
  ];
  let at = offset + 8;
  if (g.seq !== undefined) children.push(leaf("Sequence number", String(g.seq), (at += 4) - 4, 4));
  if (g.ack !== undefined) children.push(leaf("Acknowledgment number", String(g.ack), (at += 4) - 4, 4));
  const header: Field = {
    name: "Generic Routing Encapsulation (PPP)",
    value: `call ${g.callId}`,
    start: offset,
    end: at,
    children,
  };
  return g.payload.length ? [header, ...describePpp(bytes, at, at + g.payload.length)] : [header];
}

/** GRE in the IP dissector table. */
export const greDissector: IpDissector = {
  label: "GRE",
  summarize: summarizeGre,
  describe: describeGre,
};
