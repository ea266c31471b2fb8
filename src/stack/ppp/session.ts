import { formatIp } from "../../wire/addr.ts";
import {
  type ControlProtocol,
  type CpPacket,
  decodeCp,
  encodeCp,
  IPCP,
  type IpcpOption,
  LCP,
  type LcpOption,
  summarizeCp,
} from "../../wire/lcp.ts";
import { hexNum } from "../../wire/octets.ts";
import {
  decodePpp,
  encodePpp,
  PPP_CHAP,
  PPP_IP,
  PPP_IPCP,
  PPP_LCP,
  PPP_PAP,
  PPP_PROTOCOL_NAMES,
  summarizePpp,
} from "../../wire/ppp.ts";
import type { AuthHost, AuthOutcome, AuthParty, AuthRecord, AuthServer } from "./auth.ts";
import { authClient, authHostFor, authServer, startServer } from "./auth_select.ts";
import { MppeLayer } from "./ccp.ts";
import { PPP_CCP, PPP_COMP } from "../../wire/ccp.ts";
import { Automaton, type FsmHooks, type FsmState, type FsmTimers } from "./automaton.ts";
import { allocatePeerAddress, IpcpNegotiation } from "./ipcp.ts";
import { type AuthKind, DEFAULT_MRU, LcpNegotiation } from "./lcp.ts";
import { LcpKeepalive } from "./keepalive.ts";
import { PppTrace } from "./session_trace.ts";
import { judgeProxyLcp } from "./proxy_lcp.ts";
import type { LcpRecord, PppConfig, PppHost, PppPhase, PppUpInfo, ProxyStart } from "./session_config.ts";
import { timersOf } from "./session_config.ts";

export type { LcpRecord, PppConfig, PppHost, PppPhase, PppUpInfo, ProxyStart } from "./session_config.ts";
export type { AuthRecord } from "./auth.ts";

const TERMINATING: ReadonlySet<FsmState> = new Set(["closing", "stopping"]);

/**
 * One PPP link end over L2TP: LCP, then PAP or CHAP, then IPCP, then IPv4. Frames in and out are
 * real bytes (FF 03 + protocol + payload). All timers run on the scheduler; all randomness comes
 * from the host's PRNG; everything notable becomes a trace record.
 */
export class PppSession {
  /** IPv4 datagrams received once IPCP is open. */
  onIp?: (datagram: Uint8Array) => void;
  onPhase?: (phase: PppPhase) => void;
  onUp?: (info: PppUpInfo) => void;
  /** The session is dead; called once, with the first cause of failure when there was one. */
  onDown?: (reason: string) => void;
  /** LAC (`handoff`): LCP is open and the peer's authentication collected; tunnel the call now. */
  onHandoff?: (records: { lcpRecord: LcpRecord; authRecord?: AuthRecord }) => void;

  /** LCP Configure-Requests seen and sent, for proxy LCP AVPs. */
  readonly lcpRecord: LcpRecord = {};

  #host: PppHost;
  #config: PppConfig;
  #send: (frame: Uint8Array) => void;
  #timers: FsmTimers;
  #phase: PppPhase = "dead";
  #lcpNeg!: LcpNegotiation;
  #lcp!: Automaton<LcpOption>;
  #ipcpNeg!: IpcpNegotiation;
  #ipcp!: Automaton<IpcpOption>;
  #auth?: AuthParty;
  /** The last authenticator of ours, kept after LCP goes down so its record stays readable. */
  #authServer?: AuthServer;
  #user?: string;
  #failure?: string;
  #used = false;
  #handedOff = false;
  #lowerGone = false;
  #proxyAuth?: AuthRecord;
  /** CCP and MPPE, when the config requires encryption; the master key comes from MS-CHAPv2. */
  #mppe?: MppeLayer;
  #mppeMaster?: Uint8Array;
  readonly #keepalive: LcpKeepalive;
  readonly #trace: PppTrace;

