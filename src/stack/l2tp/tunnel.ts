/**
 * One L2TP control connection (RFC 2661 §5.1, §7.2): the SCCRQ → SCCRP → SCCCN handshake with
 * optional tunnel authentication, HELLO keepalives, StopCCN, and the sessions it carries. Reliable
 * delivery is the `ReliableChannel`'s job; the endpoint routes datagrams here by our Tunnel ID.
 */
import type { Timer } from "../../engine/scheduler.ts";
import type { Packet } from "../../engine/packet.ts";
import { bytesEqual } from "../../crypto/bytes.ts";
import { l2tpChallengeResponse } from "../../crypto/auth.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { encodeL2tp, type L2tpControl, type L2tpData, messageTypeOf } from "../../wire/l2tp.ts";
import { type Avp, avpName, findAvp } from "../../wire/l2tp_avp.ts";
import { MESSAGE_TYPE_NAMES, MSG, STOPCCN_RESULT_NAMES } from "../../wire/l2tp_names.ts";
import { summarize } from "../../wire/dissect.ts";
import { retransmitCycle } from "./config.ts";
import type { TunnelOwner } from "./endpoint.ts";
import {
  buildAvps,
  HIDDEN_WHEN_ENABLED,
  identityAvps,
  missingAvp,
  revealAll,
  unknownMandatory,
} from "./messages.ts";
import { type Outgoing, ReliableChannel } from "./reliable.ts";
import { L2tpSession, type ProxyInfo, type SessionTunnel } from "./session.ts";
import { describeResult } from "./call_avps.ts";
import { sessionRow, tunnelRow } from "./tunnel_rows.ts";
import { onCdn, onIccn, onIcrp, onIcrq } from "./tunnel_calls.ts";

/**
 * - `wait-ctl-reply`: SCCRQ sent (initiator)
 * - `wait-ctl-conn`: SCCRP sent (responder)
 * - `established`: sessions may be placed
 * - `closing`: our StopCCN waits for its acknowledgement
 * - `closed`: cleared; a closed tunnel lingers one retransmission cycle to acknowledge duplicates
 */
export type TunnelState = "wait-ctl-reply" | "wait-ctl-conn" | "established" | "closing" | "closed";

/** Result codes we send in a StopCCN (§4.4.2). */
export interface StopResult {
  result: number;
  error?: number;
  message?: string;
}

const CHALLENGE_LENGTH = 16;

/** A control connection to one peer. */
export class Tunnel implements SessionTunnel {
  peerId = 0;
  state: TunnelState;
  peerHostname?: string;
  peerVendor?: string;
  /** Set when the tunnel is cleared: why, in words for the tables and the CLI. */
  closeReason?: string;
  /** The Tie Breaker we sent in our SCCRQ, if any. */
  tieBreaker?: bigint;
  readonly channel: ReliableChannel;
  readonly sessions = new Map<number, L2tpSession>();
  /** Whether the peer's source port has been learnt (§8.1: the responder may answer from another). */
  peerPortFixed: boolean;
  /** The IPsec SA the peer's last message came in on (see `Packet.saRef`), if any. */
  saRef?: number;
  /** Called once when the tunnel is cleared (after `sessions` are closed). */
  onClosed?: (reason: string) => void;
  #ourChallenge?: Uint8Array;
  #peerChallenge?: Uint8Array;
  #helloTimer?: Timer;
  #lingerTimer?: Timer;
  #waitingCalls: L2tpSession[] = [];

  constructor(
    readonly owner: TunnelOwner,
    readonly localId: number,
    readonly peer: Ip4,
    public peerPort: number,
    readonly localPort: number,
    readonly initiator: boolean,
  ) {
    this.state = initiator ? "wait-ctl-reply" : "wait-ctl-conn";
    this.peerPortFixed = !initiator;
    this.channel = new ReliableChannel({
      sched: owner.host.ctx.sched,
      peerTunnelId: () => this.peerId,
      transmit: (message, retry) => this.#transmit(message, retry),
      deliver: (message) => this.#deliver(message),
      giveUp: (message) => this.#giveUp(message),
    }, owner.config.timers);
  }

