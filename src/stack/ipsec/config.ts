/**
 * IPsec settings of a node (the `ipsec:` YAML key) and the algorithm tables behind their names: IKEv1
 * attribute numbers (RFC 2409 App. A, RFC 3602), ESP transform ids (RFC 2407 §4.4.4, RFC 4106) and
 * the names Wireshark's ESP SA table expects.
 */
import { type Micros, SECOND } from "../../engine/time.ts";
import type { HashAlg } from "../../crypto/index.ts";
import type { Decoded } from "../../wire/field.ts";
import { parseEspProposals, parseIkeProposals } from "./proposal_text.ts";
import { type AssumeUdpEncapsulation, CLIENT_PROFILE_SPECS, type ClientProfile } from "./client_profiles.ts";

export type IkeEncryption = "aes128" | "aes192" | "aes256" | "3des";
export type DhGroupName = "modp1024" | "modp2048";
export type EspEncryption =
  | "aes128-cbc"
  | "aes192-cbc"
  | "aes256-cbc"
  | "3des-cbc"
  | "aes128-gcm16"
  | "aes256-gcm16";
export type EspIntegrity = "hmac-sha1-96" | "hmac-sha256-128";
/** `auto`: NAT-T when both sides support it and a NAT is detected; `force`: pretend there is a NAT. */
export type NatTMode = "auto" | "force" | "off";

export const IKE_ENCRYPTIONS: readonly IkeEncryption[] = ["aes128", "aes192", "aes256", "3des"];
export const IKE_HASHES: readonly HashAlg[] = ["md5", "sha1", "sha256"];
export const DH_GROUPS: readonly DhGroupName[] = ["modp1024", "modp2048"];
export const ESP_ENCRYPTIONS: readonly EspEncryption[] = [
  "aes128-cbc",
  "aes192-cbc",
  "aes256-cbc",
  "3des-cbc",
  "aes128-gcm16",
  "aes256-gcm16",
];
export const ESP_INTEGRITIES: readonly EspIntegrity[] = ["hmac-sha1-96", "hmac-sha256-128"];
export const NAT_T_MODES: readonly NatTMode[] = ["auto", "force", "off"];
/**
 * How a responder keeps transport-mode SAs: `strongswan` by peer address and NAT-T port (several
 * clients behind one NAT each keep theirs); `one-sa-per-address` as older servers do, so a second
 * client behind the same NAT replaces the first one's SA.
 */
export type ServerBehaviour = "strongswan" | "one-sa-per-address";
export const SERVER_BEHAVIOURS: readonly ServerBehaviour[] = ["strongswan", "one-sa-per-address"];

/** What Dead Peer Detection does with a dead peer. */
export type DpdAction = "clear" | "restart";
export const DPD_ACTIONS: readonly DpdAction[] = ["clear", "restart"];

/** A node's complete IPsec settings. */
export interface IpsecConfig {
  /** False keeps the settings but runs no IPsec (the view's "IPsec off" toggle). */
  enabled: boolean;
  psk: string;
  /** Addresses of the peers whose UDP 1701 traffic must be protected, or every peer. */
  peers: string[] | "any";
  natT: NatTMode;
  behaviour: ServerBehaviour;
  /**
   * Phase 1 as Aggressive Mode: as initiator, start with it; as responder, accept it (Main Mode is
   * always accepted). Off by default, as in charon, because HASH_R in clear lets an eavesdropper
   * test guesses of the pre-shared key offline.
   */
  aggressive: boolean;
  /**
   * A real client's offer and quirks (client_profiles.ts); explicit `ike`, `esp` and lifetimes win.
   * null: this simulator's own defaults.
   */
  client: ClientProfile | null;
  /** Windows' AssumeUDPEncapsulationContextOnSendRule, used with `client: windows`. */
  assumeUdpEncapsulation: AssumeUdpEncapsulation;
  /** Phase-1 proposals, most preferred first, and the ISAKMP SA lifetime. */
  ike: { proposals: IkeProposal[]; lifetime: Micros };
  /** Quick Mode (ESP) proposals, most preferred first, and the IPsec SA lifetime. */
  esp: { proposals: EspProposal[]; lifetime: Micros };
  /**
   * Dead Peer Detection (RFC 3706): after `delay` without a word from the peer, send R-U-THERE; no
   * answer for `timeout` and the peer is dead: `clear` its SAs, or `restart` (clear, then negotiate
   * again). A `delay` of 0 sends none (R-U-THERE from the peer is always answered), as swanctl's default.
   */
  dpd: { delay: Micros; timeout: Micros; action: DpdAction };
  /**
   * Rekeying as strongSwan does it: `margin` (margintime) before an SA's lifetime ends, the side that
   * initiated the IKE SA negotiates a fresh pair with a new Quick Mode, moves traffic to it and deletes
   * the old one; the ISAKMP SA is reauthenticated likewise with a fresh phase 1 (ike_lifetime.ts);
   * without `rekey`, SAs simply expire.
   */
  rekey: boolean;
  margin: Micros;
  /** NAT-keepalive interval when this side is behind a NAT; 0 turns keepalives off. */
  keepalive: Micros;
  /** IKE retransmission: first timeout, growth factor, tries (strongSwan's defaults). */
  retransmit: { timeout: Micros; base: number; tries: number };
}