  constructor(host: PppHost, config: PppConfig, send: (frame: Uint8Array) => void) {
    this.#host = host;
    this.#trace = new PppTrace(host);
    this.#config = config;
    this.#send = send;
    this.#timers = timersOf(config);
    this.#keepalive = new LcpKeepalive({
      sched: host.sched,
      // The LAC hands the link over before any keepalive could matter.
      interval: config.handoff ? 0 : config.echoInterval ?? 0,
      failures: config.echoFailures ?? 0,
      magic: () => this.#lcpNeg.magic,
      send: (packet) => this.#sendCp(LCP, packet),
      log: (message) => this.#trace.log(message),
      dead: (unanswered) => {
        this.#trace.log(`No response to ${unanswered} echo-requests`);
        this.#trace.log("Serial link appears to be disconnected.");
        this.#noteFailure(`peer not responding: no reply to ${unanswered} LCP Echo-Requests`);
        this.#lcp.close("Peer not responding");
      },
    });
    this.#build();
  }

  /**
   * An LNS session that takes over LCP (and authentication) a LAC already negotiated with the
   * peer. When the proxied options suit our policy, LCP starts Opened and, with a valid proxied
   * response, the session goes straight to the network phase; otherwise LCP is renegotiated.
   */
  static fromProxy(
    host: PppHost,
    config: PppConfig,
    send: (frame: Uint8Array) => void,
    proxy: ProxyStart,
  ): PppSession {
    const session = new PppSession(host, config, send);
    session.#openProxied(proxy);
    return session;
  }

  get phase(): PppPhase {
    return this.#phase;
  }

  /** Server: the authenticated peer; client: our name once the server accepted it. */
  get user(): string | undefined {
    return this.#user;
  }

  /** Server: what the peer sent in the authentication phase (for proxy auth AVPs on a LAC). */
  get authRecord(): AuthRecord | undefined {
    return this.#authServer?.record;
  }

  /** LCP's automaton state. */
  get lcpState(): FsmState {
    return this.#lcp.state;
  }

  /** IPCP's automaton state. */
  get ipcpState(): FsmState {
    return this.#ipcp.state;
  }

  /** The lower layer is up: start negotiating. */
  open(): void {
    if (this.#phase !== "dead") return;
    if (this.#used) this.#build();
    this.#used = true;
    this.#setPhase("establish");
    this.#lcp.open();
    this.#lcp.up();
  }

  /** One PPP frame from the peer. Never throws: anything unusable becomes a drop record. */
  input(frame: Uint8Array): void {
    if (this.#handedOff) return this.#drop("the call was handed over to the LNS (compulsory tunnel)", frame);
    const decoded = decodePpp(frame);
    if (!decoded.ok) return this.#drop(decoded.error, frame);
    if (this.#phase === "dead") return this.#drop(`PPP on ${this.#host.label} is not running`, frame);
    const { protocol, payload } = decoded.value;
    switch (protocol) {
      case PPP_LCP:
        return this.#inputCp(LCP, this.#lcp, payload, frame);
      case PPP_PAP:
      case PPP_CHAP:
        if (this.#lcp.state !== "opened") {
          return this.#drop("LCP is not open: authentication packet discarded", frame);
        }
        if (!this.#auth || (this.#auth.kind === "pap") !== (protocol === PPP_PAP)) {
          return this.#drop(
            `no ${protocol === PPP_CHAP ? "CHAP" : "PAP"} authentication was negotiated`,
            frame,
          );
        }
        return this.#auth.input(payload);
      case PPP_IPCP:
        if (this.#phase !== "network" && this.#phase !== "open") {
          const why = this.#phase === "authenticate"
            ? "network protocols wait until authentication succeeds (RFC 1661 §3.5)"
            : "IPCP runs only in the network phase";
          return this.#drop(`IPCP packet in the ${this.#phase} phase: ${why}`, frame);
        }
        return this.#inputCp(IPCP, this.#ipcp, payload, frame);
      case PPP_CCP:
      case PPP_COMP: {
        if (!this.#mppe) return this.#unsupported(protocol, payload, frame);
        const inner = this.#mppe.receive(protocol, payload, this.#phase);
        if (typeof inner === "string") return this.#drop(inner, frame);
        return inner ? this.#deliverIp(inner, frame) : undefined;
      }
      case PPP_IP:
        if (this.#mppe) return this.#drop("unencrypted IPv4 refused: this link requires MPPE", frame);
        return this.#deliverIp(payload, frame);
      default:
        return this.#unsupported(protocol, payload, frame);
    }
  }

  #deliverIp(datagram: Uint8Array, frame: Uint8Array): void {
    if (this.#ipcp.state === "opened") this.onIp?.(datagram);
    else this.#drop("IPCP is not open: IPv4 datagram discarded", frame);
  }

  /** Administrative close: LCP Terminate-Request, then down. */
  close(reason: string): void {
    if (this.#phase === "dead" || this.#handedOff) return;
    this.#trace.log(`Terminating connection: ${reason}`);
    this.#lcp.close(reason);
  }

  /** The tunnel under us went away: no Terminate exchange is possible. */
  lowerDown(reason = "the lower layer (L2TP session) went down"): void {
    if (this.#phase === "dead") return;
    this.#lowerGone = true;
    this.#lcp.down(reason);
    this.#ipcp.down(reason);
    this.#finish(reason);
  }

  /** Sends an IPv4 datagram (protocol 0x0021) when IPCP is open; false otherwise. */
  sendIp(datagram: Uint8Array): boolean {
    if (this.#ipcp.state !== "opened" || this.#handedOff) return false;
    if (this.#mppe) {
      if (!this.#mppe.opened) return false;
      this.#send(encodePpp({ protocol: PPP_COMP, payload: this.#mppe.encrypt(PPP_IP, datagram) }));
      return true;
    }
    this.#send(encodePpp({ protocol: PPP_IP, payload: datagram }));
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Construction

  #build(): void {
    const config = this.#config;
    const server = config.role === "server";
    const auth = config.auth === "none" ? undefined : config.auth ?? (server ? "chap" : undefined);
    this.#lcpNeg = new LcpNegotiation(
      {
        role: config.role,
        mru: config.mru ?? DEFAULT_MRU,
        auth,
        refuseAuth: !server && config.auth === "none",
        maxLoopback: config.maxLoopback,
      },
      this.#host.rng,
      (m) => this.#trace.log(m),
    );
    this.#lcp = new Automaton(LCP, this.#lcpNeg, this.#lcpHooks(), this.#host.sched, this.#timers);
    this.#ipcpNeg = new IpcpNegotiation({
      role: config.role,
      localAddress: config.localAddress,
      dns: config.dns,
      allocate: () => this.#allocate(),
      log: (m) => this.#trace.log(m),
      failure: (reason) => this.#noteFailure(reason),
    });
    this.#ipcp = new Automaton(IPCP, this.#ipcpNeg, this.#ipcpHooks(), this.#host.sched, this.#timers);
    this.#mppe = config.mppe ? this.#mppeLayer() : undefined;
    this.#mppeMaster = undefined;
    this.#auth = undefined;
    this.#user = undefined;
    this.#failure = undefined;
    this.#handedOff = false;
    this.#lowerGone = false;
  }

  #lcpHooks(): FsmHooks<LcpOption> {
    return {
      send: (packet) => this.#sendCp(LCP, packet),
      up: () => this.#lcpUp(),
      down: () => this.#lcpDown(),
      started: () => {},
      finished: (reason) => this.#finish(reason),
      stateChanged: (_from, to) => {
        if (TERMINATING.has(to)) this.#setPhase("terminate");
        this.#publish();
      },
      rxr: (packet) => this.#keepalive.onPacket(packet),
      protocolRejected: (protocol) => this.#protocolRejected(protocol),
      codeRejected: (code) => {
        if (code === 9) this.#keepalive.stop(); // the peer does not do Echo: keepalive is impossible
      },
      discard: (reason, packet) => this.#dropCp(LCP, reason, packet),
      log: (message) => this.#trace.log(message),
    };
  }

  #ipcpHooks(): FsmHooks<IpcpOption> {
    return {
      send: (packet) => this.#sendCp(IPCP, packet),
      up: () => this.#ipcpUp(),
      down: () => {
        if (this.#phase === "open" && !this.#lowerGone) this.#setPhase("network");
      },
      started: () => {},
      finished: (reason) => {
        // pppd: when the last network protocol finishes, LCP closes too.
        this.#noteFailure(reason);
        if (this.#lcp.state === "opened") {
          this.#trace.log("No network protocols running");
          this.#lcp.close("No network protocols running");
        }
      },
      stateChanged: () => this.#publish(),
      discard: (reason, packet) => this.#dropCp(IPCP, reason, packet),
      log: (message) => this.#trace.log(message),
    };
  }

  #mppeLayer(): MppeLayer {
    const { sched } = this.#host;
    return new MppeLayer({
      sched,
      timers: this.#timers,
      role: this.#config.role,
      trace: this.#trace,
      send: this.#send,
      opened: () => (this.#ipcp.state === "opened" ? this.#ipcpUp() : this.#publish()),
      failed: (reason) => {
        this.#noteFailure(reason);
        if (this.#lcp.state === "opened") this.#lcp.close("MPPE required but not available");
      },
      stateChanged: () => this.#publish(),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Control protocols

  #inputCp<O>(cp: ControlProtocol<O>, automaton: Automaton<O>, payload: Uint8Array, frame: Uint8Array): void {
    const decoded = decodeCp(cp, payload);
    if (!decoded.ok) return this.#drop(decoded.error, frame);
    const packet = decoded.value;
    if (cp.protocol === PPP_LCP && packet.kind === "conf-req") {
      // Proxy LCP AVPs carry the Configure-Request from its first option (RFC 2661 §4.4.5).
      const length = (payload[2] << 8) | payload[3];
      const options = payload.slice(4, length);
      this.lcpRecord.initialReceivedConfReq ??= options;
      this.lcpRecord.lastReceivedConfReq = options;
    }
    automaton.receive(packet, payload.subarray(0, (payload[2] << 8) | payload[3]));
  }

  #sendCp<O>(cp: ControlProtocol<O>, packet: CpPacket<O>): void {
    let payload = encodeCp(cp, packet);
    const limit = this.#lcpNeg.peerMru;
    if ((packet.kind === "code-rej" || packet.kind === "proto-rej") && payload.length > limit) {
      // RFC 1661 §5.6/5.7: the rejected information is truncated to fit the peer's MRU.
      payload = encodeCp(cp, {
        ...packet,
        rejected: packet.rejected.subarray(0, packet.rejected.length - (payload.length - limit)),
      });
    }
    if (cp.protocol === PPP_LCP && packet.kind === "conf-req") {
      this.lcpRecord.lastSentConfReq = payload.slice(4);
    }
    this.#send(encodePpp({ protocol: cp.protocol, payload }));
  }

  #lcpUp(): void {
    const neg = this.#lcpNeg;
    this.#keepalive.start();
    if (this.#config.role === "server") {
      if (neg.demand && neg.authByPeer !== neg.demand) {
        this.#trace.log("peer refused to authenticate: terminating link");
        this.#noteFailure("the peer refused to authenticate");
        this.#lcp.close("peer refused to authenticate");
        return;
      }
      if (neg.authByPeer) return this.#startServerAuth(neg.authByPeer);
      if (this.#config.handoff) return this.#handoff();
    } else if (neg.authToPeer) {
      this.#setPhase("authenticate");
      this.#auth = authClient(
        neg.authToPeer,
        this.#authHost(),
        this.#config.username ?? "",
        this.#config.password,
      );
      this.#auth.start();
      return;
    }
    this.#enterNetwork();
  }

  #startServerAuth(kind: AuthKind): void {
    const proxied = this.#proxyAuth;
    this.#proxyAuth = undefined;
    // A proxied response is judged at once: the LNS goes from establish straight to network.
    if (!proxied || proxied.type !== kind) this.#setPhase("authenticate");
    const handoff = this.#config.handoff ? (record: AuthRecord) => this.#handoff(record) : undefined;
    const users = this.#config.users ?? {};
    const server = authServer(kind, this.#authHost(), this.#config.name ?? this.#host.node, users, handoff);
    this.#auth = server;
    this.#authServer = server;
    startServer(server, kind, proxied, (m) => this.#trace.log(m));
  }

  #authHost(): AuthHost {
    return authHostFor(
      this.#host,
      this.#timers,
      this.#trace,
      this.#send,
      (outcome) => this.#authDone(outcome),
    );
  }

  #authDone(outcome: AuthOutcome): void {
    if (!outcome.ok) {
      this.#noteFailure(outcome.reason);
      this.#lcp.close(outcome.terminate);
      return;
    }
    this.#user = outcome.user;
    this.#mppeMaster = outcome.mppeMaster;
    if (this.#phase === "authenticate" || this.#phase === "establish") this.#enterNetwork();
    else this.#publish();
  }

  #enterNetwork(): void {
    this.#setPhase("network");
    this.#mppe?.start(this.#mppeMaster);
    this.#ipcp.open();
    this.#ipcp.up();
  }

  #lcpDown(): void {
    this.#keepalive.stop();
    this.#auth?.stop();
    this.#auth = undefined;
    this.#ipcp.down(`${LCP.name} went down`);
    this.#mppe?.stop(`${LCP.name} went down`);
    // Going down with the tunnel is not a renegotiation: the phase goes straight to dead.
    if (!TERMINATING.has(this.#lcp.state) && this.#phase !== "dead" && !this.#lowerGone) {
      this.#setPhase("establish");
    }
  }

  #ipcpUp(): void {
    const neg = this.#ipcpNeg;
    if (neg.localAddress === 0 || (this.#config.role === "server" && neg.peerAddress === 0)) {
      const which = neg.localAddress === 0 ? "local" : "remote";
      this.#trace.log(`Could not determine ${which} IP address`);
      this.#ipcp.close(`Could not determine ${which} IP address`);
      return;
    }
    // With MPPE required the link carries nothing until CCP is open too (opened() calls us again).
    if (this.#mppe && !this.#mppe.opened) return;
    const info: PppUpInfo = {
      localAddress: formatIp(neg.localAddress),
      peerAddress: formatIp(neg.peerAddress),
      dns: neg.dns.map(formatIp),
      mru: Math.min(this.#config.mtu ?? this.#lcpNeg.localMru, this.#lcpNeg.peerMru),
      ...(this.#user !== undefined ? { user: this.#user } : {}),
    };
    this.#setPhase("open");
    this.#trace.log(`local IP address ${info.localAddress}`);
    this.#trace.log(`remote IP address ${info.peerAddress}`);
    if (this.#config.role === "client") {
      if (info.dns[0]) this.#trace.log(`primary DNS address ${info.dns[0]}`);
      if (info.dns[1]) this.#trace.log(`secondary DNS address ${info.dns[1]}`);
    }
    this.onUp?.(info);
  }

  #allocate(): string | undefined {
    return allocatePeerAddress(
      this.#config.allocateAddress,
      this.#user ?? "",
      (m) => this.#trace.log(m),
      (reason) => this.#noteFailure(reason),
    );
  }

  #protocolRejected(protocol: number): boolean {
    const name = PPP_PROTOCOL_NAMES[protocol] ?? "unknown";
    this.#trace.log(`Protocol-Reject for '${name}' (${hexNum(protocol, 4)}) received`);
    if (protocol === PPP_LCP) return true;
    if (protocol === PPP_IPCP) this.#ipcp.rejectedByPeer("IPCP: peer rejected the protocol");
    if ((protocol === PPP_CHAP || protocol === PPP_PAP) && this.#auth) {
      this.#authDone({
        ok: false,
        reason: `the peer does not speak ${name} (Protocol-Reject)`,
        terminate: this.#config.role === "server"
          ? "Authentication failed"
          : "Failed to authenticate ourselves to peer",
      });
    }
    return false;
  }

  #unsupported(protocol: number, payload: Uint8Array, frame: Uint8Array): void {
    const name = PPP_PROTOCOL_NAMES[protocol];
    const label = name ? `'${name}' (${hexNum(protocol, 4)})` : hexNum(protocol, 4);
    if (this.#lcp.state !== "opened") {
      return this.#drop(`protocol ${label} before LCP is open: discarded`, frame);
    }
    this.#trace.log(`Unsupported protocol ${label} received`);
    this.#drop(`protocol ${label} is not supported: answered with LCP Protocol-Reject`, frame);
    this.#sendCp(LCP, { kind: "proto-rej", id: this.#lcp.nextId(), protocol, rejected: payload });
  }

  // ------------------------------------------------------------------------------------------
  // Proxy LCP (RFC 2661 §4.4.5) and the LAC handoff

  #openProxied(proxy: ProxyStart): void {
    this.#used = true;
    this.#setPhase("establish");
    this.lcpRecord.lastSentConfReq = proxy.lastSentConfReq.slice();
    this.lcpRecord.lastReceivedConfReq = proxy.lastReceivedConfReq.slice();
    if (proxy.initialReceivedConfReq) {
      this.lcpRecord.initialReceivedConfReq = proxy.initialReceivedConfReq.slice();
    }
    const judged = judgeProxyLcp(this.#lcpNeg, proxy);
    if (!judged.ok) {
      this.#trace.log(`proxy LCP not acceptable (${judged.problem}): renegotiating LCP`);
      this.#lcp.open();
      this.#lcp.up();
      return;
    }
    this.#trace.log("accepted proxy LCP from the LAC");
    this.#proxyAuth = proxy.auth;
    this.#lcp.forceOpened(judged.ours, judged.theirs);
  }

  #handoff(record?: AuthRecord): void {
    this.#handedOff = true;
    this.#lcp.stop();
    this.#keepalive.stop();
    this.#auth?.stop();
    this.#trace.log(
      record
        ? `handing the call of ${record.name} over to the LNS (proxy LCP and authentication)`
        : "handing the call over to the LNS (proxy LCP)",
    );
    this.#publish();
    this.onHandoff?.({ lcpRecord: this.lcpRecord, ...(record ? { authRecord: record } : {}) });
  }

  // ------------------------------------------------------------------------------------------
  // Ending

  #noteFailure(reason: string): void {
    this.#failure ??= reason;
  }

  #finish(reason: string): void {
    if (this.#phase === "dead") return;
    this.#lcp.stop();
    this.#ipcp.stop();
    this.#mppe?.stop("the link ended");
    this.#keepalive.stop();
    this.#auth?.stop();
    const assigned = this.#ipcpNeg.assigned;
    if (assigned !== undefined) {
      this.#ipcpNeg.assigned = undefined;
      this.#config.releaseAddress?.(formatIp(assigned));
    }
    const why = this.#failure ?? reason;
    this.#setPhase("dead");
    this.#trace.log(`Connection terminated: ${why}`);
    this.onDown?.(why);
  }

  // ------------------------------------------------------------------------------------------
  // Trace

  #setPhase(phase: PppPhase): void {
    if (this.#phase === phase) return;
    this.#phase = phase;
    this.#publish();
    this.onPhase?.(phase);
  }

  #publish(): void {
    if (!this.#lcp || !this.#ipcp) return;
    const { localAddress: local, peerAddress: peer } = this.#ipcpNeg;
    const [lcp, ipcp, ccp] = [this.#lcp.state, this.#ipcp.state, this.#mppe?.state];
    const [phase, user, handedOff] = [this.#phase, this.#user, this.#handedOff];
    this.#trace.publish({ phase, lcp, ipcp, ccp, user, local, peer, handedOff });
  }

  #drop(reason: string, frame: Uint8Array): void {
    this.#trace.drop(reason, summarizePpp(frame));
  }

  #dropCp<O>(cp: ControlProtocol<O>, reason: string, packet: CpPacket<O>): void {
    this.#trace.drop(reason, summarizeCp(cp, encodeCp(cp, packet)));
  }
}
