import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import { type Micros, SECOND } from "../../engine/time.ts";
import { type ControlProtocol, CP_CODE_NAMES, type CpPacket, encodeOptions } from "../../wire/lcp.ts";
import { bytesText, textBytes } from "../../wire/octets.ts";

/**
 * The RFC 1661 §4 option-negotiation automaton, shared by LCP and IPCP. It knows packets, states,
 * the restart timer and counters; what an option means is left to an `OptionStrategy`, and what
 * This-Layer-Up/Down/Started/Finished mean is left to `FsmHooks`.
 */

/** The ten states, in RFC order (index = the RFC's state number). */
export const FSM_STATES = [
  "initial",
  "starting",
  "closed",
  "stopped",
  "closing",
  "stopping",
  "req-sent",
  "ack-rcvd",
  "ack-sent",
  "opened",
] as const;

/** One of RFC 1661's states (Initial … Opened). */
export type FsmState = typeof FSM_STATES[number];

/** RFC 1661 §4.1 events. */
export type FsmEvent =
  | "up"
  | "down"
  | "open"
  | "close"
  | "to+"
  | "to-"
  | "rcr+"
  | "rcr-"
  | "rca"
  | "rcn"
  | "rtr"
  | "rta"
  | "ruc"
  | "rxj+"
  | "rxj-"
  | "rxr";

/** RFC 1661 §4.1 actions. */
export type FsmAction =
  | "tlu"
  | "tld"
  | "tls"
  | "tlf"
  | "irc"
  | "zrc"
  | "scr"
  | "sca"
  | "scn"
  | "str"
  | "sta"
  | "scj"
  | "ser";

/** One cell of the transition table: the actions, then the next state. */
export interface Transition {
  actions: FsmAction[];
  next: FsmState;
}

// The table as printed in RFC 1661 §4.1, columns 0..9 = Initial..Opened. Footnote letters (p, r, x)
// are dropped: we implement neither the Passive nor the Restart option, and the crossed-connection
// note only explains why scr appears. "-" is an event that cannot happen in that state.
const TABLE_TEXT: Record<FsmEvent, string> = {
  "up": "2 irc,scr/6 - - - - - - - -",
  "down": "- - 0 tls/1 0 1 1 1 1 tld/1",
  "open": "tls/1 1 irc,scr/6 3r 5r 5r 6 7 8 9r",
  "close": "0 tlf/0 2 2 4 4 irc,str/4 irc,str/4 irc,str/4 tld,irc,str/4",
  "to+": "- - - - str/4 str/5 scr/6 scr/6 scr/8 -",
  "to-": "- - - - tlf/2 tlf/3 tlf/3p tlf/3p tlf/3p -",
  "rcr+": "- - sta/2 irc,scr,sca/8 4 5 sca/8 sca,tlu/9 sca/8 tld,scr,sca/8",
  "rcr-": "- - sta/2 irc,scr,scn/6 4 5 scn/6 scn/7 scn/6 tld,scr,scn/6",
  "rca": "- - sta/2 sta/3 4 5 irc/7 scr/6x irc,tlu/9 tld,scr/6x",
  "rcn": "- - sta/2 sta/3 4 5 irc,scr/6 scr/6x irc,scr/8 tld,scr/6x",
  "rtr": "- - sta/2 sta/3 sta/4 sta/5 sta/6 sta/6 sta/6 tld,zrc,sta/5",
  "rta": "- - 2 3 tlf/2 tlf/3 6 6 8 tld,scr/6",
  "ruc": "- - scj/2 scj/3 scj/4 scj/5 scj/6 scj/7 scj/8 scj/9",
  "rxj+": "- - 2 3 4 5 6 6 8 9",
  "rxj-": "- - tlf/2 tlf/3 tlf/2 tlf/3 tlf/3 tlf/3 tlf/3 tld,irc,str/5",
  "rxr": "- - 2 3 4 5 6 7 8 ser/9",
};

function parseCell(cell: string): Transition | undefined {
  if (cell === "-") return undefined;
  const slash = cell.lastIndexOf("/");
  const actions = slash < 0 ? [] : cell.slice(0, slash).split(",") as FsmAction[];
  const state = Number(cell.slice(slash + 1).replace(/[a-z]+$/, ""));
  return { actions, next: FSM_STATES[state] };
}

