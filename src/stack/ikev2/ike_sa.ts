/**
 * One IKEv2 SA and its message transport (RFC 7296 §2.1–2.2): request Message IDs counting up from 0
 * on each side, a window of one outstanding request, retransmission by the requester only (timeout
 * growing by `base` per try, strongSwan's schedule), the last response kept and re-sent when its
 * request comes again, and SK sealing once keys exist. What each exchange carries is in
 * handshake.ts, child_exchange.ts and informational.ts; this file knows only how messages move.
 */
import { toHex, x25519PublicKey, x25519Shared } from "../../crypto/index.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import {
  encodeMessage,
  F_INITIATOR,
  F_RESPONSE,
  type Ikev2Header,
  P,
  type Payload,
  X,
} from "../../wire/ikev2.ts";
import { type DhKeyPair, dhKeyPair, dhSharedSecret, MODP_GROUPS } from "../ipsec/dh.ts";
import type { Ikev2Config, Ikev2Group, Ikev2Proposal } from "./config.ts";
import type { IkeKeys } from "./keys.ts";
import { openMessage, sealMessage, type SkKeys } from "./sk.ts";
import type { Child, ChildOwner } from "./tunnel.ts";

export interface Endpoint {
  ip: Ip4;
  port: number;
}

export const EXCHANGE_NAMES: Record<number, string> = {
  [X.IKE_SA_INIT]: "IKE_SA_INIT",
  [X.IKE_AUTH]: "IKE_AUTH",
  [X.CREATE_CHILD_SA]: "CREATE_CHILD_SA",
  [X.INFORMATIONAL]: "INFORMATIONAL",
};

/** What an SA needs from the daemon on its node. */
export interface SaHost {
  readonly node: string;
  readonly config: Ikev2Config;
  readonly rng: Prng;
  readonly sched: Scheduler;
  /** Sends to `sa.remote` from `sa.local`, with the non-ESP marker once on port 4500. */
  send(sa: Ikev2Sa, message: Uint8Array): void;
  log(summary: string, detail?: Record<string, unknown>): void;
  /** The SA's row changed. */
  changed(sa: Ikev2Sa): void;
  /** The SA is gone (deleted, failed, dead peer): forget it and its CHILD_SAs. */
  closed(sa: Ikev2Sa, reason: string): void;
}

/** A Diffie-Hellman key pair of either kind. */
export interface DhPair {
  group: Ikev2Group;
  publicValue: Uint8Array;
  shared(peer: Uint8Array): Uint8Array | null;
}

/** A fresh key pair for `group` from the SA's PRNG. */
export function dhPair(group: Ikev2Group, rng: Prng): DhPair {
  if (group === "curve25519") {
    const secret = rng.bytes(32);
    return {
      group,
      publicValue: x25519PublicKey(secret),
      shared: (peer) => {
        const s = x25519Shared(secret, peer);
        return s.ok ? s.value : null;
      },
    };
  }
  const pair: DhKeyPair = dhKeyPair(MODP_GROUPS[group], rng.bytes(32));
  return { group, publicValue: pair.publicValue, shared: (peer) => dhSharedSecret(pair, peer) };
}

export type SaState = "CONNECTING" | "ESTABLISHED" | "REKEYED" | "DELETING" | "CLOSED";

/** How a requester hears back: the decrypted payloads of the response, or a timeout. */
export type ResponseHandler = (payloads: Payload[], header: Ikev2Header, raw: Uint8Array) => void;

interface Outstanding {
  mid: number;
  exchange: number;
  bytes: Uint8Array;
  tries: number;
  timer: Timer;
  handler: ResponseHandler;
}

/** One IKE SA, either role. */
export class Ikev2Sa implements ChildOwner {
  spiR: Uint8Array = new Uint8Array(8);
  state: SaState = "CONNECTING";
  proposal?: Ikev2Proposal;
  keys?: IkeKeys;
  ni: Uint8Array = new Uint8Array(0);
  nr: Uint8Array = new Uint8Array(0);
  dh?: DhPair;
  /** Our IKE_SA_INIT message and the peer's, for the AUTH payloads. */
  initRequest?: Uint8Array;
  initResponse?: Uint8Array;
  /** Behind a NAT: this side, the peer. */
  natLocal = false;
  natRemote = false;
  /** Moved to UDP 4500 (after NAT detection, or forced). */
  floated = false;
  peerId = "";
  /** The client's virtual IP (both sides know it). */
  vip?: Ip4;
  dns: Ip4[] = [];
  children: Child[] = [];
  establishedAt?: Micros;
  /** The IKE SA that took over by rekeying: closing this one then leaves the tunnel up. */
  replacedBy?: Ikev2Sa;
  lastHeard: Micros;
  #nextMid = 0;
  #expectMid = 0;
  #lastResponse?: { mid: number; bytes: Uint8Array };
  #outstanding?: Outstanding;
  #queue: (() => void)[] = [];
  #timers: Timer[] = [];

