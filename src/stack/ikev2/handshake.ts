/**
 * The four messages from nothing to a working tunnel (RFC 7296 §1.2): IKE_SA_INIT (SA, KE, nonces,
 * NAT detection, §2.23) and IKE_AUTH (identities, PSK AUTH, §2.15; the configuration payload for a
 * virtual IP, §2.19; the first CHILD_SA with its traffic selectors), for both roles. After IKE_SA_INIT
 * a side that found a NAT moves to UDP 4500, where every later IKE message carries the non-ESP marker.
 */
import { bytesEqual, toHex, utf8 } from "../../crypto/index.ts";
import { formatIp, type Ip4, parseIp, readIp } from "../../wire/addr.ts";
import {
  AUTH_PSK,
  CFG,
  CFG_ATTR,
  decodeChain,
  decodePayloads,
  encodeBody,
  ID,
  IKEV2_HEADER_LEN,
  type Ikev2Header,
  N,
  P,
  type Payload,
  type Proposal,
  PROTO,
  type TrafficSelector,
  X,
} from "../../wire/ikev2.ts";
import { NAT_T_PORT } from "../../wire/isakmp.ts";
import {
  IKEV2_CIPHERS,
  IKEV2_GROUPS,
  IKEV2_INTEGS,
  type Ikev2Group,
  ikev2ProposalText,
  WIRESHARK_NO_INTEG,
} from "./config.ts";
import type { ExchangeHost } from "./exchange_host.ts";
import { dhPair, type Ikev2Sa } from "./ike_sa.ts";
import { childKeys, deriveIkeKeys, natDetectionHash, pskAuth, skeyseed } from "./keys.ts";
import {
  accepted,
  answerPayload,
  espChoice,
  espTransforms,
  ikeChoice,
  ikeTransforms,
  saPayload,
} from "./proposals.ts";
import { hostSelector, narrow, prefixSelector } from "./selectors.ts";
import { type Child, selectorText } from "./tunnel.ts";

const NONCE_LENGTH = 32;

// ---- small payload helpers ----

export function notify(
  type: number,
  data: Uint8Array = new Uint8Array(0),
  protocol = 0,
  spi: Uint8Array = new Uint8Array(0),
): Payload {
  return { type: P.NOTIFY, protocol, spi, notify: type, data };
}

export function findNotify(
  payloads: Payload[],
  type: number,
): (Payload & { type: typeof P.NOTIFY }) | undefined {
  return payloads.find((p): p is Payload & { type: typeof P.NOTIFY } =>
    p.type === P.NOTIFY && p.notify === type
  );
}

export function find<T extends number>(payloads: Payload[], type: T): (Payload & { type: T }) | undefined {
  return payloads.find((p) => p.type === type) as (Payload & { type: T }) | undefined;
}

/** The first error notify (types below 16384), if any. */
export function errorNotify(payloads: Payload[]): number | undefined {
  return payloads.find((p): p is Payload & { type: typeof P.NOTIFY } =>
    p.type === P.NOTIFY && p.notify < 16384
  )
    ?.notify;
}

const NOTIFY_NAMES: Record<number, string> = {
  [N.INVALID_SYNTAX]: "INVALID_SYNTAX",
  [N.NO_PROPOSAL_CHOSEN]: "NO_PROPOSAL_CHOSEN",
  [N.INVALID_KE_PAYLOAD]: "INVALID_KE_PAYLOAD",
  [N.AUTHENTICATION_FAILED]: "AUTHENTICATION_FAILED",
  [N.TS_UNACCEPTABLE]: "TS_UNACCEPTABLE",
  [N.INTERNAL_ADDRESS_FAILURE]: "INTERNAL_ADDRESS_FAILURE",
};
export const notifyName = (n: number) => NOTIFY_NAMES[n] ?? `notify ${n}`;

/** An identity as written (`vpn.example.org`, `alice@example.org`, `203.0.113.10`) as an ID payload body. */
export function idPayload(type: typeof P.IDI | typeof P.IDR, id: string, ownIp: Ip4): Payload {
  const ip = id === "" ? ownIp : parseIp(id);
  if (ip !== null) {
    return {
      type,
      idType: ID.IPV4_ADDR,
      data: Uint8Array.of(ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff),
    };
  }
  return { type, idType: id.includes("@") ? ID.RFC822_ADDR : ID.FQDN, data: utf8(id) };
}

