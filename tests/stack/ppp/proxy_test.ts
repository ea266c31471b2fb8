import assert from "node:assert/strict";
import { Prng } from "../../../src/engine/prng.ts";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { MS, SECOND } from "../../../src/engine/time.ts";
import type { AuthRecord, LcpRecord, PppConfig, PppPhase } from "../../../src/stack/ppp/session.ts";
import { PppSession } from "../../../src/stack/ppp/session.ts";
import { Tracer } from "../../../src/trace/tracer.ts";
import { decodeLcpOptions, encodeLcpOptions } from "../../../src/wire/lcp.ts";
import { decodeFrame, describe, laptopConfig, lnsConfig, type Seen } from "./harness.ts";

/**
 * Compulsory tunnelling: the subscriber's PPP first meets the ISP's LAC, which runs LCP and
 * collects the CHAP (or PAP) response, then hands the call to the LNS with the proxy LCP and
 * authentication records (RFC 2661 §4.4.5). Here the "tunnel" is just a re-pointed wire.
 */
function compulsory(
  options: { subscriber?: Partial<PppConfig>; lac?: Partial<PppConfig>; lns?: Partial<PppConfig> },
) {
  const sched = new Scheduler();
  const tracer = new Tracer(sched);
  const root = new Prng(21);
  const seen: Seen[] = [];
  const lnsSeen: Seen[] = [];
  let target: "lac" | "lns" = "lac";
  let lns: PppSession | undefined;
  let handoff: { lcpRecord: LcpRecord; authRecord?: AuthRecord } | undefined;
  const lnsPhases: PppPhase[] = [];
  let lnsDown: string | undefined;
  let lnsUp: string | undefined;
  let subscriberUp: string | undefined;

  const subscriber: PppSession = new PppSession(
    { sched, rng: root.fork("sub"), trace: tracer, node: "home-pc", label: "ppp0" },
    laptopConfig(options.subscriber),
    (frame) => {
      seen.push(decodeFrame("client", sched.now, false, frame.slice()));
      const copy = frame.slice();
      sched.after(10 * MS, () => (target === "lac" ? lac.input(copy) : lns?.input(copy)));
    },
  );
  const toSubscriber = (record: Seen[]) => (frame: Uint8Array) => {
    record.push(decodeFrame("server", sched.now, false, frame.slice()));
    const copy = frame.slice();
    sched.after(10 * MS, () => subscriber.input(copy));
  };
  const lac = new PppSession(
    { sched, rng: root.fork("lac"), trace: tracer, node: "isp", label: "lac 1" },
    { role: "server", auth: "chap", handoff: true, ...options.lac },
    toSubscriber(seen),
  );
  subscriber.onUp = (info) => (subscriberUp = info.localAddress);
  lac.onHandoff = (records) => {
    handoff = records;
    target = "lns";
    // The tunnel takes a moment to set up; the LNS then takes over with the proxy records.
    sched.after(50 * MS, () => {
      lns = PppSession.fromProxy(
        { sched, rng: root.fork("lns"), trace: tracer, node: "lns", label: "session 1" },
        lnsConfig(options.lns),
        toSubscriber(lnsSeen),
        {
          lastSentConfReq: records.lcpRecord.lastSentConfReq!,
          lastReceivedConfReq: records.lcpRecord.lastReceivedConfReq!,
          initialReceivedConfReq: records.lcpRecord.initialReceivedConfReq,
          auth: records.authRecord,
        },
      );
      lnsPhases.push(lns.phase);
      lns.onPhase = (phase) => lnsPhases.push(phase);
      lns.onDown = (reason) => (lnsDown = reason);
      lns.onUp = (info) => (lnsUp = info.peerAddress);
    });
  };
  subscriber.open();
  lac.open();
  return {
    sched,
    tracer,
    subscriber,
    lac,
    seen,
    lnsSeen,
    get lns() {
      return lns;
    },
    get handoff() {
      return handoff;
    },
    lnsPhases,
    get lnsDown() {
      return lnsDown;
    },
    get lnsUp() {
      return lnsUp;
    },
    get subscriberUp() {
      return subscriberUp;
    },
  };
}

/** The options region (after Code, Identifier, Length) of the first LCP Conf-Req `side` sent. */
function confReqOptions(seen: Seen[], side: "client" | "server", which: "first" | "last"): Uint8Array {
  const requests = seen.filter((s) => s.side === side && s.proto === "LCP" && s.packet.kind === "conf-req");
  const frame = which === "first" ? requests[0] : requests.at(-1)!;
  return frame.bytes.subarray(4 + 4); // FF 03 C0 21, then Code, Identifier, Length(2)
}

