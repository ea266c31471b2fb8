import assert from "node:assert/strict";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { SECOND } from "../../../src/engine/time.ts";
import {
  Automaton,
  type FsmState,
  type Judgement,
  type OptionStrategy,
  TRANSITIONS,
} from "../../../src/stack/ppp/automaton.ts";
import { type CpPacket, decodeLcp, encodeLcp, LCP, type LcpOption } from "../../../src/wire/lcp.ts";
import { textBytes } from "../../../src/wire/octets.ts";

/**
 * A strategy with one rule: we ask MRU 1400; the peer's MRU must be at least 1000 (else Nak with
 * 1000); any other option is rejected.
 */
class MruStrategy implements OptionStrategy<LcpOption> {
  resets = 0;
  peer: LcpOption[] = [];
  reset(): void {
    this.resets++;
  }
  request(): LcpOption[] {
    return [{ type: "mru", mru: 1400 }];
  }
  judge(options: LcpOption[]): Judgement<LcpOption> {
    return {
      options: options.map((option) =>
        option.type !== "mru"
          ? { option, verdict: "rej" }
          : option.mru >= 1000
          ? { option, verdict: "ack" }
          : { option, verdict: "nak", suggest: { type: "mru", mru: 1000 } }
      ),
    };
  }
  peerAcked(options: LcpOption[]): void {
    this.peer = options;
  }
  acked(): void {}
  nak(): string | undefined {
    return undefined;
  }
  rejected(): string | undefined {
    return undefined;
  }
}

interface Rig {
  sched: Scheduler;
  fsm: Automaton<LcpOption>;
  strategy: MruStrategy;
  /** Packets sent, re-decoded from their bytes. */
  sent: CpPacket<LcpOption>[];
  /** Layer callbacks in order: "tlu", "tld", "tls", "tlf: reason". */
  calls: string[];
  logs: string[];
  discards: string[];
  /** Delivers a packet from the peer, as bytes through the codec. */
  peer(packet: CpPacket<LcpOption>): void;
  /** Drives the automaton to `state` through legal events (asserting each step). */
  reach(state: FsmState): void;
}

function rig(timers: { maxFailure?: number } = {}): Rig {
  const sched = new Scheduler();
  const strategy = new MruStrategy();
  const sent: CpPacket<LcpOption>[] = [];
  const calls: string[] = [];
  const logs: string[] = [];
  const discards: string[] = [];
  const fsm = new Automaton(
    LCP,
    strategy,
    {
      send: (packet) => {
        const decoded = decodeLcp(encodeLcp(packet));
        assert.ok(decoded.ok);
        sent.push(decoded.value);
      },
      up: () => calls.push("tlu"),
      down: () => calls.push("tld"),
      started: () => calls.push("tls"),
      finished: (reason) => calls.push(`tlf: ${reason}`),
      discard: (reason) => discards.push(reason),
      log: (message) => logs.push(message),
    },
    sched,
    timers,
  );
  const peer = (packet: CpPacket<LcpOption>) => {
    const bytes = encodeLcp(packet);
    const decoded = decodeLcp(bytes);
    assert.ok(decoded.ok);
    fsm.receive(decoded.value, bytes);
  };
  const lastReqId = () => [...sent].reverse().find((p) => p.kind === "conf-req")!.id;
  const reach = (state: FsmState) => {
    fsm.up();
    assert.equal(fsm.state, "closed");
    if (state === "closed") return;
    fsm.open();
    assert.equal(fsm.state, "req-sent");
    if (state === "req-sent") return;
    if (state === "ack-rcvd") {
      peer({ kind: "conf-ack", id: lastReqId(), options: [{ type: "mru", mru: 1400 }] });
    } else {
      peer({ kind: "conf-req", id: 50, options: [{ type: "mru", mru: 1500 }] });
      if (state === "opened") {
        peer({ kind: "conf-ack", id: lastReqId(), options: [{ type: "mru", mru: 1400 }] });
      }
    }
    assert.equal(fsm.state, state);
  };
  return { sched, fsm, strategy, sent, calls, logs, discards, peer, reach };
}

