/**
 * `psk-crack` on a tap: the offline dictionary attack ike-scan's psk-crack runs, against the IKE
 * messages the tap has seen on its link so far. It needs nothing but the capture, so the result is
 * the same whoever runs it and whenever; it sends nothing. The work is in stack/ipsec/psk_crack.ts.
 */
import { toHex } from "../../crypto/index.ts";
import { decodeIpv4, PROTO_UDP } from "../../wire/ipv4.ts";
import { IKE_PORT, NAT_T_PORT } from "../../wire/isakmp.ts";
import { NON_ESP_MARKER_LEN, udpEncapKind } from "../../wire/esp.ts";
import { UDP_HEADER_LEN } from "../../wire/udp.ts";
import { crackPsk, DEFAULT_WORDLIST, findAggressiveExchange } from "../../stack/ipsec/psk_crack.ts";

/** The ISAKMP message in an IPv4 packet (UDP 500, or 4500 after the non-ESP marker), if any. */
export function ikeMessageOf(packet: Uint8Array): Uint8Array | null {
  const ip = decodeIpv4(packet);
  if (!ip.ok || ip.value.protocol !== PROTO_UDP || ip.value.fragmentOffset > 0) return null;
  const udp = ip.value.payload;
  if (udp.length < UDP_HEADER_LEN) return null;
  const src = (udp[0] << 8) | udp[1];
  const dst = (udp[2] << 8) | udp[3];
  const payload = udp.subarray(UDP_HEADER_LEN);
  if (src === IKE_PORT || dst === IKE_PORT) return payload.slice();
  if ((src === NAT_T_PORT || dst === NAT_T_PORT) && udpEncapKind(payload) === "ike") {
    return payload.slice(NON_ESP_MARKER_LEN);
  }
  return null;
}

/** What the attack found, as the tap's log line and its detail. */
export function pskCrackReport(
  messages: readonly Uint8Array[],
  words: readonly string[] = DEFAULT_WORDLIST,
): { summary: string; detail: Record<string, unknown> } {
  const found = findAggressiveExchange(messages);
  if (found.kind === "none") {
    return {
      summary: "psk-crack: no IKE phase-1 exchange captured yet",
      detail: { tool: "psk-crack", words: 0 },
    };
  }
  if (found.kind === "main-mode-only") {
    return {
      summary:
        `psk-crack: ${found.exchanges} Main Mode exchange(s) captured, no Aggressive Mode: HASH_R is encrypted under a key from the Diffie-Hellman secret, so no guess can be checked offline`,
      detail: { tool: "psk-crack", mainMode: found.exchanges, words: 0 },
    };
  }
  const c = found.capture;
  const result = crackPsk(c, words);
  const detail = {
    tool: "psk-crack",
    cookies: `${toHex(c.icookie)}_i ${toHex(c.rcookie)}_r`,
    hash: c.hash,
    hashR: toHex(c.hashR),
    words: words.length,
    tried: result.tried,
    ...(result.key !== undefined ? { key: result.key } : {}),
  };
  const summary = result.key !== undefined
    ? `psk-crack: key found: "${result.key}" (word ${result.tried} of ${words.length}; HASH_R ${
      toHex(c.hashR)
    } from the Aggressive Mode exchange ${toHex(c.icookie)}_i recomputed offline)`
    : `psk-crack: none of ${words.length} words gives HASH_R ${
      toHex(c.hashR)
    }: the key is not in the wordlist (a long random key would never be)`;
  return { summary, detail };
}
