import type { Prng } from "../../engine/prng.ts";
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import type { Tracer } from "../../trace/tracer.ts";
import { formatIp } from "../../wire/addr.ts";
import {
  type ControlProtocol,
  type CpPacket,
  decodeCp,
  decodeLcpOptions,
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
import {
  type AuthHost,
  type AuthOutcome,
  type AuthParty,
  type AuthRecord,
  type AuthServer,
  ChapClient,
  ChapServer,
  PapClient,
  PapServer,
} from "./auth.ts";
import { Automaton, DEFAULT_TIMERS, type FsmHooks, type FsmState, type FsmTimers } from "./automaton.ts";
import { IpcpNegotiation } from "./ipcp.ts";
import { type AuthKind, DEFAULT_MRU, LcpNegotiation } from "./lcp.ts";

/** What a PPP session gets from its owner (an L2TP session, a host's ppp0). */
export interface PppHost {
  sched: Scheduler;
  rng: Prng;
  trace: Tracer;
  node: string;
  /** Names the session in logs and the `ppp` table: "ppp0", "session 3". */
  label: string;
}

/** How one end of the link behaves. */
export interface PppConfig {
  role: "client" | "server";
  /** Default 1500; the client usually asks 1400 over L2TP/IPsec. */
  mru?: number;
  /** Server: what it demands (default "chap"); client: what it accepts (default: CHAP-MD5 or PAP). */
  auth?: "chap" | "pap" | "none";
  username?: string;
  password?: string;
  /** Server: name -> secret/password. */
  users?: Record<string, string>;
  /** Server's own IPCP address (e.g. 10.8.0.1). */
  localAddress?: string;
  /** Server: an address from the LNS pool; undefined = exhausted. */
  allocateAddress?: (user: string) => string | undefined;
  releaseAddress?: (address: string) => void;
  /** Server: primary/secondary DNS offered (RFC 1877). */
  dns?: string[];
  /** LCP Echo-Request period (pppd lcp-echo-interval); 0 or absent = no keepalive. */
  echoInterval?: Micros;
  /** Unanswered echoes before the link is declared dead (pppd lcp-echo-failure); 0 = never. */
  echoFailures?: number;
  restartTimer?: Micros;
  maxConfigure?: number;
  maxTerminate?: number;
  maxFailure?: number;
  /** Name in our CHAP Challenges (server); default: the node name. */
  name?: string;
  /** Magic-Number collisions before declaring the link looped back (pppd default 10). */
  maxLoopback?: number;
  /**
   * LAC side of compulsory tunnelling (RFC 2661 §4.4.5): run LCP and collect the peer's
   * authentication response without verifying it, then call `onHandoff` and go quiet.
   */
  handoff?: boolean;
}

/** RFC 1661 §3.2 phases ("open" = IPCP is up and IPv4 flows). */
export type PppPhase = "dead" | "establish" | "authenticate" | "network" | "open" | "terminate";

/** What `onUp` reports once IPCP is open. */
export interface PppUpInfo {
  localAddress: string;
  peerAddress: string;
  dns: string[];
  user?: string;
  /** The smaller of the two MRUs: what the ppp0 interface should use as its MTU. */
  mru: number;
}

/** LCP Configure-Request option lists as the proxy LCP AVPs 26–28 carry them (options only). */
export interface LcpRecord {
  initialReceivedConfReq?: Uint8Array;
  lastSentConfReq?: Uint8Array;
  lastReceivedConfReq?: Uint8Array;
}

/** What an LNS receives from a LAC to take a call over (proxy LCP and proxy authentication). */
export interface ProxyStart {
  lastSentConfReq: Uint8Array;
  lastReceivedConfReq: Uint8Array;
  initialReceivedConfReq?: Uint8Array;
  auth?: AuthRecord;
}

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
  #echoTimer?: Timer;
  #echoPending = 0;
  #echoId = 0;
  #published = "";

  constructor(host: PppHost, config: PppConfig, send: (frame: Uint8Array) => void) {
    this.#host = host;
    this.#config = config;
    this.#send = send;
    this.#timers = {
      restartTimer: config.restartTimer ?? DEFAULT_TIMERS.restartTimer,
      maxConfigure: config.maxConfigure ?? DEFAULT_TIMERS.maxConfigure,
      maxTerminate: config.maxTerminate ?? DEFAULT_TIMERS.maxTerminate,
      maxFailure: config.maxFailure ?? DEFAULT_TIMERS.maxFailure,
    };
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
        if (!this.#auth || this.#auth.kind !== (protocol === PPP_CHAP ? "chap" : "pap")) {
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
      case PPP_IP:
        if (this.#ipcp.state !== "opened") {
          return this.#drop("IPCP is not open: IPv4 datagram discarded", frame);
        }
        this.onIp?.(payload);
        return;
      default:
        return this.#unsupported(protocol, payload, frame);
    }
  }

  /** Administrative close: LCP Terminate-Request, then down. */
  close(reason: string): void {
    if (this.#phase === "dead" || this.#handedOff) return;
    this.#log(`Terminating connection: ${reason}`);
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
      (m) => this.#log(m),
    );
    this.#lcp = new Automaton(LCP, this.#lcpNeg, this.#lcpHooks(), this.#host.sched, this.#timers);
    this.#ipcpNeg = new IpcpNegotiation({
      role: config.role,
      localAddress: config.localAddress,
      dns: config.dns,
      allocate: () => this.#allocate(),
      log: (m) => this.#log(m),
      failure: (reason) => this.#noteFailure(reason),
    });
    this.#ipcp = new Automaton(IPCP, this.#ipcpNeg, this.#ipcpHooks(), this.#host.sched, this.#timers);
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
      rxr: (packet) => this.#echo(packet),
      protocolRejected: (protocol) => this.#protocolRejected(protocol),
      codeRejected: (code) => {
        if (code === 9) this.#stopEcho(); // the peer does not do Echo: keepalive is impossible
      },
      discard: (reason, packet) => this.#dropCp(LCP, reason, packet),
      log: (message) => this.#log(message),
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
          this.#log("No network protocols running");
          this.#lcp.close("No network protocols running");
        }
      },
      stateChanged: () => this.#publish(),
      discard: (reason, packet) => this.#dropCp(IPCP, reason, packet),
      log: (message) => this.#log(message),
    };
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
    this.#startEcho();
    if (this.#config.role === "server") {
      if (neg.demand && neg.authByPeer !== neg.demand) {
        this.#log("peer refused to authenticate: terminating link");
        this.#noteFailure("the peer refused to authenticate");
        this.#lcp.close("peer refused to authenticate");
        return;
      }
      if (neg.authByPeer) return this.#startServerAuth(neg.authByPeer);
      if (this.#config.handoff) return this.#handoff();
    } else if (neg.authToPeer) {
      this.#setPhase("authenticate");
      const host = this.#authHost();
      const { username = "", password } = this.#config;
      this.#auth = neg.authToPeer === "chap"
        ? new ChapClient(host, username, password)
        : new PapClient(host, username, password);
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
    const host = this.#authHost();
    const users = this.#config.users ?? {};
    const handoff = this.#config.handoff ? (record: AuthRecord) => this.#handoff(record) : undefined;
    const server = kind === "chap"
      ? new ChapServer(host, this.#config.name ?? this.#host.node, users, handoff)
      : new PapServer(host, users, handoff);
    this.#auth = server;
    this.#authServer = server;
    if (proxied && proxied.type === kind) {
      this.#log(
        `checking proxy ${kind === "chap" ? "CHAP" : "PAP"} authentication of ${proxied.name} from the LAC`,
      );
      server.adoptProxy(proxied);
      return;
    }
    if (proxied) {
      this.#log(
        `proxy authentication used ${proxied.type.toUpperCase()}, not ${kind.toUpperCase()}: authenticating again`,
      );
    }
    server.start();
  }

  #authHost(): AuthHost {
    return {
      sched: this.#host.sched,
      rng: this.#host.rng,
      restartTimer: this.#timers.restartTimer,
      maxTransmits: this.#timers.maxConfigure,
      send: (protocol, payload) => this.#send(encodePpp({ protocol, payload })),
      log: (message) => this.#log(message),
      discard: (reason, protocol) =>
        this.#dropText(reason, PPP_PROTOCOL_NAMES[protocol] ?? hexNum(protocol, 4)),
      done: (outcome) => this.#authDone(outcome),
    };
  }

  #authDone(outcome: AuthOutcome): void {
    if (!outcome.ok) {
      this.#noteFailure(outcome.reason);
      this.#lcp.close(outcome.terminate);
      return;
    }
    this.#user = outcome.user;
    if (this.#phase === "authenticate" || this.#phase === "establish") this.#enterNetwork();
    else this.#publish();
  }

  #enterNetwork(): void {
    this.#setPhase("network");
    this.#ipcp.open();
    this.#ipcp.up();
  }

  #lcpDown(): void {
    this.#stopEcho();
    this.#auth?.stop();
    this.#auth = undefined;
    this.#ipcp.down(`${LCP.name} went down`);
    // Going down with the tunnel is not a renegotiation: the phase goes straight to dead.
    if (!TERMINATING.has(this.#lcp.state) && this.#phase !== "dead" && !this.#lowerGone) {
      this.#setPhase("establish");
    }
  }

  #ipcpUp(): void {
    const neg = this.#ipcpNeg;
    if (neg.localAddress === 0 || (this.#config.role === "server" && neg.peerAddress === 0)) {
      const which = neg.localAddress === 0 ? "local" : "remote";
      this.#log(`Could not determine ${which} IP address`);
      this.#ipcp.close(`Could not determine ${which} IP address`);
      return;
    }
    const info: PppUpInfo = {
      localAddress: formatIp(neg.localAddress),
      peerAddress: formatIp(neg.peerAddress),
      dns: neg.dns.map(formatIp),
      mru: Math.min(this.#lcpNeg.localMru, this.#lcpNeg.peerMru),
      ...(this.#user !== undefined ? { user: this.#user } : {}),
    };
    this.#setPhase("open");
    this.#log(`local IP address ${info.localAddress}`);
    this.#log(`remote IP address ${info.peerAddress}`);
    if (this.#config.role === "client") {
      if (info.dns[0]) this.#log(`primary DNS address ${info.dns[0]}`);
      if (info.dns[1]) this.#log(`secondary DNS address ${info.dns[1]}`);
    }
    this.onUp?.(info);
  }

  #allocate(): string | undefined {
    const user = this.#user ?? "";
    if (!this.#config.allocateAddress) {
      this.#log(`no address to give ${user || "the peer"}: no address pool is configured`);
      this.#noteFailure(`no address to assign to ${user || "the peer"}: no address pool is configured`);
      return undefined;
    }
    const address = this.#config.allocateAddress(user);
    if (address === undefined) {
      this.#log(`no IP address available for ${user || "the peer"}: address pool exhausted`);
      this.#noteFailure(`address pool exhausted: no IP address for ${user || "the peer"}`);
    }
    return address;
  }

  #protocolRejected(protocol: number): boolean {
    const name = PPP_PROTOCOL_NAMES[protocol] ?? "unknown";
    this.#log(`Protocol-Reject for '${name}' (${hexNum(protocol, 4)}) received`);
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
    this.#log(`Unsupported protocol ${label} received`);
    this.#drop(`protocol ${label} is not supported: answered with LCP Protocol-Reject`, frame);
    this.#sendCp(LCP, { kind: "proto-rej", id: this.#lcp.nextId(), protocol, rejected: payload });
  }

  // ------------------------------------------------------------------------------------------
  // LCP echo keepalive (pppd's lcp-echo-interval / lcp-echo-failure)

  #echo(packet: CpPacket<LcpOption>): void {
    if (packet.kind === "echo-req") {
      this.#sendCp(LCP, { kind: "echo-reply", id: packet.id, magic: this.#lcpNeg.magic, data: packet.data });
    } else if (packet.kind === "echo-reply") {
      if (this.#lcpNeg.magic !== 0 && packet.magic === this.#lcpNeg.magic) {
        this.#log("appear to have received our own echo-reply!");
        return;
      }
      this.#echoPending = 0;
    }
  }

  #startEcho(): void {
    this.#stopEcho();
    const interval = this.#config.echoInterval ?? 0;
    if (interval <= 0 || this.#config.handoff) return;
    this.#echoPending = 0;
    this.#echoTimer = this.#host.sched.after(interval, () => this.#echoTick(interval));
  }

  #echoTick(interval: Micros): void {
    this.#echoTimer = undefined;
    const failures = this.#config.echoFailures ?? 0;
    if (failures > 0 && this.#echoPending >= failures) {
      this.#log(`No response to ${this.#echoPending} echo-requests`);
      this.#log("Serial link appears to be disconnected.");
      this.#noteFailure(`peer not responding: no reply to ${this.#echoPending} LCP Echo-Requests`);
      this.#lcp.close("Peer not responding");
      return;
    }
    this.#echoId = (this.#echoId + 1) & 0xff;
    this.#sendCp(LCP, {
      kind: "echo-req",
      id: this.#echoId,
      magic: this.#lcpNeg.magic,
      data: new Uint8Array(0),
    });
    this.#echoPending++;
    this.#echoTimer = this.#host.sched.after(interval, () => this.#echoTick(interval));
  }

  #stopEcho(): void {
    this.#echoTimer?.cancel();
    this.#echoTimer = undefined;
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
    const ours = decodeLcpOptions(proxy.lastSentConfReq);
    const theirs = decodeLcpOptions(proxy.lastReceivedConfReq);
    let problem: string | undefined;
    if (!ours.ok) problem = `Last Sent LCP CONFREQ: ${ours.error}`;
    else if (!theirs.ok) problem = `Last Received LCP CONFREQ: ${theirs.error}`;
    else problem = this.#lcpNeg.adoptProxy(ours.value);
    if (!problem && ours.ok && theirs.ok) {
      this.#lcpNeg.acked(ours.value);
      const judged = this.#lcpNeg.judge(theirs.value);
      const refused = judged.options.find((v) => v.verdict !== "ack");
      if (refused) problem = `the peer's option ${LCP.summarizeOption(refused.option)} is not acceptable`;
      else if (judged.fatal) problem = judged.fatal;
    }
    if (problem || !ours.ok || !theirs.ok) {
      this.#log(`proxy LCP not acceptable (${problem}): renegotiating LCP`);
      this.#lcp.open();
      this.#lcp.up();
      return;
    }
    this.#log("accepted proxy LCP from the LAC");
    this.#proxyAuth = proxy.auth;
    this.#lcp.forceOpened(ours.value, theirs.value);
  }

  #handoff(record?: AuthRecord): void {
    this.#handedOff = true;
    this.#lcp.stop();
    this.#stopEcho();
    this.#auth?.stop();
    this.#log(
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
    this.#stopEcho();
    this.#auth?.stop();
    const assigned = this.#ipcpNeg.assigned;
    if (assigned !== undefined) {
      this.#ipcpNeg.assigned = undefined;
      this.#config.releaseAddress?.(formatIp(assigned));
    }
    const why = this.#failure ?? reason;
    this.#setPhase("dead");
    this.#log(`Connection terminated: ${why}`);
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
    const neg = this.#ipcpNeg;
    const value: Record<string, unknown> = {
      phase: this.#phase,
      lcp: this.#lcp.state,
      ipcp: this.#ipcp.state,
    };
    if (this.#user !== undefined) value.user = this.#user;
    if (neg.localAddress !== 0) value.local = formatIp(neg.localAddress);
    if (neg.peerAddress !== 0) value.peer = formatIp(neg.peerAddress);
    if (this.#handedOff) value.handedOff = true;
    const text = JSON.stringify(value);
    if (text === this.#published) return;
    this.#published = text;
    this.#host.trace.emit({
      kind: "state",
      node: this.#host.node,
      proto: "PPP",
      table: "ppp",
      key: this.#host.label,
      value,
      summary: `ppp ${this.#host.label} ${this.#phase} (LCP ${this.#lcp.state}, IPCP ${this.#ipcp.state})`,
    });
  }

  #log(message: string): void {
    this.#host.trace.emit({
      kind: "app",
      node: this.#host.node,
      proto: "PPP",
      summary: message,
      detail: { session: this.#host.label },
    });
  }

  #drop(reason: string, frame: Uint8Array): void {
    this.#dropText(reason, summarizePpp(frame));
  }

  #dropCp<O>(cp: ControlProtocol<O>, reason: string, packet: CpPacket<O>): void {
    this.#dropText(reason, summarizeCp(cp, encodeCp(cp, packet)));
  }

  #dropText(reason: string, summary: string): void {
    this.#host.trace.emit({
      kind: "drop",
      node: this.#host.node,
      proto: "PPP",
      summary,
      reason: `${this.#host.label}: ${reason}`,
      detail: { session: this.#host.label },
    });
  }
}