const kinds = (packets: CpPacket<LcpOption>[]) => packets.map((p) => p.kind);

Deno.test("transition table: every state has a cell for every event, as in RFC 1661 §4.1", () => {
  for (const row of Object.values(TRANSITIONS)) assert.equal(row.length, 10);
  // A few cells, spelled out from the RFC's printed table.
  assert.deepEqual(TRANSITIONS["rcr+"][3], { actions: ["irc", "scr", "sca"], next: "ack-sent" });
  assert.deepEqual(TRANSITIONS["rca"][8], { actions: ["irc", "tlu"], next: "opened" });
  assert.deepEqual(TRANSITIONS["rtr"][9], { actions: ["tld", "zrc", "sta"], next: "stopping" });
  assert.deepEqual(TRANSITIONS["to-"][6], { actions: ["tlf"], next: "stopped" });
  assert.equal(TRANSITIONS["up"][2], undefined);
});

Deno.test("Initial: Up → Closed without a packet; Open → Req-Sent sends a Configure-Request (irc,scr/6)", () => {
  const r = rig();
  r.fsm.up();
  assert.equal(r.fsm.state, "closed");
  assert.equal(r.sent.length, 0);
  r.fsm.open();
  assert.equal(r.fsm.state, "req-sent");
  assert.deepEqual(r.sent, [{ kind: "conf-req", id: 1, options: [{ type: "mru", mru: 1400 }] }]);
});

Deno.test("Initial: Open → Starting with This-Layer-Started; Up → Req-Sent", () => {
  const r = rig();
  r.fsm.open();
  assert.equal(r.fsm.state, "starting");
  assert.deepEqual(r.calls, ["tls"]);
  r.fsm.up();
  assert.equal(r.fsm.state, "req-sent");
  assert.deepEqual(kinds(r.sent), ["conf-req"]);
});

Deno.test("Req-Sent: RCA → Ack-Rcvd; then RCR+ → sca,tlu/9", () => {
  const r = rig();
  r.reach("ack-rcvd");
  assert.deepEqual(kinds(r.sent), ["conf-req"]);
  r.peer({ kind: "conf-req", id: 9, options: [{ type: "mru", mru: 1500 }] });
  assert.equal(r.fsm.state, "opened");
  assert.deepEqual(r.sent.at(-1), { kind: "conf-ack", id: 9, options: [{ type: "mru", mru: 1500 }] });
  assert.deepEqual(r.calls, ["tlu"]);
  assert.deepEqual(r.strategy.peer, [{ type: "mru", mru: 1500 }]);
});

Deno.test("Req-Sent: RCR+ → Ack-Sent (sca/8); RCA → irc,tlu/9", () => {
  const r = rig();
  r.reach("ack-sent");
  assert.deepEqual(kinds(r.sent), ["conf-req", "conf-ack"]);
  r.peer({ kind: "conf-ack", id: 1, options: [{ type: "mru", mru: 1400 }] });
  assert.equal(r.fsm.state, "opened");
  assert.deepEqual(r.calls, ["tlu"]);
});

Deno.test("Req-Sent: RCR− answers Nak (scn/6); past Max-Failure Naks the same option is Rejected", () => {
  const r = rig({ maxFailure: 2 });
  r.reach("req-sent");
  for (let i = 0; i < 3; i++) r.peer({ kind: "conf-req", id: 20 + i, options: [{ type: "mru", mru: 600 }] });
  assert.equal(r.fsm.state, "req-sent");
  assert.deepEqual(r.sent.slice(1), [
    { kind: "conf-nak", id: 20, options: [{ type: "mru", mru: 1000 }] },
    { kind: "conf-nak", id: 21, options: [{ type: "mru", mru: 1000 }] },
    { kind: "conf-rej", id: 22, options: [{ type: "mru", mru: 600 }] },
  ]);
});

