/**
 * Two hosts negotiate IKEv1 Main Mode and Quick Mode across a router, then L2TP's UDP 1701 flows
 * only as ESP. Expectations come from RFC 2409 (message order and contents), RFC 3193 (what is
 * protected) and RFC 4303 (ESP on the wire), read off the packets the links carried.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { simulate } from "../../../src/sim.ts";
import { tableAt } from "../../../src/trace/tables.ts";
import { parseIp, readIp } from "../../../src/wire/addr.ts";
import { decodeIpv4 } from "../../../src/wire/ipv4.ts";
import { decodeIsakmpHeader, EXCHANGE, FLAG_ENCRYPTION } from "../../../src/wire/isakmp.ts";
import { action } from "../../helpers/model.ts";
import { dropReasons, engineOf, ipsecLab, logs, onLink, SERVER } from "./harness.ts";

const IKE_PAYLOADS = /\[ (.*) \]$/;

function ikeOnWire(records: ReturnType<typeof simulate>["records"], linkName: string) {
  return onLink(records, linkName).filter((r) => r.proto === "IKE").map((r) => {
    const ip = decodeIpv4(r.bytes!);
    assert.ok(ip.ok);
    const udp = ip.value.payload;
    const dstPort = (udp[2] << 8) | udp[3];
    const isakmp = udp.subarray(dstPort === 4500 || ((udp[0] << 8) | udp[1]) === 4500 ? 12 : 8);
    const head = decodeIsakmpHeader(isakmp);
    assert.ok(head.ok, head.ok ? "" : head.error);
    return {
      from: readIp(r.bytes!, 12),
      port: dstPort,
      exchange: head.value.header.exchange,
      encrypted: (head.value.header.flags & FLAG_ENCRYPTION) !== 0,
      payloads: IKE_PAYLOADS.exec(r.summary)?.[1] ?? "",
    };
  });
}

Deno.test("Main Mode (6 messages) then Quick Mode (3), in RFC 2409's order and contents", () => {
  const { records } = simulate(ipsecLab());
  const ike = ikeOnWire(records, "dmz");
  assert.deepEqual(ike.map((m) => [m.exchange, m.encrypted]), [
    [EXCHANGE.MAIN, false],
    [EXCHANGE.MAIN, false],
    [EXCHANGE.MAIN, false],
    [EXCHANGE.MAIN, false],
    [EXCHANGE.MAIN, true],
    [EXCHANGE.MAIN, true],
    [EXCHANGE.QUICK, true],
    [EXCHANGE.QUICK, true],
    [EXCHANGE.QUICK, true],
  ]);
  // SA + NAT-T vendor IDs (RFC 3947, draft-02) + DPD; the responder echoes the one it chose.
  assert.deepEqual(ike.slice(0, 4).map((m) => m.payloads), [
    "SA V V V",
    "SA V V",
    "KE No NAT-D NAT-D",
    "KE No NAT-D NAT-D",
  ]);
  const from = ike.map((m) => m.from);
  const client = from[0];
  // Strictly alternating initiator, responder, ... (Quick Mode's third message is the initiator's).
  assert.deepEqual(from.map((f) => f === client ? "i" : "r"), ["i", "r", "i", "r", "i", "r", "i", "r", "i"]);
  assert.ok(ike.every((m) => m.port === 500), "no NAT: IKE stays on port 500");
});

Deno.test("the first L2TP datagram is trapped, then UDP 1701 only crosses the network as ESP", () => {
  const result = simulate(ipsecLab({ datagrams: 4 }));
  const { records } = result;
  const trapped = dropReasons(records, "client");
  assert.equal(trapped.length, 1);
  assert.match(trapped[0], /^waiting for IPsec SA with 203\.0\.113\.10/);
  for (const linkName of ["lan", "wan", "dmz"]) {
    const udp1701 = onLink(records, linkName).filter((r) => / > .*\.1701: /.test(r.summary));
    assert.deepEqual(udp1701, [], `cleartext L2TP on ${linkName}`);
    const esp = onLink(records, linkName).filter((r) => r.proto === "ESP");
    assert.equal(esp.length, 6, `3 datagrams and 3 echoes as ESP on ${linkName}`);
    assert.ok(esp.every((r) => r.bytes![9] === 50), "plain ESP is IP protocol 50");
  }
  assert.equal(
    logs(records, "client").filter((l) => l.startsWith("udp reply from 203.0.113.10:1701")).length,
    3,
  );
  // Each protected datagram has an encap record whose parent is the L2TP packet and whose packet is the ESP one.
  const encaps = records.filter((r) => r.kind === "encap" && r.node === "client");
  assert.equal(encaps.length, 3);
  for (const encap of encaps) {
    const tx = records.find((r) => r.kind === "tx" && r.pkt === encap.pkt)!;
    assert.equal(tx.proto, "ESP");
    assert.equal(
      decodeIpv4(encap.bytes!).ok && encap.bytes![9],
      17,
      "the encap record keeps the inner UDP datagram",
    );
  }
  const decaps = records.filter((r) => r.kind === "decap" && r.node === "server");
  assert.equal(decaps.length, 3);
  assert.ok(
    decaps.every((d) =>
      records.some((r) => r.kind === "deliver" && r.pkt === d.pkt && /UDP port 1701/.test(r.summary))
    ),
  );
});

Deno.test("SA tables: both IKE SAs established, ESP SPIs cross over, counters and logs like charon", () => {
  const result = simulate(ipsecLab());
  const { records } = result;
  const clientIke = [...tableAt(records, "client", "ike-sas")!.values()];
  const serverIke = [...tableAt(records, "server", "ike-sas")!.values()];
  assert.equal(clientIke.length, 1);
  assert.equal(clientIke[0].state, "ESTABLISHED");
  assert.equal(clientIke[0].role, "initiator");
  assert.equal(serverIke[0].role, "responder");
  assert.equal(clientIke[0].cookies, serverIke[0].cookies);
  assert.equal(clientIke[0]["nat-t"], "rfc3947");
  assert.equal(clientIke[0].nat, "no NAT");
  const clientSa = [...tableAt(records, "client", "ipsec-sas")!.values()][0];
  const serverSa = [...tableAt(records, "server", "ipsec-sas")!.values()][0];
  assert.equal(clientSa["spi-out"], serverSa["spi-in"]);
  assert.equal(clientSa["spi-in"], serverSa["spi-out"]);
  assert.equal(clientSa.mode, "transport");
  assert.equal(clientSa.encap, "ESP (IP protocol 50)");
  // Three datagrams, the first trapped while IKE ran: two went out protected, two echoes came back.
  assert.equal(clientSa["packets-out"], 2);
  assert.equal(clientSa["packets-in"], 2);
  assert.equal(serverSa["bytes-in"], 2 * (8 + 40), "bytes of the protected UDP datagrams");
  const clientLog = logs(records, "client");
  assert.ok(clientLog.includes("initiating Main Mode IKE_SA to 203.0.113.10"));
  assert.ok(clientLog.some((l) => /^IKE_SA established between 192\.168\.1\.10\[/.test(l)));
  assert.ok(
    clientLog.some((l) =>
      /^CHILD_SA established with SPIs [0-9a-f]{8}_i [0-9a-f]{8}_o and TS 192\.168\.1\.10\/32\[udp\/1701\] === 203\.0\.113\.10\/32\[udp\/1701\]$/
        .test(l)
    ),
  );
  const engine = engineOf(result, "client");
  assert.equal(engine.childSas.length, 1);
  assert.equal(engine.childSas[0].udpEncap, false);
  assert.ok(tableAt(records, "client", "ipsec-policy")!.get("l2tp"));
});

Deno.test("a peer without IPsec: its cleartext L2TP is refused by the server's policy", () => {
  const { records } = simulate(ipsecLab({ client: null }));
  const reasons = dropReasons(records, "server");
  assert.equal(reasons.length, 3);
  assert.match(
    reasons[0],
    /^cleartext L2TP \(UDP 1701\) from 192\.168\.1\.10 refused: server's IPsec policy requires ESP/,
  );
  assert.equal(logs(records, "client").filter((l) => l.startsWith("udp reply")).length, 0);
});

Deno.test("IKE from an address that is not a configured peer is refused", () => {
  const { records } = simulate(ipsecLab({ server: { peers: ["203.0.113.99"] } }));
  assert.ok(
    dropReasons(records, "server").some((r) =>
      r === "IKE from 192.168.1.10 refused: not one of server's IPsec peers"
    ),
  );
  assert.equal(records.some((r) => r.kind === "app" && /IKE_SA established/.test(r.summary)), false);
});

Deno.test("pre-shared keys that differ: message 5 cannot be read, the initiator retransmits and gives up", () => {
  const { records } = simulate(ipsecLab({ server: { psk: "another-secret" }, duration: 200 * SECOND }));
  const server = logs(records, "server");
  assert.ok(server.some((l) => /pre-shared keys may differ/.test(l)), server.join("\n"));
  const client = logs(records, "client");
  const retransmits = client.filter((l) => l.startsWith("sending retransmit")).length;
  assert.equal(retransmits, 5, "strongSwan's five retransmits");
  assert.ok(
    client.some((l) => l.startsWith("IKE_SA with 203.0.113.10 failed: no reply after 5 retransmits")),
  );
  assert.equal(records.some((r) => /CHILD_SA established/.test(r.summary)), false);
  // Retransmits at 4 s, then ×1.8 each: 4, 7.2, 12.96, 23.328, 41.99 s after message 5.
  const mm5 = records.filter((r) =>
    r.kind === "tx" && r.node === "client" && r.proto === "IKE" && /encrypted/.test(r.summary)
  );
  const gaps = mm5.slice(1).map((r, i) => Math.round((r.t - mm5[i].t) / 1000));
  assert.deepEqual(gaps, [4000, 7200, 12960, 23328, 41990]);
});

Deno.test("proposal mismatch: Main Mode answered with NO-PROPOSAL-CHOSEN, Quick Mode likewise", () => {
  const main = simulate(ipsecLab({ server: { ike: { encryption: "3des" } } })).records;
  assert.ok(logs(main, "server").some((l) => l.startsWith("no acceptable proposal found")));
  assert.ok(logs(main, "client").includes("received NO_PROPOSAL_CHOSEN error notify"));
  const quick = simulate(ipsecLab({ server: { esp: { encryption: "aes256-cbc" } } })).records;
  assert.ok(
    logs(quick, "server").some((l) =>
      l === "no acceptable proposal found in Quick Mode: offered aes128-sha1; we accept aes256-sha1"
    ),
  );
  assert.ok(logs(quick, "client").includes("received NO_PROPOSAL_CHOSEN error notify"));
  assert.equal(quick.some((r) => /CHILD_SA established/.test(r.summary)), false);
});

Deno.test("a lost first message is retransmitted after 4 s and the SA still comes up", () => {
  const model = ipsecLab({
    datagrams: 8,
    extra: [action(0, { link: "wan" }, "link-down"), action(2 * SECOND, { link: "wan" }, "link-up")],
  });
  const { records } = simulate(model);
  assert.ok(logs(records, "client").includes("sending retransmit 1 of Main Mode"));
  const established = records.find((r) => r.node === "client" && /CHILD_SA established/.test(r.summary))!;
  assert.ok(established.t > 5 * SECOND && established.t < 6 * SECOND);
  assert.ok(logs(records, "client").some((l) => l.startsWith("udp reply")));
});

Deno.test("duplicated frames: IKE copes, the anti-replay window drops every second ESP copy", () => {
  const { records } = simulate(ipsecLab({ access: { duplicate: 1 } }));
  assert.ok(records.some((r) => r.node === "client" && /CHILD_SA established/.test(r.summary)));
  // Two datagrams went out protected (the first was trapped); each arrives twice, and so does each echo.
  const replays = dropReasons(records, "server").filter((r) => /already received \(replay\)/.test(r));
  assert.equal(replays.length, 2);
  assert.equal(dropReasons(records, "client").filter((r) => /already received \(replay\)/.test(r)).length, 2);
  assert.match(replays[0], /^ESP SPI 0x[0-9a-f]{8}: sequence number 1 was already received \(replay\)$/);
});

Deno.test("ESP with an SPI nobody negotiated is dropped with the SPI in the reason", () => {
  const result = simulate(ipsecLab({ duration: 3 * SECOND }));
  const client = result.network.devices.get("client")!;
  result.network.devices.get("server")!.ctx.sched.at(3 * SECOND, () => {
    client.ip.sendIp(
      parseIp(SERVER)!,
      50,
      Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, ...new Uint8Array(40)),
    );
  });
  result.network.devices.get("server")!.ctx.sched.runUntil(4 * SECOND);
  const reasons = dropReasons(result.records, "server");
  assert.ok(
    reasons.includes(
      "ESP packet with unknown SPI 0xdeadbeef from 192.168.1.10: no IPsec SA with that SPI on server",
    ),
    reasons.join("\n"),
  );
});

Deno.test("other algorithms: 3DES/SHA-256/MODP-1024 with 3DES-CBC/HMAC-SHA-256, AES-256 with AES-GCM-16", () => {
  for (
    const settings of [
      {
        ike: { encryption: "3des", hash: "sha256", group: "modp1024" },
        esp: { encryption: "3des-cbc", integrity: "hmac-sha256-128" },
      },
      { ike: { encryption: "aes256", hash: "md5", group: "modp2048" }, esp: { encryption: "aes256-gcm16" } },
    ]
  ) {
    const { records } = simulate(ipsecLab({ client: settings, server: settings }));
    assert.equal(
      logs(records, "client").filter((l) => l.startsWith("udp reply")).length,
      2,
      JSON.stringify(settings),
    );
  }
});

Deno.test("nat-t force without a NAT: both sides fake one and encapsulate ESP in UDP 4500", () => {
  const result = simulate(ipsecLab({ client: { natT: "force" } }));
  const { records } = result;
  const clientIke = [...tableAt(records, "client", "ike-sas")!.values()][0];
  assert.equal(clientIke.nat, "faked (nat-t: force)");
  assert.equal(logs(records, "server").includes("remote host is behind NAT"), true);
  const esp = onLink(records, "dmz").filter((r) => r.proto === "ESP");
  assert.ok(
    esp.length > 0 && esp.every((r) => r.bytes![9] === 17 && /4500 > .*4500: UDP-encap ESP/.test(r.summary)),
  );
  assert.equal(logs(records, "client").filter((l) => l.startsWith("udp reply")).length, 2);
});

Deno.test("the same seed gives the same run, byte for byte", () => {
  const a = simulate(ipsecLab()).records;
  const b = simulate(ipsecLab()).records;
  assert.deepEqual(a.map((r) => r.summary), b.map((r) => r.summary));
  assert.deepEqual(
    a.filter((r) => r.bytes).map((r) => [...r.bytes!]),
    b.filter((r) => r.bytes).map((r) => [...r.bytes!]),
  );
});
