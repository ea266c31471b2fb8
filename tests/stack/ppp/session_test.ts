import assert from "node:assert/strict";
import { md5 } from "@noble/hashes/legacy.js";
import { SECOND } from "../../../src/engine/time.ts";
import { checkAuth } from "../../../src/stack/ppp/auth.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import type { IpcpOption, LcpOption } from "../../../src/wire/lcp.ts";
import { decodePpp } from "../../../src/wire/ppp.ts";
import { describe, laptopConfig, lnsConfig, pair, type Seen, type Side } from "./harness.ts";

const ip = (text: string) => parseIp(text)!;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The frames of one protocol from one side, in order. */
function of<P extends Seen["proto"]>(seen: Seen[], side: Side, proto: P): Extract<Seen, { proto: P }>[] {
  return seen.filter((s): s is Extract<Seen, { proto: P }> => s.side === side && s.proto === proto);
}

function lcpRequests(seen: Seen[], side: Side): LcpOption[][] {
  return of(seen, side, "LCP").flatMap((s) => (s.packet.kind === "conf-req" ? [s.packet.options] : []));
}

function started(options: Parameters<typeof pair>[0]) {
  const p = pair(options);
  p.client.open();
  p.server.open();
  return p;
}

Deno.test("CHAP-MD5: LCP, Challenge/Response/Success, IPCP, both ends open", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig() });
  p.run(5 * SECOND);
  assert.equal(p.client.phase, "open", describe(p.seen));
  assert.equal(p.server.phase, "open");

  // LCP: the server demands CHAP with MD5 (C223 05); both send a Magic-Number.
  const serverReq = lcpRequests(p.seen, "server")[0];
  assert.deepEqual(serverReq.find((o) => o.type === "auth"), {
    type: "auth",
    protocol: 0xc223,
    algorithm: 5,
  });
  assert.ok(serverReq.some((o) => o.type === "magic" && o.magic !== 0));
  assert.ok(lcpRequests(p.seen, "client")[0].some((o) => o.type === "magic"));

  const [challenge] = of(p.seen, "server", "CHAP");
  const [response] = of(p.seen, "client", "CHAP");
  assert.equal(challenge.packet.kind, "challenge");
  assert.equal(response.packet.kind, "response");
  if (challenge.packet.kind !== "challenge" || response.packet.kind !== "response") return;
  assert.equal(challenge.packet.name, "lns");
  assert.equal(challenge.packet.value.length, 16);
  assert.equal(response.packet.id, challenge.packet.id);
  assert.equal(response.packet.name, "alice");
  // RFC 1994 §4.1, computed here with the hash library directly: MD5(Identifier ‖ secret ‖ Challenge).
  const expected = md5(
    Uint8Array.of(challenge.packet.id, ...new TextEncoder().encode("wonderland"), ...challenge.packet.value),
  );
  assert.deepEqual(response.packet.value, expected);
  const success = of(p.seen, "server", "CHAP")[1].packet;
  assert.deepEqual(success, { kind: "success", id: challenge.packet.id, message: "Access granted" });

  assert.deepEqual(p.log.client.phases, ["establish", "authenticate", "network", "open"]);
  assert.deepEqual(p.log.server.phases, ["establish", "authenticate", "network", "open"]);
  assert.equal(p.server.user, "alice");
  assert.ok(p.apps("laptop").includes("CHAP authentication succeeded"));
  assert.ok(p.apps("lns").includes("CHAP peer authentication succeeded for alice"));
  assert.ok(p.apps("laptop").includes("local IP address 10.8.0.10"));
  assert.ok(p.apps("laptop").includes("remote IP address 10.8.0.1"));
  assert.equal(p.drops().length, 0);
});

Deno.test("CHAP with a wrong password: Failure, LCP Terminate with a reason, both ends down", () => {
  const p = started({ client: laptopConfig({ password: "guess" }), server: lnsConfig() });
  p.run(10 * SECOND);
  const serverChap = of(p.seen, "server", "CHAP").map((s) => s.packet);
  assert.deepEqual(serverChap.map((c) => c.kind), ["challenge", "failure"]);
  assert.equal((serverChap[1] as { message: string }).message, "Access denied");
  const serverTerm = of(p.seen, "server", "LCP").find((s) => s.packet.kind === "term-req");
  assert.ok(serverTerm && serverTerm.packet.kind === "term-req");
  assert.equal(text(serverTerm.packet.data), "Authentication failed");
  assert.equal(p.client.phase, "dead");
  assert.equal(p.server.phase, "dead");
  assert.match(p.log.server.down!, /CHAP authentication of "alice" failed: wrong secret/);
  assert.match(p.log.client.down!, /CHAP authentication failed/);
  assert.ok(p.apps("laptop").some((line) => line.startsWith("CHAP authentication failed")));
  assert.ok(!p.seen.some((s) => s.proto === "IPCP"), "no network phase after a failed authentication");
  assert.equal(p.log.client.up, undefined);
});

