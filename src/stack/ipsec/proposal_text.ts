/**
 * Proposals as text, in strongSwan's syntax: `aes256-sha256-modp2048,aes128-sha1-modp2048` for IKE,
 * `aes256-sha256,aes128gcm16` for ESP. Each comma-separated proposal names one algorithm or more of
 * each kind and stands for every combination, in the order written; a trailing `!` (strict) is
 * accepted, as we never add defaults anyway. Also the names of what a peer offered, for refusals.
 */
import type { HashAlg } from "../../crypto/index.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import type { Attribute, Transform } from "../../wire/isakmp.ts";
import type {
  DhGroupName,
  EspEncryption,
  EspIntegrity,
  EspProposal,
  IkeEncryption,
  IkeProposal,
} from "./config.ts";
import { attr } from "./payloads.ts";

const IKE_ENC: Record<string, IkeEncryption> = {
  aes128: "aes128",
  aes192: "aes192",
  aes256: "aes256",
  "3des": "3des",
};
const HASHES: Record<string, HashAlg> = {
  md5: "md5",
  sha1: "sha1",
  sha: "sha1",
  sha256: "sha256",
  sha2_256: "sha256",
};
const GROUPS: Record<string, DhGroupName> = { modp1024: "modp1024", modp2048: "modp2048" };
const ESP_ENC: Record<string, EspEncryption> = {
  aes128: "aes128-cbc",
  aes192: "aes192-cbc",
  aes256: "aes256-cbc",
  "3des": "3des-cbc",
  aes128gcm16: "aes128-gcm16",
  aes256gcm16: "aes256-gcm16",
};
const ESP_INTEG: Record<string, EspIntegrity> = {
  sha1: "hmac-sha1-96",
  sha: "hmac-sha1-96",
  sha256: "hmac-sha256-128",
  sha2_256: "hmac-sha256-128",
};

/** Tokens of one proposal, sorted into kinds; the first unknown token is an error. */
function tokens(
  text: string,
  kinds: Record<string, Record<string, unknown>>,
): Decoded<Record<string, string[]>> {
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (const token of text.replace(/!$/, "").split("-")) {
    const kind = Object.keys(kinds).find((k) => token in kinds[k]);
    if (!kind) {
      const known = Object.values(kinds).flatMap((k) => Object.keys(k)).join(", ");
      return fail(`unknown algorithm "${token}" in proposal "${text}" (known: ${known})`);
    }
    out[kind].push(token);
  }
  return ok(out);
}

function proposalsOf(text: string): Decoded<string[]> {
  const parts = text.split(",").map((p) => p.trim());
  if (text.trim() === "" || parts.some((p) => p === "")) return fail(`empty proposal in "${text}"`);
  return ok(parts);
}

/** `aes256-sha256-modp2048,aes128-sha1-modp2048` → phase-1 proposals. */
export function parseIkeProposals(text: string): Decoded<IkeProposal[]> {
  const parts = proposalsOf(text);
  if (!parts.ok) return parts;
  const out: IkeProposal[] = [];
  for (const part of parts.value) {
    const t = tokens(part, { enc: IKE_ENC, hash: HASHES, group: GROUPS });
    if (!t.ok) return t;
    const { enc, hash, group } = t.value;
    if (!enc.length) return fail(`proposal "${part}" names no cipher (aes128, aes256, 3des, …)`);
    if (!hash.length) return fail(`proposal "${part}" names no hash (sha1, sha256, md5)`);
    if (!group.length) return fail(`proposal "${part}" names no Diffie-Hellman group (modp1024, modp2048)`);
    for (const e of enc) {
      for (const h of hash) {
        for (const g of group) out.push({ encryption: IKE_ENC[e], hash: HASHES[h], group: GROUPS[g] });
      }
    }
  }
  return ok(out);
}

