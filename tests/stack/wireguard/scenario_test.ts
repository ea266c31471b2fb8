/**
 * WireGuard's behaviour over a simulated network: the first packet waits for the handshake, cookie
 * replies under load, retries and giving up, rekeying after 120 s, refusing old keys after 180 s,
 * passive and persistent keepalives, roaming to a new endpoint, and cryptokey routing in both
 * directions. Every check reads the trace, as a student would.
 */
import assert from "node:assert/strict";
import { simulate } from "../../../src/sim.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";
import { wireguardLab } from "./lab.ts";

const logs = (records: TraceRecord[], node: string, text: string) =>
  records.filter((r) => r.kind === "app" && r.node === node && r.summary.includes(text));
const sent = (records: TraceRecord[], link: string, text: string) =>
  records.filter((r) => r.kind === "tx" && r.link === link && r.summary.includes(text));
const seconds = (r: TraceRecord) => r.t / 1_000_000;

Deno.test("the first ping waits for one round trip of handshake, then both replies come back", () => {
  const { records } = simulate(wireguardLab());
  assert.equal(logs(records, "laptop", "2 packets transmitted, 2 received").length, 1);
  const access = records.filter((r) => r.kind === "tx" && r.link === "access").map((r) => r.summary);
  assert.match(access[0], /Handshake Initiation/);
  assert.match(access[1], /Handshake Response/);
  // The queued ping is the initiator's first transport message: counter 0 and no keepalive needed.
  assert.match(access[2], /Transport Data, receiver=0x[0-9a-f]{8}, counter=0, length 128/);
  assert.equal(access.filter((s) => s.includes("ICMP")).length, 0, "the ISP sees no ICMP");
});

Deno.test("under load the office answers with a cookie; the retry 5 s later carries mac2 and succeeds", () => {
  const { records } = simulate(wireguardLab({
    underLoad: 0,
    script: ["{ at: 1s, node: laptop, do: ping 10.10.0.5 count 8 interval 1s }"],
  }));
  const cookie = logs(records, "office-gw", "under load: a cookie reply");
  assert.equal(cookie.length, 1);
  assert.equal(sent(records, "access", "Cookie Reply").length, 1);
  assert.equal(logs(records, "laptop", "sent a cookie").length, 1);
  const retry = logs(records, "laptop", "with mac2 from the cookie");
  assert.equal(retry.length, 1);
  assert.ok(seconds(retry[0]) >= 6 && seconds(retry[0]) < 6.4, `retry at ${seconds(retry[0])}s`);
  assert.equal(logs(records, "office-gw", "handshake response to laptop").length, 1);
  // The pings sent while the handshake was held up waited in the queue; none is lost.
  assert.equal(logs(records, "laptop", "8 packets transmitted, 8 received").length, 1);
});

Deno.test("an unreachable office: initiations every 5 s (+jitter), then the laptop gives up after 90 s", () => {
  const { records } = simulate(wireguardLab({
    duration: "120s",
    script: [
      "{ at: 0s, link: office-wan, do: down }",
      "{ at: 1s, node: laptop, do: ping 10.10.0.5 count 1 }",
    ],
  }));
  const attempts = logs(records, "laptop", "handshake initiation to office");
  assert.ok(attempts.length >= 17 && attempts.length <= 19, `${attempts.length} attempts`);
  for (let i = 1; i < attempts.length; i++) {
    const gap = seconds(attempts[i]) - seconds(attempts[i - 1]);
    assert.ok(gap >= 5 && gap <= 5.334, `gap ${gap}`);
  }
  const gaveUp = logs(records, "laptop", "did not complete after 90s, giving up");
  assert.equal(gaveUp.length, 1);
  const dropped = records.filter((r) =>
    r.kind === "drop" && r.node === "laptop" && r.reason?.includes("no handshake")
  );
  assert.equal(dropped.length, 1, "the queued ping is dropped with a reason");
});

Deno.test("rekey after 120 s by the initiator, without losing a packet", () => {
  const { records } = simulate(wireguardLab({
    duration: "200s",
    script: [
      "{ at: 1s, node: laptop, do: ping 10.10.0.5 count 200 interval 1s }",
    ],
  }));
  const initiations = logs(records, "laptop", "handshake initiation to office");
  assert.equal(initiations.length, 2);
  const rekey = logs(records, "laptop", "(REKEY_AFTER_TIME 120s): new handshake with office");
  assert.equal(rekey.length, 1);
  assert.ok(seconds(rekey[0]) >= 121 && seconds(rekey[0]) < 122.1, `rekey at ${seconds(rekey[0])}`);
  assert.equal(logs(records, "office-gw", "laptop confirmed keypair").length, 2);
  // No ping is lost across the rekey: the old keypair carries traffic until the new one is confirmed.
  const replies = logs(records, "laptop", "bytes from 10.10.0.5");
  assert.ok(replies.length >= 198, `${replies.length} replies`);
  const rejected = records.filter((r) => r.kind === "drop" && r.reason?.includes("REJECT_AFTER_TIME"));
  assert.deepEqual(rejected, []);
});

