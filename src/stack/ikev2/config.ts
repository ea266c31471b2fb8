/**
 * A node's IKEv2 settings (the `ikev2:` YAML key), shaped like one swanctl connection: a road-warrior
 * client that dials a gateway and asks for a virtual IP, or a gateway that hands addresses out of a
 * pool. Also the IKE SA algorithms IKEv2 can negotiate (RFC 7296 §3.3.2 transform ids, RFC 8031
 * Curve25519) with strongSwan's proposal syntax and the names Wireshark's decryption table expects.
 * ESP proposals, ciphers and keys are the IPsec stack's (src/stack/ipsec/config.ts).
 */
import { type Micros, SECOND } from "../../engine/time.ts";
import type { Ip4 } from "../../wire/addr.ts";
import { type Decoded, fail, ok } from "../../wire/field.ts";
import type { EspProposal } from "../ipsec/config.ts";
import { parseEspProposals } from "../ipsec/proposal_text.ts";

export type Ikev2Encryption = "aes128" | "aes192" | "aes256" | "aes128gcm16" | "aes256gcm16";
export type Ikev2Hash = "sha1" | "sha256";
export type Ikev2Group = "modp1024" | "modp2048" | "curve25519";

/** One IKE SA proposal; `integrity` is null for AES-GCM, which authenticates by itself. */
export interface Ikev2Proposal {
  encryption: Ikev2Encryption;
  integrity: Ikev2Hash | null;
  prf: Ikev2Hash;
  group: Ikev2Group;
}

/** An IKE cipher: transform id, key bytes (GCM: key ‖ 4-byte salt, RFC 5282 §7), IV and block. */
export interface Ikev2Cipher {
  id: number;
  keyBits: number;
  keyLength: number;
  iv: number;
  block: number;
  aead: boolean;
  /** The name in Wireshark's `ikev2_decryption_table`. */
  wireshark: string;
}

export const IKEV2_CIPHERS: Record<Ikev2Encryption, Ikev2Cipher> = {
  aes128: {
    id: 12,
    keyBits: 128,
    keyLength: 16,
    iv: 16,
    block: 16,
    aead: false,
    wireshark: "AES-CBC-128 [RFC3602]",
  },
  aes192: {
    id: 12,
    keyBits: 192,
    keyLength: 24,
    iv: 16,
    block: 16,
    aead: false,
    wireshark: "AES-CBC-192 [RFC3602]",
  },
  aes256: {
    id: 12,
    keyBits: 256,
    keyLength: 32,
    iv: 16,
    block: 16,
    aead: false,
    wireshark: "AES-CBC-256 [RFC3602]",
  },
  aes128gcm16: {
    id: 20,
    keyBits: 128,
    keyLength: 20,
    iv: 8,
    block: 4,
    aead: true,
    wireshark: "AES-GCM-128 with 16 octet ICV [RFC5282]",
  },
  aes256gcm16: {
    id: 20,
    keyBits: 256,
    keyLength: 36,
    iv: 8,
    block: 4,
    aead: true,
    wireshark: "AES-GCM-256 with 16 octet ICV [RFC5282]",
  },
};

/** PRF transform ids (HMAC, RFC 2104/4868) and their output length. */
export const IKEV2_PRFS: Record<Ikev2Hash, { id: number; length: number }> = {
  sha1: { id: 2, length: 20 },
  sha256: { id: 5, length: 32 },
};

/** Integrity transform ids: key bytes and truncated ICV bytes (RFC 2404, RFC 4868). */
export const IKEV2_INTEGS: Record<
  Ikev2Hash,
  { id: number; keyLength: number; icv: number; wireshark: string }
> = {
  sha1: { id: 2, keyLength: 20, icv: 12, wireshark: "HMAC_SHA1_96 [RFC2404]" },
  sha256: { id: 12, keyLength: 32, icv: 16, wireshark: "HMAC_SHA2_256_128 [RFC4868]" },
};
/** Wireshark's integrity name when the cipher is AEAD. */
export const WIRESHARK_NO_INTEG = "NONE [RFC4306]";

