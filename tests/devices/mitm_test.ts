/**
 * The man in the middle: where each layer's payload starts, which checksums it can repair, how its
 * mistakes are reported, and what its changes do to plain L2TP and to ESP in the lesson's network.
 */
import assert from "node:assert/strict";
import { fixChecksums, locate, parseMatch } from "../../src/devices/mitm_layers.ts";
import { simulate } from "../../src/sim.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import type { TopologyModel } from "../../src/topology/model.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { parseIp } from "../../src/wire/addr.ts";
import { internetChecksum } from "../../src/wire/checksum.ts";
import { decodeIcmp, encodeIcmp, ICMP_ECHO_REQUEST } from "../../src/wire/icmp.ts";
import { encodeIpv4, PROTO_ESP, PROTO_ICMP, PROTO_UDP } from "../../src/wire/ipv4.ts";
import { encodeL2tp } from "../../src/wire/l2tp.ts";
import { encodePpp, PPP_IP } from "../../src/wire/ppp.ts";
import { decodeUdp, encodeUdp } from "../../src/wire/udp.ts";

const A = parseIp("198.51.100.2")!;
const B = parseIp("203.0.113.10")!;

function ip(src: number, dst: number, protocol: number, payload: Uint8Array): Uint8Array {
  return encodeIpv4({
    tos: 0,
    id: 7,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol,
    src,
    dst,
    options: new Uint8Array(0),
    payload,
  });
}

/** A ping from 10.10.99.100 to 10.10.0.5 inside PPP inside an L2TP data message inside UDP 1701. */
function l2tpPing(udpChecksum: boolean, ns?: number): Uint8Array {
  const data = new Uint8Array(24).map((_, i) => i);
  const echo = encodeIcmp({ type: ICMP_ECHO_REQUEST, code: 0, identifier: 1, sequence: 1, data });
  const inner = ip(parseIp("10.10.99.100")!, parseIp("10.10.0.5")!, PROTO_ICMP, echo);
  const ppp = encodePpp({ protocol: PPP_IP, payload: inner });
  const l2tp = encodeL2tp({
    kind: "data",
    tunnelId: 1,
    sessionId: 2,
    payload: ppp,
    ...(ns !== undefined ? { ns, nr: 0 } : {}),
  });
  return ip(A, B, PROTO_UDP, encodeUdp(A, B, 1701, 1701, l2tp, udpChecksum));
}

Deno.test("mitm layers: each match finds its layer's payload, and nothing else", () => {
  const plain = l2tpPing(true);
  // 20 outer IPv4 + 8 UDP + 6 L2TP data header (flags, tunnel, session): the PPP frame starts at 34.
  assert.deepEqual(locate(plain, parseMatch("l2tp")!)?.start, 34);
  // With Ns/Nr the header is 4 bytes longer.
  assert.equal(locate(l2tpPing(true, 5), parseMatch("l2tp")!)?.start, 38);
  assert.equal(locate(plain, parseMatch("udp")!)?.start, 28);
  assert.equal(locate(plain, parseMatch("udp:1701")!)?.start, 28);
  assert.equal(locate(plain, parseMatch("udp:4500")!), null);
  assert.equal(locate(plain, parseMatch("ip")!)?.start, 20);
  assert.equal(locate(plain, parseMatch("esp")!), null);
  assert.equal(locate(plain, parseMatch("icmp")!), null, "the ICMP inside the tunnel is not the outer layer");

  const esp = ip(A, B, PROTO_ESP, new Uint8Array(40).fill(0xaa));
  assert.equal(locate(esp, parseMatch("esp")!)?.start, 28, "after SPI and sequence number");
  const natT = ip(A, B, PROTO_UDP, encodeUdp(A, B, 4500, 4500, new Uint8Array(40).fill(0xaa), false));
  assert.equal(locate(natT, parseMatch("esp")!)?.start, 36, "after UDP, SPI and sequence number");
  const keepalive = ip(A, B, PROTO_UDP, encodeUdp(A, B, 4500, 4500, new Uint8Array([0xff]), false));
  assert.equal(locate(keepalive, parseMatch("esp")!), null);
  const ike = ip(A, B, PROTO_UDP, encodeUdp(A, B, 4500, 4500, new Uint8Array(40), false));
  assert.equal(locate(ike, parseMatch("esp")!), null, "a zero non-ESP marker means IKE");

  const control = encodeL2tp({ kind: "control", tunnelId: 0, sessionId: 0, ns: 0, nr: 0, avps: [] });
  const zlb = ip(A, B, PROTO_UDP, encodeUdp(A, B, 1701, 1701, control));
  assert.equal(locate(zlb, parseMatch("l2tp")!), null, "control messages are not data");

  for (const bad of ["l2tp:1701", "udp:0", "udp:70000", "tcp", ""]) assert.equal(parseMatch(bad), null, bad);
});

