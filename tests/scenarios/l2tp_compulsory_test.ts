import assert from "node:assert/strict";
import { utf8 } from "../../src/crypto/bytes.ts";
import { md5 } from "../../src/crypto/hash.ts";
import type { Subscriber } from "../../src/devices/subscriber.ts";
import { findAvp } from "../../src/wire/l2tp_avp.ts";
import { decodeLcpOptions } from "../../src/wire/lcp.ts";
import { controlNames, dissect, logsOf, nodeOf, runLesson, sent } from "./l2tp_run.ts";

function iccnOf(run: ReturnType<typeof runLesson>) {
  const iccn = sent(run.records, "backbone", "isp").map((r) => dissect(r.bytes!)!.l2tp)
    .find((l) => l?.kind === "control" && findAvp(l.avps, "messageType")?.messageType === 12);
  if (!iccn || iccn.kind !== "control") throw new Error("no ICCN");
  return iccn;
}

Deno.test("compulsory: the subscriber's ping reaches the company server through the ISP's tunnel", () => {
  const run = runLesson("l2tp-compulsory");
  assert.ok(
    logsOf(run.records, "bob-pc").includes("3 packets transmitted, 3 received, 0% packet loss, time 2066ms"),
  );
  assert.deepEqual(controlNames(run.records, "backbone").slice(0, 8), [
    "SCCRQ",
    "SCCRP",
    "SCCCN",
    "ICRQ",
    "ZLB",
    "ICRP",
    "ICCN",
    "ZLB",
  ]);
  // The PC itself never speaks L2TP: its frames reach the ISP over the line and enter the tunnel there.
  const fromLine = run.records.find((r) =>
    r.kind === "deliver" && r.node === "isp" && r.iface === "line" && r.pkt !== undefined
  )!;
  const encap = run.records.find((r) => r.kind === "encap" && r.node === "isp" && r.parent === fromLine.pkt)!;
  assert.ok(encap, "the ISP wraps the packet it got from the line");
  const outer = sent(run.records, "backbone", "isp").find((r) => r.pkt === encap.pkt)!;
  const layers = dissect(outer.bytes!)!;
  assert.equal(layers.icmp?.type, 8);
  assert.ok(run.records.some((r) => r.kind === "decap" && r.node === "lns" && r.parent === encap.pkt));
});

Deno.test("compulsory: the ICCN carries proxy LCP (26-28) and proxy CHAP (29-33) that check out", () => {
  const run = runLesson("l2tp-compulsory");
  const iccn = iccnOf(run);
  const types = iccn.avps.map((a) => a.type);
  for (
    const t of [
      "initialReceivedLcpConfReq",
      "lastSentLcpConfReq",
      "lastReceivedLcpConfReq",
      "proxyAuthenType",
      "proxyAuthenName",
      "proxyAuthenChallenge",
      "proxyAuthenId",
      "proxyAuthenResponse",
    ] as const
  ) assert.ok(types.includes(t), `ICCN lacks ${t}`);
  assert.equal(findAvp(iccn.avps, "proxyAuthenType")!.authType, 2, "PPP CHAP");
  assert.equal(findAvp(iccn.avps, "proxyAuthenName")!.name, "bob@corp.example");
  // RFC 1994: the response the PC gave is MD5(Identifier ‖ secret ‖ challenge) with Bob's password.
  const id = findAvp(iccn.avps, "proxyAuthenId")!.id;
  const challenge = findAvp(iccn.avps, "proxyAuthenChallenge")!.challenge;
  assert.deepEqual(
    findAvp(iccn.avps, "proxyAuthenResponse")!.response,
    md5(Uint8Array.of(id), utf8("builder"), challenge),
  );
  // The LAC's last CONFREQ asked for CHAP-MD5; the PC's did not ask for authentication itself.
  const lacOptions = decodeLcpOptions(findAvp(iccn.avps, "lastSentLcpConfReq")!.options);
  assert.ok(lacOptions.ok && lacOptions.value.some((o) => o.type === "auth" && o.protocol === 0xc223));
  const pcOptions = decodeLcpOptions(findAvp(iccn.avps, "lastReceivedLcpConfReq")!.options);
  assert.ok(pcOptions.ok && !pcOptions.value.some((o) => o.type === "auth"));
  // Accepting the proxy, the LNS never sends LCP Configure-Requests or a CHAP Challenge of its own.
  const fromLns = sent(run.records, "backbone", "internet").map((r) => dissect(r.bytes!)!);
  assert.ok(
    !fromLns.some((d) => d.pppProtocol === 0xc021 && d.l2tp?.kind === "data" && d.l2tp.payload[4] === 1),
  );
  assert.ok(logsOf(run.records, "lns").includes("accepted proxy LCP from the LAC"));
});

Deno.test("compulsory: an LNS set to renegotiate runs LCP and CHAP with the PC itself", () => {
  const run = runLesson("l2tp-compulsory", (m) => {
    nodeOf(m, "lns").config.proxy = "renegotiate";
  });
  const fromLns = sent(run.records, "office-wan", "lns").map((r) => dissect(r.bytes!)!)
    .filter((d) => d.l2tp?.kind === "data");
  const payload = (
    d: (typeof fromLns)[number],
  ) => (d.l2tp!.kind === "data" ? d.l2tp!.payload : new Uint8Array());
  assert.ok(fromLns.some((d) => d.pppProtocol === 0xc021 && payload(d)[4] === 1), "LNS sends LCP Conf-Req");
  assert.ok(fromLns.some((d) => d.pppProtocol === 0xc223 && payload(d)[4] === 1), "LNS sends CHAP Challenge");
  assert.ok(
    logsOf(run.records, "bob-pc").includes("3 packets transmitted, 3 received, 0% packet loss, time 2066ms"),
  );
});

Deno.test("compulsory: a user outside the LAC's realm is not tunnelled", () => {
  const run = runLesson("l2tp-compulsory", (m) => {
    nodeOf(m, "bob-pc").config.user = "bob@elsewhere.example";
  });
  assert.ok(logsOf(run.records, "isp").some((l) => l.includes("is not a user of realm corp.example")));
  assert.deepEqual(controlNames(run.records, "backbone"), []);
  assert.ok(logsOf(run.records, "bob-pc").some((l) => l.startsWith("NO CARRIER")));
});

Deno.test("compulsory: a wrong password fails at the LNS, which clears the call; the ISP hangs up", () => {
  const run = runLesson("l2tp-compulsory", (m) => {
    nodeOf(m, "bob-pc").config.password = "not-builder";
  });
  assert.ok(logsOf(run.records, "lns").includes("CHAP peer authentication failed for bob@corp.example"));
  assert.ok(controlNames(run.records, "office-wan", "lns").includes("CDN"));
  assert.ok(logsOf(run.records, "bob-pc").some((l) => l.startsWith("CHAP authentication failed")));
  assert.ok(logsOf(run.records, "isp").some((l) => l.startsWith("isp: hanging up line0 to bob-pc")));
  assert.equal((run.network.devices.get("bob-pc") as Subscriber).line?.up, false);
  assert.ok(!logsOf(run.records, "bob-pc").some((l) => l.startsWith("ppp0:")));
});
