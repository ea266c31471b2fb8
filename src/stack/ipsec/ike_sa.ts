/**
 * One IKEv1 SA with a peer (RFC 2409): its cookies, state, keys and exchanges, and the message
 * plumbing the phases share (building, encrypting and sending; opening protected exchanges). The
 * phases themselves live beside it: Main Mode with a pre-shared key and NAT-T (main_mode.ts), Quick
 * Modes for L2TP's transport-mode ESP SAs (quick_mode.ts) and Informational exchanges
 * (informational.ts). The SA knows nothing about sockets or packets: it hands finished messages and
 * negotiated ESP keys to its `IkeHost`, which owns ports, timers and the trace.
 */
import type { HashAlg } from "../../crypto/index.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import {
  decodeIsakmpHeader,
  decodePayloads,
  encodeIsakmp,
  encodeIsakmpRaw,
  encodePayloadBody,
  encodePayloads,
  EXCHANGE,
  FLAG_ENCRYPTION,
  type IsakmpHeader,
  NAT_T_PORT,
  type Payload,
  type PayloadItem,
} from "../../wire/isakmp.ts";
import { IKE_CIPHERS, type IkeProposal, type IpsecConfig } from "./config.ts";
import type { DhKeyPair } from "./dh.ts";
import { exchangeIv, lastBlock, type Skeyids } from "./derive.ts";
import { IkeCipher } from "./ike_cipher.ts";
import type { EspKeys } from "./esp.ts";
import { Exchanges } from "./exchange.ts";
import { informational } from "./informational.ts";
import { mainMode, vendorIds } from "./main_mode.ts";
import { aggressiveMode, startAggressive } from "./aggressive.ts";
import { cookieText, type Endpoint, sameSelector, type Selector, selectorText, zeros } from "./payloads.ts";
import { ikeProposalText } from "./proposal_text.ts";
import { ikeSaPayload } from "./proposals.ts";
import { type QuickMode, quickMode, startQuickMode } from "./quick_mode.ts";
import { DeadPeerDetection } from "./dpd.ts";

export { cookieText, type Endpoint, type Selector, selectorText } from "./payloads.ts";

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

/** What an IKE SA needs from the node that runs it. */
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
  /** The SA failed or gave up; forget it and its ESP SAs. */
  failed(sa: IkeSa, reason: string): void;
  /** The SA ended in order (DELETE, dead peer); forget it and its ESP SAs, and renegotiate if asked. */
  closed(sa: IkeSa, reason: string, restart: boolean): void;
  /** The peer deleted the ESP SA pair whose outbound SPI is `spiOut`. */
  childDeleted(sa: IkeSa, spiOut: number): void;
  /** A fresh inbound SPI, unique on this node. */
  allocateSpi(): number;
}

export type IkeState =
  | "AM_SENT"
  | "AM_REPLIED"
  | "MM_SA_SENT"
  | "MM_KE_SENT"
  | "MM_AUTH_SENT"
  | "MM_SA_REPLIED"
  | "MM_KE_REPLIED"
  | "ESTABLISHED"
  | "DELETED"
  | "FAILED";

/** Main Mode's exchanged values, kept for the key derivation and HASH_I/HASH_R. */
export interface MainModeValues {
  dh?: DhKeyPair;
  gxi: Uint8Array;
  gxr: Uint8Array;
  ni: Uint8Array;
  nr: Uint8Array;
  /** The initiator's SA payload body, which both hashes cover. */
  saiB: Uint8Array;
  /** Aggressive Mode: the initiator's ID body (HASH_I covers it), the peer's ID, its first address. */
  idiB?: Uint8Array;
  peerId?: Extract<Payload, { kind: "id" }>;
  peerAtStart?: Endpoint;
}