Deno.test("after 180 s a keypair is never used again: the next packet waits for a new handshake", () => {
  const { records } = simulate(wireguardLab({
    duration: "200s",
    keepalive: "off",
    script: [
      "{ at: 1s, node: laptop, do: ping 10.10.0.5 count 1 }",
      "{ at: 185s, node: laptop, do: ping 10.10.0.5 count 1 }",
    ],
  }));
  const initiations = logs(records, "laptop", "handshake initiation to office").map(seconds);
  assert.equal(initiations.length, 2);
  assert.equal(initiations[1], 185);
  const late = sent(records, "access", "Transport Data").filter((r) => seconds(r) > 185);
  assert.match(late[0].summary, /counter=0,/, "the ping after 180 s is the first message of a new keypair");
  assert.equal(logs(records, "laptop", "1 packets transmitted, 1 received").length, 2);
});

Deno.test("passive keepalive 10 s after data; persistent keepalive every 25 s keeps the NAT mapping", () => {
  const { records } = simulate(wireguardLab({
    duration: "70s",
    keepalive: "25s",
    script: [
      "{ at: 1s, node: laptop, do: ping 10.10.0.5 count 1 }",
      "{ at: 65s, node: server, do: ping 10.99.0.2 count 1 }",
    ],
  }));
  const keepalives = sent(records, "home-lan", "192.168.1.10.51820 > 203.0.113.10.51820: WireGuard Keepalive")
    .map(seconds);
  // Right after the handshake (persistent keepalive at start), 10 s after the reply, then every 25 s.
  assert.ok(keepalives.length >= 3, `keepalives at ${keepalives}`);
  assert.ok(keepalives.some((t) => t > 11 && t < 11.1), `passive keepalive: ${keepalives}`);
  for (let i = 1; i < keepalives.length; i++) assert.ok(keepalives[i] - keepalives[i - 1] <= 25.001);
  // The home router's mapping (30 s UDP timeout) survives, so the office's ping at 65 s gets in.
  assert.equal(logs(records, "server", "1 packets transmitted, 1 received").length, 1);
});

Deno.test("without persistent keepalive the office cannot reach the laptop once the mapping expires", () => {
  const { records } = simulate(wireguardLab({
    duration: "200s",
    script: [
      "{ at: 1s, node: laptop, do: ping 10.10.0.5 count 1 }",
      "{ at: 150s, node: server, do: ping 10.99.0.2 count 1 }",
    ],
  }));
  assert.equal(logs(records, "server", "1 packets transmitted, 0 received").length, 1);
  const blocked = records.filter((r) => r.kind === "drop" && r.node === "home-router" && r.t > 150_000_000);
  assert.ok(blocked.length >= 1, "the home router drops the office's packet: no mapping");
});

Deno.test("roaming: when the Wi-Fi goes down the laptop's packets come from the LTE NAT, and the office follows", () => {
  const { records } = simulate(wireguardLab({
    lte: true,
    duration: "20s",
    script: [
      "{ at: 1s, node: laptop, do: ping 10.10.0.5 count 10 interval 1s }",
      "{ at: 4500ms, link: home-lan, do: down }",
    ],
  }));
  const roamed = logs(records, "office-gw", "laptop roamed from 198.51.100.2:51820 to 192.0.2.2:51820");
  assert.equal(roamed.length, 1);
  assert.ok(seconds(roamed[0]) > 4.5 && seconds(roamed[0]) < 6);
  // The session survives the move: no new handshake, the replies continue.
  assert.equal(logs(records, "laptop", "handshake initiation").length, 1);
  assert.equal(logs(records, "laptop", "10 packets transmitted, 10 received").length, 1);
});

Deno.test("cryptokey routing: a peer may only send from its allowed IPs; the wrong pre-shared key fails", () => {
  const spoofed = simulate(wireguardLab({ laptopAddress: "10.99.0.7/24" })).records;
  const refused = spoofed.filter((r) =>
    r.kind === "drop" && r.node === "office-gw" && r.reason?.includes("allowed-ips")
  );
  assert.ok(refused.length >= 1);
  assert.match(refused[0].reason!, /laptop may not send from 10\.99\.0\.7/);
  const psk = simulate(wireguardLab({
    psk: {
      laptop: "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
      office: "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=",
    },
  })).records;
  const wrong = psk.filter((r) =>
    r.kind === "drop" && r.node === "laptop" && r.reason?.includes("pre-shared key")
  );
  assert.ok(wrong.length >= 1);
  assert.equal(logs(psk, "laptop", "2 received").length, 0);
});