  /** `203.0.113.10:1701`, as the tables show the peer. */
  get peerText(): string {
    return `${formatIp(this.peer)}:${this.peerPort}`;
  }

  get #secret(): string | undefined {
    return this.owner.secretFor(this.peerHostname);
  }

  /** Initiator: sends the SCCRQ. */
  open(): void {
    const security = this.owner.config.security;
    const avps = identityAvps(this.owner.config, this.localId);
    if (this.owner.config.tieBreaker) {
      this.tieBreaker = BigInt.asUintN(
        64,
        (BigInt(this.owner.rng.nextU32()) << 32n) | BigInt(this.owner.rng.nextU32()),
      );
      avps.push({ type: "tieBreaker", value: this.tieBreaker });
    }
    if (security.challenge && this.#secret !== undefined) {
      this.#ourChallenge = this.owner.rng.bytes(CHALLENGE_LENGTH);
      avps.push({ type: "challenge", challenge: this.#ourChallenge });
    }
    this.#send(0, MSG.SCCRQ, avps);
    this.#publish();
  }

  /** A control message for this tunnel arrived from the peer. */
  receiveControl(message: L2tpControl, srcPort: number): void {
    if (!this.peerPortFixed) {
      if (srcPort !== this.peerPort) {
        this.owner.host.log(
          `${this.owner.host.name}: tunnel ${this.localId}: peer answered from port ${srcPort} (we sent to ${this.peerPort}); using it from now on (RFC 2661 §8.1)`,
        );
        this.peerPort = srcPort;
      }
      this.peerPortFixed = true;
    }
    this.#heard();
    this.channel.receive(message);
    if (this.state === "closing" && this.channel.unacknowledged === 0) {
      this.#clear(this.closeReason ?? "closed", true);
    }
    this.#publish();
  }

  /** A data message for this tunnel arrived: hand its PPP frame to the session. */
  receiveData(message: L2tpData, outer: Packet): void {
    this.#heard();
    const session = this.sessions.get(message.sessionId);
    if (!session) {
      this.owner.host.ip.drop(
        outer,
        `L2TP data for session ${message.sessionId}, which tunnel ${this.localId} does not have`,
      );
      return;
    }
    if (session.state !== "established") {
      this.owner.host.ip.drop(
        outer,
        `L2TP data for session ${session.key} before it is connected (${session.state})`,
      );
      return;
    }
    session.onFrame?.(message.payload, outer);
  }

  /** Places an incoming call (LAC side); it starts once the tunnel is established. */
  placeCall(proxy?: ProxyInfo, callingNumber?: string): L2tpSession {
    const session = new L2tpSession(
      this,
      this.owner.newSessionId(this),
      "lac",
      this.owner.nextSerial(),
      "wait-tunnel",
    );
    session.proxy = proxy;
    if (callingNumber !== undefined) session.icrq = [{ type: "callingNumber", number: callingNumber }];
    this.sessions.set(session.localId, session);
    if (this.state === "established") this.#startCall(session);
    else this.#waitingCalls.push(session);
    this.sessionChanged(session);
    return session;
  }

  /**
   * Discards the tunnel silently, as the loser of a tie breaker must (§4.4.3). Returns the calls that
   * were waiting for it, still open, so they can move to the winning tunnel.
   */
  abandon(reason: string): L2tpSession[] {
    const waiting = this.#waitingCalls;
    this.#waitingCalls = [];
    for (const session of waiting) this.sessions.delete(session.localId);
    this.#clear(reason, true);
    return waiting;
  }

  /** Takes over a call placed on another tunnel (after a tie breaker). */
  adopt(session: L2tpSession): void {
    if (this.sessions.has(session.localId)) {
      session.close({ result: 1, by: "tunnel" }, "session id taken on the winning tunnel");
      return;
    }
    session.tunnel = this;
    this.sessions.set(session.localId, session);
    if (this.state === "established") this.#startCall(session);
    else this.#waitingCalls.push(session);
    this.sessionChanged(session);
  }

  /** Clears the tunnel with a StopCCN, which is retransmitted until acknowledged. */
  stop(why: StopResult, reason: string): void {
    if (this.state === "closing" || this.state === "closed") return;
    const resultCode: Avp = { type: "resultCode", result: why.result, error: why.error ?? 0 };
    if (why.message !== undefined) resultCode.message = why.message;
    this.#send(0, MSG.StopCCN, [{ type: "assignedTunnelId", id: this.localId }, resultCode]);
    this.closeReason = reason;
    this.state = "closing";
    this.#helloTimer?.cancel();
    this.#closeSessions(reason);
    this.owner.host.log(
      `Connection ${this.peerId} closed to ${formatIp(this.peer)}, port ${this.peerPort} (${
        why.message ?? reason
      })`,
      { tunnel: this.localId, result: why.result, error: why.error ?? 0 },
    );
    this.#publish();
  }

  // --- SessionTunnel -------------------------------------------------------------------------

  sendSessionMessage(session: L2tpSession, messageType: number, avps: Avp[]): void {
    if (this.state !== "established") return;
    this.#send(session.peerId, messageType, avps);
  }

  sendData(session: L2tpSession, frame: Uint8Array, inner?: Packet): Packet | undefined {
    const data: L2tpData = { kind: "data", tunnelId: this.peerId, sessionId: session.peerId, payload: frame };
    const bytes = encodeL2tp(data);
    // The outer packet's id is taken first so the trace says "encapsulated" before "sent".
    const outerId = inner ? this.owner.host.ctx.nextPacketId() : undefined;
    if (inner && outerId !== undefined) {
      this.owner.host.ctx.trace.emit({
        kind: "encap",
        node: this.owner.host.name,
        pkt: outerId,
        parent: inner.id,
        proto: "L2TP",
        summary: `${
          summarize(inner.bytes)
        } in PPP in L2TP tid ${this.peerId} sid ${session.peerId} to ${this.peerText}`,
        detail: {
          tunnel: this.localId,
          session: session.localId,
          layers: ["IP", "UDP", "L2TP", "PPP", "IP"],
        },
      });
    }
    return this.owner.send(this, bytes, inner?.id, outerId);
  }

  sessionChanged(session: L2tpSession): void {
    const host = this.owner.host;
    host.state("l2tp-sessions", session.key, sessionRow(this, session));
    this.#publish();
  }

  forget(session: L2tpSession): void {
    this.sessions.delete(session.localId);
    this.#waitingCalls = this.#waitingCalls.filter((s) => s !== session);
    this.owner.sessionClosed(session);
  }

  // --- receiving -------------------------------------------------------------------------------

  #heard(): void {
    if (this.state !== "established") return;
    this.#helloTimer?.cancel();
    this.#helloTimer = this.owner.host.ctx.sched.after(this.owner.config.timers.hello, () => {
      // One HELLO at a time: its acknowledgement (or anything else heard) re-arms the timer.
      if (this.state === "established") this.#send(0, MSG.HELLO, []);
    });
  }

  #deliver(message: L2tpControl): void {
    const type = messageTypeOf(message);
    if (type === undefined) return;
    if (this.state === "closed") return; // lingering only to acknowledge
    const revealed = revealAll(message.avps, this.#secret);
    if (!revealed.ok) {
      this.#fail({ result: 2, error: 6, message: revealed.error }, revealed.error);
      return;
    }
    const avps = revealed.value;
    const unknown = unknownMandatory(avps);
    const session = message.sessionId !== 0 ? this.sessions.get(message.sessionId) : undefined;
    if (unknown) {
      const what = `unknown mandatory AVP ${avpName(unknown.attrType)} (vendor ${unknown.vendorId})`;
      if (session) session.disconnect({ result: 2, error: 8, message: what }, what);
      else this.#fail({ result: 2, error: 8, message: what }, what);
      return;
    }
    const missing = missingAvp(type, avps);
    if (missing) {
      this.owner.host.log(`${this.owner.host.name}: tunnel ${this.localId}: ${missing}; ignored`);
      if (type === MSG.SCCRQ || type === MSG.SCCRP) {
        this.#fail({ result: 2, error: 6, message: missing }, missing);
      }
      return;
    }
    switch (type) {
      case MSG.SCCRQ:
        return this.#onSccrq(avps);
      case MSG.SCCRP:
        return this.#onSccrp(avps);
      case MSG.SCCCN:
        return this.#onScccn(avps);
      case MSG.StopCCN:
        return this.#onStopCcn(avps);
      case MSG.HELLO:
        return;
      case MSG.ICRQ:
        return onIcrq(this, avps);
      case MSG.ICRP:
        return onIcrp(this, message.sessionId, avps);
      case MSG.ICCN:
        return onIccn(this, message.sessionId, avps);
      case MSG.CDN:
        return onCdn(this, message.sessionId, avps);
      default:
        this.owner.host.log(
          `${this.owner.host.name}: Don't know how to finish a message of type ${type} (${
            MESSAGE_TYPE_NAMES[type] ?? "unknown"
          })`,
        );
    }
  }

  #learnPeer(avps: Avp[]): void {
    this.peerId = findAvp(avps, "assignedTunnelId")!.id;
    this.peerHostname = findAvp(avps, "hostName")?.name;
    this.peerVendor = findAvp(avps, "vendorName")?.name;
    const window = findAvp(avps, "receiveWindowSize")?.size;
    if (window !== undefined && window > 0) this.channel.peerWindow = window;
  }

  /** Responder: the SCCRQ that created this tunnel (or its retransmission, absorbed by the channel). */
  #onSccrq(avps: Avp[]): void {
    if (this.state !== "wait-ctl-conn" || this.peerId !== 0) return;
    this.#learnPeer(avps);
    const version = findAvp(avps, "protocolVersion");
    if (version && (version.version !== 1 || version.revision !== 0)) {
      return this.#fail(
        {
          result: 5,
          error: 0x0100,
          message: `protocol version ${version.version}.${version.revision} not supported`,
        },
        "unsupported protocol version",
      );
    }
    const refusal = this.owner.acceptTunnel(this);
    if (refusal) return this.#fail(refusal, refusal.message ?? "refused");
    const secret = this.#secret;
    const theirChallenge = findAvp(avps, "challenge")?.challenge;
    const wantAuth = this.owner.config.security.challenge && secret !== undefined;
    if ((theirChallenge || wantAuth) && this.peerHostname === undefined) {
      return this.#fail({ result: 2, error: 6, message: "Specify your hostname" }, "peer sent no host name");
    }
    const reply = identityAvps(this.owner.config, this.localId);
    if (theirChallenge) {
      if (secret === undefined) {
        this.owner.host.log(`${this.owner.host.name}: No secret for '${this.peerHostname}'`);
        return this.#fail({ result: 2, error: 6, message: "No secret on our side" }, "no tunnel secret");
      }
      reply.push({
        type: "challengeResponse",
        response: l2tpChallengeResponse(MSG.SCCRP, secret, theirChallenge),
      });
    }
    if (wantAuth) {
      this.#ourChallenge = this.owner.rng.bytes(CHALLENGE_LENGTH);
      reply.push({ type: "challenge", challenge: this.#ourChallenge });
    }
    this.#send(0, MSG.SCCRP, reply);
  }

  /** Initiator: the SCCRP answers our SCCRQ. */
  #onSccrp(avps: Avp[]): void {
    if (this.state !== "wait-ctl-reply") return;
    this.#learnPeer(avps);
    const secret = this.#secret;
    if (!this.#peerAnswered(MSG.SCCRP, avps)) return;
    const reply: Avp[] = [];
    this.#peerChallenge = findAvp(avps, "challenge")?.challenge;
    if (this.#peerChallenge) {
      if (secret === undefined) {
        this.owner.host.log(
          `${this.owner.host.name}: No secret for authenticating to '${this.peerHostname ?? "?"}'`,
        );
        return this.#fail(
          { result: 2, error: 6, message: "No secret key on our end" },
          "the peer demands tunnel authentication and we have no secret",
        );
      }
      reply.push({
        type: "challengeResponse",
        response: l2tpChallengeResponse(MSG.SCCCN, secret, this.#peerChallenge),
      });
    }
    this.#send(0, MSG.SCCCN, reply);
    this.#established();
  }

  /** Responder: the SCCCN completes the handshake. */
  #onScccn(avps: Avp[]): void {
    if (this.state !== "wait-ctl-conn") return;
    if (!this.#peerAnswered(MSG.SCCCN, avps)) return;
    this.#established();
  }

  /**
   * Whether the peer answered our Challenge (if we sent one) with the response only the shared
   * secret gives (§4.4.3 Challenge Response); otherwise the tunnel is cleared with result 4.
   */
  #peerAnswered(messageType: number, avps: Avp[]): boolean {
    if (!this.#ourChallenge) return true;
    const response = findAvp(avps, "challengeResponse")?.response;
    const expected = l2tpChallengeResponse(messageType, this.#secret ?? "", this.#ourChallenge);
    if (response && bytesEqual(response, expected)) return true;
    this.owner.host.log(
      `${this.owner.host.name}: Invalid authentication for host '${
        this.peerHostname ?? "?"
      }' (tunnel secret mismatch)`,
    );
    this.#fail(
      { result: 4, message: "Invalid challenge authentication" },
      "tunnel authentication failed: the peer does not know our secret",
    );
    return false;
  }

  #established(): void {
    this.state = "established";
    this.#heard();
    const lns = this.initiator ? "" : `.  LNS session is '${this.owner.config.sessionName ?? "default"}'`;
    this.owner.host.log(
      `Connection established to ${
        formatIp(this.peer)
      }, ${this.peerPort}.  Local: ${this.localId}, Remote: ${this.peerId} (ref=0/0)${lns}`,
      { tunnel: this.localId, peerTunnel: this.peerId, peerHostname: this.peerHostname },
    );
    this.#publish();
    this.owner.tunnelUp(this);
    const waiting = this.#waitingCalls;
    this.#waitingCalls = [];
    for (const session of waiting) this.#startCall(session);
  }

  #onStopCcn(avps: Avp[]): void {
    const result = findAvp(avps, "resultCode")!;
    const text = describeResult(MSG.StopCCN, result);
    this.owner.host.log(
      `control_finish: Connection closed to ${formatIp(this.peer)}, port ${this.peerPort} (${
        result.message ?? STOPCCN_RESULT_NAMES[result.result] ?? "no reason"
      }), Local: ${this.localId}, Remote: ${this.peerId}`,
      { tunnel: this.localId, result: result.result, error: result.error ?? 0, message: result.message },
    );
    this.channel.flushAck();
    this.#clear(`peer sent StopCCN: ${text}`, false);
  }

  // --- sending ---------------------------------------------------------------------------------

  #startCall(session: L2tpSession): void {
    const avps: Avp[] = [
      { type: "assignedSessionId", id: session.localId },
      { type: "callSerialNumber", serial: session.serial },
      { type: "bearerType", digital: false, analog: true },
      ...(session.icrq ?? []),
    ];
    session.state = "wait-reply";
    this.#sendSession(session, MSG.ICRQ, avps);
    this.sessionChanged(session);
  }

  #sendSession(session: L2tpSession, messageType: number, avps: Avp[]): void {
    this.#send(session.peerId, messageType, avps);
  }

  #send(sessionId: number, messageType: number, avps: Avp[]): Outgoing {
    const security = this.owner.config.security;
    const secret = this.#secret;
    const hide = security.hideAvps && secret !== undefined ? HIDDEN_WHEN_ENABLED : undefined;
    return this.channel.send(sessionId, buildAvps(messageType, avps, { secret, hide, rng: this.owner.rng }));
  }

  #transmit(message: L2tpControl, retry: number): void {
    const bytes = encodeL2tp(message);
    if (retry > 0) {
      const type = messageTypeOf(message);
      this.owner.host.log(
        `${this.owner.host.name}: retransmitting ${
          MESSAGE_TYPE_NAMES[type ?? 0] ?? "message"
        } Ns ${message.ns} on tunnel ${this.localId} (try ${retry + 1})`,
        { tunnel: this.localId, ns: message.ns, retry },
      );
    }
    this.owner.send(this, bytes);
  }

  #giveUp(message: Outgoing): void {
    const type = MESSAGE_TYPE_NAMES[findAvp(message.avps, "messageType")?.messageType ?? 0];
    if (this.state === "closed") return;
    if (this.state === "closing") {
      this.owner.host.log(
        `Unable to deliver closing message for tunnel ${this.localId}. Destroying anyway.`,
        { tunnel: this.localId },
      );
      this.#clear(this.closeReason ?? "closed", true);
      return;
    }
    const reason = `no acknowledgement of ${
      type ?? "a control message"
    } after ${this.owner.config.timers.maxRetries} retransmissions: ${
      formatIp(this.peer)
    } is unreachable or silent`;
    this.owner.host.log(`Maximum retries exceeded for tunnel ${this.localId}.  Closing.`, {
      tunnel: this.localId,
      reason,
    });
    this.#clear(reason, true);
  }

  /** Ends the tunnel because of an error we detected: StopCCN with the given result. */
  #fail(why: StopResult, reason: string): void {
    this.stop(why, reason);
  }

  #closeSessions(reason: string): void {
    for (const session of [...this.sessions.values()]) {
      session.close({ result: 1, by: "tunnel" }, `tunnel ${this.localId} closed: ${reason}`);
    }
    this.#waitingCalls = [];
  }

  /**
   * Clears all state. When the peer may still retransmit its last message (it sent a StopCCN we
   * acknowledged), the tunnel lingers one retransmission cycle to acknowledge duplicates (§5.7).
   */
  #clear(reason: string, now: boolean): void {
    if (this.state === "closed") return;
    this.closeReason = reason;
    // Closed first, so owners reacting to their sessions going down see a tunnel they cannot use.
    this.state = "closed";
    this.#helloTimer?.cancel();
    this.#closeSessions(reason);
    this.#publish();
    this.onClosed?.(reason);
    this.owner.tunnelDown(this, reason);
    this.channel.abandonOutgoing();
    if (now) {
      this.channel.close();
      this.owner.forgetTunnel(this);
      return;
    }
    this.#lingerTimer = this.owner.host.ctx.sched.after(retransmitCycle(this.owner.config.timers), () => {
      this.channel.close();
      this.owner.forgetTunnel(this);
    });
  }

  /** Stops every timer at once (the node is going away). */
  destroy(): void {
    this.#helloTimer?.cancel();
    this.#lingerTimer?.cancel();
    this.channel.close();
  }

  #published = "";

  #publish(): void {
    const value = tunnelRow(this);
    const text = JSON.stringify(value);
    if (text === this.#published) return;
    this.#published = text;
    this.owner.host.state("l2tp-tunnels", String(this.localId), value);
  }
}
