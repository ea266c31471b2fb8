/**
 * IKEv1 Main Mode with a pre-shared key (RFC 2409 §5): SA and Vendor IDs, then KE, nonces and NAT-D
 * (RFC 3947 §3), then the encrypted ID and HASH that prove both sides hold the key. The initiator
 * floats to UDP 4500 before message 5 when a NAT is detected (RFC 3947 §4). Functions over an
 * `IkeSa`, whose fields hold the exchanged values.
 */
import { bytesEqual, HASH_LENGTH, toHex, utf8 } from "../../crypto/index.ts";
import { formatIp, readIp } from "../../wire/addr.ts";
import {
  decodePayloads,
  encodePayloadBody,
  EXCHANGE,
  FLAG_ENCRYPTION,
  ID_IPV4_ADDR,
  type IsakmpHeader,
  NAT_T_PORT,
  NOTIFY,
  type Payload,
  type PayloadItem,
} from "../../wire/isakmp.ts";
import { IKE_CIPHERS } from "./config.ts";
import { dhKeyPair, dhSharedSecret, MODP_GROUPS } from "./dh.ts";
import {
  deriveSkeyids,
  lastBlock,
  natdHash,
  phase1Iv,
  phase1Key,
  skeyidPsk,
  VID_DPD,
  VID_DRAFT_02N,
  VID_RFC3947,
} from "./derive.ts";
import type { IkeSa } from "./ike_sa.ts";
import { CLIENT_PROFILE_SPECS, natRefusal } from "./client_profiles.ts";
import { peerError, sendNotify } from "./informational.ts";
import { peerHashMatches, phase1Hash } from "./phase1_auth.ts";
import { all, cookieText, type Endpoint, first, ipBytes, itemOf } from "./payloads.ts";
import { acceptedIkeProposal, chooseIkeProposal } from "./proposals.ts";

/** The Vendor IDs we announce: NAT-T (both dialects from an initiator, the chosen one in reply) and DPD. */
export function vendorIds(sa: IkeSa): Payload[] {
  const vids: Payload[] = [];
  if (sa.config.natT !== "off") {
    if (sa.initiator || sa.natT === "rfc3947") vids.push({ kind: "vid", data: VID_RFC3947 });
    if (sa.initiator || sa.natT === "draft-02") vids.push({ kind: "vid", data: VID_DRAFT_02N });
  }
  // Windows announces no DPD (its Vendor IDs are its own, NAT-T's and fragmentation's).
  if (!sa.config.client || CLIENT_PROFILE_SPECS[sa.config.client].dpdVendorId) {
    vids.push({ kind: "vid", data: VID_DPD });
  }
  return vids;
}

/** Handles a Main Mode message (decrypting messages 5 and 6). */
export function mainMode(
  sa: IkeSa,
  header: IsakmpHeader,
  body: Uint8Array,
  raw: Uint8Array,
  from: Endpoint,
): void {
  const encrypted = (header.flags & FLAG_ENCRYPTION) !== 0;
  const items = readPhase1(sa, header, body, {
    mode: "Main Mode",
    hint: "decryption failed? the pre-shared keys may differ",
    failure: "message 5/6 could not be decrypted: pre-shared keys differ?",
  });
  if (!items) return;
  if (sa.initiator) initiatorStep(sa, header, body, items, raw, encrypted);
  else responderStep(sa, body, items, raw, from, encrypted);
}

/**
 * The payloads of a phase-1 message, decrypted first when it is encrypted; undefined (logged) when it
 * cannot be read. A garbled encrypted message fails the SA: the keys, so the PSKs, must differ.
 */
export function readPhase1(
  sa: IkeSa,
  header: IsakmpHeader,
  body: Uint8Array,
  words: { mode: string; hint: string; failure: string },
): PayloadItem[] | undefined {
  const encrypted = (header.flags & FLAG_ENCRYPTION) !== 0;
  let plaintext = body;
  if (encrypted) {
    if (!sa.keys) {
      sa.host.log(`encrypted ${words.mode} message before the key exchange: ignored`);
      return undefined;
    }
    const decrypted = sa.cipher.decrypt(sa.iv, body);
    if (!decrypted.ok) {
      sa.host.log(`${words.mode} message could not be decrypted: ${decrypted.error}`);
      return undefined;
    }
    plaintext = decrypted.value;
  }
  const parsed = decodePayloads(header.nextPayload, plaintext);
  if (parsed.ok) return parsed.value;
  sa.host.log(`message parsing failed: ${parsed.error}${encrypted ? ` (${words.hint})` : ""}`);
  if (encrypted) sa.fail(words.failure);
  return undefined;
}

