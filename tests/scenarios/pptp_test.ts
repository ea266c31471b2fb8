/**
 * PPTP end to end: the lessons edited (passthrough on, a wrong password, a wordlist without the
 * password), judged by the bytes on the links and by independently computed values, not by the
 * simulator's own summaries alone.
 */
import assert from "node:assert/strict";
import { toHex } from "../../src/crypto/index.ts";
import { ntPasswordHash } from "../../src/crypto/mschapv2.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { decodeGre, PROTO_GRE } from "../../src/wire/gre.ts";
import { decodeIpv4 } from "../../src/wire/ipv4.ts";
import { decodePptp, splitPptp } from "../../src/wire/pptp.ts";
import { decodeTcp } from "../../src/wire/tcp.ts";
import { nodeOf, runLesson } from "./l2tp_run.ts";
import { SECOND } from "../../src/engine/time.ts";

const logs = (records: TraceRecord[], node: string) =>
  records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);
const txOn = (records: TraceRecord[], link: string) =>
  records.filter((r) => r.kind === "tx" && r.link === link);

function pptpMessages(records: TraceRecord[], link: string) {
  const out: { src: number; type: number; fields: Record<string, number | string> }[] = [];
  for (const r of txOn(records, link)) {
    const ip = decodeIpv4(r.bytes!);
    if (!ip.ok || ip.value.protocol !== 6) continue;
    const tcp = decodeTcp(ip.value.payload, ip.value.src, ip.value.dst);
    if (!tcp.ok || tcp.value.payload.length === 0) continue;
    for (const m of splitPptp(tcp.value.payload).messages) {
      const d = decodePptp(m);
      if (d.ok) out.push({ src: ip.value.src, ...d.value });
    }
  }
  return out;
}

function greKeys(records: TraceRecord[], link: string, dst: number): Set<number> {
  const keys = new Set<number>();
  for (const r of txOn(records, link)) {
    const ip = decodeIpv4(r.bytes!);
    if (!ip.ok || ip.value.protocol !== PROTO_GRE || ip.value.dst !== dst) continue;
    const gre = decodeGre(ip.value.payload);
    if (gre.ok) keys.add(gre.value.callId);
  }
  return keys;
}

const HOME_PUBLIC = 0xc6336402; // 198.51.100.2
const LAPTOP = 0xc0a8010a; // 192.168.1.10

Deno.test("PPTP through the home router with pptp-passthrough on: two clients, each call mapped by Call ID", () => {
  const { records } = runLesson("pptp-nat-passthrough", (model) => {
    nodeOf(model, "home-router").config["pptp-passthrough"] = true;
  });
  for (const node of ["laptop", "tablet"]) {
    assert.ok(logs(records, node).some((l) => l.includes("3 packets transmitted, 3 received")), node);
  }
  assert.ok(logs(records, "laptop").some((l) => l.startsWith("pptp office: connected: ppp0 10.10.99.100")));
  assert.ok(logs(records, "tablet").some((l) => l.startsWith("pptp office: connected: ppp0 10.10.99.101")));
  // Outside, each Outgoing-Call-Request carries the control connection's outside TCP port as Call ID.
  const lanSide = pptpMessages(records, "home-lan").filter((m) => m.type === 7);
  const outside = pptpMessages(records, "access").filter((m) => m.type === 7);
  assert.equal(outside.length, 2);
  const accessTcp = txOn(records, "access").map((r) => decodeIpv4(r.bytes!)).filter((d) =>
    d.ok && d.value.protocol === 6 && d.value.src === HOME_PUBLIC
  );
  const ports = new Set(accessTcp.map((d) => d.ok ? (d.value.payload[0] << 8) | d.value.payload[1] : -1));
  for (const m of outside) {
    assert.ok(ports.has(Number(m.fields.callId)), `call ${m.fields.callId} is an outside port`);
  }
  // The laptop sees its own Call ID in the reply again, and the GRE it receives carries it.
  const laptopCall = Number(lanSide[0].fields.callId);
  const reply = pptpMessages(records, "home-lan").find((m) => m.type === 8)!;
  assert.equal(Number(reply.fields.peerCallId), laptopCall);
  assert.deepEqual([...greKeys(records, "home-lan", LAPTOP)], [laptopCall]);
  // From the server, GRE to the home router uses only the two outside Call IDs.
  assert.deepEqual(
    [...greKeys(records, "access", HOME_PUBLIC)].sort(),
    outside.map((m) => Number(m.fields.callId)).sort(),
  );
});

