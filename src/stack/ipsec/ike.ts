/**
 * One IKEv1 SA with a peer (RFC 2409): Main Mode with a pre-shared key, NAT-T detection and port
 * floating (RFC 3947), then Quick Modes that negotiate transport-mode ESP SAs for L2TP (RFC 3193).
 * The SA knows nothing about sockets or packets: it hands finished messages and negotiated ESP keys
 * to its `IkeHost` (the IpsecEngine), which owns ports, timers and the trace.
 */
import { bytesEqual, concatBytes, HASH_LENGTH, type HashAlg, toHex, utf8 } from "../../crypto/index.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import { type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, type Ip4, readIp, writeIp } from "../../wire/addr.ts";
import { u32 } from "../../wire/octets.ts";
import {
  type Attribute,
  decodeIsakmpHeader,
  decodePayloads,
  encodeIsakmp,
  encodeIsakmpRaw,
  encodePayloadBody,
  encodePayloads,
  EXCHANGE,
  FLAG_ENCRYPTION,
  ID_IPV4_ADDR,
  type IsakmpHeader,
  NOTIFY,
  type Payload,
  type PayloadItem,
  type Proposal,
  PROTO_IPSEC_ESP,
  PROTO_ISAKMP,
} from "../../wire/isakmp.ts";
import {
  DH_GROUP_ATTR,
  ESP_AUTHS,
  ESP_CIPHERS,
  IKE_CIPHERS,
  IKE_HASH_ATTR,
  type IpsecConfig,
} from "./config.ts";
import { type DhKeyPair, dhKeyPair, dhSharedSecret, MODP_GROUPS } from "./dh.ts";
import {
  be32,
  deriveSkeyids,
  exchangeIv,
  hashI,
  hashR,
  ikeDecrypt,
  ikeEncrypt,
  infoHash,
  keymat,
  lastBlock,
  natdHash,
  phase1Iv,
  phase1Key,
  qmHash1,
  qmHash2,
  qmHash3,
  skeyidPsk,
  type Skeyids,
  VID_DPD,
  VID_DRAFT_02N,
  VID_RFC3947,
} from "./derive.ts";
import { type EspKeys, keyMaterialLength, splitKeyMaterial } from "./esp.ts";

/** An address and UDP port. */
export interface Endpoint {
  ip: Ip4;
  port: number;
}

export const IKE_PORT = 500;
export const NAT_T_PORT = 4500;

/** ISAKMP Encapsulation-Mode values (RFC 2407 §4.5, RFC 3947 §5.1, draft-02). */
export const ENCAP_TRANSPORT = 2;
export const ENCAP_UDP_TRANSPORT = 4;
export const ENCAP_UDP_TRANSPORT_DRAFT = 61444;

/** The traffic a Quick Mode protects: UDP between these endpoints (L2TP's 1701 on the server side). */
export interface Selector {
  local: Endpoint;
  remote: Endpoint;
}

/** A negotiated pair of ESP SAs, ready to install. */
export interface ChildSa {
  ike: IkeSa;
  messageId: number;
  spiIn: number;
  spiOut: number;
  inbound: EspKeys;
  outbound: EspKeys;
  /** UDP-encapsulated (NAT-T) rather than plain ESP. */
  udpEncap: boolean;
  selector: Selector;
  /**
   * The peer's own view of the addresses (from its NAT-OA payloads): what the peer computed inner
   * UDP checksums over, for the fix-up of RFC 3948 §3.1.2.
   */
  peerOriginal?: { src: Ip4; dst: Ip4 };
}

/** What an IKE SA needs from the engine that runs it. */
export interface IkeHost {
  readonly node: string;
  readonly config: IpsecConfig;
  readonly rng: Prng;
  readonly sched: Scheduler;
  /** Sends a message to `sa.remote` from `sa.local` (adding the non-ESP marker on port 4500). */
  sendIke(sa: IkeSa, message: Uint8Array): void;
  log(summary: string, detail?: Record<string, unknown>): void;
  /** The SA's state changed: publish its row. */
  changed(sa: IkeSa): void;
  /** Main Mode finished: Quick Modes may start. */
  established(sa: IkeSa): void;
  /** A Quick Mode finished: install the ESP SAs. */
  childEstablished(child: ChildSa): void;
  /** The SA failed or gave up; forget it. */
  failed(sa: IkeSa, reason: string): void;
  /** A fresh inbound SPI, unique on this node. */
  allocateSpi(): number;
}

export type IkeState =
  | "MM_SA_SENT"
  | "MM_KE_SENT"
  | "MM_AUTH_SENT"
  | "MM_SA_REPLIED"
  | "MM_KE_REPLIED"
  | "ESTABLISHED"
  | "FAILED";

type QuickState = "QM1_SENT" | "QM2_SENT" | "DONE";

interface QuickMode {
  messageId: number;
  initiator: boolean;
  state: QuickState;
  selector: Selector;
  spiIn: number;
  spiOut: number;
  ni: Uint8Array;
  nr: Uint8Array;
  udpEncap: boolean;
  peerOriginal?: { src: Ip4; dst: Ip4 };
}

/** Retransmission state of one exchange (Main Mode is message id 0). */
interface Exchange {
  lastSent?: Uint8Array;
  lastReceived?: Uint8Array;
  /** The received message `lastSent` answered: only its duplicates are answered again. */
  answered?: Uint8Array;
  timer?: Timer;
  tries: number;
}

const LIFE_SECONDS = 1;

function zeros(n: number): Uint8Array {
  return new Uint8Array(n);
}

function ipBytes(ip: Ip4): Uint8Array {
  const out = new Uint8Array(4);
  writeIp(out, 0, ip);
  return out;
}

function attr(attributes: Attribute[], type: number): number | undefined {
  const found = attributes.find((a) => a.type === type);
  return typeof found?.value === "number" ? found.value : undefined;
}

/** The payloads of one kind in a message. */
function all<K extends Payload["kind"]>(items: PayloadItem[], kind: K): Extract<Payload, { kind: K }>[] {
  return items.map((i) => i.payload).filter((p): p is Extract<Payload, { kind: K }> => p.kind === kind);
}