Deno.test("a retransmitted request (same id and options) does not count towards Max-Failure", () => {
  const r = rig({ maxFailure: 2 });
  r.reach("req-sent");
  for (let i = 0; i < 4; i++) r.peer({ kind: "conf-req", id: 30, options: [{ type: "mru", mru: 600 }] });
  assert.deepEqual(kinds(r.sent.slice(1)), ["conf-nak", "conf-nak", "conf-nak", "conf-nak"]);
});

Deno.test("unknown options are rejected alone, even beside options we would Nak", () => {
  const r = rig();
  r.reach("req-sent");
  const raw: LcpOption = { type: "raw", code: 13, data: Uint8Array.of(6) };
  r.peer({ kind: "conf-req", id: 4, options: [{ type: "mru", mru: 600 }, raw] });
  assert.deepEqual(r.sent.at(-1), { kind: "conf-rej", id: 4, options: [raw] });
});

Deno.test("Req-Sent: TO+ retransmits the same request; after Max-Configure, TO− → tlf/3", () => {
  const r = rig();
  r.reach("req-sent");
  r.sched.runUntil(29 * SECOND);
  const requests = r.sent.filter((p) => p.kind === "conf-req");
  assert.equal(requests.length, 10);
  assert.ok(requests.every((p) => p.id === 1), "retransmissions keep the Identifier");
  assert.equal(r.fsm.state, "req-sent");
  r.sched.runUntil(30 * SECOND);
  assert.equal(r.fsm.state, "stopped");
  assert.deepEqual(r.calls, ["tlf: LCP: timeout sending Config-Requests"]);
  assert.deepEqual(r.logs, ["LCP: timeout sending Config-Requests"]);
  r.sched.runUntil(100 * SECOND);
  assert.equal(r.sent.length, 10, "the restart timer stops in Stopped");
});

Deno.test("Opened: RTR → tld,zrc,sta/5, then one restart period later tlf/3", () => {
  const r = rig();
  r.reach("opened");
  r.calls.length = 0;
  r.peer({ kind: "term-req", id: 77, data: textBytes("Authentication failed") });
  assert.equal(r.fsm.state, "stopping");
  assert.deepEqual(r.sent.at(-1), { kind: "term-ack", id: 77, data: new Uint8Array(0) });
  assert.deepEqual(r.calls, ["tld"]);
  assert.deepEqual(r.logs, ["LCP terminated by peer (Authentication failed)"]);
  r.sched.runUntil(2.9 * SECOND);
  assert.equal(r.fsm.state, "stopping");
  r.sched.runUntil(3 * SECOND);
  assert.equal(r.fsm.state, "stopped");
  assert.deepEqual(r.calls, ["tld", "tlf: LCP terminated by peer (Authentication failed)"]);
});

Deno.test("Opened: Close → tld,irc,str/4; Max-Terminate Terminate-Requests, then tlf/2", () => {
  const r = rig();
  r.reach("opened");
  const before = r.sent.length;
  r.fsm.close("User request");
  assert.equal(r.fsm.state, "closing");
  r.sched.runUntil(60 * SECOND);
  const terms = r.sent.slice(before);
  assert.deepEqual(kinds(terms), ["term-req", "term-req"]);
  assert.notEqual(terms[0].id, terms[1].id, "each Terminate-Request has a new Identifier");
  assert.equal(new TextDecoder().decode((terms[0] as { data: Uint8Array }).data), "User request");
  assert.equal(r.fsm.state, "closed");
  assert.deepEqual(r.calls.slice(-2), ["tld", "tlf: User request"]);
});

Deno.test("Closing: RTA → tlf/2 at once", () => {
  const r = rig();
  r.reach("opened");
  r.fsm.close("bye");
  const term = r.sent.at(-1)!;
  r.peer({ kind: "term-ack", id: term.id, data: new Uint8Array(0) });
  assert.equal(r.fsm.state, "closed");
  assert.equal(r.calls.at(-1), "tlf: bye");
});

