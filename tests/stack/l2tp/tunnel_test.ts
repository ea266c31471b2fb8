import assert from "node:assert/strict";
import { md5 } from "../../../src/crypto/hash.ts";
import { utf8 } from "../../../src/crypto/bytes.ts";
import { MS, SECOND } from "../../../src/engine/time.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import { findAvp } from "../../../src/wire/l2tp_avp.ts";
import type { L2tpSession } from "../../../src/stack/l2tp/session.ts";
import { controlSequence, l2tpOf, LNS_IP, logs, pair } from "./harness.ts";

const LNS = parseIp(LNS_IP)!;

function acceptAll(p: ReturnType<typeof pair>): L2tpSession[] {
  const sessions: L2tpSession[] = [];
  p.lns.onIncomingCall = (session) => {
    sessions.push(session);
    return undefined;
  };
  return sessions;
}

/** The decoded control messages a node put on a link, with their AVPs. */
function controls(p: ReturnType<typeof pair>, linkName: string, from: string) {
  return p.records
    .filter((r) => r.kind === "tx" && r.link === linkName && r.node === from && r.bytes)
    .map((r) => l2tpOf(r.bytes!))
    .filter((m) => m?.kind === "control");
}

Deno.test("tunnel: SCCRQ/SCCRP/SCCCN then ICRQ/ICRP/ICCN, acknowledged by ZLBs (RFC 2661 §5.8, §7)", () => {
  const p = pair({}, {});
  const accepted = acceptAll(p);
  const tunnel = p.lac.tunnelTo(LNS);
  const session = tunnel.placeCall();
  p.sched.runUntil(SECOND);
  assert.deepEqual(controlSequence(p.records, "right"), [
    "SCCRQ",
    "SCCRP",
    "SCCCN",
    "ICRQ",
    "ZLB",
    "ICRP",
    "ICCN",
    "ZLB",
  ]);
  // Ns/Nr as §5.8 defines them: each side counts its own messages; Nr is the next Ns expected.
  const lac = controls(p, "left", "lac").map((m) => m && m.kind === "control" ? [m.ns, m.nr] : []);
  assert.deepEqual(lac, [[0, 0], [1, 1], [2, 1], [3, 2]]);
  const lns = controls(p, "right", "lns").map((m) => m && m.kind === "control" ? [m.ns, m.nr] : []);
  assert.deepEqual(lns, [[0, 1], [1, 2], [1, 3], [2, 4]], "SCCRP, ZLB, ICRP, ZLB");
  assert.equal(tunnel.state, "established");
  assert.equal(session.state, "established");
  assert.equal(accepted.length, 1);
  const lnsSession = accepted[0];
  assert.equal(lnsSession.state, "established");
  assert.equal(lnsSession.peerId, session.localId);
  assert.equal(session.peerId, lnsSession.localId);
  // The SCCRQ goes to tunnel 0; everything after carries the receiver's id.
  const first = controls(p, "left", "lac")[0]!;
  assert.equal(first.tunnelId, 0);
  assert.ok(logs(p.records, "lac").some((l) => /^Connection established to 198\.51\.100\.1, 1701\./.test(l)));
  assert.ok(logs(p.records, "lns").some((l) => /LNS session is 'default'/.test(l)));
});

Deno.test("tunnel: PPP frames cross in data messages both ways", () => {
  const p = pair({}, {});
  const accepted = acceptAll(p);
  const session = p.lac.tunnelTo(LNS).placeCall();
  p.sched.runUntil(SECOND);
  const atLns: Uint8Array[] = [];
  const atLac: Uint8Array[] = [];
  accepted[0].onFrame = (frame) => atLns.push(frame.slice());
  session.onFrame = (frame) => atLac.push(frame.slice());
  const frame = Uint8Array.of(0xff, 0x03, 0xc0, 0x21, 9, 1, 0, 8, 0, 0, 0, 0);
  assert.ok(session.sendFrame(frame));
  assert.ok(accepted[0].sendFrame(Uint8Array.of(0xff, 0x03, 0x00, 0x21, 0x45)));
  p.sched.runUntil(2 * SECOND);
  assert.deepEqual(atLns, [frame]);
  assert.deepEqual(atLac, [Uint8Array.of(0xff, 0x03, 0x00, 0x21, 0x45)]);
  const data = p.records.filter((r) => r.kind === "tx" && r.link === "left" && r.node === "lac")
    .map((r) => l2tpOf(r.bytes!)).filter((m) => m?.kind === "data");
  assert.equal(data.length, 1);
  assert.equal(data[0]!.tunnelId, accepted[0].tunnel.localId);
  assert.equal(data[0]!.sessionId, accepted[0].localId, "data carries the receiver's session id");
});