/** The transition table: `TRANSITIONS[event][stateIndex]`, undefined where RFC 1661 prints "-". */
export const TRANSITIONS: Readonly<Record<FsmEvent, ReadonlyArray<Transition | undefined>>> = Object
  .fromEntries(
    Object.entries(TABLE_TEXT).map(([event, row]) => [event, row.split(" ").map(parseCell)]),
  ) as Record<FsmEvent, (Transition | undefined)[]>;

/** States in which the restart timer runs (RFC 1661 §4.6). */
const TIMER_STATES: ReadonlySet<FsmState> = new Set([
  "closing",
  "stopping",
  "req-sent",
  "ack-rcvd",
  "ack-sent",
]);
/** States in which a Configure-Request of ours is outstanding: a TO+ there is a retransmission. */
const NEGOTIATING: ReadonlySet<FsmState> = new Set(["req-sent", "ack-rcvd", "ack-sent"]);

/** Restart timer and counters (RFC 1661 §4.6), all configurable. */
export interface FsmTimers {
  restartTimer: Micros;
  maxConfigure: number;
  maxTerminate: number;
  maxFailure: number;
}

/** RFC 1661 §4.6 defaults: 3 s, 10, 2, 5 (pppd uses the same). */
export const DEFAULT_TIMERS: Readonly<FsmTimers> = {
  restartTimer: 3 * SECOND,
  maxConfigure: 10,
  maxTerminate: 2,
  maxFailure: 5,
};

/** How one option of the peer's Configure-Request is judged. */
export type OptionVerdict<O> =
  | { option: O; verdict: "ack" }
  /** `suggest` is the value we would accept, sent in the Configure-Nak. */
  | { option: O; verdict: "nak"; suggest: O }
  | { option: O; verdict: "rej" };

/** The strategy's judgement of a whole Configure-Request. */
export interface Judgement<O> {
  options: OptionVerdict<O>[];
  /** Options the peer left out but should add (RFC 1661 §5.3: a Nak may list them). */
  wanted?: O[];
  /** Negotiation cannot succeed: close the layer with this reason instead of answering. */
  fatal?: string;
}

/**
 * What the automaton needs to know about a protocol's options: what we ask for, what we accept,
 * and how a Nak or Reject changes our next request. Returning a string from `nak`/`rejected`
 * means "this cannot converge": the automaton then closes with that reason.
 */
export interface OptionStrategy<O> {
  /** A new negotiation starts: forget what earlier Naks and Rejects taught us. */
  reset(): void;
  /** The options of our next Configure-Request. */
  request(): O[];
  judge(options: O[]): Judgement<O>;
  /** We sent a Configure-Ack for these: they are now the peer's settings. */
  peerAcked(options: O[]): void;
  /** The peer acknowledged our request: these are now our settings. */
  acked(options: O[]): void;
  nak(options: O[]): string | undefined;
  rejected(options: O[]): string | undefined;
}

/** What the layer above and below the automaton does with its actions. */
export interface FsmHooks<O> {
  /** Puts a packet of this protocol on the link. */
  send(packet: CpPacket<O>): void;
  /** This-Layer-Up. */
  up(): void;
  /** This-Layer-Down. */
  down(): void;
  /** This-Layer-Started. */
  started(): void;
  /** This-Layer-Finished, with the reason the layer went away. */
  finished(reason: string): void;
  stateChanged?(from: FsmState, to: FsmState): void;
  /** RXR in the Opened state: Echo-Request (the `ser` action), Echo-Reply, Discard-Request. */
  rxr?(packet: CpPacket<O>): void;
  /** A Protocol-Reject arrived (LCP); true when it is catastrophic (RXJ−). */
  protocolRejected?(protocol: number): boolean;
  /** The peer Code-Rejected one of our codes (after the automaton took RXJ+ or RXJ−). */
  codeRejected?(code: number): void;
  /** A packet was discarded without an event; `reason` is for the trace. */
  discard(reason: string, packet: CpPacket<O>): void;
  /** Something worth a line in the log (pppd's wording). */
  log(message: string): void;
}