/** An ID payload as text, as charon prints identities. */
export function idText(p: { idType: number; data: Uint8Array }): string {
  if (p.idType === ID.IPV4_ADDR && p.data.length === 4) return formatIp(readIp(p.data, 0));
  if (p.idType === ID.FQDN || p.idType === ID.RFC822_ADDR) return new TextDecoder().decode(p.data);
  return `${p.idType}:${toHex(p.data)}`;
}

export function be32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function spiOf(bytes: Uint8Array): number {
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

const selectorsText = (ts: TrafficSelector[]) => ts.map(selectorText).join(" ");

// ---- NAT detection (§2.23) ----

function natPayloads(sa: Ikev2Sa, forceEncap: boolean, rng: () => Uint8Array): Payload[] {
  // strongSwan's `encap = yes`: a source hash that cannot match makes the peer believe in a NAT.
  const src = forceEncap ? rng() : natDetectionHash(sa.spiI, sa.spiR, sa.local.ip, sa.local.port);
  const dst = natDetectionHash(sa.spiI, sa.spiR, sa.remote.ip, sa.remote.port);
  return [notify(N.NAT_DETECTION_SOURCE_IP, src), notify(N.NAT_DETECTION_DESTINATION_IP, dst)];
}

/**
 * Reads the peer's NAT_DETECTION notifies: each side's view compared with the hashes we expect. The
 * hashes cover the SPIs as the carrying message's header has them, so a request's have SPIr zero.
 */
function detectNat(host: ExchangeHost, sa: Ikev2Sa, payloads: Payload[], spiR: Uint8Array): void {
  const src = findNotify(payloads, N.NAT_DETECTION_SOURCE_IP);
  const dst = findNotify(payloads, N.NAT_DETECTION_DESTINATION_IP);
  if (!src || !dst) return;
  sa.natRemote = !bytesEqual(src.data, natDetectionHash(sa.spiI, spiR, sa.remote.ip, sa.remote.port));
  sa.natLocal = !bytesEqual(dst.data, natDetectionHash(sa.spiI, spiR, sa.local.ip, sa.local.port));
  if (sa.natLocal) host.log(`local host is behind NAT, sending keep alives`);
  if (sa.natRemote) host.log(`remote host is behind NAT`);
}

// ---- initiator ----

/** The client's first message. */
export function initiate(
  host: ExchangeHost,
  sa: Ikev2Sa,
  group: Ikev2Group = host.config.ike.proposals[0].group,
): void {
  sa.dh = dhPair(group, host.rng);
  sa.ni = host.rng.bytes(NONCE_LENGTH);
  const payloads = (): Payload[] => [
    saPayload(PROTO.IKE, host.config.ike.proposals, ikeTransforms, new Uint8Array(0)),
    { type: P.KE, group: IKEV2_GROUPS[group], data: sa.dh!.publicValue },
    { type: P.NONCE, data: sa.ni },
    ...natPayloads(sa, host.config.encap, () => host.rng.bytes(20)),
  ];
  host.log(
    `initiating IKE_SA to ${formatIp(sa.remote.ip)} (${
      host.config.ike.proposals.map(ikev2ProposalText).join(", ")
    })`,
  );
  if (group === host.config.ike.proposals[0].group) {
    sa.request(X.IKE_SA_INIT, payloads, (p, h, raw) => onInitResponse(host, sa, p, h, raw), false);
  } else {
    sa.restartInit(payloads(), (p, h, raw) => onInitResponse(host, sa, p, h, raw));
  }
}

function onInitResponse(
  host: ExchangeHost,
  sa: Ikev2Sa,
  _p: Payload[],
  header: Ikev2Header,
  raw: Uint8Array,
): void {
  const decoded = decodeCleartext(header, raw);
  if (typeof decoded === "string") return sa.close(`IKE_SA_INIT response: ${decoded}`);
  const payloads = decoded;
  const invalidKe = findNotify(payloads, N.INVALID_KE_PAYLOAD);
  if (invalidKe && invalidKe.data.length === 2) {
    const id = (invalidKe.data[0] << 8) | invalidKe.data[1];
    const group = host.config.ike.proposals.map((p) => p.group).find((g) => IKEV2_GROUPS[g] === id);
    if (!group || group === sa.dh?.group) return sa.close(`peer wants DH group ${id}, which we do not offer`);
    host.log(`peer didn't accept DH group ${IKEV2_GROUPS[sa.dh!.group]}, it requested ${id}`);
    return initiate(host, sa, group);
  }
  const error = errorNotify(payloads);
  if (error !== undefined) return sa.close(`received ${notifyName(error)} notify error in IKE_SA_INIT`);
  const sa2 = find(payloads, P.SA);
  const ke = find(payloads, P.KE);
  const nonce = find(payloads, P.NONCE);
  if (!sa2 || !ke || !nonce) return sa.close("IKE_SA_INIT response lacks SA, KE or Nonce");
  const choice = accepted(PROTO.IKE, host.config.ike.proposals, ikeTransforms, sa2.proposals);
  if (!choice) return sa.close("the responder chose a proposal we did not offer");
  if (ke.group !== IKEV2_GROUPS[choice.chosen.group] || choice.chosen.group !== sa.dh!.group) {
    return sa.close(`KE of group ${ke.group} does not match the chosen proposal`);
  }
  sa.spiR = header.spiR.slice();
  sa.proposal = choice.chosen;
  sa.nr = nonce.data;
  sa.initResponse = raw.slice(0, header.length);
  const gir = sa.dh!.shared(ke.data);
  if (!gir) return sa.close("the responder's KE value is not valid for the group");
  const seed = skeyseed(choice.chosen.prf, sa.ni, sa.nr, gir);
  sa.keys = deriveIkeKeys(choice.chosen, seed, sa.ni, sa.nr, sa.spiI, sa.spiR);
  host.log(`selected proposal: IKE:${ikev2ProposalText(choice.chosen)}`);
  detectNat(host, sa, payloads, sa.spiR);
  sa.floated = sa.natLocal || sa.natRemote || host.config.encap;
  if (sa.floated) {
    sa.local = { ...sa.local, port: NAT_T_PORT };
    sa.remote = { ...sa.remote, port: NAT_T_PORT };
    host.log(
      `switching to UDP ${NAT_T_PORT}${
        sa.natLocal || sa.natRemote ? " (NAT detected)" : " (encapsulation forced)"
      }`,
    );
  }
  host.changed(sa);
  sendAuth(host, sa);
}

/**
 * The AUTH a pre-shared key gives one end (§2.15): the initiator signs its IKE_SA_INIT request with Nr
 * and SK_pi over IDi, the responder its response with Ni and SK_pr over IDr. Each end computes both,
 * its own to send and the peer's to check, so the two halves of the rule live here once.
 */
function signedBy(end: "initiator" | "responder", sa: Ikev2Sa, psk: string, id: Payload): Uint8Array {
  const { prf } = sa.proposal!;
  return end === "initiator"
    ? pskAuth(prf, utf8(psk), sa.initRequest!, sa.nr, sa.keys!.pi, encodeBody(id))
    : pskAuth(prf, utf8(psk), sa.initResponse!, sa.ni, sa.keys!.pr, encodeBody(id));
}

/**
 * Each end marks the IKE SA up once the peer's AUTH verified, with charon's log line; the line carries
 * the SA's keys so --keys can write Wireshark's ikev2_decryption_table from it.
 */
function establish(host: ExchangeHost, sa: Ikev2Sa): void {
  sa.state = "ESTABLISHED";
  host.log(
    `IKE_SA established between ${formatIp(sa.local.ip)}[${sa.local.port}]...${
      formatIp(sa.remote.ip)
    }[${sa.remote.port}]`,
    { ikev2: ikev2Keys(sa) },
  );
}

/** Decodes an unencrypted message's payloads (IKE_SA_INIT). */
export function decodeCleartext(header: Ikev2Header, raw: Uint8Array): Payload[] | string {
  const items = decodeChain(header.nextPayload, raw.subarray(IKEV2_HEADER_LEN, header.length));
  if (!items.ok) return items.error;
  const payloads = decodePayloads(items.value);
  return payloads.ok ? payloads.value : payloads.error;
}

function sendAuth(host: ExchangeHost, sa: Ikev2Sa): void {
  const config = host.config;
  const idi = idPayload(P.IDI, config.localId, sa.local.ip) as Payload & { type: typeof P.IDI };
  const spi = host.allocateSpi();
  const auth = signedBy("initiator", sa, config.psk, idi);
  const tsi = [prefixSelector({ network: 0, prefixLength: 0 })];
  const tsr = config.networks.map(prefixSelector);
  const payloads: Payload[] = [
    idi,
    notify(N.INITIAL_CONTACT),
    ...(config.remoteId ? [idPayload(P.IDR, config.remoteId, sa.remote.ip)] : []),
    { type: P.AUTH, method: AUTH_PSK, data: auth },
    {
      type: P.CP,
      cfgType: CFG.REQUEST,
      attributes: [
        { type: CFG_ATTR.INTERNAL_IP4_ADDRESS, value: new Uint8Array(0) },
        { type: CFG_ATTR.INTERNAL_IP4_DNS, value: new Uint8Array(0) },
      ],
    },
    saPayload(PROTO.ESP, config.esp.proposals, espTransforms, be32(spi)),
    { type: P.TSI, selectors: tsi },
    { type: P.TSR, selectors: tsr },
  ];
  host.log(`authenticating as '${idText(idi)}' with a pre-shared key, requesting a virtual IP`);
  sa.request(X.IKE_AUTH, () => payloads, (p) => onAuthResponse(host, sa, p, spi));
}

function onAuthResponse(host: ExchangeHost, sa: Ikev2Sa, payloads: Payload[], spiIn: number): void {
  const config = host.config;
  if (findNotify(payloads, N.AUTHENTICATION_FAILED)) {
    return sa.close("received AUTHENTICATION_FAILED notify error (wrong pre-shared key or identity?)");
  }
  const idr = find(payloads, P.IDR);
  const auth = find(payloads, P.AUTH);
  if (!idr || !auth) return sa.close(`IKE_AUTH response lacks IDr or AUTH${errorText(payloads)}`);
  sa.peerId = idText(idr);
  if (config.remoteId && sa.peerId !== config.remoteId) {
    return sa.close(`the gateway is '${sa.peerId}', not '${config.remoteId}'`);
  }
  const expected = signedBy("responder", sa, config.psk, idr);
  if (auth.method !== AUTH_PSK || !bytesEqual(expected, auth.data)) {
    return sa.close(`the gateway's AUTH does not verify: it does not know our pre-shared key`);
  }
  host.log(`authentication of '${sa.peerId}' with pre-shared key successful`);
  establish(host, sa);
  const cp = find(payloads, P.CP);
  const address = cp?.attributes.find((a) => a.type === CFG_ATTR.INTERNAL_IP4_ADDRESS && a.value.length >= 4);
  if (address) sa.vip = readIp(address.value, 0);
  sa.dns = (cp?.attributes ?? []).filter((a) => a.type === CFG_ATTR.INTERNAL_IP4_DNS && a.value.length === 4)
    .map((a) => readIp(a.value, 0));
  if (sa.vip !== undefined) host.log(`installing new virtual IP ${formatIp(sa.vip)}`);
  host.ikeEstablished(sa);
  const error = errorNotify(payloads);
  if (error !== undefined) return host.log(`received ${notifyName(error)} notify, no CHILD_SA built`);
  const answer = find(payloads, P.SA);
  const tsi = find(payloads, P.TSI);
  const tsr = find(payloads, P.TSR);
  const choice = answer && accepted(PROTO.ESP, config.esp.proposals, espTransforms, answer.proposals);
  if (!choice || choice.proposal.spi.length !== 4 || !tsi || !tsr) {
    return host.log("the IKE_AUTH response has no acceptable CHILD_SA (SA, TSi, TSr); no CHILD_SA built");
  }
  const keys = childKeys(sa.proposal!.prf, sa.keys!.d, choice.chosen, sa.ni, sa.nr);
  host.installChild(sa, {
    proposal: choice.chosen,
    spiIn,
    spiOut: spiOf(choice.proposal.spi),
    outKeys: keys.i2r,
    inKeys: keys.r2i,
    local: tsi.selectors,
    remote: tsr.selectors,
  });
}

function errorText(payloads: Payload[]): string {
  const error = errorNotify(payloads);
  return error === undefined ? "" : ` (${notifyName(error)})`;
}

/** The row of Wireshark's ikev2_decryption_table for `sa`, read back by keys_file.ts. */
export function ikev2Keys(sa: Ikev2Sa): Record<string, string> {
  const k = sa.keys!;
  return { spiI: toHex(sa.spiI), spiR: toHex(sa.spiR), ...ikev2KeyFields(sa, k) };
}

function ikev2KeyFields(sa: Ikev2Sa, k: { ei: Uint8Array; er: Uint8Array; ai: Uint8Array; ar: Uint8Array }) {
  const p = sa.proposal!;
  return {
    skEi: toHex(k.ei),
    skEr: toHex(k.er),
    encryption: IKEV2_CIPHERS[p.encryption].wireshark,
    skAi: toHex(k.ai),
    skAr: toHex(k.ar),
    integrity: p.integrity ? IKEV2_INTEGS[p.integrity].wireshark : WIRESHARK_NO_INTEG,
  };
}

// ---- responder ----

/** Answers an IKE_SA_INIT request; the daemon made `sa` for it. Returns false when nothing was kept. */
export function respondInit(host: ExchangeHost, sa: Ikev2Sa, header: Ikev2Header, raw: Uint8Array): boolean {
  const payloads = decodeCleartext(header, raw);
  if (typeof payloads === "string") {
    host.log(`malformed IKE_SA_INIT from ${formatIp(sa.remote.ip)}: ${payloads}`);
    return false;
  }
  const offer = find(payloads, P.SA);
  const ke = find(payloads, P.KE);
  const nonce = find(payloads, P.NONCE);
  if (!offer || !ke || !nonce) {
    sa.respond(X.IKE_SA_INIT, header.messageId, [notify(N.INVALID_SYNTAX)], false);
    return false;
  }
  const choice = ikeChoice(host.config.ike.proposals, offer.proposals);
  if (!choice.ok) {
    host.log(`received proposals unacceptable: ${choice.error}`);
    sa.respond(X.IKE_SA_INIT, header.messageId, [notify(N.NO_PROPOSAL_CHOSEN)], false);
    return false;
  }
  const wanted = IKEV2_GROUPS[choice.chosen.group];
  if (ke.group !== wanted) {
    host.log(`DH group ${ke.group} unacceptable, requesting ${wanted}`);
    sa.respond(X.IKE_SA_INIT, header.messageId, [
      notify(N.INVALID_KE_PAYLOAD, Uint8Array.of(wanted >> 8, wanted & 0xff)),
    ], false);
    return false;
  }
  sa.proposal = choice.chosen;
  sa.ni = nonce.data;
  sa.nr = host.rng.bytes(NONCE_LENGTH);
  sa.dh = dhPair(choice.chosen.group, host.rng);
  const gir = sa.dh.shared(ke.data);
  if (!gir) {
    sa.respond(X.IKE_SA_INIT, header.messageId, [notify(N.INVALID_SYNTAX)], false);
    return false;
  }
  sa.initRequest = raw.slice(0, header.length);
  detectNat(host, sa, payloads, new Uint8Array(8));
  sa.spiR = host.ikeSpi();
  sa.keys = deriveIkeKeys(
    choice.chosen,
    skeyseed(choice.chosen.prf, sa.ni, sa.nr, gir),
    sa.ni,
    sa.nr,
    sa.spiI,
    sa.spiR,
  );
  host.log(
    `${formatIp(sa.remote.ip)} is initiating an IKE_SA; selected proposal: IKE:${
      ikev2ProposalText(choice.chosen)
    }`,
  );
  sa.respond(X.IKE_SA_INIT, header.messageId, [
    answerPayload(choice, ikeTransforms, new Uint8Array(0)),
    { type: P.KE, group: wanted, data: sa.dh.publicValue },
    { type: P.NONCE, data: sa.nr },
    ...natPayloads(sa, host.config.encap, () => host.rng.bytes(20)),
  ], false);
  host.changed(sa);
  return true;
}

/** Answers IKE_AUTH: checks the client's AUTH, leases a virtual IP, builds the first CHILD_SA. */
export function respondAuth(host: ExchangeHost, sa: Ikev2Sa, payloads: Payload[], mid: number): void {
  const config = host.config;
  const idi = find(payloads, P.IDI);
  const auth = find(payloads, P.AUTH);
  const fail = (why: string) => {
    host.log(why);
    sa.respond(X.IKE_AUTH, mid, [notify(N.AUTHENTICATION_FAILED)]);
    sa.close(why);
  };
  if (!idi || !auth) return fail("IKE_AUTH request lacks IDi or AUTH");
  sa.peerId = idText(idi);
  if (config.remoteId && sa.peerId !== config.remoteId) {
    return fail(`peer '${sa.peerId}' is not '${config.remoteId}'`);
  }
  const expected = signedBy("initiator", sa, config.psk, idi);
  if (auth.method !== AUTH_PSK || !bytesEqual(expected, auth.data)) {
    return fail(
      `tried to authenticate '${sa.peerId}' with a pre-shared key: AUTH does not verify (different PSK?)`,
    );
  }
  host.log(`authentication of '${sa.peerId}' with pre-shared key successful`);
  const idr = idPayload(P.IDR, config.localId, sa.local.ip) as Payload & { type: typeof P.IDR };
  const ours = signedBy("responder", sa, config.psk, idr);
  const reply: Payload[] = [idr, { type: P.AUTH, method: AUTH_PSK, data: ours }];
  const child = buildChild(host, sa, payloads);
  establish(host, sa);
  host.ikeEstablished(sa);
  sa.respond(X.IKE_AUTH, mid, [...reply, ...child.payloads]);
  child.install?.();
}

/** The responder's CHILD_SA part of IKE_AUTH: CP, SA, TSi, TSr, or an error notify. */
function buildChild(
  host: ExchangeHost,
  sa: Ikev2Sa,
  payloads: Payload[],
): { payloads: Payload[]; install?: () => void } {
  const config = host.config;
  const cp = find(payloads, P.CP);
  const out: Payload[] = [];
  if (
    cp && cp.cfgType === CFG.REQUEST && cp.attributes.some((a) => a.type === CFG_ATTR.INTERNAL_IP4_ADDRESS)
  ) {
    const vip = host.leaseAddress(sa);
    if (vip === null) {
      host.log("no virtual IP left in the pool");
      return { payloads: [notify(N.INTERNAL_ADDRESS_FAILURE)] };
    }
    sa.vip = vip;
    host.log(`assigning virtual IP ${formatIp(vip)} to peer '${sa.peerId}'`);
    out.push({
      type: P.CP,
      cfgType: CFG.REPLY,
      attributes: [
        { type: CFG_ATTR.INTERNAL_IP4_ADDRESS, value: be32(vip) },
        ...config.dns.map((d) => ({ type: CFG_ATTR.INTERNAL_IP4_DNS, value: be32(d) })),
      ],
    });
  }
  const offer = find(payloads, P.SA);
  const tsi = find(payloads, P.TSI);
  const tsr = find(payloads, P.TSR);
  if (!offer || !tsi || !tsr) return { payloads: [...out, notify(N.INVALID_SYNTAX)] };
  return childAnswer(host, sa, offer.proposals, tsi.selectors, tsr.selectors, sa.ni, sa.nr, out);
}

/**
 * The responder's pick of ESP proposal and selectors for a new pair, shared by IKE_AUTH and
 * CREATE_CHILD_SA: the answer's payloads and the install step to run once it was sent.
 */
export function childAnswer(
  host: ExchangeHost,
  sa: Ikev2Sa,
  offered: Proposal[],
  tsiOffered: TrafficSelector[],
  tsrOffered: TrafficSelector[],
  ni: Uint8Array,
  nr: Uint8Array,
  before: Payload[] = [],
  replaces?: Child,
): { payloads: Payload[]; install?: () => void } {
  const choice = espChoice(host.config.esp.proposals, offered);
  if (!choice.ok || choice.proposal.spi.length !== 4) {
    host.log(`no acceptable ESP proposal: ${choice.ok ? "SPI is not 4 bytes" : choice.error}`);
    return { payloads: [...before, notify(N.NO_PROPOSAL_CHOSEN)] };
  }
  const peerSide = sa.vip !== undefined ? [hostSelector(sa.vip)] : [hostSelector(sa.remote.ip)];
  const tsi = narrow(tsiOffered, peerSide);
  const tsr = narrow(tsrOffered, host.config.networks.map(prefixSelector));
  if (!tsi.length || !tsr.length) {
    host.log(`traffic selectors ${selectorsText(tsiOffered)} === ${selectorsText(tsrOffered)} unacceptable`);
    return { payloads: [...before, notify(N.TS_UNACCEPTABLE)] };
  }
  const spiIn = host.allocateSpi();
  const keys = childKeys(sa.proposal!.prf, sa.keys!.d, choice.chosen, ni, nr);
  return {
    payloads: [
      ...before,
      answerPayload(choice, espTransforms, be32(spiIn)),
      { type: P.TSI, selectors: tsi },
      { type: P.TSR, selectors: tsr },
    ],
    install: () =>
      host.installChild(sa, {
        proposal: choice.chosen,
        spiIn,
        spiOut: spiOf(choice.proposal.spi),
        outKeys: keys.r2i,
        inKeys: keys.i2r,
        local: tsr,
        remote: tsi,
      }, replaces),
  };
}