/** Records what the peer's Vendor IDs announce (DPD, the NAT-T dialect). */
export function noteVendorIds(sa: IkeSa, items: PayloadItem[]): void {
  const vids = all(items, "vid").map((v) => v.data);
  const has = (vid: Uint8Array) => vids.some((v) => bytesEqual(v, vid));
  sa.peerDpd = has(VID_DPD);
  if (sa.config.natT === "off") return;
  if (has(VID_RFC3947)) sa.natT = "rfc3947";
  else if (has(VID_DRAFT_02N)) sa.natT = "draft-02";
  if (sa.natT) {
    sa.host.log(`received NAT-T (${sa.natT === "rfc3947" ? "RFC 3947" : "draft-02"}) vendor ID`);
  }
}

function responderStep(
  sa: IkeSa,
  body: Uint8Array,
  items: PayloadItem[],
  raw: Uint8Array,
  from: Endpoint,
  encrypted: boolean,
): void {
  const exchange = sa.exchanges.of(0);
  const config = sa.config;
  if (sa.state === "MM_SA_REPLIED" && !exchange.lastSent) {
    const offered = first(items, "sa");
    const saItem = itemOf(items, "sa");
    if (!offered || !saItem) return sa.fail("Main Mode message 1 without an SA payload");
    noteVendorIds(sa, items);
    const choice = chooseIkeProposal(config, offered.proposals);
    if (!choice.ok) return refuseProposal(sa, "Main Mode", choice.error);
    sa.ike = choice.chosen;
    sa.mm.saiB = saItem.body.slice();
    exchange.lastReceived = raw;
    const chosen: Payload = {
      ...offered,
      proposals: [{ ...choice.proposal, transforms: [choice.transform] }],
    };
    sa.send(0, EXCHANGE.MAIN, [chosen, ...vendorIds(sa)], false, false);
    sa.host.changed(sa);
    return;
  }
  if (sa.state === "MM_SA_REPLIED" && !encrypted) {
    const ke = first(items, "ke");
    const nonce = first(items, "nonce");
    if (!ke || !nonce) return sa.fail("Main Mode message 3 lacks KE or Nonce");
    exchange.lastReceived = raw;
    sa.mm.gxi = ke.data;
    sa.mm.ni = nonce.data;
    sa.mm.dh = dhKeyPair(MODP_GROUPS[sa.ike.group], sa.host.rng.bytes(32));
    sa.mm.gxr = sa.mm.dh.publicValue;
    sa.mm.nr = sa.host.rng.bytes(32);
    if (!deriveKeys(sa)) return;
    const natds = all(items, "nat-d").map((d) => d.data);
    if (sa.natT && natds.length >= 2) detectNat(sa, natds, from);
    sa.state = "MM_KE_REPLIED";
    sa.send(
      0,
      EXCHANGE.MAIN,
      [
        { kind: "ke", data: sa.mm.gxr },
        { kind: "nonce", data: sa.mm.nr },
        ...(sa.natT && natds.length >= 2 ? natdPayloads(sa) : []),
      ],
      false,
      false,
    );
    sa.host.changed(sa);
    return;
  }
  if (sa.state === "MM_KE_REPLIED" && encrypted) {
    const id = itemOf(items, "id");
    const hash = first(items, "hash");
    if (!id || !hash) return sa.fail("Main Mode message 5 lacks ID or HASH");
    if (!peerHashMatches(sa, id.body, hash.data)) return;
    exchange.lastReceived = raw;
    sa.iv = lastBlock(body, sa.block);
    const idr = phase1Id(sa);
    const hashRb = phase1Hash(sa, "responder", encodePayloadBody(idr));
    const sent = sa.send(0, EXCHANGE.MAIN, [idr, { kind: "hash", data: hashRb }], true, false);
    sa.phase1LastBlock = lastBlock(sent.subarray(28), sa.block);
    establish(sa, first(items, "id")!);
  }
}