Deno.test("mitm checksums: after a change inside cleartext L2TP, every checksum it can see is made valid again", () => {
  const frame = l2tpPing(true);
  const ppp = locate(frame, parseMatch("l2tp")!)!;
  // PPP FF 03 00 21 (4) + inner IPv4 (20) + ICMP header (8): byte 32 is the first byte of ping data.
  frame[ppp.start + 32] ^= 0xff;
  const inner = frame.subarray(ppp.start + 4);
  assert.equal(decodeIcmp(inner.subarray(20)).ok, false, "the change alone breaks the inner ICMP checksum");
  assert.equal(decodeUdp(frame.subarray(20), A, B).ok, false, "and the outer UDP checksum");
  // An ICMP message with a right checksum sums to zero (in ones' complement), and it starts at an even
  // offset of the UDP segment, so repairing it also makes the outer UDP checksum right again.
  assert.deepEqual(fixChecksums(frame), ["inner ICMP"]);
  const echo = decodeIcmp(inner.subarray(20));
  assert.ok(echo.ok);
  assert.equal(echo.ok && "data" in echo.value ? echo.value.data[0] : -1, 0xff, "the change is kept");
  assert.ok(decodeUdp(frame.subarray(20), A, B).ok);
  assert.equal(internetChecksum(inner, 0, 20), 0, "the inner IPv4 header is still valid");

  // Outside a tunnel, the changed layer's own checksum is the one repaired.
  const text = new TextEncoder().encode("pay 100 EUR");
  const datagram = ip(A, B, PROTO_UDP, encodeUdp(A, B, 40000, 7, text));
  datagram[locate(datagram, parseMatch("udp:7")!)!.start + 4] = "9".charCodeAt(0);
  assert.equal(decodeUdp(datagram.subarray(20), A, B).ok, false);
  assert.deepEqual(fixChecksums(datagram), ["UDP"]);
  assert.ok(decodeUdp(datagram.subarray(20), A, B).ok);
  assert.equal(new TextDecoder().decode(datagram.subarray(28)), "pay 900 EUR");
  const echo8 = {
    type: ICMP_ECHO_REQUEST,
    code: 0,
    identifier: 1,
    sequence: 1,
    data: new Uint8Array(8),
  } as const;
  const ping = ip(A, B, PROTO_ICMP, encodeIcmp(echo8));
  ping[locate(ping, parseMatch("icmp")!)!.start] = 1;
  assert.deepEqual(fixChecksums(ping), ["ICMP"]);
  assert.ok(decodeIcmp(ping.subarray(20)).ok);

  // No UDP checksum sent (as Linux L2TP does by default): it stays zero.
  const zero = l2tpPing(false);
  zero[locate(zero, parseMatch("l2tp")!)!.start + 32] ^= 0x01;
  assert.deepEqual(fixChecksums(zero), ["inner ICMP"]);
  assert.equal((zero[26] << 8) | zero[27], 0);
});

/** The lesson's network, loaded from its file, with the mitm's settings replaced. */
function lesson(edit: (yaml: string) => string = (y) => y): TopologyModel {
  const text = edit(
    Deno.readTextFileSync(new URL("../../topologies/mitm-l2tp-vs-ipsec.yaml", import.meta.url)),
  );
  const loaded = loadTopology(text, "mitm.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  return loaded.model;
}

const logs = (records: readonly TraceRecord[], node: string) =>
  records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);

Deno.test("mitm lesson: the changed ping byte reaches the server through L2TP; ESP drops its changed packet", () => {
  const { records } = simulate(lesson());
  const changes = records.filter((r) => r.node === "mallory" && r.detail?.changes);
  assert.equal(changes.length, 2, "one frame of each tunnel (count 1 each)");
  for (const record of changes) {
    for (const c of record.detail!.changes as { before: string; after: string; layer: string }[]) {
      const xor = c.layer === "l2tp" ? 0xff : 0x01;
      assert.equal(Number(c.before) ^ xor, Number(c.after), `${c.layer}: the byte is XORed as the rule says`);
    }
  }
  // The altered echo request as the server received it: PPP offset 44 is ICMP data byte 12, whose
  // pattern value is 12 + 8 = 0x14 (see ping), XORed with 0xff.
  const after = records.filter((r) => r.t >= changes[0].t);
  assert.ok(!after.some((r) => r.kind === "drop" && r.node === "server"));
  assert.ok(!after.some((r) => r.kind === "drop" && r.pkt === changes[0].pkt));
  const forwarded = after.find((r) =>
    r.kind === "tx" && r.node === "lns" && r.link === "office-lan" &&
    /10\.10\.99\.100 > 10\.10\.0\.5: ICMP echo request/.test(r.summary)
  )!;
  const request = forwarded.bytes!;
  assert.equal(request[20 + 8 + 12], 0x14 ^ 0xff);
  assert.ok(decodeIcmp(request.subarray(20)).ok, "with a valid ICMP checksum");
  assert.ok(
    logs(records, "alice").some((l) => l.startsWith("3 packets transmitted, 3 received, 0% packet loss")),
  );
  const icv = records.filter((r) =>
    r.kind === "drop" && r.node === "lns" && /ICV check failed/.test(r.reason!)
  );
  assert.equal(icv.length, 1);
  assert.equal(icv[0].pkt, changes[1].pkt, "the dropped packet is the one Mallory changed");
});

