/**
 * NAT traversal (RFC 3947 / RFC 3948) through the project's nat-router: detection with NAT-D, the
 * float to 4500 with the non-ESP marker, UDP-encapsulated ESP with checksum 0, keepalives, the inner
 * checksum repair, and what goes wrong without NAT-T or without keepalives.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { simulate } from "../../../src/sim.ts";
import { tableAt } from "../../../src/trace/tables.ts";
import { formatIp } from "../../../src/wire/addr.ts";
import { decodeIpv4 } from "../../../src/wire/ipv4.ts";
import { decodeUdp } from "../../../src/wire/udp.ts";
import { action } from "../../helpers/model.ts";
import { dropReasons, engineOf, ipsecLab, logs, NAT_PUBLIC, onLink } from "./harness.ts";

const HOME = { preset: "home-router" };

function udpOf(bytes: Uint8Array) {
  const ip = decodeIpv4(bytes);
  assert.ok(ip.ok);
  const p = ip.value.payload;
  return {
    ip: ip.value,
    src: (p[0] << 8) | p[1],
    dst: (p[2] << 8) | p[3],
    checksum: (p[6] << 8) | p[7],
    data: p.subarray(8),
  };
}

Deno.test("behind a NAT: NAT-D detects it, IKE floats to 4500 from message 5, ESP rides in UDP 4500", () => {
  const result = simulate(ipsecLab({ nat: HOME }));
  const { records } = result;
  assert.ok(logs(records, "client").includes("local host is behind NAT, sending keep alives"));
  assert.ok(logs(records, "client").includes("switching to port 4500 (NAT-T)"));
  assert.ok(logs(records, "server").includes("remote host is behind NAT"));
  const ike = onLink(records, "wan").filter((r) => r.proto === "IKE").map((r) => udpOf(r.bytes!));
  assert.equal(ike.length, 9);
  assert.deepEqual(ike.map((u) => u.src === 4500 || u.dst === 4500), [
    false,
    false,
    false,
    false,
    true,
    true,
    true,
    true,
    true,
  ]);
  for (const u of ike.slice(4)) assert.deepEqual([...u.data.subarray(0, 4)], [0, 0, 0, 0], "non-ESP marker");
  const esp = onLink(records, "wan").filter((r) => r.proto === "ESP" && !/NAT-keepalive$/.test(r.summary))
    .map((r) => udpOf(r.bytes!));
  assert.equal(esp.length, 4);
  for (const u of esp) {
    assert.equal(u.ip.protocol, 17);
    assert.equal(u.checksum, 0, "RFC 3948 §2.1: UDP-encapsulated ESP has checksum 0");
    assert.ok(u.src === 4500 && u.dst === 4500);
  }
  assert.equal(formatIp(esp[0].ip.src), NAT_PUBLIC, "the NAT translated the outer header");
  const clientIke = [...tableAt(records, "client", "ike-sas")!.values()][0];
  assert.equal(clientIke.nat, "local behind NAT");
  assert.equal(clientIke.local, "192.168.1.10[4500]");
  const serverSa = [...tableAt(records, "server", "ipsec-sas")!.values()][0];
  assert.equal(serverSa.encap, "UDP 4500→4500");
  assert.equal(serverSa.peer, "198.51.100.7[4500]");
  assert.equal(engineOf(result, "server").childSas[0].udpEncap, true);
  assert.equal(
    logs(records, "client").filter((l) => l.startsWith("udp reply from 203.0.113.10:1701")).length,
    2,
  );
});

Deno.test("transport mode behind NAT: the server repairs the inner UDP checksum with the client's NAT-OA", () => {
  const { records } = simulate(ipsecLab({ nat: HOME }));
  assert.ok(serverUsesUdpEncap(records));
  for (const decap of records.filter((r) => r.kind === "decap" && r.node === "server")) {
    const inner = decodeIpv4(decap.bytes!);
    assert.ok(inner.ok);
    assert.equal(formatIp(inner.value.src), NAT_PUBLIC, "transport mode keeps the outer (translated) source");
    // The client computed the checksum over 192.168.1.10; after the repair it verifies against the public address.
    assert.ok(decodeUdp(inner.value.payload, inner.value.src, inner.value.dst).ok);
    assert.ok(
      records.some((r) => r.kind === "deliver" && r.pkt === decap.pkt && /→ UDP port 1701$/.test(r.summary)),
    );
  }
  for (const decap of records.filter((r) => r.kind === "decap" && r.node === "client")) {
    const inner = decodeIpv4(decap.bytes!);
    assert.ok(inner.ok && decodeUdp(inner.value.payload, inner.value.src, inner.value.dst).ok);
  }
});

function serverUsesUdpEncap(records: ReturnType<typeof simulate>["records"]): boolean {
  // The NAT-OA payloads themselves are checked by tshark in tests/interop/ipsec_tshark_test.ts.
  return [...tableAt(records, "server", "ipsec-sas")!.values()].some((row) =>
    String(row.encap).startsWith("UDP")
  );
}

Deno.test("NAT-keepalives: one 0xFF byte to 4500 after each idle interval, from the side behind the NAT only", () => {
  const keepalives = (keepalive?: number) => {
    const { records } = simulate(
      ipsecLab({ nat: HOME, duration: 75 * SECOND, client: keepalive === undefined ? {} : { keepalive } }),
    );
    return onLink(records, "wan").filter((r) => / NAT-keepalive$/.test(r.summary)).map((r) => {
      const u = udpOf(r.bytes!);
      assert.deepEqual([...u.data], [0xff]);
      assert.equal(u.dst, 4500);
      assert.equal(formatIp(u.ip.src), NAT_PUBLIC);
      return r.t;
    });
  };
  // Last ESP at ~3 s, so keepalives follow at 23, 43, 63 s (+1 ms to cross the LAN).
  assert.deepEqual(keepalives().map((t) => Math.round(t / SECOND)), [23, 43, 63]);
  assert.deepEqual(keepalives(10 * SECOND).map((t) => Math.round(t / SECOND)), [13, 23, 33, 43, 53, 63, 73]);
  assert.deepEqual(keepalives(0), []);
});

Deno.test("nat-t off behind a NAT that passes ESP: the inner checksum no longer matches and the server drops it", () => {
  const { records } = simulate(
    ipsecLab({ nat: { preset: "home-router", "ipsec-passthrough": "single" }, client: { natT: "off" } }),
  );
  const esp = onLink(records, "wan").filter((r) => r.proto === "ESP");
  assert.ok(esp.length > 0 && esp.every((r) => r.bytes![9] === 50), "plain ESP, IP protocol 50");
  const reasons = dropReasons(records, "server");
  assert.equal(reasons.length, 2);
  assert.match(
    reasons[0],
    /UDP checksum inside ESP SPI 0x[0-9a-f]{8} does not match the outer addresses 198\.51\.100\.7 → 203\.0\.113\.10/,
  );
  assert.match(reasons[0], /needs NAT-T/);
  assert.equal(logs(records, "client").filter((l) => l.startsWith("udp reply")).length, 0);
});

Deno.test("nat-t off behind a NAT without ESP passthrough: the NAT drops the ESP it cannot translate", () => {
  const { records } = simulate(
    ipsecLab({ nat: { preset: "home-router", "ipsec-passthrough": "udp-only" }, client: { natT: "off" } }),
  );
  assert.ok(
    records.some((r) => r.node === "client" && /CHILD_SA established/.test(r.summary)),
    "IKE itself gets through",
  );
  const reasons = dropReasons(records, "home");
  assert.ok(reasons.length >= 2 && reasons.every((r) => /ESP/.test(r)), reasons.join("\n"));
});

Deno.test("a NAT mapping that expires without keepalives: the server's datagram dies at the NAT", () => {
  const run = (keepalive: number) => {
    const model = ipsecLab({
      nat: { preset: "home-router", nat: { "udp-timeout": 30 * SECOND, "udp-stream-timeout": 30 * SECOND } },
      client: { keepalive },
      duration: 70 * SECOND,
      extra: [
        action(60 * SECOND, { node: "server" }, "udp-send", {
          dst: NAT_PUBLIC,
          port: 1701,
          from: 1701,
          count: 1,
          interval: SECOND,
          size: 20,
        }),
      ],
    });
    return simulate(model).records;
  };
  const without = run(0);
  const late = without.filter((r) => r.t >= 60 * SECOND);
  const dropped = late.filter((r) => r.kind === "drop" && r.node === "home");
  assert.equal(
    dropped.length,
    1,
    late.map((r) => `${r.node} ${r.kind} ${r.summary} ${r.reason ?? ""}`).join("\n"),
  );
  assert.match(dropped[0].summary, /203\.0\.113\.10\.4500 > 198\.51\.100\.7\.4500/);
  const withKeepalives = run(20 * SECOND);
  assert.deepEqual(withKeepalives.filter((r) => r.t >= 60 * SECOND && r.kind === "drop"), []);
  assert.ok(
    withKeepalives.some((r) => r.t >= 60 * SECOND && r.node === "client" && r.kind === "decap"),
    "with keepalives the mapping lives and the datagram reaches the client",
  );
});