Deno.test("LAC: LCP runs with the subscriber, the CHAP response is collected, not answered", () => {
  const c = compulsory({});
  c.sched.runUntil(30 * MS);
  const early = c.handoff;
  assert.equal(early, undefined, "LCP is not open yet");
  c.sched.runUntil(5 * SECOND);
  const handoff = c.handoff;
  assert.ok(handoff, describe(c.seen));
  const { lcpRecord, authRecord } = handoff;
  // Proxy LCP AVPs carry Configure-Request options only (RFC 2661 §4.4.5), byte for byte as sent.
  assert.deepEqual(lcpRecord.initialReceivedConfReq, confReqOptions(c.seen, "client", "first"));
  assert.deepEqual(lcpRecord.lastReceivedConfReq, confReqOptions(c.seen, "client", "last"));
  assert.deepEqual(lcpRecord.lastSentConfReq, confReqOptions(c.seen, "server", "last"));
  const sent = decodeLcpOptions(lcpRecord.lastSentConfReq!);
  assert.ok(sent.ok);
  assert.ok(sent.value.some((o) => o.type === "auth"));
  // The challenge and response as they went on the wire.
  const challenge = c.seen.find((s) => s.proto === "CHAP" && s.packet.kind === "challenge")!;
  const response = c.seen.find((s) => s.proto === "CHAP" && s.packet.kind === "response")!;
  assert.ok(challenge.proto === "CHAP" && challenge.packet.kind === "challenge");
  assert.ok(response.proto === "CHAP" && response.packet.kind === "response");
  assert.deepEqual(authRecord, {
    type: "chap",
    name: "alice",
    challenge: challenge.packet.value,
    id: challenge.packet.id,
    response: response.packet.value,
  });
  assert.equal(c.lac.authRecord?.name, "alice");
  // The LAC never answered the response itself.
  assert.ok(!c.seen.some((s) => s.side === "server" && s.proto === "CHAP" && s.packet.kind !== "challenge"));
  assert.equal(c.lac.phase, "authenticate");
});

Deno.test("LNS fromProxy: no LCP renegotiation, CHAP Success with the LAC's identifier, straight to network", () => {
  const c = compulsory({});
  c.sched.runUntil(10 * SECOND);
  assert.ok(c.lns);
  const lnsLcp = c.lnsSeen.filter((s) => s.proto === "LCP");
  assert.ok(!lnsLcp.some((s) => s.packet.kind === "conf-req"), "the LNS accepted the proxied LCP");
  const success = c.lnsSeen.find((s) => s.proto === "CHAP");
  assert.ok(success && success.proto === "CHAP");
  assert.deepEqual(success.packet, {
    kind: "success",
    id: c.handoff!.authRecord!.id,
    message: "Access granted",
  });
  // fromProxy returns already in the network phase (IPCP started); the trace shows the whole path.
  assert.deepEqual(c.lnsPhases, ["network", "open"]);
  const rows = c.tracer.records.filter((r) => r.kind === "state" && r.table === "ppp" && r.node === "lns");
  const phases = rows.map((r) => r.value!.phase).filter((ph, i, all) => ph !== all[i - 1]);
  assert.deepEqual(phases, ["establish", "network", "open"]);
  assert.equal(c.lns!.lcpState, "opened");
  assert.equal(c.lns!.user, "alice");
  assert.equal(c.subscriber.phase, "open");
  assert.equal(c.subscriberUp, "10.8.0.10");
  assert.equal(c.lnsUp, "10.8.0.10");
  assert.deepEqual(c.lns!.lcpRecord.lastSentConfReq, c.handoff!.lcpRecord.lastSentConfReq);
  const apps = c.tracer.records.filter((r) => r.kind === "app" && r.node === "lns").map((r) => r.summary);
  assert.ok(apps.includes("accepted proxy LCP from the LAC"));
  assert.ok(apps.includes("CHAP peer authentication succeeded for alice"));
});