Deno.test("mitm lesson, fix-checksums: false: the LNS's UDP checksum catches the clumsy change", () => {
  const { records } = simulate(
    lesson((y) => y.replace("    link: backbone\n", "    link: backbone\n    fix-checksums: false\n")),
  );
  const changed = records.find((r) => r.node === "mallory" && r.proto === "L2TP" && r.detail?.changes)!;
  const drops = records.filter((r) => r.kind === "drop" && r.pkt === changed.pkt);
  assert.equal(drops.length, 1);
  assert.equal(drops[0].node, "lns");
  assert.equal(drops[0].reason, "bad UDP checksum");
  assert.ok(logs(records, "alice").some((l) => /3 packets transmitted, 2 received/.test(l)));
  assert.ok(!logs(records, "alice").some((l) => l.startsWith("wrong data byte")));
});

Deno.test("mitm without rules changes nothing: the same run as without it, plus its own lines", () => {
  const strip = (y: string) => y.replace(/^ {2}- \{ at: 8s, node: mallory.*\n/gm, "");
  const withMitm = simulate(lesson(strip)).records;
  // A tap in its place keeps the node the lesson's checks name, and only watches.
  const without = simulate(lesson((y) => strip(y).replace("kind: mitm", "kind: tap"))).records;
  const wire = (rs: readonly TraceRecord[]) =>
    rs.filter((r) => r.node !== "mallory").map((r) =>
      `${r.t} ${r.kind} ${r.node} ${r.summary} ${r.reason ?? ""}`
    );
  assert.deepEqual(wire(withMitm), wire(without));
  assert.ok(withMitm.some((r) => r.node === "mallory"));
});

function errors(edit: (yaml: string) => string): string[] {
  const text = edit(
    Deno.readTextFileSync(new URL("../../topologies/mitm-l2tp-vs-ipsec.yaml", import.meta.url)),
  );
  const loaded = loadTopology(text, "mitm.yaml");
  return loaded.ok ? [] : loaded.errors.map(formatTopologyError);
}

Deno.test("mitm mistakes are reported at their place", () => {
  const found = errors((y) =>
    y.replace(
      "    link: backbone\n",
      `    link: backbon
    rules:
      - { match: tcp, offset: 3, xor: 1 }
      - { match: l2tp, offset: 3, xor: 1, set: 2 }
      - { match: esp, offset: 3, set: 300 }
`,
    ).replace(
      "do: mitm alter esp offset 20 xor 0x01 count 1 from isp",
      "do: mitm alter esp offset 20 xor 0x100 from isp",
    ).replace(
      "do: mitm alter l2tp offset 44 xor 0xff count 1 from isp",
      "do: mitm alter l2tp offset 44 set 1 from alice",
    )
  ).join("\n");
  assert.match(found, /mitm\.yaml:\d+:\d+: link: there is no link "backbon" to sit on/);
  assert.match(found, /mitm\.yaml:\d+:\d+: match: expected ip, icmp, udp, l2tp, esp or udp:PORT, got "tcp"/);
  assert.match(found, /mitm\.yaml:\d+:\d+: set: 300 is out of range \(0 to 255\)/);
  assert.match(found, /mitm\.yaml:\d+:\d+: xor: "0x100" is not a byte/);

  const ends = errors((y) =>
    y.replace(
      "    link: backbone\n",
      "    link: backbone\n    rules:\n      - { match: l2tp, offset: 3, xor: 1, set: 2 }\n",
    ).replace("count 1 from isp", "count 1 from alice")
  ).join("\n");
  assert.match(ends, /mitm\.yaml:\d+:\d+: rules: a rule needs exactly one of xor: or set:/);
  assert.match(
    ends,
    /mitm\.yaml:\d+:\d+: mitm alter: from: alice is not at either end of link backbone \(isp, internet\)/,
  );
  const both = errors((y) => y.replace("offset 44 xor 0xff", "offset 44 xor 0xff set 3")).join("\n");
  assert.match(both, /mitm\.yaml:\d+:\d+: .*give exactly one of xor B or set B; usage: mitm alter MATCH/);
});