Deno.test("tunnel: several sessions share one tunnel", () => {
  const p = pair({}, {});
  const accepted = acceptAll(p);
  const sessions = [1, 2, 3].map(() => p.lac.tunnelTo(LNS).placeCall());
  p.sched.runUntil(SECOND);
  assert.equal(p.lac.tunnels.size, 1);
  assert.equal(new Set(sessions.map((s) => s.tunnel)).size, 1);
  assert.ok(sessions.every((s) => s.state === "established"));
  assert.equal(accepted.length, 3);
  assert.equal(new Set(accepted.map((s) => s.localId)).size, 3);
  assert.deepEqual(sessions.map((s) => s.serial), [1, 2, 3], "call serial numbers count up");
});

Deno.test("tunnel: authentication with the shared secret: responses are MD5(type ‖ secret ‖ challenge)", () => {
  const p = pair(
    { security: { secret: "s3cret", challenge: true, hideAvps: false } },
    { security: { secret: "s3cret", challenge: true, hideAvps: false } },
  );
  const tunnel = p.lac.tunnelTo(LNS);
  p.sched.runUntil(SECOND);
  assert.equal(tunnel.state, "established");
  const [sccrq, sccccn] = [controls(p, "left", "lac")[0]!, controls(p, "left", "lac")[1]!];
  const sccrp = controls(p, "right", "lns")[0]!;
  if (sccrq.kind !== "control" || sccrp.kind !== "control" || sccccn.kind !== "control") throw new Error();
  const lacChallenge = findAvp(sccrq.avps, "challenge")!.challenge;
  const lnsChallenge = findAvp(sccrp.avps, "challenge")!.challenge;
  assert.deepEqual(
    findAvp(sccrp.avps, "challengeResponse")!.response,
    md5(Uint8Array.of(2), utf8("s3cret"), lacChallenge),
  );
  assert.deepEqual(
    findAvp(sccccn.avps, "challengeResponse")!.response,
    md5(Uint8Array.of(3), utf8("s3cret"), lnsChallenge),
  );
});

