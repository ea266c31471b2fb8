import assert from "node:assert/strict";
import { Prng } from "../../../src/engine/prng.ts";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { MS, SECOND } from "../../../src/engine/time.ts";
import { PppSession } from "../../../src/stack/ppp/session.ts";
import { Tracer } from "../../../src/trace/tracer.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import type { LcpOption } from "../../../src/wire/lcp.ts";
import { encodePpp, PPP_LCP } from "../../../src/wire/ppp.ts";
import { decodeFrame, describe, laptopConfig, lnsConfig, pair, scripted, type Seen } from "./harness.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Opens LCP with a scripted peer that sends `peerOptions` and Acks whatever the session asks. */
function openLcp(s: ReturnType<typeof scripted>, peerOptions: LcpOption[] = []) {
  s.session.open();
  const request = s.last("LCP")!;
  assert.equal(request.packet.kind, "conf-req");
  if (request.packet.kind !== "conf-req") return;
  s.lcp({ kind: "conf-req", id: 1, options: peerOptions });
  s.lcp({ kind: "conf-ack", id: request.packet.id, options: request.packet.options });
}

Deno.test("echo keepalive: a silent peer is declared dead after echoFailures unanswered requests", () => {
  const p = pair({
    client: laptopConfig({ echoInterval: 10 * SECOND, echoFailures: 4 }),
    server: lnsConfig(),
    silence: { side: "server", from: 5 * SECOND },
  });
  p.client.open();
  p.server.open();
  p.run(120 * SECOND);
  const echoes = p.seen.filter((s) =>
    s.side === "client" && s.proto === "LCP" && s.packet.kind === "echo-req"
  );
  assert.deepEqual(echoes.map((e) => e.t / SECOND), [10.04, 20.04, 30.04, 40.04]);
  const apps = p.apps("laptop");
  assert.ok(apps.includes("No response to 4 echo-requests"), apps.join("\n"));
  assert.ok(apps.includes("Serial link appears to be disconnected."));
  const term = p.seen.find((s) => s.side === "client" && s.proto === "LCP" && s.packet.kind === "term-req");
  assert.ok(term && term.proto === "LCP" && term.packet.kind === "term-req");
  assert.equal(term.t, 50.04 * SECOND);
  assert.equal(text(term.packet.data), "Peer not responding");
  assert.equal(p.client.phase, "dead");
  assert.match(p.log.client.down!, /no reply to 4 LCP Echo-Requests/);
  // Two Terminate-Requests 3 s apart, then down.
  assert.equal(p.log.client.downAt, 56.04 * SECOND);
});

Deno.test("echo keepalive: a live peer answers every Echo-Request with its own Magic-Number", () => {
  const p = pair({
    client: laptopConfig({ echoInterval: 5 * SECOND, echoFailures: 2 }),
    server: lnsConfig(),
  });
  p.client.open();
  p.server.open();
  p.run(60 * SECOND);
  assert.equal(p.client.phase, "open");
  const serverLcp = p.seen.flatMap((s) => (s.side === "server" && s.proto === "LCP" ? [s.packet] : []));
  const request = serverLcp.find((x) => x.kind === "conf-req");
  const magic = request?.kind === "conf-req" ? request.options.find((o) => o.type === "magic") : undefined;
  assert.ok(magic?.type === "magic");
  const replies = serverLcp.filter((x) => x.kind === "echo-reply");
  assert.equal(replies.length, 11);
  for (const r of replies) assert.equal(r.kind === "echo-reply" && r.magic, magic.magic);
});

Deno.test("Echo-Request is answered even by a session without keepalive, echoing the data", () => {
  const s = scripted(lnsConfig({ auth: "none" }));
  openLcp(s, [{ type: "magic", magic: 0x01020304 }]);
  s.lcp({ kind: "echo-req", id: 42, magic: 0x01020304, data: Uint8Array.of(9, 8, 7) });
  const reply = s.last("LCP")!;
  assert.equal(reply.packet.kind, "echo-reply");
  if (reply.packet.kind !== "echo-reply") return;
  assert.equal(reply.packet.id, 42);
  assert.deepEqual(reply.packet.data, Uint8Array.of(9, 8, 7));
  const ours = s.out.find((x) => x.proto === "LCP" && x.packet.kind === "conf-req")!;
  assert.ok(ours.proto === "LCP" && ours.packet.kind === "conf-req");
  assert.deepEqual(ours.packet.options.find((o) => o.type === "magic"), {
    type: "magic",
    magic: reply.packet.magic,
  });
});

