/**
 * One L2TP session (a "call", RFC 2661 §7.4/7.5): the incoming-call handshake ICRQ → ICRP → ICCN, the
 * CDN that ends it, and the data messages that carry its PPP frames. The LAC side places the call;
 * the LNS side answers it. The owner (a device) plugs PPP in through the callbacks.
 */
import type { Packet } from "../../engine/packet.ts";
import type { Avp } from "../../wire/l2tp_avp.ts";

/**
 * - `wait-tunnel`: the LAC's call waits for its control connection to come up
 * - `wait-reply`: ICRQ sent (LAC)
 * - `wait-connect`: ICRP sent (LNS)
 * - `established`: ICCN sent (LAC) or received (LNS): PPP frames flow
 * - `closed`: a CDN was sent or received, or the tunnel went away
 */
export type SessionState = "wait-tunnel" | "wait-reply" | "wait-connect" | "established" | "closed";

/** What the LAC learnt from the user's PPP before tunnelling it (AVPs 26–33, §4.4.5). */
export interface ProxyInfo {
  /** Option bytes (from the first option on) of each CONFREQ. */
  initialReceivedConfReq?: Uint8Array;
  lastSentConfReq?: Uint8Array;
  lastReceivedConfReq?: Uint8Array;
  /** Proxy Authen Type: 2 CHAP, 3 PAP, 4 none. */
  authType?: number;
  authName?: string;
  authChallenge?: Uint8Array;
  authId?: number;
  authResponse?: Uint8Array;
}

/** Why a call ends: the CDN's Result Code AVP. */
export interface CallResult {
  result: number;
  error?: number;
  message?: string;
}

/** The part of the tunnel a session talks to. */
export interface SessionTunnel {
  readonly localId: number;
  sendSessionMessage(session: L2tpSession, messageType: number, avps: Avp[]): void;
  sendData(session: L2tpSession, frame: Uint8Array, inner?: Packet): Packet | undefined;
  sessionChanged(session: L2tpSession): void;
  forget(session: L2tpSession): void;
}

/** One call. Frames go out with `sendFrame`; `onFrame` receives them with the outer packet they came in. */
export class L2tpSession {
  peerId = 0;
  state: SessionState;
  /** The LNS learns who is on the call from PPP; the owner fills these in for the tables. */
  user?: string;
  address?: string;
  /** LAC: what to put in the ICCN. LNS: what the ICCN carried. */
  proxy?: ProxyInfo;
  /** Every AVP of the ICRQ (LNS) for the owner to inspect (Calling Number, Bearer Type, ...). */
  icrq?: Avp[];
  /** How the call ended, once it has. */
  ended?: CallResult & { by: "us" | "peer" | "tunnel" };
  /** The session is up: frames may flow. */
  onUp?: () => void;
  /** A PPP frame arrived; `outer` is the UDP datagram that carried it. */
  onFrame?: (frame: Uint8Array, outer: Packet) => void;
  /** The call ended (CDN either way, or the tunnel went down). */
  onDown?: (reason: string) => void;

  constructor(
    public tunnel: SessionTunnel,
    readonly localId: number,
    readonly role: "lac" | "lns",
    readonly serial: number,
    state: SessionState,
  ) {
    this.state = state;
  }

  /** The session's key in the trace tables: `local tunnel id/local session id`. */
  get key(): string {
    return `${this.tunnel.localId}/${this.localId}`;
  }

  /** Sends a PPP frame in a data message; `inner` is the IPv4 datagram inside, for lineage. */
  sendFrame(frame: Uint8Array, inner?: Packet): boolean {
    if (this.state !== "established") return false;
    return this.tunnel.sendData(this, frame, inner) !== undefined;
  }

  /** Ends the call with a CDN (result 3 "administrative" unless told otherwise). */
  disconnect(why: CallResult = { result: 3 }, reason = "disconnected"): void {
    if (this.state === "closed") return;
    const sent = this.state !== "wait-tunnel";
    if (sent) {
      const resultCode: Avp = { type: "resultCode", result: why.result, error: why.error ?? 0 };
      if (why.message !== undefined) resultCode.message = why.message;
      this.tunnel.sendSessionMessage(this, 14, [resultCode, { type: "assignedSessionId", id: this.localId }]);
    }
    this.close({ ...why, by: "us" }, reason);
  }

  /** Marks the session closed and tells the owner; no message is sent. */
  close(ended: CallResult & { by: "us" | "peer" | "tunnel" }, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.ended = ended;
    this.tunnel.sessionChanged(this);
    this.tunnel.forget(this);
    this.onDown?.(reason);
  }

  /** Moves to a new state and republishes the session's table row. */
  setState(state: SessionState): void {
    this.state = state;
    this.tunnel.sessionChanged(this);
    if (state === "established") this.onUp?.();
  }
}
