/**
 * An L2TP Network Server (RFC 2661 §1.2): accepts tunnels from LACs and voluntary clients, answers
 * their calls with a PPP server session per call (CHAP or PAP against its users, an address from its
 * pool, DNS servers), and routes between the callers and its corporate LAN. Behaves like xl2tpd with
 * pppd: the pool address is reserved when the ICRQ arrives, so an exhausted pool refuses the call
 * with a CDN before PPP starts.
 */
import type { SimContext } from "../engine/context.ts";
import { L2tpEndpoint } from "../stack/l2tp/endpoint.ts";
import { AddressPool } from "../stack/l2tp/pool.ts";
import { PppLink } from "../stack/l2tp/ppp_link.ts";
import type { CallResult, L2tpSession, ProxyInfo } from "../stack/l2tp/session.ts";
import type { PppConfig, ProxyStart } from "../stack/ppp/session.ts";
import { formatIp } from "../wire/addr.ts";
import { PROXY_AUTHEN_TYPES } from "../wire/l2tp_avp.ts";
import { Router } from "./host.ts";
import { echoSettings, endpointConfig, L2TP_MRU, type RawTunnelSettings } from "./l2tp_settings.ts";
import type { AuthRecord } from "../stack/ppp/auth.ts";
import { leaseAddress, type PppServerSettings, publishPool } from "./ppp_server.ts";
import type { DeviceSpec } from "./spec.ts";

/** An LNS's settings: tunnel security, users, the address pool and limits. */
export interface LnsSettings extends RawTunnelSettings, PppServerSettings {
  auth?: "chap" | "pap" | "none";
  users?: Record<string, string>;
  "max-tunnels"?: number;
  "max-sessions"?: number;
  proxy?: "accept" | "renegotiate";
  "answer-port"?: number;
}

/** An LNS: a router whose extra interfaces are the PPP sessions of its callers. */
export class Lns extends Router {
  readonly l2tp: L2tpEndpoint;
  readonly pool: AddressPool;
  readonly settings: LnsSettings;
  readonly links = new Map<string, PppLink>();
  #ifaceNumber = 0;

  constructor(spec: DeviceSpec, ctx: SimContext, settings: LnsSettings) {
    super(spec, ctx);
    this.settings = settings;
    const s = settings;
    this.pool = new AddressPool(s.pool.first, s.pool.last);
    const config = endpointConfig(spec.name, s, { lns: true });
    if (s["answer-port"] !== undefined) config.answerPort = s["answer-port"];
    if (s["max-tunnels"] !== undefined) config.maxTunnels = s["max-tunnels"];
    if (s["max-sessions"] !== undefined) config.maxSessions = s["max-sessions"];
    this.l2tp = new L2tpEndpoint(this, config);
    this.l2tp.onIncomingCall = (session) => this.#incomingCall(session);
  }

  override start(): void {
    super.start();
    this.l2tp.start();
    publishPool(this, this.pool);
  }

  /** ICRQ: reserve an address (xl2tpd's `assign ip`), then wait for the ICCN to start PPP. */
  #incomingCall(session: L2tpSession): CallResult | undefined {
    const lease = leaseAddress(this, this.pool);
    if (!lease) {
      this.log(`Out of IP addresses on tunnel ${session.tunnel.localId}!`, {
        pool: this.pool.toString(),
        reason: `pool ${this.pool.toString()} exhausted: all ${this.pool.size} addresses are in use`,
      });
      return { result: 2, error: 4, message: "No available IP address" };
    }
    session.address = formatIp(lease.address);
    const { release } = lease;
    let link: PppLink | undefined;
    session.onUp = () => {
      link = this.#startPpp(session, release);
    };
    session.onFrame = (frame, outer) => link?.input(frame, outer);
    session.onDown = (reason) => {
      link?.ppp.lowerDown(`L2TP session closed: ${reason}`);
      this.links.delete(session.key);
      release();
    };
    return undefined;
  }

  #startPpp(session: L2tpSession, release: () => void): PppLink {
    const s = this.settings;
    const name = `ppp${this.#ifaceNumber++}`;
    const config: PppConfig = {
      role: "server",
      auth: s.auth ?? "chap",
      users: s.users ?? {},
      localAddress: s["local-address"],
      allocateAddress: () => session.address,
      releaseAddress: () => {},
      mru: s.mru ?? L2TP_MRU,
      ...(s.mtu !== undefined ? { mtu: s.mtu } : {}),
      name: s.hostname ?? this.name,
      ...echoSettings(s),
    };
    if (s.dns) config.dns = s.dns;
    const proxy = s.proxy === "renegotiate" ? undefined : proxyStart(session.proxy);
    if (session.proxy && !proxy) {
      this.log(
        `${this.name}: call ${session.key} arrived with proxy LCP; ${
          s.proxy === "renegotiate"
            ? "renegotiating LCP as configured"
            : "proxy incomplete, renegotiating LCP"
        }`,
      );
    }
    const link = new PppLink(this, {
      name,
      config,
      proxy,
      send: (frame, inner) => session.sendFrame(frame, inner),
    });
    this.links.set(session.key, link);
    link.onUp = (_iface, info) => {
      session.user = info.user;
      session.tunnel.sessionChanged(session);
      this.log(
        `${this.name}: ${
          info.user ?? "peer"
        } is connected on ${name}: ${info.peerAddress} (tunnel ${session.key})`,
        { user: info.user, address: info.peerAddress, iface: name },
      );
    };
    link.onDown = (reason) => {
      this.links.delete(session.key);
      if (session.state !== "closed") {
        session.disconnect(
          { result: 2, error: 6, message: `PPP: ${reason}`.slice(0, 200) },
          `PPP ended: ${reason}`,
        );
      }
      release();
    };
    if (!proxy) link.ppp.open();
    return link;
  }
}

/** The proxy LCP/authentication of an ICCN in the form PPP takes over from, when complete enough. */
export function proxyStart(proxy: ProxyInfo | undefined): ProxyStart | undefined {
  if (!proxy?.lastSentConfReq || !proxy.lastReceivedConfReq) return undefined;
  const start: ProxyStart = {
    lastSentConfReq: proxy.lastSentConfReq,
    lastReceivedConfReq: proxy.lastReceivedConfReq,
  };
  if (proxy.initialReceivedConfReq) start.initialReceivedConfReq = proxy.initialReceivedConfReq;
  const auth = proxyAuth(proxy);
  if (auth) start.auth = auth;
  return start;
}

function proxyAuth(proxy: ProxyInfo): AuthRecord | undefined {
  if (proxy.authName === undefined || !proxy.authResponse) return undefined;
  if (proxy.authType === PROXY_AUTHEN_TYPES.CHAP) {
    const record: AuthRecord = { type: "chap", name: proxy.authName, response: proxy.authResponse };
    if (proxy.authChallenge) record.challenge = proxy.authChallenge;
    if (proxy.authId !== undefined) record.id = proxy.authId;
    return record;
  }
  if (proxy.authType === PROXY_AUTHEN_TYPES.PAP) {
    const record: AuthRecord = { type: "pap", name: proxy.authName, response: proxy.authResponse };
    if (proxy.authId !== undefined) record.id = proxy.authId;
    return record;
  }
  return undefined;
}