Deno.test("LNS fromProxy answers echoes with the Magic-Number the LAC negotiated", () => {
  const c = compulsory({ subscriber: { echoInterval: 5 * SECOND, echoFailures: 3 } });
  c.sched.runUntil(30 * SECOND);
  assert.equal(c.subscriber.phase, "open");
  const lacMagic = decodeLcpOptions(c.handoff!.lcpRecord.lastSentConfReq!);
  assert.ok(lacMagic.ok);
  const magic = lacMagic.value.find((o) => o.type === "magic");
  const replies = c.lnsSeen.filter((s) => s.proto === "LCP" && s.packet.kind === "echo-reply");
  assert.ok(replies.length >= 5);
  for (const r of replies) {
    assert.equal(
      r.proto === "LCP" && r.packet.kind === "echo-reply" && r.packet.magic,
      magic?.type === "magic" && magic.magic,
    );
  }
});

Deno.test("LNS fromProxy with a wrong proxied password: CHAP Failure, then LCP Terminate", () => {
  const c = compulsory({ subscriber: { password: "oops" } });
  c.sched.runUntil(20 * SECOND);
  const chap = c.lnsSeen.find((s) => s.proto === "CHAP");
  assert.ok(chap && chap.proto === "CHAP" && chap.packet.kind === "failure");
  assert.ok(c.lnsSeen.some((s) => s.proto === "LCP" && s.packet.kind === "term-req"));
  assert.match(c.lnsDown!, /wrong secret/);
  assert.equal(c.subscriber.phase, "dead");
});

Deno.test("LNS fromProxy renegotiates LCP when the LAC negotiated PAP but the LNS demands CHAP", () => {
  const c = compulsory({ lac: { auth: "pap" }, subscriber: { auth: undefined } });
  c.sched.runUntil(20 * SECOND);
  assert.equal(c.handoff?.authRecord?.type, "pap");
  const first = c.lnsSeen[0];
  assert.ok(first.proto === "LCP" && first.packet.kind === "conf-req", describe(c.lnsSeen));
  assert.ok(first.packet.options.some((o) => o.type === "auth" && o.protocol === 0xc223));
  assert.equal(c.subscriber.phase, "open");
  assert.ok(c.lnsSeen.some((s) => s.proto === "CHAP" && s.packet.kind === "challenge"));
  const apps = c.tracer.records.filter((r) => r.kind === "app" && r.node === "lns").map((r) => r.summary);
  assert.ok(
    apps.some((a) =>
      a.startsWith("proxy LCP not acceptable (the LAC negotiated PAP but we demand CHAP-MD5)")
    ),
  );
});

Deno.test("LNS fromProxy without proxy authentication challenges the subscriber itself", () => {
  const sched = new Scheduler();
  const tracer = new Tracer(sched);
  const out: Seen[] = [];
  const ours = encodeLcpOptions([{ type: "auth", protocol: 0xc223, algorithm: 5 }, {
    type: "magic",
    magic: 0x11223344,
  }]);
  const theirs = encodeLcpOptions([{ type: "mru", mru: 1400 }, { type: "magic", magic: 0x55667788 }]);
  const lns = PppSession.fromProxy(
    { sched, rng: new Prng(4), trace: tracer, node: "lns", label: "session 9" },
    lnsConfig(),
    (frame) => out.push(decodeFrame("server", sched.now, false, frame.slice())),
    { lastSentConfReq: ours, lastReceivedConfReq: theirs },
  );
  assert.equal(lns.phase, "authenticate");
  assert.equal(lns.lcpState, "opened");
  assert.equal(out.length, 1);
  assert.ok(out[0].proto === "CHAP" && out[0].packet.kind === "challenge");
});

Deno.test("LNS fromProxy with unusable proxy LCP bytes renegotiates instead of failing", () => {
  const sched = new Scheduler();
  const tracer = new Tracer(sched);
  const out: Seen[] = [];
  const lns = PppSession.fromProxy(
    { sched, rng: new Prng(4), trace: tracer, node: "lns", label: "session 9" },
    lnsConfig(),
    (frame) => out.push(decodeFrame("server", sched.now, false, frame.slice())),
    { lastSentConfReq: Uint8Array.of(1, 9), lastReceivedConfReq: new Uint8Array(0) },
  );
  assert.equal(lns.phase, "establish");
  assert.ok(out[0].proto === "LCP" && out[0].packet.kind === "conf-req");
  const apps = tracer.records.filter((r) => r.kind === "app").map((r) => r.summary);
  assert.match(apps[0], /^proxy LCP not acceptable \(Last Sent LCP CONFREQ: .*\): renegotiating LCP$/);
});