Deno.test("tunnel: a wrong secret makes the LNS send StopCCN result 4 (not authorized)", () => {
  const p = pair(
    { security: { secret: "guess", challenge: false, hideAvps: false } },
    { security: { secret: "s3cret", challenge: true, hideAvps: false } },
  );
  let closedWith = "";
  const tunnel = p.lac.tunnelTo(LNS);
  tunnel.onClosed = (reason) => closedWith = reason;
  p.sched.runUntil(40 * SECOND);
  assert.deepEqual(controlSequence(p.records, "right"), ["SCCRQ", "SCCRP", "SCCCN", "StopCCN", "ZLB"]);
  const stop = controls(p, "right", "lns")[1]!;
  if (stop.kind !== "control") throw new Error();
  const result = findAvp(stop.avps, "resultCode")!;
  assert.equal(result.result, 4);
  assert.equal(stop.tunnelId, tunnel.localId);
  assert.equal(tunnel.state, "closed");
  assert.match(closedWith, /StopCCN: result 4 \(Requester is not authorized/);
  assert.ok(logs(p.records, "lns").some((l) => /Invalid authentication for host 'lac'/.test(l)));
  assert.ok(
    logs(p.records, "lac").some((l) =>
      /Connection closed to 198\.51\.100\.1.*Invalid challenge authentication/.test(l)
    ),
  );
  assert.equal(p.lns.tunnels.size, 0, "the LNS forgets the tunnel once its StopCCN is acknowledged");
});

Deno.test("tunnel: a LAC that challenges detects an LNS with the wrong secret", () => {
  const p = pair(
    { security: { secret: "s3cret", challenge: true, hideAvps: false } },
    { security: { secret: "other", challenge: false, hideAvps: false } },
  );
  const tunnel = p.lac.tunnelTo(LNS);
  p.sched.runUntil(SECOND);
  assert.deepEqual(controlSequence(p.records, "right"), ["SCCRQ", "SCCRP", "StopCCN", "ZLB"]);
  assert.equal(tunnel.state, "closed");
});

Deno.test("tunnel: an LNS challenge the LAC cannot answer ends in StopCCN from the LAC", () => {
  const p = pair({}, { security: { secret: "s3cret", challenge: true, hideAvps: false } });
  const tunnel = p.lac.tunnelTo(LNS);
  p.sched.runUntil(SECOND);
  assert.deepEqual(controlSequence(p.records, "right"), ["SCCRQ", "SCCRP", "StopCCN", "ZLB"]);
  assert.equal(tunnel.state, "closed");
  assert.ok(logs(p.records, "lac").some((l) => /No secret for authenticating to 'lns'/.test(l)));
});

Deno.test("tunnel: hidden Assigned Session ID travels behind a Random Vector and is revealed", () => {
  const security = { secret: "s3cret", challenge: false, hideAvps: true };
  const p = pair({ security }, { security });
  const accepted = acceptAll(p);
  const session = p.lac.tunnelTo(LNS).placeCall();
  p.sched.runUntil(SECOND);
  const icrq = controls(p, "left", "lac")[2]!;
  if (icrq.kind !== "control") throw new Error();
  assert.equal(icrq.avps[1].type, "randomVector", "Random Vector right after Message Type");
  const hidden = icrq.avps.find((a) => a.type === "hidden");
  assert.ok(hidden && hidden.type === "hidden" && hidden.attrType === 14, "Assigned Session ID is hidden");
  assert.ok(!findAvp(icrq.avps, "assignedSessionId"));
  assert.equal(accepted[0].peerId, session.localId);
  assert.equal(session.state, "established");
});

Deno.test("tunnel: LNS unreachable: SCCRQ retried 5 times, then the tunnel is cleared", () => {
  const p = pair({}, {});
  p.network.links.get("right")!.setUp(false);
  let down = "";
  const tunnel = p.lac.tunnelTo(LNS);
  const session = tunnel.placeCall();
  session.onDown = (reason) => down = reason;
  p.sched.runUntil(60 * SECOND);
  const sends = p.records.filter((r) => r.kind === "tx" && r.link === "left" && r.node === "lac");
  assert.deepEqual(sends.map((r) => r.t / SECOND), [0, 1, 3, 7, 15, 23]);
  assert.equal(tunnel.state, "closed");
  assert.ok(
    logs(p.records, "lac").includes(`Maximum retries exceeded for tunnel ${tunnel.localId}.  Closing.`),
  );
  assert.match(down, /unreachable or silent/);
  assert.equal(session.state, "closed");
  const row = p.records.filter((r) => r.kind === "state" && r.table === "l2tp-tunnels").at(-1)!;
  assert.equal(row.value?.state, "closed");
  assert.equal(row.value?.retransmissions, 5);
});

Deno.test("tunnel: 20% loss on both links: retransmissions get the tunnel and session up", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const p = pair({}, {}, { loss: 0.2 }, seed);
    const accepted = acceptAll(p);
    const session = p.lac.tunnelTo(LNS).placeCall();
    p.sched.runUntil(30 * SECOND);
    assert.equal(session.state, "established", `seed ${seed}`);
    assert.equal(accepted.filter((s) => s.state === "established").length, 1, `seed ${seed}`);
  }
  const p = pair({}, {}, { loss: 0.2 }, 3);
  acceptAll(p);
  const tunnel = p.lac.tunnelTo(LNS);
  tunnel.placeCall();
  p.sched.runUntil(30 * SECOND);
  const lost = p.records.filter((r) => r.kind === "drop" && /random loss/.test(r.reason ?? "")).length;
  assert.ok(lost > 0, "seed 3 loses something");
  const retransmitted = tunnel.channel.retransmissions +
    [...p.lns.tunnels.values()][0].channel.retransmissions;
  assert.ok(retransmitted > 0);
});

Deno.test("tunnel: HELLO after 60 s of silence, acknowledged; a silent peer is given up on", () => {
  const p = pair({}, {});
  const tunnel = p.lac.tunnelTo(LNS);
  p.sched.runUntil(SECOND);
  p.sched.runUntil(62 * SECOND);
  const hellos = p.records.filter((r) =>
    r.kind === "tx" && r.link === "left" && r.node === "lac" && /Hello/.test(r.summary)
  );
  assert.equal(hellos.length, 1);
  // SCCRQ, SCCRP, SCCCN, ZLB each cross two 1 ms links: the LAC last hears the LNS at 8 ms.
  assert.equal(hellos[0].t, 60 * SECOND + 8 * MS);
  assert.equal(tunnel.state, "established");
  p.network.links.get("right")!.setUp(false);
  p.sched.runUntil(200 * SECOND);
  assert.equal(tunnel.state, "closed");
  assert.ok(
    logs(p.records, "lac").includes(`Maximum retries exceeded for tunnel ${tunnel.localId}.  Closing.`),
  );
});