function first<K extends Payload["kind"]>(items: PayloadItem[], kind: K) {
  return all(items, kind)[0];
}

function itemOf(items: PayloadItem[], kind: Payload["kind"]): PayloadItem | undefined {
  return items.find((i) => i.payload.kind === kind);
}

/** The cookie pair as charon prints it. */
export function cookieText(icookie: Uint8Array, rcookie: Uint8Array): string {
  return `${toHex(icookie)}_i ${toHex(rcookie)}_r`;
}

/**
 * An IKEv1 SA. Created as initiator by `IkeSa.initiate` when the policy traps a packet, or as
 * responder when a peer's first Main Mode message arrives.
 */
export class IkeSa {
  readonly initiator: boolean;
  readonly icookie: Uint8Array;
  rcookie: Uint8Array = zeros(8);
  state: IkeState;
  /** Sending on 4500 with the non-ESP marker. */
  floated = false;
  /** Which NAT-T flavour both sides announced (RFC 3947 preferred), or null. */
  natT: "rfc3947" | "draft-02" | null = null;
  natLocal = false;
  natRemote = false;
  natFaked = false;
  peerDpd = false;
  /** Set when Main Mode completes. */
  establishedAt?: Micros;
  /** Why it failed, for the table. */
  failure?: string;

  #dh?: DhKeyPair;
  #gxi = zeros(0);
  #gxr = zeros(0);
  #ni = zeros(0);
  #nr = zeros(0);
  #saiB = zeros(0);
  #keys?: Skeyids;
  #encKey = zeros(0);
  #iv = zeros(0);
  #phase1LastBlock = zeros(0);
  #exchangeIvs = new Map<number, Uint8Array>();
  #exchanges = new Map<number, Exchange>();
  #quick = new Map<number, QuickMode>();
  /** Quick Modes asked for before Main Mode finished. */
  #pendingSelectors: Selector[] = [];

  private constructor(
    readonly host: IkeHost,
    initiator: boolean,
    icookie: Uint8Array,
    public local: Endpoint,
    public remote: Endpoint,
  ) {
    this.initiator = initiator;
    this.icookie = icookie;
    this.state = initiator ? "MM_SA_SENT" : "MM_SA_REPLIED";
  }

  get config(): IpsecConfig {
    return this.host.config;
  }

  get hashAlg(): HashAlg {
    return this.config.ike.hash;
  }

  /** NAT-T is in use (a NAT was detected or faked, and both sides speak NAT-T). */
  get natPresent(): boolean {
    return this.natT !== null && (this.natLocal || this.natRemote || this.natFaked);
  }

  get established(): boolean {
    return this.state === "ESTABLISHED";
  }

  /** The phase-1 cipher key, for Wireshark's IKEv1 decryption table. */
  get encryptionKey(): Uint8Array {
    return this.#encKey;
  }

  /** Starts Main Mode towards `remote` and queues a Quick Mode for `selector`. */
  static initiate(host: IkeHost, local: Endpoint, remote: Endpoint, selector: Selector): IkeSa {
    const sa = new IkeSa(host, true, host.rng.bytes(8), local, remote);
    sa.#pendingSelectors.push(selector);
    host.log(`initiating Main Mode IKE_SA to ${formatIp(remote.ip)}`);
    sa.#saiB = encodePayloadBody(sa.#ourSa());
    sa.#send(0, EXCHANGE.MAIN, [sa.#ourSa(), ...sa.#vendorIds()], false, true);
    host.changed(sa);
    return sa;
  }

  /** A responder SA for a peer's Main Mode message 1 (`header.responderCookie` is zero). */
  static respond(host: IkeHost, local: Endpoint, remote: Endpoint, header: IsakmpHeader): IkeSa {
    const sa = new IkeSa(host, false, header.initiatorCookie.slice(), local, remote);
    sa.rcookie = host.rng.bytes(8);
    host.log(`${formatIp(remote.ip)} is initiating a Main Mode IKE_SA`);
    return sa;
  }

