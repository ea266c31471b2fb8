/**
 * IKEv2 end to end through the home-router preset: NAT found and the move to UDP 4500, the virtual
 * IP and the ping, CHILD_SA and IKE SA rekeys without a lost packet, DELETE from either side, and the
 * refusals (wrong PSK, no common proposal, the other DH group).
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { daemonOf, drops, logs, onLink, runLab, withoutNat } from "./harness.ts";

Deno.test("through the home router: 4 IKE messages, NAT detected, UDP 4500, virtual IP, pings answered", () => {
  const { records } = runLab();
  const access = onLink(records, "access");
  const ike = access.filter((s) => s.includes("IKEv2"));
  assert.deepEqual(ike.slice(0, 4).map((s) => s.replace(/^\S+ > \S+: /, "")), [
    "IKEv2 IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]",
    "IKEv2 IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]",
    "IKEv2 IKE_AUTH request 1 [ SK ]",
    "IKEv2 IKE_AUTH response 1 [ SK ]",
  ]);
  // The first two on 500, the rest on 4500 from the router's public address.
  assert.match(ike[0], /^198\.51\.100\.2\.500 > 203\.0\.113\.10\.500:/);
  assert.match(ike[2], /^198\.51\.100\.2\.4500 > 203\.0\.113\.10\.4500:/);
  assert.ok(logs(records, "laptop").includes("local host is behind NAT, sending keep alives"));
  assert.ok(logs(records, "office-gw").includes("remote host is behind NAT"));
  assert.ok(
    logs(records, "laptop").includes("2 packets transmitted, 2 received, 0% packet loss, time 1038ms"),
  );
  assert.ok(logs(records, "server").some((l) => l.startsWith("1 packets transmitted, 1 received")));
  assert.ok(!access.some((s) => s.includes("ICMP")), "the inner ping never shows on the access link");
  assert.deepEqual(drops(records).filter((d) => !d.includes("ICMP")), []);
});

const PING = "{ at: 2s, node: laptop, do: ping 10.10.0.5 count 2 }";

Deno.test("without a NAT the SAs stay on UDP 500 and ESP is plain protocol 50", () => {
  const { records } = runLab({ edit: withoutNat, script: [PING], duration: "5s" });
  const access = onLink(records, "access");
  assert.ok(
    access.some((s) => /^192\.168\.1\.10\.500 > 203\.0\.113\.10\.500: IKEv2 IKE_AUTH request 1/.test(s)),
  );
  assert.ok(access.some((s) => /^192\.168\.1\.10 > 203\.0\.113\.10: ESP\(spi=/.test(s)), access.join("\n"));
  assert.ok(!access.some((s) => s.includes(".4500")));
  assert.ok(!logs(records, "laptop").some((l) => l.includes("behind NAT")));
  assert.ok(
    logs(records, "laptop").includes("2 packets transmitted, 2 received, 0% packet loss, time 1038ms"),
  );
});

Deno.test("encap: true moves to UDP 4500 even without a NAT (the forged NAT_DETECTION_SOURCE_IP)", () => {
  const { records } = runLab({ edit: withoutNat, client: ["encap: true"], script: [PING], duration: "5s" });
  const access = onLink(records, "access");
  assert.ok(access.some((s) => /^192\.168\.1\.10\.4500 > 203\.0\.113\.10\.4500: UDP-encap ESP/.test(s)));
  assert.ok(logs(records, "office-gw").includes("remote host is behind NAT"));
  assert.ok(logs(records, "laptop").includes("switching to UDP 4500 (encapsulation forced)"));
});

Deno.test("CHILD_SA rekey: new SPIs, traffic moves over, the old pair is deleted, no ping lost", () => {
  const { records } = runLab({
    client: ["lifetime: 2m", "margin: 30s"],
    server: ["lifetime: 2m"],
    script: ["{ at: 1s, node: laptop, do: ping 10.10.0.5 count 150 interval 1s }"],
    duration: "160s",
  });
  const laptop = logs(records, "laptop");
  const gw = logs(records, "office-gw");
  assert.ok(laptop.some((l) => /^rekeying CHILD_SA with SPIs/.test(l)), laptop.join("\n"));
  const children = laptop.filter((l) => l.startsWith("CHILD_SA established"));
  assert.equal(children.length, 2, "the first pair and its successor");
  assert.ok(gw.some((l) => l.includes("at the peer's request")));
  assert.ok(gw.some((l) => l.startsWith("received DELETE for ESP CHILD_SA")));
  assert.ok(
    laptop.some((l) =>
      /^CHILD_SA 0x[0-9a-f]{8}_i 0x[0-9a-f]{8}_o removed: deleted \(DELETE exchanged\)/.test(l)
    ),
  );
  assert.ok(laptop.includes("150 packets transmitted, 150 received, 0% packet loss, time 149038ms"));
  // The rekey happens 90 s in (lifetime 2 min − margin 30 s), before the first pair would expire.
  const rekeyAt =
    records.find((r) => r.kind === "app" && r.node === "laptop" && r.summary.startsWith("rekeying CHILD_SA"))!
      .t;
  assert.equal(rekeyAt, 90_072_000);
  const access = onLink(records, "access");
  assert.ok(access.some((s) => s.includes("IKEv2 CREATE_CHILD_SA request 2 [ SK ]")));
  assert.ok(access.some((s) => s.includes("IKEv2 INFORMATIONAL request 3 [ SK ]")));
});

Deno.test("IKE SA rekey: new SPIs, the CHILD_SA moves to the new IKE SA, the old one is deleted", () => {
  const result = runLab({
    client: ["ike-lifetime: 2m", "margin: 30s"],
    script: ["{ at: 1s, node: laptop, do: ping 10.10.0.5 count 120 interval 1s }"],
    duration: "125s",
  });
  const { records } = result;
  const laptop = logs(records, "laptop");
  assert.ok(
    laptop.some((l) => /^IKE_SA [0-9a-f]{16}_i rekeyed to [0-9a-f]{16}_i$/.test(l)),
    laptop.join("\n"),
  );
  assert.ok(logs(records, "office-gw").some((l) => l.startsWith("received DELETE for IKE_SA")));
  assert.ok(laptop.includes("120 packets transmitted, 120 received, 0% packet loss, time 119038ms"));
  const [client] = daemonOf(result, "laptop").sas;
  const [gateway] = daemonOf(result, "office-gw").sas;
  assert.equal(daemonOf(result, "laptop").sas.length, 1);
  assert.equal(client.key, gateway.key, "both sides hold the same new IKE SA");
  assert.equal(client.children.length, 1, "the CHILD_SA moved to it");
  assert.equal(client.messageIds.send, 0, "the new IKE SA counts its own Message IDs");
});

Deno.test("DELETE from the road warrior: both sides forget the SAs, ipsec0 and its routes go away", () => {
  const result = runLab({ script: [PING], duration: "5s" });
  const sched = result.network.devices.get("laptop")!.ctx.sched;
  sched.at(5 * SECOND, () => daemonOf(result, "laptop").terminate("user request"));
  sched.runUntil(8 * SECOND);
  const { records } = result;
  assert.deepEqual(daemonOf(result, "laptop").sas, []);
  assert.deepEqual(daemonOf(result, "office-gw").sas, []);
  assert.deepEqual(daemonOf(result, "office-gw").tunnel.all, []);
  assert.ok(logs(records, "office-gw").includes("received DELETE for IKE_SA from 198.51.100.2"));
  const laptop = result.network.devices.get("laptop")!;
  assert.equal(laptop.ip.interface("ipsec0"), undefined);
  assert.ok(!laptop.ip.routes.routes.some((r) => r.iface === "ipsec0"));
  assert.ok(onLink(records, "access").some((s) => s.includes("IKEv2 INFORMATIONAL request 2 [ SK ]")));
});

Deno.test("a wrong pre-shared key: the gateway answers AUTHENTICATION_FAILED and no tunnel comes up", () => {
  const { records } = runLab({
    edit: (t) => t.replace('psk: "classroom-secret"\n      gateway', 'psk: "wrong-secret"\n      gateway'),
    script: [PING],
    duration: "5s",
  });
  assert.ok(logs(records, "office-gw").some((l) => l.includes("AUTH does not verify (different PSK?)")));
  assert.ok(logs(records, "laptop").some((l) => l.includes("received AUTHENTICATION_FAILED notify error")));
  assert.ok(!logs(records, "laptop").some((l) => l.startsWith("CHILD_SA established")));
});

Deno.test("no common IKE proposal: NO_PROPOSAL_CHOSEN in IKE_SA_INIT names what was offered", () => {
  const { records } = runLab({ client: ["ike: aes256-sha1-modp1024"], script: [PING], duration: "5s" });
  assert.ok(
    logs(records, "office-gw").includes(
      "received proposals unacceptable: offered aes256-prfsha1-sha1-modp1024; we accept aes128-sha256-modp2048",
    ),
  );
  assert.ok(
    logs(records, "laptop").some((l) =>
      l.includes("received NO_PROPOSAL_CHOSEN notify error in IKE_SA_INIT")
    ),
  );
});

Deno.test("the responder wants another DH group: INVALID_KE_PAYLOAD, then IKE_SA_INIT again with that group", () => {
  const { records } = runLab({
    client: ["ike: aes128-sha256-curve25519,aes128-sha256-modp2048"],
    server: ["ike: aes128-sha256-modp2048"],
    script: [PING],
    duration: "5s",
  });
  const laptop = logs(records, "laptop");
  assert.ok(laptop.includes("peer didn't accept DH group 31, it requested 14"), laptop.join("\n"));
  const inits = onLink(records, "access").filter((s) => s.includes("IKE_SA_INIT"));
  assert.deepEqual(inits.map((s) => s.replace(/^\S+ > \S+: /, "")), [
    "IKEv2 IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]",
    "IKEv2 IKE_SA_INIT response 0 [ N(INVAL_KE) ]",
    "IKEv2 IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]",
    "IKEv2 IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]",
  ]);
  assert.ok(laptop.includes("2 packets transmitted, 2 received, 0% packet loss, time 1038ms"));
});

Deno.test("AES-GCM for IKE and Curve25519: the SK payload and the tunnel work the same", () => {
  const ike = "ike: aes256gcm16-prfsha256-curve25519";
  const { records } = runLab({
    client: [ike, "esp: aes256-sha256"],
    server: [ike, "esp: aes256-sha256"],
    script: [PING],
    duration: "5s",
  });
  assert.ok(logs(records, "laptop").includes("selected proposal: IKE:aes256gcm16-prfsha256-curve25519"));
  assert.ok(
    logs(records, "laptop").includes("2 packets transmitted, 2 received, 0% packet loss, time 1038ms"),
  );
});

Deno.test("liveness: a gateway that goes silent is declared dead after the retransmissions", () => {
  const result = runLab({ client: ["dpd-delay: 10s"], script: [PING], duration: "5s" });
  const sched = result.network.devices.get("laptop")!.ctx.sched;
  // The gateway loses its state (a reboot): its IKE port answers nothing any more.
  sched.at(5 * SECOND, () => result.network.devices.get("office-gw")!.ip.unbindUdp(4500));
  sched.runUntil(200 * SECOND);
  const laptop = logs(result.records, "laptop");
  assert.ok(laptop.includes("sending DPD request (empty INFORMATIONAL) to 203.0.113.10"));
  assert.ok(
    laptop.includes("giving up after 5 retransmits of INFORMATIONAL request 2 to 203.0.113.10"),
    laptop.join("\n"),
  );
  assert.deepEqual(daemonOf(result, "laptop").sas, []);
});