/** One phase-1 transform: cipher (with its key length), hash (also the prf) and DH group. */
export interface IkeProposal {
  encryption: IkeEncryption;
  hash: HashAlg;
  group: DhGroupName;
}

/** One ESP transform; `integrity` is not used by the AEAD ciphers (GCM). */
export interface EspProposal {
  encryption: EspEncryption;
  integrity: EspIntegrity;
}

/**
 * Proposals as written: one map (today's form, with the lifetime), a strongSwan-style string
 * (`aes256-sha256-modp2048,aes128-sha1-modp2048`), or a list of such strings and maps.
 */
export type ProposalSettings<P> =
  | (Partial<P> & { lifetime?: Micros })
  | string
  | (string | Partial<P>)[];

/** Settings as written: everything but the key optional. */
export type IpsecSettings =
  & Partial<Omit<IpsecConfig, "ike" | "esp" | "retransmit" | "dpd">>
  & { psk: string }
  & {
    ike?: ProposalSettings<IkeProposal>;
    esp?: ProposalSettings<EspProposal>;
    retransmit?: Partial<IpsecConfig["retransmit"]>;
    dpd?: Partial<IpsecConfig["dpd"]>;
  };

export const DEFAULT_IKE_PROPOSAL: IkeProposal = { encryption: "aes128", hash: "sha1", group: "modp2048" };
export const DEFAULT_ESP_PROPOSAL: EspProposal = { encryption: "aes128-cbc", integrity: "hmac-sha1-96" };

export const DEFAULT_IPSEC: Omit<IpsecConfig, "psk"> = {
  enabled: true,
  peers: "any",
  natT: "auto",
  behaviour: "strongswan",
  aggressive: false,
  client: null,
  assumeUdpEncapsulation: 0,
  ike: { proposals: [DEFAULT_IKE_PROPOSAL], lifetime: 28800 * SECOND },
  esp: { proposals: [DEFAULT_ESP_PROPOSAL], lifetime: 3600 * SECOND },
  dpd: { delay: 0, timeout: 150 * SECOND, action: "clear" },
  rekey: true,
  margin: 540 * SECOND,
  keepalive: 20 * SECOND,
  retransmit: { timeout: 4 * SECOND, base: 1.8, tries: 5 },
};

/**
 * Fills in the defaults. Proposal strings must already be valid (the topology schema reports bad
 * ones with their position); here a bad one is a programming error and throws.
 */
export function resolveIpsecConfig(settings: IpsecSettings | IpsecConfig): IpsecConfig {
  const base = profileDefaults(settings.client ?? null);
  return {
    ...base,
    ...settings,
    ike: resolveProposals(settings.ike, base.ike, parseIkeProposals),
    esp: resolveProposals(settings.esp, base.esp, parseEspProposals),
    retransmit: { ...base.retransmit, ...settings.retransmit },
    dpd: { ...base.dpd, ...settings.dpd },
  };
}

/** The defaults, with a client profile's proposals and lifetimes in place of ours. */
function profileDefaults(client: ClientProfile | null): Omit<IpsecConfig, "psk"> {
  if (!client) return DEFAULT_IPSEC;
  const spec = CLIENT_PROFILE_SPECS[client];
  const parse = <P>(parsed: Decoded<P[]>): P[] => {
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  };
  return {
    ...DEFAULT_IPSEC,
    client,
    ike: { proposals: parse(parseIkeProposals(spec.ike)), lifetime: spec.ikelifetime },
    esp: { proposals: parse(parseEspProposals(spec.esp)), lifetime: spec.lifetime },
    margin: spec.margin ?? DEFAULT_IPSEC.margin,
  };
}