  /** Asks for ESP SAs protecting `selector`; waits for Main Mode if it is still running. */
  requestChild(selector: Selector): void {
    if (!this.established) {
      if (!this.#pendingSelectors.some((s) => sameSelector(s, selector))) {
        this.#pendingSelectors.push(selector);
      }
      return;
    }
    if ([...this.#quick.values()].some((q) => q.state !== "DONE" && sameSelector(q.selector, selector))) {
      return;
    }
    this.#startQuickMode(selector);
  }

  /** Stops timers; the engine calls this when it forgets the SA. */
  dispose(): void {
    for (const exchange of this.#exchanges.values()) exchange.timer?.cancel();
  }

  /** The table row for `ike-sas`. */
  row(): Record<string, unknown> {
    // Until the peer's Vendor IDs arrive (Main Mode message 2) nothing is known about NAT-T.
    const pending = this.initiator && this.state === "MM_SA_SENT" && this.config.natT !== "off";
    const nat = pending
      ? "not known yet"
      : this.natT === null
      ? "NAT-T not negotiated"
      : this.natFaked && !this.natLocal && !this.natRemote
      ? "faked (nat-t: force)"
      : this.natLocal && this.natRemote
      ? "both behind NAT"
      : this.natLocal
      ? "local behind NAT"
      : this.natRemote
      ? "remote behind NAT"
      : "no NAT";
    return {
      role: this.initiator ? "initiator" : "responder",
      state: this.state,
      local: `${formatIp(this.local.ip)}[${this.local.port}]`,
      peer: `${formatIp(this.remote.ip)}[${this.remote.port}]`,
      cookies: cookieText(this.icookie, this.rcookie),
      "nat-t": pending ? "offered" : this.natT ?? "off",
      nat,
      proposal: `${this.config.ike.encryption}-${this.config.ike.hash}-${this.config.ike.group}`,
      ...(this.failure ? { failure: this.failure } : {}),
    };
  }

  /** Handles a message addressed to this SA that arrived from `from` on local port `port`. */
  receive(message: Uint8Array, from: Endpoint, port: number): void {
    const head = decodeIsakmpHeader(message);
    if (!head.ok) return this.host.log(`invalid ISAKMP message from ${formatIp(from.ip)}: ${head.error}`);
    const { header, body } = head.value;
    if (port === NAT_T_PORT && (!this.floated || from.port !== this.remote.port)) {
      // A peer behind a NAT floats to 4500 and may show up on a new external port (RFC 3947 §4).
      this.floated = true;
      this.local = { ip: this.local.ip, port: NAT_T_PORT };
      this.remote = { ...from };
      this.host.changed(this);
    }
    const exchange = this.#exchange(header.messageId);
    if (exchange.lastReceived && bytesEqual(exchange.lastReceived, message)) {
      // A peer that missed our reply sends its message again; a late copy of a reply we already
      // processed (ours was not an answer to it) needs nothing.
      if (
        exchange.lastSent && !exchange.timer && exchange.answered && bytesEqual(exchange.answered, message)
      ) {
        this.host.log(`received retransmit of message ID ${header.messageId}, retransmitting our reply`);
        this.host.sendIke(this, exchange.lastSent);
      }
      return;
    }
    switch (header.exchange) {
      case EXCHANGE.MAIN:
        return this.#mainMode(header, body, message, from);
      case EXCHANGE.QUICK:
        return this.#quickMode(header, body, message);
      case EXCHANGE.INFORMATIONAL:
        return this.#informational(header, body);
      default:
        this.host.log(`ignoring ISAKMP exchange type ${header.exchange} from ${formatIp(from.ip)}`);
    }
  }

  // ---- Main Mode ----

  #ourSa(): Payload {
    const cipher = IKE_CIPHERS[this.config.ike.encryption];
    const attributes: Attribute[] = [
      { type: 1, value: cipher.attr },
      ...(cipher.keyBits ? [{ type: 14, value: cipher.keyBits }] : []),
      { type: 2, value: IKE_HASH_ATTR[this.config.ike.hash] },
      { type: 3, value: 1 },
      { type: 4, value: DH_GROUP_ATTR[this.config.ike.group] },
      { type: 11, value: LIFE_SECONDS },
      { type: 12, value: Math.round(this.config.ike.lifetime / SECOND) },
    ];
    return {
      kind: "sa",
      doi: 1,
      situation: 1,
      proposals: [{
        number: 1,
        protocol: PROTO_ISAKMP,
        spi: zeros(0),
        transforms: [{ number: 1, id: 1, attributes }],
      }],
    };
  }

  #vendorIds(): Payload[] {
    const vids: Payload[] = [];
    if (this.config.natT !== "off") {
      if (this.initiator || this.natT === "rfc3947") vids.push({ kind: "vid", data: VID_RFC3947 });
      if (this.initiator || this.natT === "draft-02") vids.push({ kind: "vid", data: VID_DRAFT_02N });
    }
    vids.push({ kind: "vid", data: VID_DPD });
    return vids;
  }