/** `aes256-sha256,aes128gcm16` → ESP proposals. */
export function parseEspProposals(text: string): Decoded<EspProposal[]> {
  const parts = proposalsOf(text);
  if (!parts.ok) return parts;
  const out: EspProposal[] = [];
  for (const part of parts.value) {
    const t = tokens(part, { enc: ESP_ENC, integ: ESP_INTEG, group: GROUPS });
    if (!t.ok) return t;
    const { enc, integ, group } = t.value;
    if (group.length) return fail(`proposal "${part}": PFS (a DH group in an ESP proposal) is not supported`);
    if (!enc.length) return fail(`proposal "${part}" names no cipher (aes128, aes256, 3des, aes128gcm16, …)`);
    for (const e of enc) {
      const cipher = ESP_ENC[e];
      const aead = cipher.endsWith("gcm16");
      if (aead && integ.length) {
        return fail(`proposal "${part}": ${e} authenticates by itself; drop ${integ[0]}`);
      }
      if (!aead && !integ.length) {
        return fail(`proposal "${part}" names no integrity algorithm (sha1, sha256)`);
      }
      for (const i of aead ? ["sha1"] : integ) out.push({ encryption: cipher, integrity: ESP_INTEG[i] });
    }
  }
  return ok(out);
}

/** `aes128-sha1-modp2048`. */
export function ikeProposalText(p: IkeProposal): string {
  return `${p.encryption}-${p.hash}-${p.group}`;
}

/** `aes128-sha1` or `aes128gcm16`, as strongSwan writes ESP proposals. */
export function espProposalText(p: EspProposal): string {
  const enc = Object.keys(ESP_ENC).find((k) => ESP_ENC[k] === p.encryption)!;
  if (p.encryption.endsWith("gcm16")) return enc;
  return `${enc}-${Object.keys(ESP_INTEG).find((k) => ESP_INTEG[k] === p.integrity)}`;
}

const CIPHER_ATTR_NAMES: Record<number, string> = { 1: "des", 5: "3des", 7: "aes" };
const HASH_ATTR_NAMES: Record<number, string> = {
  1: "md5",
  2: "sha1",
  4: "sha256",
  5: "sha384",
  6: "sha512",
};
const GROUP_ATTR_NAMES: Record<number, string> = {
  1: "modp768",
  2: "modp1024",
  5: "modp1536",
  14: "modp2048",
  19: "ecp256",
};

function keyed(name: string, keyBits: number | undefined): string {
  return name === "aes" ? `aes${keyBits ?? "?"}` : name;
}

/** An offered phase-1 transform in the same words, unknown numbers shown as such. */
export function describeIkeTransform(t: Transform): string {
  const a: Attribute[] = t.attributes;
  const cipher = attr(a, 1);
  const hash = attr(a, 2);
  const group = attr(a, 4);
  const auth = attr(a, 3);
  const text = [
    keyed(CIPHER_ATTR_NAMES[cipher ?? -1] ?? `cipher#${cipher}`, attr(a, 14)),
    HASH_ATTR_NAMES[hash ?? -1] ?? `hash#${hash}`,
    GROUP_ATTR_NAMES[group ?? -1] ?? `group#${group}`,
  ].join("-");
  return auth === 1 ? text : `${text} (auth method ${auth}${auth === 3 ? ", RSA signatures" : ""})`;
}

const ESP_ID_NAMES: Record<number, string> = {
  2: "des",
  3: "3des",
  12: "aes",
  18: "aes-gcm8",
  19: "aes-gcm12",
  20: "gcm16",
};
const ESP_AUTH_NAMES: Record<number, string> = { 1: "md5", 2: "sha1", 5: "sha256", 6: "sha384", 7: "sha512" };

/** An offered ESP transform in strongSwan's words (`aes256-sha1`, `aes128gcm16`). */
export function describeEspTransform(t: Transform): string {
  const keyBits = attr(t.attributes, 6);
  if (t.id === 20) return `aes${keyBits ?? "?"}gcm16`;
  const cipher = keyed(ESP_ID_NAMES[t.id] ?? `transform#${t.id}`, keyBits);
  const auth = attr(t.attributes, 5);
  return auth === undefined ? cipher : `${cipher}-${ESP_AUTH_NAMES[auth] ?? `auth#${auth}`}`;
}