Deno.test("magic-number loopback: a link that returns our own frames is detected and closed", () => {
  const sched = new Scheduler();
  const tracer = new Tracer(sched);
  const seen: Seen[] = [];
  let downReason: string | undefined;
  const session: PppSession = new PppSession(
    { sched, rng: new Prng(3), trace: tracer, node: "laptop", label: "ppp0" },
    laptopConfig(),
    (frame) => {
      seen.push(decodeFrame("client", sched.now, false, frame.slice()));
      const copy = frame.slice();
      sched.after(10 * MS, () => session.input(copy));
    },
  );
  session.onDown = (reason) => (downReason = reason);
  session.open();
  sched.runUntil(60 * SECOND);
  const naks = seen.filter((s) => s.proto === "LCP" && s.packet.kind === "conf-nak");
  assert.ok(naks.length >= 2);
  for (const n of naks) {
    assert.ok(n.proto === "LCP" && n.packet.kind === "conf-nak");
    assert.equal(n.packet.options.length, 1);
    assert.equal(n.packet.options[0].type, "magic");
  }
  // Each new request carries a new Magic-Number, as RFC 1661 §6.4 asks after a Nak.
  const magics = seen.flatMap((s) =>
    s.proto === "LCP" && s.packet.kind === "conf-req"
      ? s.packet.options.filter((o) => o.type === "magic")
      : []
  );
  assert.equal(new Set(magics.map((m) => (m as { magic: number }).magic)).size, magics.length);
  assert.equal(session.phase, "dead");
  assert.equal(downReason, "Loopback detected");
  const apps = tracer.records.filter((r) => r.kind === "app").map((r) => r.summary);
  assert.ok(apps.includes("Serial line is looped back."));
});