function resolveProposals<P>(
  written: ProposalSettings<P> | { proposals: P[]; lifetime: Micros } | undefined,
  defaults: { proposals: P[]; lifetime: Micros },
  parse: (text: string) => Decoded<P[]>,
): { proposals: P[]; lifetime: Micros } {
  const fromText = (text: string): P[] => {
    const parsed = parse(text);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  };
  const base = defaults.proposals[0];
  if (written === undefined) return { ...defaults };
  if (typeof written === "string") return { proposals: fromText(written), lifetime: defaults.lifetime };
  if (Array.isArray(written)) {
    const proposals = written.flatMap((p) => typeof p === "string" ? fromText(p) : [{ ...base, ...p }]);
    return { proposals, lifetime: defaults.lifetime };
  }
  if ("proposals" in written && Array.isArray(written.proposals)) {
    return written as { proposals: P[]; lifetime: Micros };
  }
  const { lifetime, ...one } = written as Partial<P> & { lifetime?: Micros };
  return { proposals: [{ ...base, ...one } as P], lifetime: lifetime ?? defaults.lifetime };
}

/** Phase-1 cipher: ISAKMP attribute value, key and block size. */
export interface IkeCipher {
  attr: number;
  keyLength: number;
  block: number;
  /** Key-Length attribute value in bits, for variable-length ciphers only. */
  keyBits?: number;
}

export const IKE_CIPHERS: Record<IkeEncryption, IkeCipher> = {
  aes128: { attr: 7, keyLength: 16, block: 16, keyBits: 128 },
  aes192: { attr: 7, keyLength: 24, block: 16, keyBits: 192 },
  aes256: { attr: 7, keyLength: 32, block: 16, keyBits: 256 },
  "3des": { attr: 5, keyLength: 24, block: 8 },
};

export const IKE_HASH_ATTR: Record<HashAlg, number> = { md5: 1, sha1: 2, sha256: 4 };
export const DH_GROUP_ATTR: Record<DhGroupName, number> = { modp1024: 2, modp2048: 14 };

/** An ESP cipher: transform id, key bytes (GCM: key ‖ 4-byte salt), alignment, IV size. */
export interface EspCipher {
  transformId: number;
  keyLength: number;
  /** Key-Length attribute in bits, when the transform has a variable key. */
  keyBits?: number;
  block: number;
  iv: number;
  aead: boolean;
  /** The name in Wireshark's ESP SA table. */
  wireshark: string;
}

export const ESP_CIPHERS: Record<EspEncryption, EspCipher> = {
  "aes128-cbc": {
    transformId: 12,
    keyLength: 16,
    keyBits: 128,
    block: 16,
    iv: 16,
    aead: false,
    wireshark: "AES-CBC [RFC3602]",
  },
  "aes192-cbc": {
    transformId: 12,
    keyLength: 24,
    keyBits: 192,
    block: 16,
    iv: 16,
    aead: false,
    wireshark: "AES-CBC [RFC3602]",
  },
  "aes256-cbc": {
    transformId: 12,
    keyLength: 32,
    keyBits: 256,
    block: 16,
    iv: 16,
    aead: false,
    wireshark: "AES-CBC [RFC3602]",
  },
  "3des-cbc": {
    transformId: 3,
    keyLength: 24,
    block: 8,
    iv: 8,
    aead: false,
    wireshark: "TripleDES-CBC [RFC2451]",
  },
  "aes128-gcm16": {
    transformId: 20,
    keyLength: 20,
    keyBits: 128,
    block: 4,
    iv: 8,
    aead: true,
    wireshark: "AES-GCM with 16 octet ICV [RFC4106]",
  },
  "aes256-gcm16": {
    transformId: 20,
    keyLength: 36,
    keyBits: 256,
    block: 4,
    iv: 8,
    aead: true,
    wireshark: "AES-GCM with 16 octet ICV [RFC4106]",
  },
};

/** An ESP integrity algorithm: IPsec DOI auth attribute, key and ICV bytes. */
export interface EspAuth {
  attr: number;
  hash: HashAlg;
  keyLength: number;
  icv: number;
  wireshark: string;
}

export const ESP_AUTHS: Record<EspIntegrity, EspAuth> = {
  "hmac-sha1-96": { attr: 2, hash: "sha1", keyLength: 20, icv: 12, wireshark: "HMAC-SHA-1-96 [RFC2404]" },
  "hmac-sha256-128": {
    attr: 5,
    hash: "sha256",
    keyLength: 32,
    icv: 16,
    wireshark: "HMAC-SHA-256-128 [RFC4868]",
  },
};

/** The ICV length of an AEAD cipher (GCM-16). */
export const GCM_ICV = 16;