/** DH transform ids (RFC 7296 App. B, RFC 3526, RFC 8031). */
export const IKEV2_GROUPS: Record<Ikev2Group, number> = { modp1024: 2, modp2048: 14, curve25519: 31 };

/** The gateway's pool and the networks it offers; the client's wish list. */
export interface Prefix {
  network: Ip4;
  prefixLength: number;
}

/** A node's complete IKEv2 settings. */
export interface Ikev2Config {
  /** False keeps the settings but runs no IKEv2 (the view's on/off toggle). */
  enabled: boolean;
  role: "client" | "server";
  psk: string;
  /** Our identity (IDi or IDr); empty: our IKE address. */
  localId: string;
  /** The identity the peer must show; empty: any. */
  remoteId: string;
  /** Client: the gateway to dial. */
  gateway?: Ip4;
  /** Client: when to start (swanctl's start_action = start, at this time). */
  startAt: Micros;
  /** Client: what it asks to reach through the tunnel (TSr); server: what it offers (TSr it answers). */
  networks: Prefix[];
  /** Server: virtual IPs for clients (CP CFG_REPLY), handed out from the second address on. */
  pool?: Prefix;
  /** Server: DNS servers named in CFG_REPLY. */
  dns: Ip4[];
  ike: { proposals: Ikev2Proposal[]; lifetime: Micros };
  esp: { proposals: EspProposal[]; lifetime: Micros };
  /** Rekey this long before a lifetime ends (swanctl's rekey_time = lifetime − margin). */
  margin: Micros;
  /** Liveness check (empty INFORMATIONAL) after this long without a word from the peer; 0: off. */
  dpdDelay: Micros;
  /** Force UDP encapsulation even without a NAT (swanctl's `encap = yes`). */
  encap: boolean;
  /** NAT-keepalive interval when this side is behind a NAT; 0: off. */
  keepalive: Micros;
  /** Retransmission: first timeout, growth factor, tries (strongSwan's defaults). */
  retransmit: { timeout: Micros; base: number; tries: number };
}

export type Ikev2Settings =
  & Pick<Ikev2Config, "role" | "psk">
  & Partial<Omit<Ikev2Config, "role" | "psk" | "ike" | "esp" | "retransmit">>
  & {
    ike?: string | { proposals: Ikev2Proposal[]; lifetime: Micros };
    esp?: string | { proposals: EspProposal[]; lifetime: Micros };
    ikeLifetime?: Micros;
    espLifetime?: Micros;
    retransmit?: Partial<Ikev2Config["retransmit"]>;
  };

export const DEFAULT_IKEV2_IKE = "aes128-sha256-modp2048";
export const DEFAULT_IKEV2_ESP = "aes128gcm16,aes128-sha256";

/** Fills in defaults; a bad proposal string is a programming error here (the schema reports it). */
export function resolveIkev2Config(settings: Ikev2Settings | Ikev2Config): Ikev2Config {
  const s = settings as Ikev2Settings;
  const ike = typeof s.ike === "object" ? s.ike : {
    proposals: must(parseIkev2Proposals(s.ike ?? DEFAULT_IKEV2_IKE)),
    lifetime: s.ikeLifetime ?? 4 * 3600 * SECOND,
  };
  const esp = typeof s.esp === "object" ? s.esp : {
    proposals: must(parseEspProposals(s.esp ?? DEFAULT_IKEV2_ESP)),
    lifetime: s.espLifetime ?? 3600 * SECOND,
  };
  return {
    enabled: s.enabled ?? true,
    role: s.role,
    psk: s.psk,
    localId: s.localId ?? "",
    remoteId: s.remoteId ?? "",
    ...(s.gateway !== undefined ? { gateway: s.gateway } : {}),
    startAt: s.startAt ?? 0,
    networks: s.networks ?? [{ network: 0, prefixLength: 0 }],
    ...(s.pool ? { pool: s.pool } : {}),
    dns: s.dns ?? [],
    ike,
    esp,
    margin: s.margin ?? 10 * 60 * SECOND,
    dpdDelay: s.dpdDelay ?? 0,
    encap: s.encap ?? false,
    keepalive: s.keepalive ?? 20 * SECOND,
    retransmit: { timeout: 4 * SECOND, base: 1.8, tries: 5, ...s.retransmit },
  };
}

