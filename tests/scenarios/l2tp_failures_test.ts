import assert from "node:assert/strict";
import { MS, SECOND } from "../../src/engine/time.ts";
import { formatIp, parseIp } from "../../src/wire/addr.ts";
import { findAvp } from "../../src/wire/l2tp_avp.ts";
import { controlNames, dissect, logsOf, runLesson, sent, table } from "./l2tp_run.ts";

function controlFrom(run: ReturnType<typeof runLesson>, link: string, from: string, type: number) {
  return sent(run.records, link, from).map((r) => dissect(r.bytes!)!.l2tp)
    .filter((l) => l?.kind === "control" && findAvp(l.avps, "messageType")?.messageType === type)
    .map((l) => l!.kind === "control" ? l!.avps : []);
}

Deno.test("failure: wrong tunnel secret: StopCCN result 4 from the LNS, and the laptop says so", () => {
  const run = runLesson("l2tp-fail-secret");
  // Like xl2tpd, the laptop places its call right after its SCCCN; the ICRQ meets a closing tunnel.
  assert.deepEqual(controlNames(run.records, "office-wan"), [
    "SCCRQ",
    "SCCRP",
    "SCCCN",
    "ICRQ",
    "StopCCN",
    "ZLB",
    "ZLB",
  ]);
  const [stop] = controlFrom(run, "office-wan", "lns", 4);
  assert.equal(findAvp(stop, "resultCode")!.result, 4);
  const laptop = logsOf(run.records, "laptop");
  assert.ok(laptop.some((l) =>
    l.startsWith("vpn office: disconnected: tunnel") &&
    l.includes("result 4 (Requester is not authorized to establish a control connection)")
  ));
  for (const node of ["laptop", "lns"]) {
    assert.ok(
      [...table(run.records, node, "l2tp-tunnels").values()].every((t) => t!.state === "closed"),
      node,
    );
  }
});

Deno.test("failure: wrong password: CHAP Failure, CDN from the LNS, no address handed out", () => {
  const run = runLesson("l2tp-fail-password");
  const fromLns = sent(run.records, "office-wan", "lns").map((r) => dissect(r.bytes!)!);
  const chap = fromLns.filter((d) => d.pppProtocol === 0xc223 && d.l2tp?.kind === "data")
    .map((d) => d.l2tp!.kind === "data" ? d.l2tp!.payload[4] : 0);
  assert.deepEqual(chap, [1, 4], "CHAP Challenge, then Failure (RFC 1994 codes)");
  const [cdn] = controlFrom(run, "office-wan", "lns", 14);
  assert.equal(findAvp(cdn, "resultCode")!.result, 2);
  assert.ok(logsOf(run.records, "lns").includes("CHAP peer authentication failed for alice"));
  assert.ok(logsOf(run.records, "laptop").some((l) => l.includes('wrong password for "alice"')));
  assert.ok(!fromLns.some((d) => d.pppProtocol === 0x8021), "IPCP never starts");
  assert.equal(
    [...table(run.records, "lns", "ip-pool").values()].at(-1)!.used,
    0,
    "the reserved address is returned",
  );
});

Deno.test("failure: pool exhausted: the second caller's ICRQ is answered with CDN result 2, error 4", () => {
  const run = runLesson("l2tp-fail-pool");
  const cdns = controlFrom(run, "office-wan", "lns", 14);
  assert.equal(cdns.length, 1);
  const result = findAvp(cdns[0], "resultCode")!;
  assert.deepEqual([result.result, result.error, result.message], [2, 4, "No available IP address"]);
  assert.ok(logsOf(run.records, "lns").some((l) => /^Out of IP addresses on tunnel \d+!$/.test(l)));
  assert.ok(logsOf(run.records, "phone").some((l) => l.includes('"No available IP address"')));
  // The phone's call never gets to PPP; the laptop's session is untouched.
  const sessions = [...table(run.records, "lns", "l2tp-sessions").values()];
  assert.equal(sessions.filter((s) => s!.state === "established").length, 1);
  assert.ok(logsOf(run.records, "laptop").some((l) => l.startsWith("2 packets transmitted, 2 received")));
});

Deno.test("failure: L2TP passthrough off: every SCCRQ is dropped and the laptop gives up after 31 s", () => {
  const run = runLesson("l2tp-fail-passthrough");
  const attempts = sent(run.records, "home-lan", "laptop").map((r) => r.t);
  assert.deepEqual(attempts.map((t) => t / SECOND), [1, 2, 4, 8, 16, 24]);
  const drops = run.records.filter((r) => r.kind === "drop" && r.node === "home-router");
  assert.equal(drops.length, 6);
  assert.ok(drops.every((d) => /l2tp-passthrough/.test(d.reason!)));
  const giveUp = run.records.find((r) =>
    r.kind === "app" && r.node === "laptop" && r.summary.startsWith("Maximum retries")
  )!;
  assert.equal(giveUp.t, 32 * SECOND);
  assert.ok(logsOf(run.records, "laptop").some((l) => l.includes("is unreachable or silent")));
  assert.deepEqual(sent(run.records, "access"), [], "nothing gets past the home router");
});