Deno.test("Opened: RCR → tld,scr,sca/8 (the peer renegotiates), with a fresh negotiation", () => {
  const r = rig();
  r.reach("opened");
  const resets = r.strategy.resets;
  const before = r.sent.length;
  r.peer({ kind: "conf-req", id: 60, options: [{ type: "mru", mru: 1200 }] });
  assert.equal(r.fsm.state, "ack-sent");
  assert.deepEqual(kinds(r.sent.slice(before)), ["conf-req", "conf-ack"]);
  assert.ok(r.sent[before].id !== 1, "a new request has a new Identifier");
  assert.equal(r.strategy.resets, resets + 1);
  assert.equal(r.calls.at(-1), "tld");
});

Deno.test("replies that do not answer our latest request are discarded", () => {
  const r = rig();
  r.reach("req-sent");
  r.peer({ kind: "conf-ack", id: 99, options: [{ type: "mru", mru: 1400 }] });
  r.peer({ kind: "conf-ack", id: 1, options: [{ type: "mru", mru: 1300 }] });
  assert.equal(r.fsm.state, "req-sent");
  assert.equal(r.discards.length, 2);
  r.peer({ kind: "conf-ack", id: 1, options: [{ type: "mru", mru: 1400 }] });
  assert.equal(r.fsm.state, "ack-rcvd");
  r.peer({ kind: "conf-ack", id: 1, options: [{ type: "mru", mru: 1400 }] });
  assert.equal(r.fsm.state, "ack-rcvd", "a duplicate Ack is not a crossed connection");
  assert.match(r.discards[2], /duplicate/);
});

Deno.test("RUC → scj: an unknown code is Code-Rejected with the packet inside", () => {
  const r = rig();
  r.reach("opened");
  const bytes = Uint8Array.of(42, 7, 0, 6, 0xaa, 0xbb);
  const decoded = decodeLcp(bytes);
  assert.ok(decoded.ok);
  r.fsm.receive(decoded.value, bytes);
  const reject = r.sent.at(-1)!;
  assert.equal(reject.kind, "code-rej");
  assert.deepEqual((reject as { rejected: Uint8Array }).rejected, bytes);
  assert.equal(r.fsm.state, "opened");
});

Deno.test("RXJ−: the peer Code-Rejects Configure-Request while Opened → tld,irc,str/5", () => {
  const r = rig();
  r.reach("opened");
  r.peer({ kind: "code-rej", id: 3, rejected: Uint8Array.of(1, 1, 0, 4) });
  assert.equal(r.fsm.state, "stopping");
  assert.equal(r.sent.at(-1)!.kind, "term-req");
  assert.equal(r.calls.at(-1), "tld");
});

Deno.test("RXJ+: a Code-Reject of Echo-Request leaves the link Opened", () => {
  const r = rig();
  r.reach("opened");
  r.peer({ kind: "code-rej", id: 3, rejected: Uint8Array.of(9, 1, 0, 8, 0, 0, 0, 0) });
  assert.equal(r.fsm.state, "opened");
});

Deno.test("Closed: any Configure-Request is answered with Terminate-Ack (sta/2)", () => {
  const r = rig();
  r.reach("closed");
  r.peer({ kind: "conf-req", id: 5, options: [] });
  assert.equal(r.fsm.state, "closed");
  assert.deepEqual(r.sent, [{ kind: "term-ack", id: 5, data: new Uint8Array(0) }]);
});

Deno.test("Stopped: a Configure-Request starts a negotiation (irc,scr,sca/8)", () => {
  const r = rig();
  r.reach("req-sent");
  r.sched.runUntil(31 * SECOND);
  assert.equal(r.fsm.state, "stopped");
  const before = r.sent.length;
  r.peer({ kind: "conf-req", id: 8, options: [{ type: "mru", mru: 1500 }] });
  assert.equal(r.fsm.state, "ack-sent");
  assert.deepEqual(kinds(r.sent.slice(before)), ["conf-req", "conf-ack"]);
});

Deno.test("Down in Opened → tld/1 (Starting); nothing is sent", () => {
  const r = rig();
  r.reach("opened");
  const before = r.sent.length;
  r.fsm.down();
  assert.equal(r.fsm.state, "starting");
  assert.equal(r.sent.length, before);
  assert.equal(r.calls.at(-1), "tld");
});