  constructor(
    readonly host: SaHost,
    readonly initiator: boolean,
    readonly spiI: Uint8Array,
    public local: Endpoint,
    public remote: Endpoint,
  ) {
    this.lastHeard = host.sched.now;
  }

  get key(): string {
    return toHex(this.spiI);
  }

  get udpEncap(): boolean {
    return this.floated;
  }

  get established(): boolean {
    return this.state === "ESTABLISHED";
  }

  heard(): void {
    this.lastHeard = this.host.sched.now;
  }

  /** Keys for what we send and what we receive. */
  #keys(outgoing: boolean): SkKeys {
    const k = this.keys!;
    const ours = outgoing === this.initiator;
    return { proposal: this.proposal!, enc: ours ? k.ei : k.er, auth: ours ? k.ai : k.ar };
  }

  /** A timer that dies with the SA. */
  after(delay: Micros, action: () => void): Timer {
    const timer = this.host.sched.after(delay, () => {
      if (this.state !== "CLOSED") action();
    });
    this.#timers.push(timer);
    return timer;
  }

  #build(
    exchange: number,
    mid: number,
    response: boolean,
    payloads: Payload[],
    encrypted: boolean,
  ): Uint8Array {
    const header = {
      spiI: this.spiI,
      spiR: this.spiR,
      exchange,
      flags: (this.initiator ? F_INITIATOR : 0) | (response ? F_RESPONSE : 0),
      messageId: mid,
    };
    if (!encrypted) return encodeMessage(header, payloads);
    const cipher = this.proposal!.encryption;
    const iv = this.host.rng.bytes(cipher.endsWith("gcm16") ? 8 : 16);
    return sealMessage(this.#keys(true), header, payloads, iv);
  }

  /** Sends a request once the window is free; `handler` gets the response. */
  request(exchange: number, payloads: () => Payload[], handler: ResponseHandler, encrypted = true): void {
    const go = () => {
      const mid = this.#nextMid++;
      const bytes = this.#build(exchange, mid, false, payloads(), encrypted);
      if (exchange === X.IKE_SA_INIT) this.initRequest = bytes;
      this.#outstanding = { mid, exchange, bytes, tries: 0, handler, timer: this.#retransmitTimer(0) };
      this.host.send(this, bytes);
    };
    if (this.#outstanding) this.#queue.push(go);
    else go();
  }

  /** Resends the IKE_SA_INIT request from scratch (after INVALID_KE_PAYLOAD): same Message ID 0. */
  restartInit(payloads: Payload[], handler: ResponseHandler): void {
    this.#outstanding?.timer.cancel();
    this.#outstanding = undefined;
    this.#nextMid = 0;
    this.request(X.IKE_SA_INIT, () => payloads, handler, false);
  }

  #retransmitTimer(tries: number): Timer {
    const r = this.host.config.retransmit;
    const timeout = Math.round(r.timeout * Math.pow(r.base, tries));
    return this.after(timeout, () => {
      const out = this.#outstanding;
      if (!out) return;
      if (out.tries >= r.tries) {
        this.host.log(
          `giving up after ${r.tries} retransmits of ${EXCHANGE_NAMES[out.exchange]} request ${out.mid} to ${
            formatIp(this.remote.ip)
          }`,
        );
        return this.close(`peer not responding (${EXCHANGE_NAMES[out.exchange]} request ${out.mid})`);
      }
      out.tries++;
      this.host.log(`retransmit ${out.tries} of ${EXCHANGE_NAMES[out.exchange]} request ${out.mid}`);
      out.timer = this.#retransmitTimer(out.tries);
      this.host.send(this, out.bytes);
    });
  }

  /** Sends the response to request `mid` and keeps it for retransmitted requests. */
  respond(exchange: number, mid: number, payloads: Payload[], encrypted = true): Uint8Array {
    const bytes = this.#build(exchange, mid, true, payloads, encrypted);
    if (exchange === X.IKE_SA_INIT) this.initResponse = bytes;
    this.#lastResponse = { mid, bytes };
    this.host.send(this, bytes);
    return bytes;
  }

  /**
   * A message for this SA. Responses must answer the outstanding request; requests must carry the
   * next Message ID (the previous one is answered again from the kept response). Returns a reason
   * to drop, or null.
   */
  receive(
    header: Ikev2Header,
    bytes: Uint8Array,
    onRequest: (payloads: Payload[], header: Ikev2Header, raw: Uint8Array) => void,
  ): string | null {
    const isResponse = (header.flags & F_RESPONSE) !== 0;
    const encrypted = header.nextPayload === P.SK;
    const open = (): Payload[] | string => {
      if (!encrypted) return "unencrypted";
      const opened = openMessage(this.#keys(false), header, bytes);
      return opened.ok ? opened.value.payloads : opened.error;
    };
    if (isResponse) {
      const out = this.#outstanding;
      if (!out || out.mid !== header.messageId) {
        return `IKEv2 response ${header.messageId} matches no outstanding request`;
      }
      let payloads: Payload[] = [];
      if (header.exchange !== X.IKE_SA_INIT) {
        const p = open();
        if (typeof p === "string") return `IKEv2 ${EXCHANGE_NAMES[header.exchange]} response: ${p}`;
        payloads = p;
      }
      out.timer.cancel();
      this.#outstanding = undefined;
      this.heard();
      out.handler(payloads, header, bytes);
      const next = this.#queue.shift();
      if (next && this.state !== "CLOSED") next();
      return null;
    }
    if (
      this.#lastResponse && header.messageId === this.#lastResponse.mid &&
      header.messageId + 1 === this.#expectMid
    ) {
      this.host.log(
        `${EXCHANGE_NAMES[header.exchange]} request ${header.messageId} again: re-sending our response`,
      );
      this.host.send(this, this.#lastResponse.bytes);
      return null;
    }
    if (header.messageId !== this.#expectMid) {
      return `IKEv2 request with Message ID ${header.messageId}, expected ${this.#expectMid}`;
    }
    let payloads: Payload[] = [];
    if (header.exchange !== X.IKE_SA_INIT) {
      const p = open();
      if (typeof p === "string") return `IKEv2 ${EXCHANGE_NAMES[header.exchange]} request: ${p}`;
      payloads = p;
    }
    this.#expectMid++;
    this.heard();
    onRequest(payloads, header, bytes);
    return null;
  }

  /** Message IDs for the tables: next request we send, next request we expect. */
  get messageIds(): { send: number; expect: number } {
    return { send: this.#nextMid, expect: this.#expectMid };
  }

  /** Whether a request of ours is waiting for its response. */
  get busy(): boolean {
    return this.#outstanding !== undefined;
  }

  /** Ends the SA here (timers stop, the daemon forgets it and its CHILD_SAs). */
  close(reason: string): void {
    if (this.state === "CLOSED") return;
    this.state = "CLOSED";
    for (const t of this.#timers) t.cancel();
    this.#outstanding?.timer.cancel();
    this.#outstanding = undefined;
    this.#queue = [];
    this.host.closed(this, reason);
  }

  /** A row of the `ikev2-sas` table. */
  row(): Record<string, unknown> {
    const mids = this.messageIds;
    return {
      role: this.initiator ? "initiator" : "responder",
      state: this.state,
      local: `${formatIp(this.local.ip)}[${this.local.port}]`,
      remote: `${formatIp(this.remote.ip)}[${this.remote.port}]`,
      spis: `${toHex(this.spiI)}_i ${toHex(this.spiR)}_r`,
      ...(this.proposal ? { proposal: ikeText(this.proposal) } : {}),
      nat: this.natLocal ? "local behind NAT" : this.natRemote ? "peer behind NAT" : "none",
      ...(this.peerId ? { "peer id": this.peerId } : {}),
      ...(this.vip !== undefined ? { "virtual ip": formatIp(this.vip) } : {}),
      "message ids": `send ${mids.send}, expect ${mids.expect}`,
      children: this.children.length,
    };
  }
}

function ikeText(p: Ikev2Proposal): string {
  return [p.encryption, p.integrity ?? `prf${p.prf}`, p.group].join("/");
}