Deno.test("no answer at all: 10 Configure-Requests 3 s apart, then 'LCP: timeout sending Config-Requests'", () => {
  const s = scripted(laptopConfig());
  s.session.open();
  s.sched.runUntil(100 * SECOND);
  const requests = s.out.filter((x) => x.proto === "LCP" && x.packet.kind === "conf-req");
  assert.deepEqual(requests.map((r) => r.t / SECOND), [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  assert.equal(s.ends.down, "LCP: timeout sending Config-Requests");
  assert.equal(s.ends.downAt, 30 * SECOND);
  assert.ok(s.apps().includes("LCP: timeout sending Config-Requests"));
});

Deno.test("timers and counters are configurable", () => {
  const s = scripted(laptopConfig({ restartTimer: SECOND, maxConfigure: 3 }));
  s.session.open();
  s.sched.runUntil(100 * SECOND);
  const requests = s.out.filter((x) => x.proto === "LCP" && x.packet.kind === "conf-req");
  assert.deepEqual(requests.map((r) => r.t / SECOND), [0, 1, 2]);
  assert.equal(s.ends.downAt, 3 * SECOND);
});

Deno.test("an unknown protocol is answered with LCP Protocol-Reject carrying the protocol and data", () => {
  const p = pair({ client: laptopConfig(), server: lnsConfig() });
  p.client.open();
  p.server.open();
  p.run(5 * SECOND);
  const payload = Uint8Array.of(1, 1, 0, 4); // an IPv6CP Configure-Request with no options
  p.server.input(encodePpp({ protocol: 0x8057, payload }));
  p.run(6 * SECOND);
  const reject = p.seen.find((s) =>
    s.side === "server" && s.proto === "LCP" && s.packet.kind === "proto-rej"
  );
  assert.ok(reject && reject.proto === "LCP" && reject.packet.kind === "proto-rej", describe(p.seen));
  assert.equal(reject.packet.protocol, 0x8057);
  assert.deepEqual(reject.packet.rejected, payload);
  assert.deepEqual(Array.from(reject.bytes.subarray(0, 5)), [0xff, 0x03, 0xc0, 0x21, 8]);
  assert.ok(p.apps("lns").includes("Unsupported protocol 'IPv6CP' (0x8057) received"));
  assert.ok(p.apps("laptop").includes("Protocol-Reject for 'IPv6CP' (0x8057) received"));
  assert.equal(p.client.phase, "open", "a Protocol-Reject of another protocol is not fatal (RXJ+)");
  assert.equal(p.server.phase, "open");
});

Deno.test("frames before LCP is open and unknown protocols are dropped, never answered", () => {
  const s = scripted(lnsConfig());
  s.session.input(encodePpp({ protocol: PPP_LCP, payload: Uint8Array.of(1, 1, 0, 4) }));
  assert.equal(s.out.length, 0, "not open yet");
  s.session.open();
  const sent = s.out.length;
  s.session.input(encodePpp({ protocol: 0x8057, payload: Uint8Array.of(1, 1, 0, 4) }));
  assert.equal(s.out.length, sent, "no Protocol-Reject before LCP is Opened (RFC 1661 §5.7)");
  assert.match(s.drops().at(-1)!.reason!, /before LCP is open/);
});

Deno.test("malformed frames become drop records with a reason; input never throws", () => {
  const s = scripted(lnsConfig());
  s.session.open();
  const bad = [
    new Uint8Array(0),
    Uint8Array.of(0xff),
    Uint8Array.of(0xff, 0x05, 0xc0, 0x21),
    Uint8Array.of(0xff, 0x03, 0xc0, 0x20),
    Uint8Array.of(0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 40),
    Uint8Array.of(0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 6, 1, 9),
    Uint8Array.of(0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 7, 1, 3, 5),
  ];
  for (const frame of bad) s.session.input(frame);
  const drops = s.drops();
  assert.equal(drops.length, bad.length);
  for (const d of drops) {
    assert.equal(d.proto, "PPP");
    assert.ok(d.reason && d.reason.startsWith("session 1: "), d.reason);
  }
  assert.match(drops[4].reason!, /exceeds/);
  assert.match(drops[6].reason!, /MRU/);
  assert.equal(s.session.phase, "establish");
});

Deno.test("LCP options: MRU below 128 is Nak'd up to 128; ACCM, PFC, ACFC Acked; Quality and unknown Rejected", () => {
  const s = scripted(lnsConfig({ auth: "none" }));
  s.session.open();
  s.lcp({ kind: "conf-req", id: 5, options: [{ type: "mru", mru: 64 }, { type: "magic", magic: 7 }] });
  assert.deepEqual(s.last("LCP")!.packet, { kind: "conf-nak", id: 5, options: [{ type: "mru", mru: 128 }] });
  const fine: LcpOption[] = [
    { type: "mru", mru: 1400 },
    { type: "accm", accm: 0 },
    { type: "magic", magic: 7 },
    { type: "pfc" },
    { type: "acfc" },
  ];
  s.lcp({ kind: "conf-req", id: 6, options: fine });
  assert.deepEqual(s.last("LCP")!.packet, { kind: "conf-ack", id: 6, options: fine });
  const odd: LcpOption[] = [{ type: "quality", protocol: 0xc025, data: new Uint8Array(4) }, {
    type: "raw",
    code: 13,
    data: Uint8Array.of(6),
  }];
  s.lcp({ kind: "conf-req", id: 7, options: [...fine, ...odd] });
  assert.deepEqual(s.last("LCP")!.packet, { kind: "conf-rej", id: 7, options: odd });
});

Deno.test("a server Rejects an Authentication-Protocol option: it never authenticates itself", () => {
  const s = scripted(lnsConfig());
  s.session.open();
  s.lcp({ kind: "conf-req", id: 2, options: [{ type: "auth", protocol: 0xc223, algorithm: 5 }] });
  assert.deepEqual(s.last("LCP")!.packet, {
    kind: "conf-rej",
    id: 2,
    options: [{ type: "auth", protocol: 0xc223, algorithm: 5 }],
  });
});

Deno.test("IPCP: IP-Compression-Protocol (VJ) is Rejected; the address Nak follows once it is gone", () => {
  const s = scripted(lnsConfig({ auth: "none" }));
  openLcp(s);
  assert.equal(s.session.phase, "network");
  const vj = { type: "ip-compression" as const, protocol: 0x002d, data: Uint8Array.of(15, 1) };
  s.ipcp({ kind: "conf-req", id: 1, options: [vj, { type: "ip-address", address: 0 }] });
  assert.deepEqual(s.last("IPCP")!.packet, { kind: "conf-rej", id: 1, options: [vj] });
  s.ipcp({ kind: "conf-req", id: 2, options: [{ type: "ip-address", address: 0 }] });
  assert.deepEqual(s.last("IPCP")!.packet, {
    kind: "conf-nak",
    id: 2,
    options: [{ type: "ip-address", address: parseIp("10.8.0.10")! }],
  });
});

Deno.test("IPCP before authentication has finished is dropped (RFC 1661 §3.5)", () => {
  const s = scripted(lnsConfig());
  openLcp(s);
  assert.equal(s.session.phase, "authenticate");
  const before = s.out.length;
  s.ipcp({ kind: "conf-req", id: 1, options: [{ type: "ip-address", address: 0 }] });
  assert.equal(s.out.length, before);
  assert.match(s.drops().at(-1)!.reason!, /wait until authentication succeeds/);
});

Deno.test("the CHAP Challenge is retransmitted until a Response arrives, then the server gives up", () => {
  const s = scripted(lnsConfig());
  openLcp(s);
  s.sched.runUntil(60 * SECOND);
  const challenges = s.out.filter((x) => x.proto === "CHAP");
  assert.equal(challenges.length, 10);
  assert.ok(challenges.every((c) => c.proto === "CHAP" && c.packet.kind === "challenge"));
  const first = challenges[0].packet as { id: number; value: Uint8Array };
  for (const c of challenges) {
    assert.deepEqual(c.packet, challenges[0].packet, "retransmissions are identical");
  }
  assert.equal(first.value.length, 16);
  assert.ok(s.apps().includes("Peer failed to respond to CHAP challenge"));
  assert.match(s.ends.down!, /never answered the CHAP Challenge/);
});

for (const [auth, seed] of [["chap", 11], ["pap", 12]] as const) {
  Deno.test(`20% loss each way (${auth}): negotiation completes through retransmissions`, () => {
    const p = pair({ client: laptopConfig({ auth }), server: lnsConfig({ auth }), loss: 0.2, seed });
    p.client.open();
    p.server.open();
    p.run(120 * SECOND);
    assert.equal(p.client.phase, "open", describe(p.seen));
    assert.equal(p.server.phase, "open", describe(p.seen));
    const lost = p.seen.filter((s) => s.lost);
    assert.ok(lost.length >= 3, `only ${lost.length} frames lost`);
    assert.equal(p.log.client.up?.localAddress, "10.8.0.10");
    assert.deepEqual(p.log.client.up?.dns, ["10.0.0.53", "10.0.0.54"]);
    assert.equal(p.server.user, "alice");
  });
}

Deno.test("loss is survived across many seeds (no deadlock in the retransmission paths)", () => {
  let open = 0;
  for (let seed = 100; seed < 160; seed++) {
    const p = pair({ client: laptopConfig(), server: lnsConfig(), loss: 0.2, seed });
    p.client.open();
    p.server.open();
    p.run(150 * SECOND);
    if (p.client.phase === "open" && p.server.phase === "open") open++;
    else assert.deepEqual([p.client.phase, p.server.phase], ["dead", "dead"], "a failure ends both sides");
  }
  assert.ok(open >= 58, `${open}/60 came up`);
});
