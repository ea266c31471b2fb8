/**
 * What a packet is, in the words of the protocol: the message type first ("SCCRQ tid 0 …" before the
 * addresses) for the event list, and a short name for the envelope on the diagram ("SCCRQ", "CHAP
 * Response", "ESP #3", "IKE MM 5"). Built from the records' tcpdump-style summaries and, for IKE,
 * the ISAKMP header bytes. Pure: no DOM.
 */
import type { TraceRecord } from "../../src/trace/record.ts";

const ADDRESSES = /^(\S+) > (\S+): (.*)$/s;

/** `192.168.1.10.1701` (tcpdump's address.port) as `192.168.1.10:1701`; plain addresses stay. */
export function endpointText(tcpdump: string): string {
  const parts = tcpdump.split(".");
  return parts.length === 5 ? `${parts.slice(0, 4).join(".")}:${parts[4]}` : tcpdump;
}

/** A summary split into its addresses (if it starts with them) and the message. */
export function splitSummary(summary: string): { from?: string; to?: string; message: string } {
  const m = ADDRESSES.exec(summary);
  if (!m) return { message: summary };
  return { from: endpointText(m[1]), to: endpointText(m[2]), message: m[3] };
}

/** The protocol words a summary repeats after the Proto column has said them. */
const LEADING_PROTOCOL = /^(?:L2TP |ISAKMP )/;

/**
 * The summary with the message first and the addresses after it:
 * `SCCRQ tid 0 Ns 0 Nr 0 · 192.168.1.10:1701 → 203.0.113.10:1701`.
 */
export function messageFirst(summary: string): string {
  const { from, to, message } = splitSummary(summary);
  const text = message.replace(LEADING_PROTOCOL, "");
  return from === undefined ? text : `${text} · ${from} → ${to}`;
}

/** Short names of inner messages (PPP, ICMP, STUN), longest pattern first. */
const SHORT_NAMES: [RegExp, (m: RegExpExecArray) => string][] = [
  [
    /(?:^|: )(LCP|IPCP|CCP) (Conf-Req|Conf-Ack|Conf-Nak|Conf-Rej|Term-Req|Term-Ack|Echo-Req|Echo-Rep|Code-Rej|Proto-Rej)/,
    (m) => `${m[1]} ${m[2]}`,
  ],
  [
    /(?:^|: )(CHAP|PAP) (Challenge|Response|Success|Failure|Auth-Req|Auth-Ack|Auth-Nak)/,
    (m) => `${m[1]} ${m[2]}`,
  ],
  [/ICMP echo request/, () => "Echo Request"],
  [/ICMP echo reply/, () => "Echo Reply"],
  [/ICMP fragmentation needed/, () => "Frag Needed"],
  [/ICMP time exceeded/, () => "Time Exceeded"],
  [/ICMP (\w+) unreachable/, (m) => `${m[1][0].toUpperCase()}${m[1].slice(1)} Unreachable`],
  [/STUN Binding Request/, () => "STUN Request"],
  [/STUN Binding Success Response/, () => "STUN Response"],
  [/STUN Binding Error Response/, () => "STUN Error"],
];

function innerName(message: string): string | undefined {
  for (const [pattern, name] of SHORT_NAMES) {
    const m = pattern.exec(message);
    if (m) return name(m);
  }
  return undefined;
}

/**
 * The envelope's name for a record's packet. `ikeNumber` is the message's place in its IKE exchange
 * (from `ikeNumbers`), since the summary alone cannot tell Main Mode 1 from 2.
 */
export function shortName(r: Pick<TraceRecord, "summary" | "proto">, ikeNumber?: string): string {
  const { message } = splitSummary(r.summary);
  const esp = /ESP\(spi=0x[0-9a-f]+,seq=0x([0-9a-f]+)\)/.exec(message);
  if (esp) return `ESP #${parseInt(esp[1], 16)}`;
  if (/NAT-keepalive/.test(message)) return "NAT keepalive";
  if (/^ISAKMP/.test(message)) return ikeNumber ?? "IKE";
  const l2tp = /^L2TP (\w+)/.exec(message);
  if (l2tp && l2tp[1] !== "data") return l2tp[1];
  const fragment = /fragment offset (\d+)/.exec(message);
  if (fragment) return `Fragment @${fragment[1]}`;
  const inner = innerName(message);
  if (inner) return /\(first fragment\)/.test(message) ? `${inner} (frag 1)` : inner;
  if (l2tp) return "L2TP data";
  return r.proto ?? "IP";
}

const EXCHANGES: Record<number, string> = { 2: "MM", 32: "QM", 5: "Info", 4: "AM" };

/** Offset of the ISAKMP header in an IPv4/UDP datagram (after the non-ESP marker on 4500), or -1. */
function isakmpOffset(bytes: Uint8Array): number {
  if (bytes.length < 28 || bytes[0] >> 4 !== 4 || bytes[9] !== 17) return -1;
  const udp = (bytes[0] & 0x0f) * 4;
  const port = (bytes[udp + 2] << 8) | bytes[udp + 3];
  const start = udp + 8 + (port === 4500 ? 4 : 0);
  return start + 28 <= bytes.length ? start : -1;
}

/**
 * "IKE MM 3", "IKE QM 1", "IKE Info" for each IKE packet id: its place among the distinct messages
 * of its exchange (same cookies, exchange type and message id). A retransmission carries the same
 * bytes as the message it repeats, so it gets that message's number.
 */
export function ikeNumbers(records: readonly TraceRecord[]): Map<number, string> {
  const out = new Map<number, string>();
  const exchanges = new Map<string, string[]>();
  for (const r of records) {
    if (r.kind !== "tx" || r.proto !== "IKE" || r.pkt === undefined || !r.bytes || out.has(r.pkt)) continue;
    const at = isakmpOffset(r.bytes);
    if (at < 0) continue;
    const b = r.bytes;
    const icookie = Array.from(b.subarray(at, at + 8), (x) => x.toString(16).padStart(2, "0")).join("");
    const type = b[at + 18];
    const mid = ((b[at + 20] << 24) | (b[at + 21] << 16) | (b[at + 22] << 8) | b[at + 23]) >>> 0;
    const name = EXCHANGES[type] ?? `type ${type}`;
    const key = `${icookie}/${type}/${mid}`;
    const body = Array.from(b.subarray(at + 16), (x) => x.toString(16).padStart(2, "0")).join("");
    const seen = exchanges.get(key) ?? [];
    let n = seen.indexOf(body);
    if (n < 0) {
      seen.push(body);
      n = seen.length - 1;
    }
    exchanges.set(key, seen);
    out.set(r.pkt, name === "Info" ? "IKE Info" : `IKE ${name} ${n + 1}`);
  }
  return out;
}