Deno.test("failure: LNS unreachable: net unreachable is ignored, retransmissions run out", () => {
  const run = runLesson("l2tp-fail-unreachable");
  const unreachables = sent(run.records, "home-lan", "home-router").map((r) => dissect(r.bytes!)!)
    .filter((d) => d.icmp?.type === 3);
  assert.equal(unreachables.length, 6, "the internet router answers every SCCRQ with Net Unreachable");
  const row = [...table(run.records, "laptop", "l2tp-tunnels").values()].at(-1)!;
  assert.equal(row.state, "closed");
  assert.equal(row.retransmissions, 5);
});

Deno.test("failure: 20% loss on the access link: the tunnel still comes up", () => {
  const run = runLesson("l2tp-lossy");
  const lost = run.records.filter((r) => r.kind === "drop" && r.link === "access").length;
  assert.ok(lost > 0);
  const retransmitted = [...table(run.records, "laptop", "l2tp-tunnels").values()][0]!
    .retransmissions as number;
  assert.ok(retransmitted > 0);
  assert.ok(logsOf(run.records, "laptop").some((l) => l.startsWith("vpn office: connected")));
  assert.ok(!logsOf(run.records, "laptop").some((l) => l.startsWith("Maximum retries")));
  const stats = logsOf(run.records, "laptop").find((l) => l.startsWith("10 packets transmitted"))!;
  assert.match(stats, /10 packets transmitted, [1-9] received/);
});

Deno.test("failure: silent peer: HELLO 20 s after the last message, then give up and clean up", () => {
  const run = runLesson("l2tp-fail-silent");
  const hellos = sent(run.records, "home-lan", "laptop").filter((r) => /Hello/.test(r.summary)).map((r) =>
    r.t
  );
  // The laptop last heard the LNS at 1.288 s (IPCP Conf-Ack); HELLO at +20 s, then the back-off.
  assert.deepEqual(
    hellos,
    [21.288, 22.288, 24.288, 28.288, 36.288, 44.288].map((s) => Math.round(s * SECOND)),
  );
  const giveUp = run.records.find((r) =>
    r.kind === "app" && r.node === "laptop" && r.summary.startsWith("Maximum retries")
  )!;
  assert.equal(giveUp.t, 52 * SECOND + 288 * MS);
  const laptop = run.network.devices.get("laptop")!;
  assert.equal(laptop.ip.interface("ppp0"), undefined);
  assert.equal(formatIp(laptop.ip.route(parseIp("10.10.0.5")!)!.nextHop), "192.168.1.1");
});

Deno.test("cleartext: the backbone carries the PAP password and the inner ping in clear", () => {
  const run = runLesson("l2tp-cleartext");
  const text = new TextDecoder("latin1");
  const backbone = sent(run.records, "backbone");
  const pap = backbone.filter((r) => dissect(r.bytes!)!.pppProtocol === 0xc023);
  assert.ok(pap.some((r) => text.decode(r.bytes!).includes("wonderland")), "PAP sends the password itself");
  const inner = backbone.map((r) => dissect(r.bytes!)!).filter((d) => d.icmp?.type === 8);
  assert.equal(inner.length, 2);
  assert.equal(formatIp(inner[0].inner!.src), "10.10.99.100");
  const tap = logsOf(run.records, "eavesdropper");
  assert.equal(tap.filter((l) => l.includes("PAP Auth-Req")).length, 1);
  assert.equal(tap.length - 1, backbone.length, "the tap logs every frame on its link (plus its start line)");
});

Deno.test("limits: max-tunnels refuses a second tunnel with StopCCN, max-sessions a second call with CDN", () => {
  const tunnels = runLesson("l2tp-fail-pool", (m) => {
    const lns = m.nodes.find((n) => n.name === "lns")!;
    lns.config["max-tunnels"] = 1;
    lns.config.pool = { first: parseIp("10.10.99.100")!, last: parseIp("10.10.99.110")! };
  });
  const [stop] = controlFrom(tunnels, "office-wan", "lns", 4);
  const result = findAvp(stop, "resultCode")!;
  assert.deepEqual([result.result, result.error, result.message], [2, 4, "Too many tunnels (limit 1)"]);
  assert.ok(logsOf(tunnels.records, "phone").some((l) => l.includes("Too many tunnels")));
  const calls = runLesson("l2tp-fail-pool", (m) => {
    const lns = m.nodes.find((n) => n.name === "lns")!;
    lns.config["max-sessions"] = 1;
    lns.config.pool = { first: parseIp("10.10.99.100")!, last: parseIp("10.10.99.110")! };
  });
  const [cdn] = controlFrom(calls, "office-wan", "lns", 14);
  assert.equal(findAvp(cdn, "resultCode")!.result, 4, "facilities unavailable (temporary condition)");
  assert.ok(logsOf(calls.records, "phone").some((l) => l.includes("Too many sessions")));
});
