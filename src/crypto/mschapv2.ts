/**
 * MS-CHAPv2 (RFC 2759 §8): the NT hash, the challenge hash, the 24-byte NT-Response and the
 * authenticator's "S=" response. The NT-Response is three single-DES encryptions of one 8-byte challenge
 * hash under three 7-byte slices of the 16-byte NT hash padded with five zeros, so the third key has
 * only two unknown bytes: the weakness the PPTP lesson demonstrates (`desKeyFrom7` is exported for it).
 */
import { concatBytes, utf8 } from "./bytes.ts";
import { desEncryptBlock } from "./des.ts";
import { sha1 } from "./hash.ts";
import { md4 } from "./md4.ts";

/** A password as MS-CHAP hashes it: UTF-16 little-endian, no terminator. */
export function unicodePassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) {
    const code = password.charCodeAt(i);
    out[2 * i] = code & 0xff;
    out[2 * i + 1] = code >>> 8;
  }
  return out;
}

/** NtPasswordHash: MD4 of the UTF-16LE password. */
export function ntPasswordHash(password: string): Uint8Array {
  return md4(unicodePassword(password));
}

/** HashNtPasswordHash: MD4 of the NT hash. */
export function hashNtPasswordHash(hash: Uint8Array): Uint8Array {
  return md4(hash);
}

/** ChallengeHash: the first 8 bytes of SHA1(PeerChallenge ‖ AuthenticatorChallenge ‖ UserName). */
export function challengeHash(peer: Uint8Array, authenticator: Uint8Array, user: string): Uint8Array {
  return sha1(peer, authenticator, utf8(userPart(user))).subarray(0, 8);
}

/** RFC 2759 §8.2: a "DOMAIN\user" name is hashed without its domain. */
function userPart(user: string): string {
  const slash = user.lastIndexOf("\\");
  return slash >= 0 ? user.slice(slash + 1) : user;
}

/** Spreads 56 key bits over 8 bytes, 7 bits each, the low (parity) bit left 0: DES ignores it. */
export function desKeyFrom7(k: Uint8Array): Uint8Array {
  return Uint8Array.of(
    k[0] & 0xfe,
    ((k[0] << 7) | (k[1] >> 1)) & 0xfe,
    ((k[1] << 6) | (k[2] >> 2)) & 0xfe,
    ((k[2] << 5) | (k[3] >> 3)) & 0xfe,
    ((k[3] << 4) | (k[4] >> 4)) & 0xfe,
    ((k[4] << 3) | (k[5] >> 5)) & 0xfe,
    ((k[5] << 2) | (k[6] >> 6)) & 0xfe,
    (k[6] << 1) & 0xfe,
  );
}

/** DES-ECB of one 8-byte block under a 7-byte key (RFC 2759 §8.6 DesEncrypt). */
export function desEncrypt7(block: Uint8Array, key7: Uint8Array): Uint8Array {
  return desEncryptBlock(desKeyFrom7(key7), block);
}

/** ChallengeResponse: DES of the challenge under bytes 0–6, 7–13 and 14–15 + five zeros of the hash. */
export function challengeResponse(challenge: Uint8Array, passwordHash: Uint8Array): Uint8Array {
  const z = new Uint8Array(21);
  z.set(passwordHash);
  return concatBytes(
    desEncrypt7(challenge, z.subarray(0, 7)),
    desEncrypt7(challenge, z.subarray(7, 14)),
    desEncrypt7(challenge, z.subarray(14, 21)),
  );
}

/** GenerateNTResponse from the password itself. */
export function generateNtResponse(
  authenticatorChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  user: string,
  password: string,
): Uint8Array {
  return ntResponseFromHash(authenticatorChallenge, peerChallenge, user, ntPasswordHash(password));
}

/** GenerateNTResponse from the NT hash (what an attacker who recovered the hash can compute). */
export function ntResponseFromHash(
  authenticatorChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  user: string,
  passwordHash: Uint8Array,
): Uint8Array {
  return challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, user), passwordHash);
}

const SIGNING_MAGIC = utf8("Magic server to client signing constant");
const PAD_MAGIC = utf8("Pad to make it do more than one iteration");

/** GenerateAuthenticatorResponse: "S=" and 40 upper-case hex digits, proving the server knew the hash. */
export function authenticatorResponse(
  passwordHash: Uint8Array,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authenticatorChallenge: Uint8Array,
  user: string,
): string {
  const digest = sha1(hashNtPasswordHash(passwordHash), ntResponse, SIGNING_MAGIC);
  const challenge = challengeHash(peerChallenge, authenticatorChallenge, user);
  const final = sha1(digest, challenge, PAD_MAGIC);
  return `S=${[...final].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase()}`;
}