function initiatorStep(
  sa: IkeSa,
  header: IsakmpHeader,
  body: Uint8Array,
  items: PayloadItem[],
  raw: Uint8Array,
  encrypted: boolean,
): void {
  const exchange = sa.exchanges.of(0);
  const notify = first(items, "notify");
  if (notify) return peerError(sa, notify.notifyType);
  if (sa.state === "MM_SA_SENT" && !encrypted) {
    const answer = first(items, "sa");
    const chosen = answer && acceptedIkeProposal(sa.config, answer.proposals);
    if (!chosen) return sa.fail("the responder chose a proposal we did not offer");
    sa.ike = chosen;
    exchange.lastReceived = raw;
    sa.rcookie = header.responderCookie.slice();
    noteVendorIds(sa, items);
    sa.mm.dh = dhKeyPair(MODP_GROUPS[sa.ike.group], sa.host.rng.bytes(32));
    sa.mm.gxi = sa.mm.dh.publicValue;
    sa.mm.ni = sa.host.rng.bytes(32);
    sa.state = "MM_KE_SENT";
    sa.send(
      0,
      EXCHANGE.MAIN,
      [
        { kind: "ke", data: sa.mm.gxi },
        { kind: "nonce", data: sa.mm.ni },
        ...(sa.natT ? natdPayloads(sa) : []),
      ],
      false,
      true,
    );
    sa.host.changed(sa);
    return;
  }
  if (sa.state === "MM_KE_SENT" && !encrypted) {
    const ke = first(items, "ke");
    const nonce = first(items, "nonce");
    if (!ke || !nonce) return sa.fail("Main Mode message 4 lacks KE or Nonce");
    exchange.lastReceived = raw;
    sa.mm.gxr = ke.data;
    sa.mm.nr = nonce.data;
    if (!deriveKeys(sa)) return;
    const natds = all(items, "nat-d").map((d) => d.data);
    if (sa.natT && natds.length >= 2) detectNat(sa, natds, sa.remote);
    if (refusedBehindNat(sa)) return;
    floatOnNat(sa);
    const idi = phase1Id(sa);
    const hashIb = phase1Hash(sa, "initiator", encodePayloadBody(idi));
    sa.state = "MM_AUTH_SENT";
    const sent = sa.send(0, EXCHANGE.MAIN, [idi, { kind: "hash", data: hashIb }], true, true);
    sa.iv = lastBlock(sent.subarray(28), sa.block);
    sa.host.changed(sa);
    return;
  }
  if (sa.state === "MM_AUTH_SENT" && encrypted) {
    const id = itemOf(items, "id");
    const hash = first(items, "hash");
    if (!id || !hash) return sa.fail("Main Mode message 6 lacks ID or HASH");
    if (!peerHashMatches(sa, id.body, hash.data)) return;
    exchange.lastReceived = raw;
    sa.exchanges.stop(0);
    sa.phase1LastBlock = lastBlock(body, sa.block);
    establish(sa, first(items, "id")!);
  }
}

/** RFC 3947 §4: an initiator that detected a NAT moves to 4500 before its hash goes out. */
export function floatOnNat(sa: IkeSa): void {
  if (!sa.natPresent || sa.floated) return;
  sa.floated = true;
  sa.local = { ip: sa.local.ip, port: NAT_T_PORT };
  sa.remote = { ip: sa.remote.ip, port: NAT_T_PORT };
  sa.host.log(`switching to port ${NAT_T_PORT} (NAT-T)`);
}

/** Answers an offer we cannot take with NO-PROPOSAL-CHOSEN and fails the SA. */
export function refuseProposal(sa: IkeSa, mode: string, error: string): void {
  sa.host.log(`no acceptable proposal found: ${error}`);
  sendNotify(sa, NOTIFY.NO_PROPOSAL_CHOSEN, false);
  sa.fail(`no acceptable ${mode} proposal: ${error}`);
}

/** SKEYID and the phase-1 key and IV from the exchanged values; false (SA failed) on a bad DH value. */
export function deriveKeys(sa: IkeSa): boolean {
  const gxy = dhSharedSecret(sa.mm.dh!, sa.initiator ? sa.mm.gxr : sa.mm.gxi);
  if (!gxy) {
    sa.fail("the peer's Diffie-Hellman value is invalid");
    return false;
  }
  const skeyid = skeyidPsk(sa.hashAlg, utf8(sa.config.psk), sa.mm.ni, sa.mm.nr);
  sa.keys = deriveSkeyids(sa.hashAlg, skeyid, gxy, sa.icookie, sa.rcookie);
  sa.encKey = phase1Key(sa.hashAlg, sa.keys.e, IKE_CIPHERS[sa.ike.encryption].keyLength);
  sa.iv = phase1Iv(sa.hashAlg, sa.mm.gxi, sa.mm.gxr, sa.block);
  return true;
}