interface EventContext<O> {
  packet?: CpPacket<O>;
  raw?: Uint8Array;
  reply?: CpPacket<O>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One instance of the automaton for one control protocol. Events that arrive while an event is
 * being processed (a hook that closes the layer from inside This-Layer-Up, say) are queued and run
 * afterwards, so a transition always completes before the next one starts.
 */
export class Automaton<O> {
  readonly cp: ControlProtocol<O>;
  readonly timers: FsmTimers;
  #sched: Scheduler;
  #strategy: OptionStrategy<O>;
  #hooks: FsmHooks<O>;
  #state: FsmState = "initial";
  #restart = 0;
  #failures = 0;
  #timer?: Timer;
  #nextId = 1;
  #reqId = -1;
  #reqOptions: O[] = [];
  #reqBytes: Uint8Array = new Uint8Array(0);
  #seenReply = true;
  #reason = "";
  #queue: Array<() => void> = [];
  #busy = false;

  constructor(
    cp: ControlProtocol<O>,
    strategy: OptionStrategy<O>,
    hooks: FsmHooks<O>,
    sched: Scheduler,
    timers: Partial<FsmTimers> = {},
  ) {
    this.cp = cp;
    this.#strategy = strategy;
    this.#hooks = hooks;
    this.#sched = sched;
    this.timers = { ...DEFAULT_TIMERS, ...timers };
  }

  get state(): FsmState {
    return this.#state;
  }

  /** Options of the Configure-Request we sent last. */
  get lastRequest(): readonly O[] {
    return this.#reqOptions;
  }

  /** Lower layer is up. */
  up(): void {
    this.#run(() => this.#fire("up"));
  }