Deno.test("tunnel: CDN ends one call; the LNS refusing a call answers ICRQ with CDN", () => {
  const p = pair({}, {});
  let calls = 0;
  const lnsSessions: L2tpSession[] = [];
  p.lns.onIncomingCall = (s) => {
    lnsSessions.push(s);
    return ++calls === 2 ? { result: 2, error: 4, message: "No available IP address" } : undefined;
  };
  const tunnel = p.lac.tunnelTo(LNS);
  const first = tunnel.placeCall();
  const second = tunnel.placeCall();
  let why = "";
  second.onDown = (reason) => why = reason;
  p.sched.runUntil(SECOND);
  assert.equal(first.state, "established");
  assert.equal(second.state, "closed");
  assert.match(why, /result 2 .*error 4 \(Insufficient resources.*"No available IP address"/);
  first.disconnect();
  p.sched.runUntil(2 * SECOND);
  assert.equal(lnsSessions[0].state, "closed");
  assert.equal(lnsSessions[0].ended?.result, 3);
  assert.equal(tunnel.state, "established", "the tunnel outlives its calls");
});

Deno.test("tunnel: StopCCN from the LAC is acknowledged and both ends clear", () => {
  const p = pair({}, {});
  acceptAll(p);
  const tunnel = p.lac.tunnelTo(LNS);
  const session = tunnel.placeCall();
  p.sched.runUntil(SECOND);
  tunnel.stop({ result: 1 }, "operator request");
  p.sched.runUntil(2 * SECOND);
  assert.equal(tunnel.state, "closed");
  assert.equal(session.state, "closed");
  assert.equal(p.lac.tunnels.size, 0);
  const lnsTunnel = [...p.lns.tunnels.values()][0];
  assert.equal(lnsTunnel.state, "closed", "the LNS lingers to acknowledge a repeated StopCCN");
  p.sched.runUntil(40 * SECOND);
  assert.equal(p.lns.tunnels.size, 0);
});

Deno.test("tunnel: the LNS may answer from another port; the LAC follows it (§8.1)", () => {
  const p = pair({}, { answerPort: 1702 });
  acceptAll(p);
  const tunnel = p.lac.tunnelTo(LNS);
  tunnel.placeCall();
  p.sched.runUntil(SECOND);
  assert.equal(tunnel.state, "established");
  assert.equal(tunnel.peerPort, 1702);
  const ports = p.records.filter((r) => r.kind === "tx" && r.link === "left" && r.node === "lac")
    .map((r) => (r.bytes![22] << 8) | r.bytes![23]);
  assert.deepEqual(ports, [1701, 1702, 1702, 1702], "SCCRQ to 1701, the rest to the port the LNS chose");
});

Deno.test("tunnel: tie breaker: two SCCRQs cross, the lower value wins and one tunnel remains", () => {
  const p = pair({ acceptTunnels: true, tieBreaker: true }, { tieBreaker: true });
  const lacSessions: L2tpSession[] = [];
  p.lac.onIncomingCall = (s) => (lacSessions.push(s), undefined);
  const lnsSessions = acceptAll(p);
  const fromLac = p.lac.tunnelTo(LNS);
  const call = fromLac.placeCall();
  const fromLns = p.lns.tunnelTo(parseIp("192.0.2.10")!);
  p.sched.runUntil(SECOND);
  const live = (e: typeof p.lac) => [...e.tunnels.values()].filter((t) => t.state === "established");
  assert.equal(live(p.lac).length, 1);
  assert.equal(live(p.lns).length, 1);
  const lacWins = fromLac.tieBreaker! < fromLns.tieBreaker!;
  assert.equal(fromLac.state === "established", lacWins);
  assert.equal(fromLns.state === "established", !lacWins);
  assert.equal(call.state, "established", "the call moved to the surviving tunnel");
  assert.equal(lnsSessions.length, 1);
});
