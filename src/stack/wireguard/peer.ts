/**
 * One WireGuard peer's session state, as the paper's §6 describes it: the handshake in flight and
 * its retries, the current / previous / next keypairs (a responder's new keypair waits in "next"
 * until the initiator's first data confirms it), packets queued until a session exists, the
 * cookie received for mac2, the endpoint (updated from every authenticated packet: roaming), and
 * the timers (rekey after 120 s, reject after 180 s, retry after 5 s, passive keepalive after 10 s,
 * a new handshake when 15 s pass without an answer, persistent keepalive, keys erased after 540 s).
 */
import { clampPrivateKey, toBase64 } from "../../crypto/index.ts";
import type { Packet } from "../../engine/packet.ts";
import type { Timer } from "../../engine/scheduler.ts";
import { formatDuration, type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, inSubnet, type Ip4 } from "../../wire/addr.ts";
import { hexNum } from "../../wire/octets.ts";
import type { WgCookieReply, WgResponse, WgTransport } from "../../wire/wireguard.ts";
import {
  COOKIE_LIFETIME,
  KEEPALIVE_TIMEOUT,
  REJECT_AFTER_MESSAGES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
  REKEY_TIMEOUT_JITTER,
  type WireguardPeerConfig,
} from "./config.ts";
import {
  type ConsumedInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  mac1Of,
  openCookieReply,
  tai64n,
} from "./handshake.ts";
import type { InitiatorState } from "./noise.ts";
import { split } from "./noise.ts";
import { type Keypair, newKeypair, openTransport, sealTransport } from "./transport.ts";
import type { WireguardDevice } from "./device.ts";

/** Packets a peer holds while it has no session (wireguard-go's MaxStagedPackets). */
const MAX_STAGED = 128;

/** Where a peer's packets go: an address and UDP port. */
export interface Endpoint {
  ip: Ip4;
  port: number;
}

/** Formats an endpoint as `wg show` does. */
export function endpointText(endpoint: Endpoint | undefined): string {
  return endpoint ? `${formatIp(endpoint.ip)}:${endpoint.port}` : "(none)";
}

interface PendingHandshake {
  state: InitiatorState;
  localIndex: number;
  ephemeralPrivate: Uint8Array;
}

/** A peer of one WireGuard interface. */
export class WireguardPeer {
  readonly name: string;
  endpoint?: Endpoint;
  current?: Keypair;
  previous?: Keypair;
  next?: Keypair;
  latestHandshake?: Micros;
  rxBytes = 0;
  txBytes = 0;
  /** The newest initiation timestamp accepted from this peer: older or equal ones are replays. */
  lastTimestamp?: Uint8Array;
  #handshake?: PendingHandshake;
  #attemptStarted?: Micros;
  #lastInitiationSent?: Micros;
  #sentMac1?: Uint8Array;
  #cookie?: { value: Uint8Array; received: Micros };
  /** Queued inner packets; null stands for a keepalive. */
  #staged: (Packet | null)[] = [];
  #timers = new Map<string, Timer>();

  constructor(readonly device: WireguardDevice, readonly config: WireguardPeerConfig) {
    this.name = config.name ?? toBase64(config.publicKey).slice(0, 8);
    this.endpoint = config.endpoint;
  }