/** Our phase-1 identity: our address (ID_IPV4_ADDR, protocol and port 0 as strongSwan sends). */
export function phase1Id(sa: IkeSa): Payload {
  return { kind: "id", idType: ID_IPV4_ADDR, protocol: 0, port: 0, data: ipBytes(sa.local.ip) };
}

/** NAT-D payloads: first the peer's address as we send to it, then ours (RFC 3947 §3.2). */
export function natdPayloads(sa: IkeSa): Payload[] {
  const draft = sa.natT === "draft-02";
  const remote = natdHash(sa.hashAlg, sa.icookie, sa.rcookie, sa.remote.ip, sa.remote.port);
  // nat-t force: a hash of nothing real, so the peer sees "a NAT" and both sides encapsulate.
  const local = sa.config.natT === "force"
    ? sa.host.rng.bytes(HASH_LENGTH[sa.hashAlg])
    : natdHash(sa.hashAlg, sa.icookie, sa.rcookie, sa.local.ip, sa.local.port);
  if (sa.config.natT === "force") sa.natFaked = true;
  return [{ kind: "nat-d", draft, data: remote }, { kind: "nat-d", draft, data: local }];
}

/**
 * A Windows-like client stops after NAT detection when its AssumeUDPEncapsulationContextOnSendRule
 * does not allow a server behind a NAT: it sends nothing more, and the user sees error 809.
 */
export function refusedBehindNat(sa: IkeSa): boolean {
  const client = sa.config.client;
  if (!client || !CLIENT_PROFILE_SPECS[client].refusesServerBehindNat) return false;
  const why = natRefusal(sa.config.assumeUdpEncapsulation, sa.natLocal, sa.natRemote);
  if (!why) return false;
  sa.host.log(`${client} client: ${why}`);
  sa.fail(
    `server behind NAT refused (AssumeUDPEncapsulationContextOnSendRule ${sa.config.assumeUdpEncapsulation}): error 809`,
  );
  return true;
}

/** Compares the peer's NAT-D hashes with ours: who is behind a NAT (RFC 3947 §3.2). */
export function detectNat(sa: IkeSa, natds: Uint8Array[], peer: Endpoint, local = sa.local): void {
  const me = natdHash(sa.hashAlg, sa.icookie, sa.rcookie, local.ip, local.port);
  const them = natdHash(sa.hashAlg, sa.icookie, sa.rcookie, peer.ip, peer.port);
  sa.natLocal = !bytesEqual(natds[0], me);
  sa.natRemote = !natds.slice(1).some((d) => bytesEqual(d, them));
  if (sa.natLocal) sa.host.log("local host is behind NAT, sending keep alives");
  if (sa.natRemote) sa.host.log("remote host is behind NAT");
  if (!sa.natLocal && !sa.natRemote) sa.host.log("no NAT detected between the peers");
}

/** Phase 1 is done: publish, log the keys for Wireshark, start DPD and the queued Quick Modes. */
export function establish(sa: IkeSa, peerId: Extract<Payload, { kind: "id" }>): void {
  sa.state = "ESTABLISHED";
  sa.establishedAt = sa.host.sched.now;
  const peerName = peerId.idType === ID_IPV4_ADDR && peerId.data.length === 4
    ? formatIp(readIp(peerId.data, 0))
    : toHex(peerId.data);
  sa.host.log(
    `IKE_SA established between ${formatIp(sa.local.ip)}[${formatIp(sa.local.ip)}]...${
      formatIp(sa.remote.ip)
    }[${peerName}]`,
    {
      ikev1: { initiatorCookie: toHex(sa.icookie), encryptionKey: toHex(sa.encKey) },
      cookies: cookieText(sa.icookie, sa.rcookie),
    },
  );
  sa.host.changed(sa);
  sa.host.established(sa);
  sa.dpd.start();
  const pending = sa.pendingSelectors;
  sa.pendingSelectors = [];
  if (sa.initiator) { for (const selector of pending) sa.requestChild(selector); }
}