Deno.test("CHAP with an unknown user is refused with the same Failure", () => {
  const p = started({ client: laptopConfig({ username: "mallory" }), server: lnsConfig() });
  p.run(10 * SECOND);
  assert.match(p.log.server.down!, /unknown user "mallory"/);
  assert.equal(p.server.authRecord?.name, "mallory");
});

Deno.test('checkAuth: the CHAP vector of PROTOCOLS.md (id 1, "secret", challenge 00..0f)', () => {
  const challenge = Uint8Array.from({ length: 16 }, (_, i) => i);
  const response = Uint8Array.from(
    "740e86463bda3a4d7017d6e0fba0699d".match(/../g)!.map((h) => parseInt(h, 16)),
  );
  const record = { type: "chap" as const, name: "u", id: 1, challenge, response };
  assert.equal(checkAuth(record, { u: "secret" }), undefined);
  assert.equal(checkAuth(record, { u: "Secret" }), "wrong secret");
  assert.equal(checkAuth({ ...record, id: 2 }, { u: "secret" }), "wrong secret");
  assert.equal(checkAuth(record, { toString: "x" } as Record<string, string>), `unknown user "u"`);
});

Deno.test("PAP: the password travels in clear; the server Acks and IPCP follows", () => {
  const p = started({ client: laptopConfig({ auth: "pap" }), server: lnsConfig({ auth: "pap" }) });
  p.run(5 * SECOND);
  assert.deepEqual(lcpRequests(p.seen, "server")[0].find((o) => o.type === "auth"), {
    type: "auth",
    protocol: 0xc023,
  });
  const [request] = of(p.seen, "client", "PAP");
  assert.equal(request.packet.kind, "auth-req");
  assert.deepEqual(request.packet, {
    kind: "auth-req",
    id: request.packet.id,
    peerId: "alice",
    password: "wonderland",
  });
  // The cleartext password is visible in the raw frame bytes, which is the point of the lesson.
  assert.ok(text(request.bytes).includes("wonderland"));
  assert.deepEqual(of(p.seen, "server", "PAP")[0].packet, {
    kind: "auth-ack",
    id: request.packet.id,
    message: "Login ok",
  });
  assert.equal(p.client.phase, "open");
  assert.equal(p.server.user, "alice");
  assert.ok(p.apps("laptop").includes("PAP authentication succeeded"));
});

Deno.test("PAP with a wrong password: Authenticate-Nak, then termination", () => {
  const p = started({
    client: laptopConfig({ auth: "pap", password: "x" }),
    server: lnsConfig({ auth: "pap" }),
  });
  p.run(10 * SECOND);
  const [nak] = of(p.seen, "server", "PAP");
  assert.equal(nak.packet.kind, "auth-nak");
  assert.equal((nak.packet as { message: string }).message, "Login incorrect");
  assert.equal(p.client.phase, "dead");
  assert.equal(p.server.phase, "dead");
  assert.match(p.log.server.down!, /PAP authentication of "alice" failed: wrong password/);
  assert.ok(p.apps("laptop").some((l) => l.startsWith("PAP authentication failed")));
});

Deno.test("a client that only accepts PAP Naks CHAP; a CHAP-only server then gives up", () => {
  const p = started({ client: laptopConfig({ auth: "pap" }), server: lnsConfig() });
  p.run(10 * SECOND);
  const nak = of(p.seen, "client", "LCP").find((s) => s.packet.kind === "conf-nak");
  assert.ok(nak && nak.packet.kind === "conf-nak");
  assert.deepEqual(nak.packet.options, [{ type: "auth", protocol: 0xc023 }]);
  assert.equal(p.server.phase, "dead");
  assert.match(p.log.server.down!, /refused to authenticate with CHAP-MD5 \(it proposed PAP\)/);
});