  get #now(): Micros {
    return this.device.sched.now;
  }

  /** Whether `ip` falls in one of this peer's allowed IPs (cryptokey routing, paper §2). */
  allows(ip: Ip4): boolean {
    return this.config.allowedIps.some((prefix) => inSubnet(ip, prefix.network, prefix.prefixLength));
  }

  /** Brings the peer up: a persistent keepalive is sent at once, which starts a handshake. */
  start(): void {
    if (this.config.persistentKeepalive > 0 && this.endpoint) this.sendKeepalive();
  }

  // --- sending ------------------------------------------------------------------------------

  /** Sends an inner packet routed to this peer, or queues it and starts a handshake. */
  send(packet: Packet): void {
    this.#staged.push(packet);
    if (this.#staged.length > MAX_STAGED) {
      const dropped = this.#staged.shift();
      if (dropped) {
        this.device.dropInner(dropped, `${this.name}: more than ${MAX_STAGED} packets wait for a handshake`);
      }
    }
    this.#flush();
  }

  /** Queues an empty keepalive, unless something else is queued already (it keeps the NAT mapping too). */
  sendKeepalive(): void {
    if (this.#staged.length === 0) this.#staged.push(null);
    this.#flush();
  }

  #usable(keypair: Keypair | undefined): keypair is Keypair {
    return keypair !== undefined && this.#now - keypair.created < REJECT_AFTER_TIME &&
      keypair.sendCounter < REJECT_AFTER_MESSAGES;
  }

  #flush(): void {
    const keypair = this.current;
    if (!this.#usable(keypair)) {
      this.initiateHandshake(false);
      return;
    }
    if (!this.endpoint) return this.#dropStaged(`${this.name} has no endpoint to send to (set endpoint:)`);
    const staged = this.#staged;
    this.#staged = [];
    for (const packet of staged) this.#sendWith(keypair, packet);
    if (
      keypair.initiator &&
      (this.#now - keypair.created >= REKEY_AFTER_TIME || keypair.sendCounter >= REKEY_AFTER_MESSAGES)
    ) {
      this.device.log(
        `${this.device.ifname}: keypair ${hexNum(keypair.localIndex, 8)} is ${
          formatDuration(this.#now - keypair.created)
        } old (REKEY_AFTER_TIME ${formatDuration(REKEY_AFTER_TIME)}): new handshake with ${this.name}`,
      );
      this.initiateHandshake(false);
    }
  }

  #sendWith(keypair: Keypair, packet: Packet | null): void {
    const endpoint = this.endpoint!;
    const counter = keypair.sendCounter;
    const bytes = sealTransport(keypair, packet?.bytes ?? new Uint8Array(0), this.device.mtu);
    this.txBytes += bytes.length;
    this.device.sendTransport(this, bytes, packet, keypair, counter, endpoint);
    this.#cancel("sendKeepalive");
    if (packet) {
      // Data with no answer within 15 s means the session is gone: start over (paper §6.5).
      if (!this.#timers.has("newHandshake")) {
        this.#arm("newHandshake", KEEPALIVE_TIMEOUT + REKEY_TIMEOUT, () => {
          this.device.log(
            `${this.device.ifname}: nothing from ${this.name} for ${
              formatDuration(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT)
            } after sending data: new handshake`,
          );
          this.initiateHandshake(false);
        });
      }
    }
    this.#armPersistentKeepalive();
  }

  #dropStaged(reason: string): void {
    const staged = this.#staged;
    this.#staged = [];
    for (const packet of staged) if (packet) this.device.dropInner(packet, reason);
  }

  // --- handshake as initiator ---------------------------------------------------------------

  /** Sends a handshake initiation, unless one went out less than REKEY_TIMEOUT ago (`retry` is the timer). */
  initiateHandshake(retry: boolean): void {
    const now = this.#now;
    if (!this.endpoint) return this.#dropStaged(`${this.name} has no endpoint to send to (set endpoint:)`);
    if (!retry && this.#lastInitiationSent !== undefined && now - this.#lastInitiationSent < REKEY_TIMEOUT) {
      return;
    }
    if (!retry || this.#attemptStarted === undefined) this.#attemptStarted = now;
    if (this.#handshake) this.device.releaseIndex(this.#handshake.localIndex);
    const ephemeralPrivate = clampPrivateKey(this.device.rng.bytes(32));
    const localIndex = this.device.newIndex(this);
    const cookie = this.#cookie && now - this.#cookie.received < COOKIE_LIFETIME
      ? this.#cookie.value
      : undefined;
    const created = createInitiation({
      local: this.device.identity,
      peerPublic: this.config.publicKey,
      ephemeralPrivate,
      sender: localIndex,
      timestamp: tai64n(now),
      cookie,
    });
    if (!created.ok) {
      this.device.releaseIndex(localIndex);
      return this.#dropStaged(`${this.name}: ${created.error}`);
    }
    this.#handshake = { state: created.value.state, localIndex, ephemeralPrivate };
    this.#lastInitiationSent = now;
    this.#sentMac1 = mac1Of(created.value.bytes);
    this.device.log(
      `${this.device.ifname}: handshake initiation to ${this.name} at ${endpointText(this.endpoint)}${
        retry ? " (retry)" : ""
      }${cookie ? " with mac2 from the cookie" : ""}`,
      {
        wireguard: {
          localStaticPrivate: toBase64(this.device.identity.privateKey),
          remoteStaticPublic: toBase64(this.config.publicKey),
          localEphemeralPrivate: toBase64(ephemeralPrivate),
          presharedKey: toBase64(this.config.presharedKey),
        },
      },
    );
    this.device.sendHandshake(this, created.value.bytes, this.endpoint);
    this.#armPersistentKeepalive();
    const jitter = this.device.rng.int(0, REKEY_TIMEOUT_JITTER);
    this.#arm("retransmit", REKEY_TIMEOUT + jitter, () => {
      if (this.#now - this.#attemptStarted! >= REKEY_ATTEMPT_TIME) {
        this.#attemptStarted = undefined;
        this.device.log(
          `${this.device.ifname}: handshake with ${this.name} did not complete after ${
            formatDuration(REKEY_ATTEMPT_TIME)
          }, giving up`,
        );
        this.#dropStaged(`${this.name}: no handshake after ${formatDuration(REKEY_ATTEMPT_TIME)} of retries`);
        return;
      }
      this.initiateHandshake(true);
    });
  }

  /** Our pending handshake's index, if one is in flight. */
  get pendingIndex(): number | undefined {
    return this.#handshake?.localIndex;
  }

  /** A response to our initiation (mac1 already checked). Returns why it was dropped, or null. */
  onResponse(message: WgResponse, from: Endpoint): string | null {
    const pending = this.#handshake;
    if (!pending || pending.localIndex !== message.receiver) return "response to no handshake in flight";
    const consumed = consumeResponse(pending.state, this.device.identity, this.config.presharedKey, message);
    if (!consumed.ok) return `${this.name}: ${consumed.error}`;
    this.#handshake = undefined;
    this.#attemptStarted = undefined;
    this.#cancel("retransmit");
    const keys = split(consumed.value);
    const keypair = newKeypair(
      { sendKey: keys.initiatorSend, receiveKey: keys.responderSend },
      pending.localIndex,
      message.sender,
      this.#now,
      true,
    );
    this.#install(keypair, true);
    this.#roam(from);
    this.device.log(
      `${this.device.ifname}: handshake with ${this.name} complete (we initiated): keypair ${
        hexNum(keypair.localIndex, 8)
      }`,
    );
    // The responder may only send once it has heard from us under the new keys (key confirmation).
    if (this.#staged.length === 0) this.#staged.push(null);
    this.#flush();
    return null;
  }

  /** A cookie reply to our last initiation: mac2 of the next one carries it. */
  onCookieReply(message: WgCookieReply): string | null {
    if (!this.#sentMac1) return "cookie reply to nothing we sent";
    const cookie = openCookieReply(this.config.publicKey, this.#sentMac1, message);
    if (!cookie.ok) return `${this.name}: ${cookie.error}`;
    this.#cookie = { value: cookie.value, received: this.#now };
    this.device.log(
      `${this.device.ifname}: ${this.name} is under load and sent a cookie; the retry in ${
        formatDuration(REKEY_TIMEOUT)
      } carries mac2`,
    );
    return null;
  }

  // --- handshake as responder ---------------------------------------------------------------

  /** Answers a valid initiation from this peer (timestamp already checked). Returns a drop reason or null. */
  respond(consumed: ConsumedInitiation, from: Endpoint): string | null {
    const ephemeralPrivate = clampPrivateKey(this.device.rng.bytes(32));
    const localIndex = this.device.newIndex(this);
    const cookie = this.#cookie && this.#now - this.#cookie.received < COOKIE_LIFETIME
      ? this.#cookie.value
      : undefined;
    const created = createResponse({
      consumed,
      ephemeralPrivate,
      presharedKey: this.config.presharedKey,
      sender: localIndex,
      cookie,
    });
    if (!created.ok) {
      this.device.releaseIndex(localIndex);
      return `${this.name}: ${created.error}`;
    }
    this.lastTimestamp = consumed.timestamp;
    const keys = split(created.value.state);
    const keypair = newKeypair(
      { sendKey: keys.responderSend, receiveKey: keys.initiatorSend },
      localIndex,
      consumed.sender,
      this.#now,
      false,
    );
    this.#install(keypair, false);
    this.#roam(from);
    this.#sentMac1 = mac1Of(created.value.bytes);
    this.device.log(
      `${this.device.ifname}: handshake response to ${this.name} at ${endpointText(from)}: keypair ${
        hexNum(localIndex, 8)
      } waits for the initiator's first packet`,
    );
    this.device.sendHandshake(this, created.value.bytes, from);
    this.#armPersistentKeepalive();
    return null;
  }

  #install(keypair: Keypair, confirmed: boolean): void {
    if (confirmed) {
      if (this.previous) this.device.releaseIndex(this.previous.localIndex);
      if (this.next) {
        this.device.releaseIndex(this.next.localIndex);
        this.next = undefined;
      }
      this.previous = this.current;
      this.current = keypair;
    } else {
      if (this.next) this.device.releaseIndex(this.next.localIndex);
      this.next = keypair;
    }
    this.device.bindKeypair(keypair.localIndex, this);
    this.latestHandshake = this.#now;
    this.#arm("zeroKeys", 3 * REJECT_AFTER_TIME, () => this.#zeroKeys());
    this.device.publishPeer(this);
  }

  #zeroKeys(): void {
    for (const keypair of [this.current, this.previous, this.next]) {
      if (keypair) this.device.releaseIndex(keypair.localIndex);
    }
    this.current = this.previous = this.next = undefined;
    this.device.log(
      `${this.device.ifname}: no new handshake with ${this.name} for ${
        formatDuration(3 * REJECT_AFTER_TIME)
      }: keys erased`,
    );
    this.device.publishPeer(this);
  }

  // --- receiving ----------------------------------------------------------------------------

  /** The keypair with our index `index`, if it is one of ours. */
  keypairFor(index: number): Keypair | undefined {
    return [this.current, this.next, this.previous].find((keypair) => keypair?.localIndex === index);
  }

  /** Opens transport data; returns the padded plaintext or a drop reason. */
  onTransport(message: WgTransport, from: Endpoint): { plaintext: Uint8Array } | { drop: string } {
    const keypair = this.keypairFor(message.receiver);
    if (!keypair) return { drop: `no keypair with index ${message.receiver}` };
    const age = this.#now - keypair.created;
    if (age >= REJECT_AFTER_TIME) {
      return {
        drop: `keypair ${hexNum(keypair.localIndex, 8)} is ${formatDuration(age)} old (REJECT_AFTER_TIME ${
          formatDuration(REJECT_AFTER_TIME)
        })`,
      };
    }
    const opened = openTransport(keypair, message);
    if (!opened.ok) return { drop: `${this.name}: ${opened.error}` };
    if (keypair === this.next) {
      this.device.log(
        `${this.device.ifname}: ${this.name} confirmed keypair ${hexNum(keypair.localIndex, 8)}`,
      );
      this.#install(keypair, true);
    }
    this.rxBytes += message.encryptedPacket.length + 16;
    this.#roam(from);
    this.#cancel("newHandshake");
    this.#armPersistentKeepalive();
    if (opened.value.length > 0 && !this.#timers.has("sendKeepalive")) {
      this.#arm("sendKeepalive", KEEPALIVE_TIMEOUT, () => this.sendKeepalive());
    }
    const current = this.current;
    if (
      current?.initiator && keypair === current && !this.#handshake &&
      age >= REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT
    ) {
      this.initiateHandshake(false);
    }
    if (this.#staged.length > 0) this.#flush();
    return { plaintext: opened.value };
  }

  /** The endpoint follows the source of every authenticated packet (paper §2.1, roaming). */
  #roam(from: Endpoint): void {
    if (this.endpoint && this.endpoint.ip === from.ip && this.endpoint.port === from.port) return;
    const before = this.endpoint;
    this.endpoint = { ...from };
    if (before) {
      this.device.log(
        `${this.device.ifname}: ${this.name} roamed from ${endpointText(before)} to ${endpointText(from)}`,
      );
    }
    this.device.publishPeer(this);
  }

  // --- timers -------------------------------------------------------------------------------

  #armPersistentKeepalive(): void {
    const interval = this.config.persistentKeepalive;
    if (interval > 0) this.#arm("persistentKeepalive", interval, () => this.sendKeepalive());
  }

  #arm(name: string, delay: Micros, action: () => void): void {
    this.#timers.get(name)?.cancel();
    this.#timers.set(
      name,
      this.device.sched.after(delay, () => {
        this.#timers.delete(name);
        action();
      }),
    );
  }

  #cancel(name: string): void {
    this.#timers.get(name)?.cancel();
    this.#timers.delete(name);
  }

  /** For `wg show`-like tables: seconds since the latest handshake. */
  latestHandshakeText(): string {
    return this.latestHandshake === undefined
      ? "never"
      : `${Math.floor((this.#now - this.latestHandshake) / SECOND)}s ago`;
  }
}