  /** Lower layer is down. */
  down(reason = "lower layer down"): void {
    this.#run(() => {
      this.#reason = reason;
      this.#fire("down");
    });
  }

  /** Administrative Open. */
  open(): void {
    this.#run(() => {
      this.#reason = "";
      this.#fire("open");
    });
  }

  /** Administrative Close; `reason` travels in the Terminate-Request and reaches This-Layer-Finished. */
  close(reason: string): void {
    this.#run(() => {
      this.#reason = reason;
      this.#fire("close");
    });
  }

  /** Cancels the restart timer; the automaton stays in its state (used when the session is torn down). */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /**
   * Enters Opened without negotiating, with options someone else negotiated (an L2TP LNS taking
   * over a LAC's LCP through proxy LCP AVPs, RFC 2661 §4.4.5), then runs This-Layer-Up.
   */
  forceOpened(ours: O[], theirs: O[]): void {
    this.#run(() => {
      this.#reqOptions = ours;
      this.#reqBytes = encodeOptions(this.cp, ours);
      this.#strategy.acked(ours);
      this.#strategy.peerAcked(theirs);
      this.stop();
      this.#setState("opened");
      this.#hooks.up();
    });
  }

  /** A fresh Identifier, for packets the owner sends outside the automaton (LCP Protocol-Reject). */
  nextId(): number {
    return this.#newId();
  }

  /** The peer Protocol-Rejected this whole protocol: RXJ− (RFC 1661 §5.7). */
  rejectedByPeer(reason: string): void {
    this.#run(() => {
      this.#reason = reason;
      this.#fire("rxj-");
    });
  }

  /** A decoded packet of this protocol; `raw` is its bytes (Code onwards) for Code-Reject. */
  receive(packet: CpPacket<O>, raw: Uint8Array): void {
    this.#run(() => this.#receive(packet, raw));
  }

  #run(step: () => void): void {
    this.#queue.push(step);
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0) this.#queue.shift()!();
    } finally {
      this.#busy = false;
    }
  }

  #receive(packet: CpPacket<O>, raw: Uint8Array): void {
    const name = this.cp.name;
    const from = this.#state;
    switch (packet.kind) {
      case "conf-req": {
        const judgement = this.#strategy.judge(packet.options);
        if (judgement.fatal) {
          this.#reason = judgement.fatal;
          this.#fire("close");
          return;
        }
        const reply = this.#reply(packet.id, packet.options, judgement);
        this.#fire(reply.kind === "conf-ack" ? "rcr+" : "rcr-", { packet, raw, reply });
        return;
      }
      case "conf-ack": {
        if (!this.#matchesRequest(packet)) return;
        if (!sameBytes(encodeOptions(this.cp, packet.options), this.#reqBytes)) {
          this.#hooks.discard(
            `${name} Configure-Ack id ${packet.id} does not repeat our request's options (RFC 1661 §5.2): discarded`,
            packet,
          );
          return;
        }
        this.#seenReply = true;
        this.#strategy.acked(packet.options);
        this.#fire("rca", { packet });
        return;
      }
      case "conf-nak":
      case "conf-rej": {
        if (!this.#matchesRequest(packet)) return;
        this.#seenReply = true;
        const fatal = packet.kind === "conf-nak"
          ? this.#strategy.nak(packet.options)
          : this.#strategy.rejected(packet.options);
        if (fatal) {
          this.#reason = fatal;
          this.#fire("close");
          return;
        }
        this.#fire("rcn", { packet });
        return;
      }
      case "term-req": {
        if (from === "opened" || NEGOTIATING.has(from)) {
          const said = bytesText(packet.data).trim();
          this.#reason = `${name} terminated by peer${said ? ` (${said})` : ""}`;
          if (from === "opened") this.#hooks.log(this.#reason);
        }
        this.#fire("rtr", { packet });
        return;
      }
      case "term-ack":
        this.#fire("rta", { packet });
        return;
      case "code-rej": {
        const code = packet.rejected.length > 0 ? packet.rejected[0] : 0;
        const catastrophic = code >= 1 && code <= 7;
        this.#hooks.log(`${name}: peer rejected code ${code} (${CP_CODE_NAMES[code] ?? "unknown"})`);
        if (catastrophic) this.#reason = `${name}: peer rejected ${CP_CODE_NAMES[code]}`;
        this.#fire(catastrophic ? "rxj-" : "rxj+", { packet });
        this.#hooks.codeRejected?.(code);
        return;
      }
      case "proto-rej": {
        const catastrophic = this.#hooks.protocolRejected?.(packet.protocol) ?? false;
        if (catastrophic) this.#reason = `${name}: peer rejected protocol ${packet.protocol.toString(16)}`;
        this.#fire(catastrophic ? "rxj-" : "rxj+", { packet });
        return;
      }
      case "echo-req":
      case "echo-reply":
      case "discard-req":
        this.#fire("rxr", { packet });
        return;
      case "unknown":
        this.#fire("ruc", { packet, raw });
        return;
    }
  }

  /** RFC 1661 §5.2–5.4: a reply must carry the Identifier of our latest request, once. */
  #matchesRequest(packet: CpPacket<O>): boolean {
    if (packet.id === this.#reqId && !this.#seenReply) return true;
    const what = packet.kind === "conf-ack"
      ? "Configure-Ack"
      : packet.kind === "conf-nak"
      ? "Configure-Nak"
      : "Configure-Reject";
    this.#hooks.discard(
      packet.id === this.#reqId
        ? `${this.cp.name} duplicate ${what} id ${packet.id} (already answered): discarded`
        : `${this.cp.name} ${what} id ${packet.id} does not answer our latest Configure-Request (id ${this.#reqId}): discarded`,
      packet,
    );
    return false;
  }

  /** Builds the Ack, Nak or Reject; past Max-Failure Naks, options we would Nak are Rejected. */
  #reply(id: number, options: O[], judgement: Judgement<O>): CpPacket<O> {
    const rej = judgement.options.filter((v) => v.verdict === "rej").map((v) => v.option);
    if (rej.length > 0) return { kind: "conf-rej", id, options: rej };
    const naks = judgement.options.flatMap((v) => (v.verdict === "nak" ? [v] : []));
    const wanted = judgement.wanted ?? [];
    if (naks.length === 0 && wanted.length === 0) return { kind: "conf-ack", id, options };
    if (this.#failures >= this.timers.maxFailure) {
      // RFC 1661 §4.6 Max-Failure: stop Nak'ing (which may loop forever) and Reject instead.
      if (naks.length === 0) return { kind: "conf-ack", id, options };
      return { kind: "conf-rej", id, options: naks.map((v) => v.option) };
    }
    return { kind: "conf-nak", id, options: [...naks.map((v) => v.suggest), ...wanted] };
  }

  #setState(to: FsmState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#hooks.stateChanged?.(from, to);
  }

  #fire(event: FsmEvent, ctx: EventContext<O> = {}): void {
    const from = this.#state;
    const transition = TRANSITIONS[event][FSM_STATES.indexOf(from)];
    if (!transition) {
      if (ctx.packet) {
        this.#hooks.discard(
          `${this.cp.name} is in state ${from}: ${event.toUpperCase()} is not expected`,
          ctx.packet,
        );
      }
      return;
    }
    if (event === "to-" && NEGOTIATING.has(from)) {
      this.#reason = `${this.cp.name}: timeout sending Config-Requests`;
      this.#hooks.log(this.#reason);
    }
    this.#setState(transition.next);
    const terminating = transition.actions.includes("str");
    for (const action of transition.actions) this.#act(action, ctx, from, event === "to+", terminating);
    if (!TIMER_STATES.has(this.#state)) this.stop();
  }

  #act(
    action: FsmAction,
    ctx: EventContext<O>,
    from: FsmState,
    timedOut: boolean,
    terminating: boolean,
  ): void {
    switch (action) {
      case "tlu":
        this.#hooks.up();
        return;
      case "tld":
        this.#hooks.down();
        return;
      case "tls":
        this.#hooks.started();
        return;
      case "tlf":
        this.#hooks.finished(this.#reason || `${this.cp.name} finished`);
        return;
      case "irc":
        this.#restart = terminating ? this.timers.maxTerminate : this.timers.maxConfigure;
        return;
      case "zrc":
        this.#restart = 0;
        this.#startTimer();
        return;
      case "scr":
        this.#sendConfigureRequest(from, timedOut);
        return;
      case "sca":
        if (ctx.reply) {
          this.#failures = 0;
          this.#strategy.peerAcked(ctx.reply.kind === "conf-ack" ? ctx.reply.options : []);
          this.#hooks.send(ctx.reply);
        }
        return;
      case "scn":
        if (ctx.reply) {
          if (ctx.reply.kind === "conf-nak") this.#countNak(ctx.packet, ctx.raw);
          this.#hooks.send(ctx.reply);
        }
        return;
      case "str":
        this.#restart--;
        this.#hooks.send({ kind: "term-req", id: this.#newId(), data: textBytes(this.#reason) });
        this.#startTimer();
        return;
      case "sta":
        this.#hooks.send({ kind: "term-ack", id: ctx.packet?.id ?? this.#newId(), data: new Uint8Array(0) });
        return;
      case "scj":
        if (ctx.raw) this.#hooks.send({ kind: "code-rej", id: this.#newId(), rejected: ctx.raw });
        return;
      case "ser":
        if (ctx.packet) this.#hooks.rxr?.(ctx.packet);
        return;
    }
  }

  // Max-Failure counts Naks "without sending a Configure-Ack" (RFC 1661 §4.6). pppd also counts a
  // Nak that answers a mere retransmission (same Identifier, same options, our earlier Nak lost);
  // we do not, so a lossy link is not mistaken for a negotiation that does not converge.
  #countNak(packet?: CpPacket<O>, raw?: Uint8Array): void {
    const key = raw ?? new Uint8Array(0);
    if (packet && this.#lastNaked && sameBytes(this.#lastNaked, key)) return;
    this.#lastNaked = key.slice();
    this.#failures++;
  }

  #lastNaked?: Uint8Array;

  #sendConfigureRequest(from: FsmState, timedOut: boolean): void {
    // A timeout is a retransmission: same Identifier, same options, so a late Ack of the earlier
    // copy still counts. Anything else is a new request with a new Identifier (RFC 1661 §5.1).
    if (!timedOut || this.#reqId < 0) {
      if (!NEGOTIATING.has(from)) {
        this.#strategy.reset();
        this.#failures = 0;
      }
      this.#reqId = this.#newId();
      this.#reqOptions = this.#strategy.request();
      this.#reqBytes = encodeOptions(this.cp, this.#reqOptions);
    }
    this.#seenReply = false;
    this.#restart--;
    this.#hooks.send({ kind: "conf-req", id: this.#reqId, options: this.#reqOptions });
    this.#startTimer();
  }

  #startTimer(): void {
    this.#timer?.cancel();
    this.#timer = this.#sched.after(this.timers.restartTimer, () => {
      this.#timer = undefined;
      this.#run(() => this.#fire(this.#restart > 0 ? "to+" : "to-"));
    });
  }

  #newId(): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) & 0xff;
    return id;
  }
}