Deno.test("IPCP: the client asks 0.0.0.0 and DNS, the server Naks with pool address and DNS, then Acks", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig() });
  p.run(5 * SECOND);
  const clientReqs = of(p.seen, "client", "IPCP").flatMap((
    s,
  ) => (s.packet.kind === "conf-req" ? [s.packet] : []));
  assert.deepEqual(clientReqs[0].options, [
    { type: "ip-address", address: 0 },
    { type: "primary-dns", address: 0 },
    { type: "secondary-dns", address: 0 },
  ]);
  const wanted: IpcpOption[] = [
    { type: "ip-address", address: ip("10.8.0.10") },
    { type: "primary-dns", address: ip("10.0.0.53") },
    { type: "secondary-dns", address: ip("10.0.0.54") },
  ];
  const serverIpcp = of(p.seen, "server", "IPCP").map((s) => s.packet);
  assert.deepEqual(serverIpcp[0], {
    kind: "conf-req",
    id: serverIpcp[0].id,
    options: [{ type: "ip-address", address: ip("10.8.0.1") }],
  });
  const nak = serverIpcp.find((x) => x.kind === "conf-nak");
  assert.deepEqual(nak, { kind: "conf-nak", id: clientReqs[0].id, options: wanted });
  assert.deepEqual(clientReqs[1].options, wanted);
  assert.deepEqual(serverIpcp.at(-1), { kind: "conf-ack", id: clientReqs[1].id, options: wanted });
  assert.deepEqual(p.log.client.up, {
    localAddress: "10.8.0.10",
    peerAddress: "10.8.0.1",
    dns: ["10.0.0.53", "10.0.0.54"],
    user: "alice",
    mru: 1400,
  });
  assert.equal(p.log.server.up?.peerAddress, "10.8.0.10");
  assert.equal(p.log.server.up?.localAddress, "10.8.0.1");
});

Deno.test("IPCP: a server with one DNS server Rejects the secondary DNS option rather than invent one", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig({ dns: ["10.0.0.53"] }) });
  p.run(5 * SECOND);
  const rej = of(p.seen, "server", "IPCP").find((s) => s.packet.kind === "conf-rej");
  assert.ok(rej && rej.packet.kind === "conf-rej");
  assert.deepEqual(rej.packet.options, [{ type: "secondary-dns", address: 0 }]);
  assert.deepEqual(p.log.client.up?.dns, ["10.0.0.53"]);
});

Deno.test("IPv4 datagrams flow both ways once IPCP is open, as protocol 0x0021", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig() });
  const datagram = Uint8Array.from({ length: 28 }, (_, i) => 0x45 + i);
  assert.equal(p.client.sendIp(datagram), false, "not before IPCP is open");
  p.run(5 * SECOND);
  const frames: Uint8Array[] = [];
  const before = p.seen.length;
  assert.equal(p.client.sendIp(datagram), true);
  assert.equal(p.server.sendIp(datagram.slice().reverse()), true);
  p.run(6 * SECOND);
  for (const s of p.seen.slice(before)) frames.push(s.bytes);
  assert.deepEqual(frames.map((f) => Array.from(f.subarray(0, 4))), [[0xff, 3, 0, 0x21], [0xff, 3, 0, 0x21]]);
  assert.deepEqual(p.log.server.ip, [datagram]);
  assert.deepEqual(p.log.client.ip, [datagram.slice().reverse()]);
});

Deno.test("compressed headers from the peer (no FF 03, one-byte protocol) are accepted", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig() });
  p.run(5 * SECOND);
  const datagram = Uint8Array.of(0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 8, 0, 10, 10, 8, 0, 1);
  p.server.input(Uint8Array.of(0x21, ...datagram));
  p.server.input(Uint8Array.of(0x00, 0x21, ...datagram));
  assert.deepEqual(p.log.server.ip, [datagram, datagram]);
  assert.equal(p.drops().length, 0);
});

Deno.test("pool exhausted: the server Rejects IP-Address, IPCP and then LCP terminate with a clear reason", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig({}, []) });
  p.run(20 * SECOND);
  const rej = of(p.seen, "server", "IPCP").find((s) => s.packet.kind === "conf-rej");
  assert.ok(rej && rej.packet.kind === "conf-rej");
  assert.deepEqual(rej.packet.options, [{ type: "ip-address", address: 0 }]);
  const ipcpTerm = of(p.seen, "client", "IPCP").find((s) => s.packet.kind === "term-req");
  assert.ok(ipcpTerm && ipcpTerm.packet.kind === "term-req");
  assert.equal(text(ipcpTerm.packet.data), "Could not determine local IP address");
  const lcpTerm = of(p.seen, "client", "LCP").find((s) => s.packet.kind === "term-req");
  assert.ok(lcpTerm && lcpTerm.packet.kind === "term-req");
  assert.equal(text(lcpTerm.packet.data), "No network protocols running");
  assert.equal(p.server.phase, "dead");
  assert.equal(p.client.phase, "dead");
  assert.match(p.log.server.down!, /address pool exhausted/);
  assert.match(p.log.client.down!, /Could not determine local IP address/);
  assert.ok(p.apps("lns").includes("no IP address available for alice: address pool exhausted"));
  assert.equal(p.log.client.up, undefined);
});

