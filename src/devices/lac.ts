/**
 * Compulsory tunnelling (RFC 2661 §1.1): the L2TP Access Concentrator of an ISP. A subscriber dials
 * the ISP; the LAC answers the line, runs LCP and collects the user's CHAP or PAP response without
 * checking it (it cannot: the password belongs to the company), then opens or reuses a tunnel to
 * the LNS and places a call whose ICCN carries what it learnt: proxy LCP (AVPs 26–28) and proxy
 * authentication (AVPs 29–33). From then on it relays the subscriber's PPP frames into the session
 * and back. The LNS may take the negotiation over or renegotiate LCP with the user itself.
 *
 * Run by `isp` nodes with a `lac:` block, as one of the ISP's services (see isp.ts).
 */
import type { Packet } from "../engine/packet.ts";
import { L2tpEndpoint } from "../stack/l2tp/endpoint.ts";
import type { L2tpSession, ProxyInfo } from "../stack/l2tp/session.ts";
import type { AuthRecord } from "../stack/ppp/auth.ts";
import { type LcpRecord, PppSession } from "../stack/ppp/session.ts";
import { parseIp } from "../wire/addr.ts";
import { PROXY_AUTHEN_TYPES } from "../wire/l2tp_avp.ts";
import { summarizePpp } from "../wire/ppp.ts";
import { answerCalls, type LineEnd } from "./dialup.ts";
import type { Isp, IspExtension } from "./isp.ts";
import { endpointConfig, L2TP_MRU, type RawTunnelSettings } from "./l2tp_settings.ts";

/** The LAC's settings (an ISP's `lac:` block). */
export interface LacSettings extends RawTunnelSettings {
  lns: string;
  auth?: "chap" | "pap";
  /** Only users named `user@realm` are tunnelled (how ISPs pick the company's LNS). */
  realm?: string;
}

/** One subscriber's call through the LAC. */
interface Call {
  subscriber: string;
  line: LineEnd;
  ppp: PppSession;
  session?: L2tpSession;
  user?: string;
}

/** The LAC service of one ISP node. */
export class LacService implements IspExtension {
  readonly l2tp: L2tpEndpoint;
  readonly calls = new Map<string, Call>();
  #line = 0;

  constructor(readonly isp: Isp, readonly settings: LacSettings) {
    this.l2tp = new L2tpEndpoint(isp, endpointConfig(isp.name, settings, { lns: false }));
    answerCalls(isp.ctx, isp.name, (subscriber, line) => this.#answer(subscriber, line));
  }

  start(): void {
    this.l2tp.start();
    this.isp.state("lac", "config", {
      lns: this.settings.lns,
      auth: this.settings.auth ?? "chap",
      ...(this.settings.realm ? { realm: this.settings.realm } : {}),
    });
  }

  #answer(subscriber: string, line: LineEnd): void {
    const isp = this.isp;
    const label = `line${this.#line++}`;
    isp.log(`${isp.name}: incoming call from ${subscriber} on ${label}`, { subscriber });
    const ppp = new PppSession(
      {
        sched: isp.ctx.sched,
        rng: isp.ctx.rng.fork(`ppp:${isp.name}:${label}`),
        trace: isp.ctx.trace,
        node: isp.name,
        label,
      },
      {
        role: "server",
        auth: this.settings.auth ?? "chap",
        handoff: true,
        mru: L2TP_MRU,
        name: this.settings.hostname ?? isp.name,
      },
      (frame) => line.send(frame),
    );
    const call: Call = { subscriber, line, ppp };
    this.calls.set(label, call);
    ppp.onHandoff = ({ lcpRecord, authRecord }) => this.#tunnel(call, label, lcpRecord, authRecord);
    ppp.onDown = (reason) => {
      if (!call.session) this.#hangup(call, label, `PPP with the subscriber ended: ${reason}`);
    };
    line.onFrame = (frame, inner) => this.#fromSubscriber(call, frame, inner);
    line.onHangup = (reason) => {
      isp.log(`${isp.name}: ${subscriber} hung up ${label} (${reason})`);
      this.calls.delete(label);
      ppp.lowerDown("the subscriber hung up");
      call.session?.disconnect({ result: 1, message: "Subscriber hung up" }, "the subscriber hung up");
    };
    ppp.open();
  }

  #fromSubscriber(call: Call, frame: Uint8Array, inner?: Packet): void {
    if (!call.session) return call.ppp.input(frame);
    if (call.session.state === "established") {
      call.session.sendFrame(frame, inner);
      return;
    }
    this.isp.ctx.trace.emit({
      kind: "drop",
      node: this.isp.name,
      proto: "PPP",
      summary: summarizePpp(frame),
      reason: `${this.isp.name}: the call of ${
        call.user ?? call.subscriber
      } is not yet connected to the LNS (${call.session.state})`,
    });
  }

  #tunnel(call: Call, label: string, lcp: LcpRecord, auth: AuthRecord | undefined): void {
    const isp = this.isp;
    call.user = auth?.name;
    const realm = this.settings.realm;
    if (realm !== undefined && !(auth?.name ?? "").endsWith(`@${realm}`)) {
      isp.log(
        `${isp.name}: ${auth?.name ?? "the caller"} is not a user of realm ${realm}: no tunnel for this call`,
      );
      this.#hangup(call, label, `user not in realm ${realm}`);
      return;
    }
    const lns = parseIp(this.settings.lns)!;
    const tunnel = this.l2tp.tunnelTo(lns);
    const session = tunnel.placeCall(proxyInfo(lcp, auth), call.subscriber);
    call.session = session;
    session.user = auth?.name;
    isp.log(
      `${isp.name}: tunnelling ${
        auth?.name ?? call.subscriber
      }'s call to LNS ${this.settings.lns} (tunnel ${tunnel.localId}, proxy LCP${
        auth ? ` and ${auth.type.toUpperCase()}` : ""
      })`,
      { user: auth?.name, lns: this.settings.lns },
    );
    session.onFrame = (frame, outer) => call.line.send(frame, undefined, outer);
    session.onDown = (reason) => this.#hangup(call, label, `L2TP call ended: ${reason}`);
  }

  #hangup(call: Call, label: string, reason: string): void {
    if (!this.calls.has(label)) return;
    this.calls.delete(label);
    this.isp.log(`${this.isp.name}: hanging up ${label} to ${call.subscriber}: ${reason}`);
    call.line.hangup(reason);
  }
}

/** What the LAC learnt, as the ICCN's proxy AVPs carry it. */
export function proxyInfo(lcp: LcpRecord, auth: AuthRecord | undefined): ProxyInfo {
  const proxy: ProxyInfo = {};
  if (lcp.initialReceivedConfReq) proxy.initialReceivedConfReq = lcp.initialReceivedConfReq;
  if (lcp.lastSentConfReq) proxy.lastSentConfReq = lcp.lastSentConfReq;
  if (lcp.lastReceivedConfReq) proxy.lastReceivedConfReq = lcp.lastReceivedConfReq;
  if (!auth) {
    proxy.authType = PROXY_AUTHEN_TYPES.NONE;
    return proxy;
  }
  proxy.authType = auth.type === "chap" ? PROXY_AUTHEN_TYPES.CHAP : PROXY_AUTHEN_TYPES.PAP;
  proxy.authName = auth.name;
  if (auth.challenge) proxy.authChallenge = auth.challenge;
  if (auth.id !== undefined) proxy.authId = auth.id;
  proxy.authResponse = auth.response;
  return proxy;
}