Deno.test("PPTP with a wrong password: MS-CHAPv2 Failure E=691, the call is cleared", () => {
  const { records } = runLesson("pptp-broken", (model) => {
    const laptop = nodeOf(model, "laptop");
    (laptop.config.pptp as Record<string, { password: string }>).office.password = "wonderlamb";
  });
  assert.ok(logs(records, "vpn").some((l) => l === "MS-CHAPv2 peer authentication failed for alice"));
  assert.ok(
    logs(records, "laptop").some((l) =>
      /MS-CHAPv2 authentication failed \(E=691 R=0 C=[0-9A-F]{32} V=3/.test(l)
    ),
  );
  assert.ok(
    logs(records, "laptop").some((l) =>
      l.startsWith("pptp office: disconnected: PPP: MS-CHAPv2 authentication failed")
    ),
  );
  assert.ok(pptpMessages(records, "access").some((m) => m.type === 12), "Call-Clear-Request sent");
});

Deno.test("crack mschapv2: the two hash bytes and the password match the NT hash computed apart", () => {
  const { records } = runLesson("pptp-broken");
  const hash = ntPasswordHash("wonderland");
  const tail = toHex(hash.subarray(14));
  const lines = logs(records, "eavesdropper");
  assert.ok(lines.some((l) => l.includes(`found NT hash bytes 15-16 = ${tail} after`)), tail);
  assert.ok(lines.some((l) => l.includes(`NT hash ${toHex(hash)}`)));
  // Every inner packet the laptop sent and received is read: three requests and three replies.
  const decrypted = lines.filter((l) => l.startsWith("crack: decrypted "));
  assert.equal(
    decrypted.filter((l) => /10\.10\.99\.100 > 10\.10\.0\.5: ICMP echo request/.test(l)).length,
    3,
  );
  assert.equal(decrypted.filter((l) => /10\.10\.0\.5 > 10\.10\.99\.100: ICMP echo reply/.test(l)).length, 3);
});

Deno.test("crack mschapv2 without the password in the wordlist: the hash tail, but no keys", () => {
  const { records } = runLesson("pptp-broken", (model) => {
    nodeOf(model, "eavesdropper").config.wordlist = ["password", "letmein"];
  });
  const lines = logs(records, "eavesdropper");
  assert.ok(
    lines.some((l) =>
      l.includes(`found NT hash bytes 15-16 = ${toHex(ntPasswordHash("wonderland").subarray(14))}`)
    ),
  );
  assert.ok(lines.some((l) => l.startsWith("crack: none of the 2 dictionary words fits")));
  assert.ok(!lines.some((l) => l.startsWith("crack: decrypted")));
});

Deno.test("PPTP lessons: the same seed gives the same trace", () => {
  for (const lesson of ["pptp-broken", "pptp-nat-passthrough"]) {
    const a = runLesson(lesson).records.map((r) => `${r.t} ${r.node} ${r.kind} ${r.summary}`);
    const b = runLesson(lesson).records.map((r) => `${r.t} ${r.node} ${r.kind} ${r.summary}`);
    assert.deepEqual(a, b, lesson);
  }
});

Deno.test("PPTP through the NAT: the control connection is tracked TCP, and a call expires 180 s after its last GRE", () => {
  const { records } = runLesson("pptp-broken", (model) => {
    model.duration = 250 * SECOND;
  });
  const nat = records.filter((r) => r.node === "home-router");
  // The control connection is one of the NAT's TCP connections, with TCP's states.
  const control = nat.filter((r) =>
    r.kind === "state" && r.table === "nat" && /^tcp .* ↔ 203\.0\.113\.10:1723$/.test(r.key ?? "")
  );
  assert.ok(control.some((r) => (r.value as Record<string, string> | null)?.state === "ESTABLISHED"));
  const gre = nat.filter((r) => r.kind === "nat" && / GRE /.test(r.summary));
  const lastGre = gre[gre.length - 1].t;
  assert.ok(gre.some((r) => r.summary.startsWith("DNAT GRE")), "GRE came back: the stream timeout applies");
  const removed = nat.filter((r) =>
    r.kind === "state" && r.table === "nat" && r.value === null && /^gre /.test(r.key ?? "")
  );
  assert.equal(removed.length, 1);
  assert.equal(removed[0].t, lastGre + 180 * SECOND);
  assert.match(
    removed[0].summary,
    /expired after 180s without GRE \(replied\)/,
  );
});