/**
 * An IKEv1 SA. Created as initiator by `IkeSa.initiate` when the policy traps a packet, or as
 * responder when a peer's first Main Mode message arrives. Fields below the public API are shared
 * with the phase modules of this folder; nothing outside it touches them.
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
  /** The SA that reauthenticates this one, and the one this SA reauthenticates (ike_lifetime.ts). */
  successor?: IkeSa;
  predecessor?: IkeSa;
  /** Why it failed, for the table. */
  failure?: string;
  /** The phase-1 proposal in use: our first until the responder chose (initiator), or the chosen one. */
  ike: IkeProposal;

  /** Main Mode's values (main_mode.ts). */
  mm: MainModeValues = { gxi: zeros(0), gxr: zeros(0), ni: zeros(0), nr: zeros(0), saiB: zeros(0) };
  /** SKEYID and its derivatives, once the key exchange is done. */
  keys?: Skeyids;
  /** The phase-1 cipher key. */
  encKey = zeros(0);
  #cipher: IkeCipher | undefined;
  /** Main Mode's IV chain. */
  iv = zeros(0);
  /** The last ciphertext block of Main Mode, from which every later exchange's IV starts. */
  phase1LastBlock = zeros(0);
  /** The IV chain of each later exchange, by message ID. */
  readonly exchangeIvs = new Map<number, Uint8Array>();
  readonly exchanges: Exchanges;
  /** Quick Modes by message ID (quick_mode.ts). */
  readonly quick = new Map<number, QuickMode>();
  /** Quick Modes asked for before Main Mode finished. */
  pendingSelectors: Selector[] = [];
  readonly dpd: DeadPeerDetection;

  private constructor(
    readonly host: IkeHost,
    initiator: boolean,
    icookie: Uint8Array,
    public local: Endpoint,
    public remote: Endpoint,
    /** Phase 1 runs as Aggressive Mode (RFC 2409 §5.4) rather than Main Mode. */
    readonly aggressive = false,
  ) {
    this.initiator = initiator;
    this.icookie = icookie;
    this.state = aggressive
      ? (initiator ? "AM_SENT" : "AM_REPLIED")
      : initiator
      ? "MM_SA_SENT"
      : "MM_SA_REPLIED";
    this.ike = host.config.ike.proposals[0];
    this.exchanges = new Exchanges({
      sched: host.sched,
      retransmit: host.config.retransmit,
      transmit: (message) => host.sendIke(this, message),
      phase1: aggressive ? "Aggressive Mode" : "Main Mode",
      log: (summary) => host.log(summary),
      alive: () => this.state !== "FAILED" && this.state !== "DELETED",
      giveUp: (mid, tries) => this.#gaveUp(mid, tries),
    });
    this.dpd = new DeadPeerDetection(this);
  }

  get config(): IpsecConfig {
    return this.host.config;
  }

  get hashAlg(): HashAlg {
    return this.ike.hash;
  }

  /** The phase-1 cipher's block size. */
  get block(): number {
    return IKE_CIPHERS[this.ike.encryption].block;
  }

  /** NAT-T is in use (a NAT was detected or faked, and both sides speak NAT-T). */
  get natPresent(): boolean {
    return this.natT !== null && (this.natLocal || this.natRemote || this.natFaked);
  }

  get established(): boolean {
    return this.state === "ESTABLISHED";
  }

  /** The phase-1 cipher with `encKey`, keyed once (made again should the key be replaced). */
  get cipher(): IkeCipher {
    let cipher = this.#cipher;
    if (cipher === undefined || !cipher.uses(this.ike.encryption, this.encKey)) {
      this.#cipher = cipher = new IkeCipher(this.ike.encryption, this.encKey);
    }
    return cipher;
  }

  /** The phase-1 cipher key, for Wireshark's IKEv1 decryption table. */
  get encryptionKey(): Uint8Array {
    return this.encKey;
  }

  /** Starts Main Mode towards `remote` and queues a Quick Mode for `selector`. */
  static initiate(host: IkeHost, local: Endpoint, remote: Endpoint, selector?: Selector): IkeSa {
    const aggressive = host.config.aggressive;
    const sa = new IkeSa(host, true, host.rng.bytes(8), local, remote, aggressive);
    if (selector) sa.pendingSelectors.push(selector);
    host.log(`initiating ${aggressive ? "Aggressive" : "Main"} Mode IKE_SA to ${formatIp(remote.ip)}`);
    if (aggressive) startAggressive(sa);
    else {
      sa.mm.saiB = encodePayloadBody(ikeSaPayload(sa.config));
      sa.send(0, EXCHANGE.MAIN, [ikeSaPayload(sa.config), ...vendorIds(sa)], false, true);
    }
    host.changed(sa);
    return sa;
  }

  /** A responder SA for a peer's Main or Aggressive Mode message 1 (`header.responderCookie` is zero). */
  static respond(host: IkeHost, local: Endpoint, remote: Endpoint, header: IsakmpHeader): IkeSa {
    const aggressive = header.exchange === EXCHANGE.AGGRESSIVE;
    const sa = new IkeSa(host, false, header.initiatorCookie.slice(), local, remote, aggressive);
    sa.rcookie = host.rng.bytes(8);
    host.log(`${formatIp(remote.ip)} is initiating a${aggressive ? "n Aggressive" : " Main"} Mode IKE_SA`);
    return sa;
  }

  /** Asks for ESP SAs protecting `selector`; waits for Main Mode if it is still running. */
  requestChild(selector: Selector): void {
    if (!this.established) {
      if (!this.pendingSelectors.some((s) => sameSelector(s, selector))) {
        this.pendingSelectors.push(selector);
      }
      return;
    }
    const running = (q: QuickMode) => q.state === "QM1_SENT" || q.state === "QM2_SENT";
    if ([...this.quick.values()].some((q) => running(q) && sameSelector(q.selector, selector))) {
      return;
    }
    startQuickMode(this, selector);
  }

  /** Stops timers; the engine calls this when it forgets the SA. */
  dispose(): void {
    this.exchanges.dispose();
    this.dpd.dispose();
  }

  /** The table row for `ike-sas`. */
  row(): Record<string, unknown> {
    // Until the peer's Vendor IDs arrive (Main Mode message 2) nothing is known about NAT-T.
    const pending = this.initiator && (this.state === "MM_SA_SENT" || this.state === "AM_SENT") &&
      this.config.natT !== "off";
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
      proposal: pending || this.state === "MM_SA_REPLIED" ? "not chosen yet" : ikeProposalText(this.ike),
      ...(this.aggressive ? { mode: "Aggressive" } : {}),
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
    if (this.exchanges.isDuplicate(header.messageId, message)) return;
    switch (header.exchange) {
      case EXCHANGE.MAIN:
        if (this.aggressive) break;
        return mainMode(this, header, body, message, from);
      case EXCHANGE.AGGRESSIVE:
        if (!this.aggressive) break;
        return aggressiveMode(this, header, body, message, from);
      case EXCHANGE.QUICK:
        return quickMode(this, header, body, message);
      case EXCHANGE.INFORMATIONAL:
        return informational(this, header, body);
    }
    this.host.log(`ignoring ISAKMP exchange type ${header.exchange} from ${formatIp(from.ip)}`);
  }

  // ---- shared by the phases ----

  /** A message ID not used yet in this SA. */
  newMessageId(): number {
    let id = 0;
    while (id === 0 || this.exchanges.has(id)) id = this.host.rng.nextU32();
    return id;
  }

  /** Builds, encrypts when asked, sends and remembers a message; returns its bytes. */
  send(
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
        ? this.iv
        : this.exchangeIvs.get(mid) ?? exchangeIv(this.hashAlg, this.phase1LastBlock, mid, this.block);
      const ciphertext = this.cipher.encrypt(iv, chain.bytes);
      if (mid !== 0) this.exchangeIvs.set(mid, lastBlock(ciphertext, this.block));
      bytes = encodeIsakmpRaw(header, chain.first, ciphertext);
    } else {
      bytes = encodeIsakmp(header, payloads);
    }
    this.exchanges.send(mid, bytes, retransmit);
    return bytes;
  }

  /**
   * Decrypts a Quick Mode or Informational message of an established SA and checks that it opens
   * with a HASH payload; null (logged) when it cannot be read.
   */
  openProtected(
    header: IsakmpHeader,
    body: Uint8Array,
  ): { items: PayloadItem[]; plaintext: Uint8Array } | null {
    if (!this.established || !this.keys) {
      this.host.log(`message ID ${header.messageId} before Main Mode finished: ignored`);
      return null;
    }
    if (!(header.flags & FLAG_ENCRYPTION)) {
      this.host.log(
        `unencrypted ${header.exchange === EXCHANGE.QUICK ? "Quick Mode" : "Informational"} message: ignored`,
      );
      return null;
    }
    const iv = this.exchangeIvs.get(header.messageId) ??
      exchangeIv(this.hashAlg, this.phase1LastBlock, header.messageId, this.block);
    const decrypted = this.cipher.decrypt(iv, body);
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
    this.dpd.heard();
    return { items: parsed.value, plaintext: decrypted.value };
  }

  /**
   * No answer to a phase-1 message ends the SA; no answer to a Quick Mode ends that Quick Mode only
   * (the next trapped packet asks again), as charon does.
   */
  #gaveUp(mid: number, tries: number): void {
    const quick = this.quick.get(mid);
    if (mid === 0 || !quick || !this.established) return this.fail(`no reply after ${tries} retransmits`);
    quick.state = "FAILED";
    this.host.log(
      `Quick Mode for ${
        selectorText(quick.selector)
      } failed: no reply after ${tries} retransmits; the IKE_SA stays up`,
    );
  }

  /** Ends an established SA in order (the peer deleted it, or `dead` found it gone). */
  close(reason: string, restart = false): void {
    if (this.state === "FAILED" || this.state === "DELETED") return;
    this.state = "DELETED";
    this.failure = reason;
    this.dispose();
    this.host.changed(this);
    this.host.closed(this, reason, restart);
  }

  /** DPD found the peer dead: clear, or clear and negotiate again (`dpd.action`). */
  dead(reason: string): void {
    this.host.log(`DPD: ${reason}`);
    this.close(reason, this.config.dpd.action === "restart");
  }

  /** Gives the SA up: publishes the reason and tells the host to forget it. */
  fail(reason: string): void {
    if (this.state === "FAILED" || this.state === "DELETED") return;
    this.state = "FAILED";
    this.failure = reason;
    this.dispose();
    this.host.changed(this);
    this.host.failed(this, reason);
  }
}