function must<T>(d: Decoded<T>): T {
  if (!d.ok) throw new Error(d.error);
  return d.value;
}

const ENC: Record<string, Ikev2Encryption> = {
  aes128: "aes128",
  aes192: "aes192",
  aes256: "aes256",
  aes128gcm16: "aes128gcm16",
  aes256gcm16: "aes256gcm16",
};
const HASH: Record<string, Ikev2Hash> = { sha1: "sha1", sha: "sha1", sha256: "sha256", sha2_256: "sha256" };
const PRF: Record<string, Ikev2Hash> = { prfsha1: "sha1", prfsha256: "sha256" };
const GROUP: Record<string, Ikev2Group> = {
  modp1024: "modp1024",
  modp2048: "modp2048",
  curve25519: "curve25519",
  x25519: "curve25519",
};

/**
 * `aes128-sha256-modp2048,aes256gcm16-prfsha256-curve25519` → proposals, every combination of each
 * part in the order written. With CBC the hash is both integrity and PRF; with GCM it is the PRF.
 */
export function parseIkev2Proposals(text: string): Decoded<Ikev2Proposal[]> {
  const parts = text.split(",").map((p) => p.trim());
  if (text.trim() === "" || parts.some((p) => p === "")) return fail(`empty proposal in "${text}"`);
  const out: Ikev2Proposal[] = [];
  for (const part of parts) {
    const enc: Ikev2Encryption[] = [];
    const hash: Ikev2Hash[] = [];
    const prf: Ikev2Hash[] = [];
    const group: Ikev2Group[] = [];
    for (const token of part.replace(/!$/, "").split("-")) {
      if (token in ENC) enc.push(ENC[token]);
      else if (token in HASH) hash.push(HASH[token]);
      else if (token in PRF) prf.push(PRF[token]);
      else if (token in GROUP) group.push(GROUP[token]);
      else {
        const known = [...Object.keys(ENC), ...Object.keys(HASH), ...Object.keys(PRF), ...Object.keys(GROUP)];
        return fail(`unknown algorithm "${token}" in proposal "${part}" (known: ${known.join(", ")})`);
      }
    }
    if (!enc.length) return fail(`proposal "${part}" names no cipher (aes128, aes256, aes128gcm16, …)`);
    if (!group.length) return fail(`proposal "${part}" names no DH group (modp2048, curve25519, …)`);
    for (const e of enc) {
      const aead = IKEV2_CIPHERS[e].aead;
      if (!aead && !hash.length) {
        return fail(`proposal "${part}" names no integrity algorithm (sha1, sha256)`);
      }
      if (aead && !hash.length && !prf.length) return fail(`proposal "${part}" names no PRF (prfsha256, …)`);
      const prfs = prf.length ? prf : hash;
      for (const h of aead ? [null] : hash) {
        for (const p of prfs) {
          for (const g of group) out.push({ encryption: e, integrity: h, prf: p, group: g });
        }
      }
    }
  }
  return ok(out);
}

/** `aes128-sha256-modp2048` or `aes256gcm16-prfsha256-curve25519`. */
export function ikev2ProposalText(p: Ikev2Proposal): string {
  if (p.integrity === null) return `${p.encryption}-prf${p.prf}-${p.group}`;
  const prf = p.prf === p.integrity ? "" : `-prf${p.prf}`;
  return `${p.encryption}-${p.integrity}${prf}-${p.group}`;
}