Deno.test("the pool address is released when the session ends", () => {
  const released: string[] = [];
  const server = lnsConfig({ releaseAddress: (a) => released.push(a) }, ["10.8.0.20"]);
  const p = started({ client: laptopConfig(), server });
  p.run(5 * SECOND);
  assert.equal(p.log.server.up?.peerAddress, "10.8.0.20");
  p.client.close("User request");
  p.run(10 * SECOND);
  assert.deepEqual(released, ["10.8.0.20"]);
  assert.equal(p.log.server.down, "LCP terminated by peer (User request)");
  assert.equal(p.log.client.down, "User request");
});

Deno.test("MRU: the client asks 1400, the server (default 1500) sends no MRU; both use 1400", () => {
  const p = started({ client: laptopConfig({ mru: 1400 }), server: lnsConfig() });
  p.run(5 * SECOND);
  assert.deepEqual(lcpRequests(p.seen, "client")[0].find((o) => o.type === "mru"), {
    type: "mru",
    mru: 1400,
  });
  assert.equal(lcpRequests(p.seen, "server")[0].find((o) => o.type === "mru"), undefined);
  assert.equal(p.log.client.up?.mru, 1400);
  assert.equal(p.log.server.up?.mru, 1400);
  const q = started({ client: laptopConfig({ mru: 1500 }), server: lnsConfig({ mru: 1460 }) });
  q.run(5 * SECOND);
  assert.equal(lcpRequests(q.seen, "client")[0].find((o) => o.type === "mru"), undefined);
  assert.equal(q.log.client.up?.mru, 1460);
});

Deno.test("admin close sends Terminate-Request with the reason; the peer Acks; both go dead", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig() });
  p.run(5 * SECOND);
  p.server.close("Administrative shutdown");
  p.run(15 * SECOND);
  const term = of(p.seen, "server", "LCP").find((s) => s.packet.kind === "term-req");
  assert.ok(term && term.packet.kind === "term-req");
  assert.equal(text(term.packet.data), "Administrative shutdown");
  assert.ok(of(p.seen, "client", "LCP").some((s) => s.packet.kind === "term-ack"));
  assert.equal(p.log.server.down, "Administrative shutdown");
  assert.ok(p.apps("laptop").includes("LCP terminated by peer (Administrative shutdown)"));
  assert.deepEqual(p.log.client.phases.slice(-2), ["terminate", "dead"]);
});

Deno.test("lowerDown: immediately dead, no frame sent, timers stopped", () => {
  const p = started({ client: laptopConfig({ echoInterval: SECOND }), server: lnsConfig() });
  p.run(5 * SECOND);
  const before = p.seen.filter((s) => s.side === "client").length;
  p.client.lowerDown();
  assert.equal(p.client.phase, "dead");
  assert.match(p.log.client.down!, /lower layer/);
  assert.deepEqual(p.log.client.phases.slice(-2), ["open", "dead"]);
  p.run(60 * SECOND);
  assert.equal(p.seen.filter((s) => s.side === "client").length, before);
});

Deno.test("the ppp table follows the phases, with user and addresses once open", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig() });
  p.run(5 * SECOND);
  const rows = p.tracer.records.filter((r) => r.kind === "state" && r.table === "ppp" && r.node === "laptop");
  assert.ok(rows.every((r) => r.key === "ppp0"));
  assert.deepEqual(rows.at(-1)!.value, {
    phase: "open",
    lcp: "opened",
    ipcp: "opened",
    user: "alice",
    local: "10.8.0.10",
    peer: "10.8.0.1",
  });
  const phases = rows.map((r) => r.value!.phase).filter((ph, i, all) => ph !== all[i - 1]);
  assert.deepEqual(phases, ["establish", "authenticate", "network", "open"]);
});

Deno.test("every frame sent is FF 03 + protocol and decodes (the harness would throw otherwise)", () => {
  const p = started({ client: laptopConfig(), server: lnsConfig() });
  p.run(5 * SECOND);
  for (const s of p.seen) {
    const d = decodePpp(s.bytes);
    assert.ok(d.ok && d.value.addressControl && !d.value.protocolCompressed);
  }
});