  /** Whether a phase-1 proposal's transform matches our single configured one. */
  #acceptable(proposal: Proposal | undefined): boolean {
    const transform = proposal?.transforms[0];
    if (!proposal || proposal.protocol !== PROTO_ISAKMP || !transform || transform.id !== 1) return false;
    const cipher = IKE_CIPHERS[this.config.ike.encryption];
    const a = transform.attributes;
    return attr(a, 1) === cipher.attr && attr(a, 14) === cipher.keyBits &&
      attr(a, 2) === IKE_HASH_ATTR[this.config.ike.hash] && attr(a, 3) === 1 &&
      attr(a, 4) === DH_GROUP_ATTR[this.config.ike.group];
  }

  #noteVendorIds(items: PayloadItem[]): void {
    const vids = all(items, "vid").map((v) => v.data);
    const has = (vid: Uint8Array) => vids.some((v) => bytesEqual(v, vid));
    this.peerDpd = has(VID_DPD);
    if (this.config.natT === "off") return;
    if (has(VID_RFC3947)) this.natT = "rfc3947";
    else if (has(VID_DRAFT_02N)) this.natT = "draft-02";
    if (this.natT) {
      this.host.log(`received NAT-T (${this.natT === "rfc3947" ? "RFC 3947" : "draft-02"}) vendor ID`);
    }
  }

  #mainMode(header: IsakmpHeader, body: Uint8Array, raw: Uint8Array, from: Endpoint): void {
    const encrypted = (header.flags & FLAG_ENCRYPTION) !== 0;
    let plaintext = body;
    if (encrypted) {
      if (!this.#keys) return this.host.log("encrypted Main Mode message before the key exchange: ignored");
      const decrypted = ikeDecrypt(this.config.ike.encryption, this.#encKey, this.#iv, body);
      if (!decrypted.ok) return this.host.log(`Main Mode message could not be decrypted: ${decrypted.error}`);
      plaintext = decrypted.value;
    }
    const parsed = decodePayloads(header.nextPayload, plaintext);
    if (!parsed.ok) {
      const hint = encrypted ? " (decryption failed? the pre-shared keys may differ)" : "";
      this.host.log(`message parsing failed: ${parsed.error}${hint}`);
      if (encrypted) this.#fail("message 5/6 could not be decrypted: pre-shared keys differ?");
      return;
    }
    const items = parsed.value;
    if (this.initiator) this.#mainModeInitiator(header, body, items, raw, encrypted);
    else this.#mainModeResponder(body, items, raw, from, encrypted);
  }

  #mainModeResponder(
    body: Uint8Array,
    items: PayloadItem[],
    raw: Uint8Array,
    from: Endpoint,
    encrypted: boolean,
  ): void {
    const exchange = this.#exchange(0);
    if (this.state === "MM_SA_REPLIED" && !exchange.lastSent) {
      const sa = first(items, "sa");
      const saItem = itemOf(items, "sa");
      if (!sa || !saItem) return this.#fail("Main Mode message 1 without an SA payload");
      this.#noteVendorIds(items);
      if (!this.#acceptable(sa.proposals[0])) {
        this.host.log(
          `no acceptable proposal found (we accept only ${this.config.ike.encryption}-${this.config.ike.hash}-${this.config.ike.group})`,
        );
        this.#sendNotify(NOTIFY.NO_PROPOSAL_CHOSEN, false);
        return this.#fail("no acceptable Main Mode proposal");
      }
      this.#saiB = saItem.body.slice();
      exchange.lastReceived = raw;
      const chosen: Payload = {
        ...sa,
        proposals: [{ ...sa.proposals[0], transforms: [sa.proposals[0].transforms[0]] }],
      };
      this.#send(0, EXCHANGE.MAIN, [chosen, ...this.#vendorIds()], false, false);
      this.host.changed(this);
      return;
    }
    if (this.state === "MM_SA_REPLIED" && !encrypted) {
      const ke = first(items, "ke");
      const nonce = first(items, "nonce");
      if (!ke || !nonce) return this.#fail("Main Mode message 3 lacks KE or Nonce");
      exchange.lastReceived = raw;
      this.#gxi = ke.data;
      this.#ni = nonce.data;
      this.#dh = dhKeyPair(MODP_GROUPS[this.config.ike.group], this.host.rng.bytes(32));
      this.#gxr = this.#dh.publicValue;
      this.#nr = this.host.rng.bytes(32);
      if (!this.#deriveKeys()) return;
      const natds = all(items, "nat-d").map((d) => d.data);
      if (this.natT && natds.length >= 2) this.#detectNat(natds, from);
      this.state = "MM_KE_REPLIED";
      this.#send(
        0,
        EXCHANGE.MAIN,
        [
          { kind: "ke", data: this.#gxr },
          { kind: "nonce", data: this.#nr },
          ...(this.natT && natds.length >= 2 ? this.#natdPayloads() : []),
        ],
        false,
        false,
      );
      this.host.changed(this);
      return;
    }
    if (this.state === "MM_KE_REPLIED" && encrypted) {
      const id = itemOf(items, "id");
      const hash = first(items, "hash");
      if (!id || !hash) return this.#fail("Main Mode message 5 lacks ID or HASH");
      const expected = hashI(
        this.hashAlg,
        this.#keys!.skeyid,
        this.#gxi,
        this.#gxr,
        this.icookie,
        this.rcookie,
        this.#saiB,
        id.body,
      );
      if (!bytesEqual(expected, hash.data)) {
        this.host.log("HASH_I does not match: the pre-shared keys differ (AUTHENTICATION-FAILED)");
        this.#sendNotify(NOTIFY.AUTHENTICATION_FAILED, true);
        return this.#fail("authentication failed: pre-shared key mismatch");
      }
      exchange.lastReceived = raw;
      this.#iv = lastBlock(body, this.#block);
      const idr = this.#phase1Id();
      const hashRb = hashR(
        this.hashAlg,
        this.#keys!.skeyid,
        this.#gxi,
        this.#gxr,
        this.icookie,
        this.rcookie,
        this.#saiB,
        encodePayloadBody(idr),
      );
      const sent = this.#send(0, EXCHANGE.MAIN, [idr, { kind: "hash", data: hashRb }], true, false);
      this.#phase1LastBlock = lastBlock(sent.subarray(28), this.#block);
      this.#establish(first(items, "id")!);
    }
  }

  #mainModeInitiator(
    header: IsakmpHeader,
    body: Uint8Array,
    items: PayloadItem[],
    raw: Uint8Array,
    encrypted: boolean,
  ): void {
    const exchange = this.#exchange(0);
    const notify = first(items, "notify");
    if (notify) return this.#peerError(notify.notifyType);
    if (this.state === "MM_SA_SENT" && !encrypted) {
      const sa = first(items, "sa");
      if (!sa || !this.#acceptable(sa.proposals[0])) {
        return this.#fail("the responder chose a proposal we did not offer");
      }
      exchange.lastReceived = raw;
      this.rcookie = header.responderCookie.slice();
      this.#noteVendorIds(items);
      this.#dh = dhKeyPair(MODP_GROUPS[this.config.ike.group], this.host.rng.bytes(32));
      this.#gxi = this.#dh.publicValue;
      this.#ni = this.host.rng.bytes(32);
      this.state = "MM_KE_SENT";
      this.#send(
        0,
        EXCHANGE.MAIN,
        [
          { kind: "ke", data: this.#gxi },
          { kind: "nonce", data: this.#ni },
          ...(this.natT ? this.#natdPayloads() : []),
        ],
        false,
        true,
      );
      this.host.changed(this);
      return;
    }
    if (this.state === "MM_KE_SENT" && !encrypted) {
      const ke = first(items, "ke");
      const nonce = first(items, "nonce");
      if (!ke || !nonce) return this.#fail("Main Mode message 4 lacks KE or Nonce");
      exchange.lastReceived = raw;
      this.#gxr = ke.data;
      this.#nr = nonce.data;
      if (!this.#deriveKeys()) return;
      const natds = all(items, "nat-d").map((d) => d.data);
      if (this.natT && natds.length >= 2) this.#detectNat(natds, this.remote);
      if (this.natPresent && !this.floated) {
        // RFC 3947 §4: the initiator moves to 4500 for message 5 when a NAT is detected.
        this.floated = true;
        this.local = { ip: this.local.ip, port: NAT_T_PORT };
        this.remote = { ip: this.remote.ip, port: NAT_T_PORT };
        this.host.log(`switching to port ${NAT_T_PORT} (NAT-T)`);
      }
      const idi = this.#phase1Id();
      const hashIb = hashI(
        this.hashAlg,
        this.#keys!.skeyid,
        this.#gxi,
        this.#gxr,
        this.icookie,
        this.rcookie,
        this.#saiB,
        encodePayloadBody(idi),
      );
      this.state = "MM_AUTH_SENT";
      const sent = this.#send(0, EXCHANGE.MAIN, [idi, { kind: "hash", data: hashIb }], true, true);
      this.#iv = lastBlock(sent.subarray(28), this.#block);
      this.host.changed(this);
      return;
    }
    if (this.state === "MM_AUTH_SENT" && encrypted) {
      const id = itemOf(items, "id");
      const hash = first(items, "hash");
      if (!id || !hash) return this.#fail("Main Mode message 6 lacks ID or HASH");
      const expected = hashR(
        this.hashAlg,
        this.#keys!.skeyid,
        this.#gxi,
        this.#gxr,
        this.icookie,
        this.rcookie,
        this.#saiB,
        id.body,
      );
      if (!bytesEqual(expected, hash.data)) {
        this.host.log("HASH_R does not match: the pre-shared keys differ");
        return this.#fail("authentication of the responder failed");
      }
      exchange.lastReceived = raw;
      this.#stopRetransmit(0);
      this.#phase1LastBlock = lastBlock(body, this.#block);
      this.#establish(first(items, "id")!);
    }
  }

  get #block(): number {
    return IKE_CIPHERS[this.config.ike.encryption].block;
  }

  #deriveKeys(): boolean {
    const gxy = dhSharedSecret(this.#dh!, this.#initiatorPeerValue());
    if (!gxy) {
      this.#fail("the peer's Diffie-Hellman value is invalid");
      return false;
    }
    const skeyid = skeyidPsk(this.hashAlg, utf8(this.config.psk), this.#ni, this.#nr);
    this.#keys = deriveSkeyids(this.hashAlg, skeyid, gxy, this.icookie, this.rcookie);
    this.#encKey = phase1Key(this.hashAlg, this.#keys.e, IKE_CIPHERS[this.config.ike.encryption].keyLength);
    this.#iv = phase1Iv(this.hashAlg, this.#gxi, this.#gxr, this.#block);
    return true;
  }

  #initiatorPeerValue(): Uint8Array {
    return this.initiator ? this.#gxr : this.#gxi;
  }

  /** Our phase-1 identity: our address (ID_IPV4_ADDR, protocol and port 0 as strongSwan sends). */
  #phase1Id(): Payload {
    return { kind: "id", idType: ID_IPV4_ADDR, protocol: 0, port: 0, data: ipBytes(this.local.ip) };
  }

  /** NAT-D payloads: first the peer's address as we send to it, then ours (RFC 3947 §3.2). */
  #natdPayloads(): Payload[] {
    const draft = this.natT === "draft-02";
    const remote = natdHash(this.hashAlg, this.icookie, this.rcookie, this.remote.ip, this.remote.port);
    // nat-t force: a hash of nothing real, so the peer sees "a NAT" and both sides encapsulate.
    const local = this.config.natT === "force"
      ? this.host.rng.bytes(HASH_LENGTH[this.hashAlg])
      : natdHash(this.hashAlg, this.icookie, this.rcookie, this.local.ip, this.local.port);
    if (this.config.natT === "force") this.natFaked = true;
    return [{ kind: "nat-d", draft, data: remote }, { kind: "nat-d", draft, data: local }];
  }

  #detectNat(natds: Uint8Array[], peer: Endpoint): void {
    const me = natdHash(this.hashAlg, this.icookie, this.rcookie, this.local.ip, this.local.port);
    const them = natdHash(this.hashAlg, this.icookie, this.rcookie, peer.ip, peer.port);
    this.natLocal = !bytesEqual(natds[0], me);
    this.natRemote = !natds.slice(1).some((d) => bytesEqual(d, them));
    if (this.natLocal) this.host.log("local host is behind NAT, sending keep alives");
    if (this.natRemote) this.host.log("remote host is behind NAT");
    if (!this.natLocal && !this.natRemote) this.host.log("no NAT detected between the peers");
  }

  #establish(peerId: Extract<Payload, { kind: "id" }>): void {
    this.state = "ESTABLISHED";
    this.establishedAt = this.host.sched.now;
    const peerName = peerId.idType === ID_IPV4_ADDR && peerId.data.length === 4
      ? formatIp(readIp(peerId.data, 0))
      : toHex(peerId.data);
    this.host.log(
      `IKE_SA established between ${formatIp(this.local.ip)}[${formatIp(this.local.ip)}]...${
        formatIp(this.remote.ip)
      }[${peerName}]`,
      {
        ikev1: { initiatorCookie: toHex(this.icookie), encryptionKey: toHex(this.#encKey) },
        cookies: cookieText(this.icookie, this.rcookie),
      },
    );
    this.host.changed(this);
    this.host.established(this);
    const pending = this.#pendingSelectors;
    this.#pendingSelectors = [];
    if (this.initiator) { for (const selector of pending) this.requestChild(selector); }
  }

  // ---- Quick Mode ----

  #encapMode(): number {
    if (!this.natPresent) return ENCAP_TRANSPORT;
    return this.natT === "draft-02" ? ENCAP_UDP_TRANSPORT_DRAFT : ENCAP_UDP_TRANSPORT;
  }

  #childSa(spi: number, encap: number): Payload {
    const esp = this.config.esp;
    const cipher = ESP_CIPHERS[esp.encryption];
    const attributes: Attribute[] = [
      { type: 1, value: LIFE_SECONDS },
      { type: 2, value: Math.round(esp.lifetime / SECOND) },
      { type: 4, value: encap },
      ...(cipher.aead ? [] : [{ type: 5, value: ESP_AUTHS[esp.integrity].attr }]),
      ...(cipher.keyBits ? [{ type: 6, value: cipher.keyBits }] : []),
    ];
    return {
      kind: "sa",
      doi: 1,
      situation: 1,
      proposals: [{
        number: 1,
        protocol: PROTO_IPSEC_ESP,
        spi: be32(spi),
        transforms: [{ number: 1, id: cipher.transformId, attributes }],
      }],
    };
  }

  #childAcceptable(proposal: Proposal | undefined): string | null {
    const esp = this.config.esp;
    const cipher = ESP_CIPHERS[esp.encryption];
    const transform = proposal?.transforms[0];
    if (!proposal || proposal.protocol !== PROTO_IPSEC_ESP || proposal.spi.length !== 4 || !transform) {
      return "the proposal is not ESP with a 4-byte SPI";
    }
    const a = transform.attributes;
    if (transform.id !== cipher.transformId || attr(a, 6) !== cipher.keyBits) {
      return `ESP transform ${transform.id} does not match ${esp.encryption}`;
    }
    if (!cipher.aead && attr(a, 5) !== ESP_AUTHS[esp.integrity].attr) {
      return `ESP integrity does not match ${esp.integrity}`;
    }
    const mode = attr(a, 4);
    const modes = this.natPresent ? [ENCAP_UDP_TRANSPORT, ENCAP_UDP_TRANSPORT_DRAFT] : [ENCAP_TRANSPORT];
    if (mode === undefined || !modes.includes(mode)) {
      return `encapsulation mode ${mode} (${
        this.natPresent ? "a NAT is between us: expected UDP-Encapsulated-Transport" : "expected Transport"
      })`;
    }
    return null;
  }

  #idPayload(endpoint: Endpoint): Payload {
    return {
      kind: "id",
      idType: ID_IPV4_ADDR,
      protocol: 17,
      port: endpoint.port,
      data: ipBytes(endpoint.ip),
    };
  }

  /** NAT-OA payloads: the initiator's and the responder's address as the sender sees them (RFC 3947 §5.2). */
  #natOa(initiatorAddr: Ip4, responderAddr: Ip4): Payload[] {
    if (!this.natPresent) return [];
    const draft = this.natT === "draft-02";
    return [
      { kind: "nat-oa", draft, idType: ID_IPV4_ADDR, address: ipBytes(initiatorAddr) },
      { kind: "nat-oa", draft, idType: ID_IPV4_ADDR, address: ipBytes(responderAddr) },
    ];
  }

  #peerOriginal(items: PayloadItem[], peerIsInitiator: boolean): { src: Ip4; dst: Ip4 } | undefined {
    const oas = all(items, "nat-oa").filter((p) => p.address.length === 4).map((p) => readIp(p.address, 0));
    if (oas.length < 2) return undefined;
    // NAT-OAi is the initiator's address, NAT-OAr the responder's, both as the sender saw them.
    return peerIsInitiator ? { src: oas[0], dst: oas[1] } : { src: oas[1], dst: oas[0] };
  }

  #newMessageId(): number {
    let id = 0;
    while (id === 0 || this.#exchanges.has(id)) id = this.host.rng.nextU32();
    return id;
  }

  #startQuickMode(selector: Selector): void {
    const messageId = this.#newMessageId();
    const quick: QuickMode = {
      messageId,
      initiator: true,
      state: "QM1_SENT",
      selector,
      spiIn: this.host.allocateSpi(),
      spiOut: 0,
      ni: this.host.rng.bytes(32),
      nr: zeros(0),
      udpEncap: this.natPresent,
    };
    this.#quick.set(messageId, quick);
    this.host.log(`initiating Quick Mode for ${selectorText(selector)}`);
    const rest: Payload[] = [
      this.#childSa(quick.spiIn, this.#encapMode()),
      { kind: "nonce", data: quick.ni },
      this.#idPayload(selector.local),
      this.#idPayload(selector.remote),
      ...this.#natOa(this.local.ip, this.remote.ip),
    ];
    const restBytes = encodePayloads(rest).bytes;
    const hash = qmHash1(this.hashAlg, this.#keys!.a, messageId, restBytes);
    this.#send(messageId, EXCHANGE.QUICK, [{ kind: "hash", data: hash }, ...rest], true, true);
  }

  /** The bytes after the leading HASH payload up to the end of the last payload (padding excluded). */
  #afterHash(plaintext: Uint8Array, items: PayloadItem[]): Uint8Array {
    const hashLength = 4 + items[0].body.length;
    const end = items.reduce((n, item) => n + 4 + item.body.length, 0);
    return plaintext.subarray(hashLength, end);
  }

  #decryptExchange(
    header: IsakmpHeader,
    body: Uint8Array,
  ): { items: PayloadItem[]; plaintext: Uint8Array } | null {
    if (!this.established || !this.#keys) {
      this.host.log(`message ID ${header.messageId} before Main Mode finished: ignored`);
      return null;
    }
    if (!(header.flags & FLAG_ENCRYPTION)) {
      this.host.log(
        `unencrypted ${header.exchange === EXCHANGE.QUICK ? "Quick Mode" : "Informational"} message: ignored`,
      );
      return null;
    }
    const iv = this.#exchangeIvs.get(header.messageId) ??
      exchangeIv(this.hashAlg, this.#phase1LastBlock, header.messageId, this.#block);
    const decrypted = ikeDecrypt(this.config.ike.encryption, this.#encKey, iv, body);
    if (!decrypted.ok) {
      this.host.log(`message ID ${header.messageId} could not be decrypted: ${decrypted.error}`);
      return null;
    }
    const parsed = decodePayloads(header.nextPayload, decrypted.value);
    if (!parsed.ok || parsed.value.length === 0 || parsed.value[0].payload.kind !== "hash") {
      this.host.log(
        `message ID ${header.messageId}: parsing failed${
          parsed.ok ? " (no leading HASH)" : `: ${parsed.error}`
        }`,
      );
      return null;
    }
    return { items: parsed.value, plaintext: decrypted.value };
  }

  #quickMode(header: IsakmpHeader, body: Uint8Array, raw: Uint8Array): void {
    const opened = this.#decryptExchange(header, body);
    if (!opened) return;
    const { items, plaintext } = opened;
    const mid = header.messageId;
    const hash = (items[0].payload as { data: Uint8Array }).data;
    const quick = this.#quick.get(mid);
    const exchange = this.#exchange(mid);
    if (!quick) {
      // Quick Mode message 1 from the initiator.
      const rest = this.#afterHash(plaintext, items);
      if (!bytesEqual(hash, qmHash1(this.hashAlg, this.#keys!.a, mid, rest))) {
        return this.host.log(`Quick Mode HASH(1) mismatch in message ID ${mid}: ignored`);
      }
      this.#exchangeIvs.set(mid, lastBlock(body, this.#block));
      exchange.lastReceived = raw;
      this.#respondQuickMode(mid, items);
      return;
    }
    if (quick.initiator && quick.state === "QM1_SENT") {
      const niB = quick.ni;
      const rest = this.#afterHash(plaintext, items);
      if (!bytesEqual(hash, qmHash2(this.hashAlg, this.#keys!.a, mid, niB, rest))) {
        return this.host.log(`Quick Mode HASH(2) mismatch in message ID ${mid}: ignored`);
      }
      const notify = first(items, "notify");
      if (notify) return this.#peerError(notify.notifyType);
      const sa = first(items, "sa");
      const nonce = first(items, "nonce");
      const problem = this.#childAcceptable(sa?.proposals[0]);
      if (problem || !sa || !nonce) {
        this.#stopRetransmit(mid);
        return this.host.log(`Quick Mode reply rejected: ${problem ?? "no SA or Nonce"}`);
      }
      exchange.lastReceived = raw;
      this.#stopRetransmit(mid);
      this.#exchangeIvs.set(mid, lastBlock(body, this.#block));
      quick.spiOut = u32(sa.proposals[0].spi, 0);
      quick.nr = nonce.data;
      quick.peerOriginal = this.#peerOriginal(items, false);
      const hash3 = qmHash3(this.hashAlg, this.#keys!.a, mid, quick.ni, quick.nr);
      this.#send(mid, EXCHANGE.QUICK, [{ kind: "hash", data: hash3 }], true, false);
      quick.state = "DONE";
      this.#childDone(quick);
      return;
    }
    if (!quick.initiator && quick.state === "QM2_SENT") {
      if (!bytesEqual(hash, qmHash3(this.hashAlg, this.#keys!.a, mid, quick.ni, quick.nr))) {
        return this.host.log(`Quick Mode HASH(3) mismatch in message ID ${mid}: ignored`);
      }
      exchange.lastReceived = raw;
      this.#stopRetransmit(mid);
      quick.state = "DONE";
      this.#childDone(quick);
    }
  }

  #respondQuickMode(mid: number, items: PayloadItem[]): void {
    const sa = first(items, "sa");
    const nonce = first(items, "nonce");
    const ids = all(items, "id");
    if (!sa || !nonce) return this.host.log(`Quick Mode message ID ${mid} lacks SA or Nonce: ignored`);
    const problem = this.#childAcceptable(sa.proposals[0]);
    if (problem) {
      this.host.log(`no acceptable proposal found in Quick Mode: ${problem}`);
      return this.#sendNotify(NOTIFY.NO_PROPOSAL_CHOSEN, true);
    }
    // RFC 3193: L2TP/IPsec protects UDP with port 1701 on the server's side (0 means any port).
    const [idci, idcr] = ids;
    const badId = ids.length === 2 &&
      !(idcr.protocol === 17 && (idcr.port === 1701 || idcr.port === 0) && (idci.protocol === 17));
    if (badId) {
      this.host.log("Quick Mode traffic selectors are not UDP port 1701 (L2TP): INVALID-ID-INFORMATION");
      return this.#sendNotify(NOTIFY.INVALID_ID_INFORMATION, true);
    }
    // Behind a NAT the initiator's ID carries its private address: transport mode uses the
    // addresses the IKE SA actually runs between instead (as strongSwan and isakmpd do).
    const selector: Selector = {
      local: { ip: this.local.ip, port: idcr?.port ?? 0 },
      remote: { ip: this.remote.ip, port: idci?.port ?? 0 },
    };
    const quick: QuickMode = {
      messageId: mid,
      initiator: false,
      state: "QM2_SENT",
      selector,
      spiIn: this.host.allocateSpi(),
      spiOut: u32(sa.proposals[0].spi, 0),
      ni: nonce.data,
      nr: this.host.rng.bytes(32),
      udpEncap: this.natPresent,
      peerOriginal: this.#peerOriginal(items, true),
    };
    this.#quick.set(mid, quick);
    const chosen: Payload = {
      ...sa,
      proposals: [{
        ...sa.proposals[0],
        spi: be32(quick.spiIn),
        transforms: [sa.proposals[0].transforms[0]],
      }],
    };
    const rest: Payload[] = [
      chosen,
      { kind: "nonce", data: quick.nr },
      ...ids.slice(0, 2),
      ...this.#natOa(this.remote.ip, this.local.ip),
    ];
    const hash = qmHash2(this.hashAlg, this.#keys!.a, mid, quick.ni, encodePayloads(rest).bytes);
    this.#send(mid, EXCHANGE.QUICK, [{ kind: "hash", data: hash }, ...rest], true, true);
  }

  #childDone(quick: QuickMode): void {
    const esp = this.config.esp;
    const length = keyMaterialLength(esp.encryption, esp.integrity);
    const material = (spi: number) =>
      splitKeyMaterial(
        esp.encryption,
        keymat(this.hashAlg, this.#keys!.d, PROTO_IPSEC_ESP, be32(spi), quick.ni, quick.nr, length),
      );
    const inbound: EspKeys = {
      spi: quick.spiIn,
      encryption: esp.encryption,
      integrity: esp.integrity,
      ...material(quick.spiIn),
    };
    const outbound: EspKeys = {
      spi: quick.spiOut,
      encryption: esp.encryption,
      integrity: esp.integrity,
      ...material(quick.spiOut),
    };
    this.host.childEstablished({
      ike: this,
      messageId: quick.messageId,
      spiIn: quick.spiIn,
      spiOut: quick.spiOut,
      inbound,
      outbound,
      udpEncap: quick.udpEncap,
      selector: quick.selector,
      ...(quick.peerOriginal ? { peerOriginal: quick.peerOriginal } : {}),
    });
  }

  // ---- Informational ----

  #informational(header: IsakmpHeader, body: Uint8Array): void {
    let items: PayloadItem[];
    if (header.flags & FLAG_ENCRYPTION) {
      const opened = this.#decryptExchange(header, body);
      if (!opened) return;
      items = opened.items;
      const rest = this.#afterHash(opened.plaintext, items);
      const hash = (items[0].payload as { data: Uint8Array }).data;
      if (!bytesEqual(hash, infoHash(this.hashAlg, this.#keys!.a, header.messageId, rest))) {
        return this.host.log("Informational HASH mismatch: ignored");
      }
    } else {
      const parsed = decodePayloads(header.nextPayload, body);
      if (!parsed.ok) return this.host.log(`Informational message parsing failed: ${parsed.error}`);
      items = parsed.value;
    }
    for (const notify of all(items, "notify")) this.#peerError(notify.notifyType);
    for (const del of all(items, "delete")) {
      this.host.log(`received DELETE for ${del.protocol === PROTO_ISAKMP ? "IKE_SA" : "CHILD_SA"}`);
    }
  }

  #peerError(type: number): void {
    const names: Record<number, string> = {
      [NOTIFY.NO_PROPOSAL_CHOSEN]: "NO_PROPOSAL_CHOSEN",
      [NOTIFY.AUTHENTICATION_FAILED]: "AUTHENTICATION_FAILED",
      [NOTIFY.INVALID_ID_INFORMATION]: "INVALID_ID_INFORMATION",
    };
    const name = names[type] ?? `notify type ${type}`;
    this.host.log(`received ${name} error notify`);
    if (type < 16384) this.#fail(`peer sent ${name}`);
  }

  /** An Informational exchange with one Notify; encrypted once keys exist (RFC 2409 §5.7). */
  #sendNotify(type: number, encrypted: boolean): void {
    const notify: Payload = {
      kind: "notify",
      doi: 1,
      protocol: PROTO_ISAKMP,
      spi: concatBytes(this.icookie, this.rcookie),
      notifyType: type,
      data: zeros(0),
    };
    const mid = encrypted && this.#keys ? this.#newMessageId() : 0;
    if (!encrypted || !this.#keys) {
      this.host.sendIke(
        this,
        encodeIsakmp({
          initiatorCookie: this.icookie,
          responderCookie: this.rcookie,
          exchange: EXCHANGE.INFORMATIONAL,
          flags: 0,
          messageId: 0,
        }, [notify]),
      );
      return;
    }
    const hash = infoHash(this.hashAlg, this.#keys.a, mid, encodePayloads([notify]).bytes);
    const iv = this.established
      ? exchangeIv(this.hashAlg, this.#phase1LastBlock, mid, this.#block)
      // During Main Mode the phase-1 IV chain is the only one both sides know.
      : this.#iv;
    this.#exchangeIvs.set(mid, iv);
    this.#send(mid, EXCHANGE.INFORMATIONAL, [{ kind: "hash", data: hash }, notify], true, false);
  }

  // ---- sending, retransmission ----

  #exchange(mid: number): Exchange {
    let exchange = this.#exchanges.get(mid);
    if (!exchange) this.#exchanges.set(mid, exchange = { tries: 0 });
    return exchange;
  }

  /** Builds, encrypts when asked, sends and remembers a message; returns its bytes. */
  #send(
    mid: number,
    exchangeType: number,
    payloads: Payload[],
    encrypt: boolean,
    retransmit: boolean,
  ): Uint8Array {
    const header = {
      initiatorCookie: this.icookie,
      responderCookie: this.rcookie,
      exchange: exchangeType,
      flags: encrypt ? FLAG_ENCRYPTION : 0,
      messageId: mid,
    };
    let bytes: Uint8Array;
    if (encrypt) {
      const chain = encodePayloads(payloads);
      const iv = mid === 0
        ? this.#iv
        : this.#exchangeIvs.get(mid) ?? exchangeIv(this.hashAlg, this.#phase1LastBlock, mid, this.#block);
      const ciphertext = ikeEncrypt(this.config.ike.encryption, this.#encKey, iv, chain.bytes);
      if (mid !== 0) this.#exchangeIvs.set(mid, lastBlock(ciphertext, this.#block));
      bytes = encodeIsakmpRaw(header, chain.first, ciphertext);
    } else {
      bytes = encodeIsakmp(header, payloads);
    }
    const exchange = this.#exchange(mid);
    exchange.lastSent = bytes;
    exchange.answered = exchange.lastReceived;
    exchange.timer?.cancel();
    exchange.timer = undefined;
    exchange.tries = 0;
    this.host.sendIke(this, bytes);
    if (retransmit) this.#armRetransmit(mid);
    return bytes;
  }

  #armRetransmit(mid: number): void {
    const exchange = this.#exchange(mid);
    const { timeout, base, tries } = this.config.retransmit;
    const delay = Math.round(timeout * Math.pow(base, exchange.tries));
    exchange.timer = this.host.sched.after(delay, () => {
      exchange.timer = undefined;
      if (this.state === "FAILED" || !exchange.lastSent) return;
      if (exchange.tries >= tries) {
        this.host.log(`giving up after ${tries} retransmits`);
        return this.#fail(`no reply after ${tries} retransmits`);
      }
      exchange.tries++;
      this.host.log(
        `sending retransmit ${exchange.tries} of ${mid === 0 ? "Main Mode" : `message ID ${mid}`}`,
      );
      this.host.sendIke(this, exchange.lastSent);
      this.#armRetransmit(mid);
    });
  }

  #stopRetransmit(mid: number): void {
    const exchange = this.#exchange(mid);
    exchange.timer?.cancel();
    exchange.timer = undefined;
  }

  #fail(reason: string): void {
    if (this.state === "FAILED") return;
    this.state = "FAILED";
    this.failure = reason;
    this.dispose();
    this.host.changed(this);
    this.host.failed(this, reason);
  }
}

function sameSelector(a: Selector, b: Selector): boolean {
  return a.local.ip === b.local.ip && a.remote.ip === b.remote.ip && a.local.port === b.local.port &&
    a.remote.port === b.remote.port;
}

/** `192.168.1.10/32[udp/1701] === 203.0.113.10/32[udp/1701]`, as charon prints traffic selectors. */
export function selectorText(s: Selector): string {
  const side = (e: Endpoint) => `${formatIp(e.ip)}/32[udp${e.port ? `/${e.port}` : ""}]`;
  return `${side(s.local)} === ${side(s.remote)}`;
}
