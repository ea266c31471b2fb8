import assert from "node:assert/strict";
import { parseIp } from "../../src/wire/addr.ts";
import { describe, protoLabel, summarize } from "../../src/wire/dissect.ts";
import { encodeIpv4 } from "../../src/wire/ipv4.ts";
import {
  clampMss,
  decodeTcp,
  encodeTcp,
  mssOption,
  OPT_MSS,
  OPT_NOP,
  OPT_SACK,
  OPT_SACK_PERMITTED,
  OPT_TIMESTAMPS,
  OPT_WINDOW_SCALE,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  tcpChecksumOk,
  type TcpSegment,
} from "../../src/wire/tcp.ts";
import type { Field } from "../../src/wire/field.ts";

const src = parseIp("192.168.1.10")!;
const dst = parseIp("10.2.0.5")!;
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string) => new Uint8Array(text.match(/../g)!.map((h) => parseInt(h, 16)));

// Both vectors were checked by tshark 4.0 (tcp.checksum.status 1 = good) after text2pcap.
const SYN_VECTOR = "c333145101020304000000008002faf0ccdc0000020405b40103030701010402";
const DATA_VECTOR = "1451c3330000000701020305501801f6c2b3000068656c6c6f";

const syn: TcpSegment = {
  srcPort: 49971,
  dstPort: 5201,
  seq: 0x01020304,
  ack: 0,
  flags: TCP_SYN,
  window: 64240,
  urgent: 0,
  options: [
    { kind: OPT_MSS, mss: 1460 },
    { kind: OPT_NOP },
    { kind: OPT_WINDOW_SCALE, shift: 7 },
    { kind: OPT_NOP },
    { kind: OPT_NOP },
    { kind: OPT_SACK_PERMITTED },
  ],
  payload: new Uint8Array(0),
};

Deno.test("tcp: a SYN with MSS, window scale and SACK-permitted encodes to the known bytes", () => {
  assert.equal(hex(encodeTcp(src, dst, syn)), SYN_VECTOR);
});

Deno.test("tcp: a data segment (PSH, ACK, 'hello') from the other side encodes to the known bytes", () => {
  const bytes = encodeTcp(dst, src, {
    srcPort: 5201,
    dstPort: 49971,
    seq: 7,
    ack: 0x01020305,
    flags: TCP_PSH | TCP_ACK,
    window: 502,
    urgent: 0,
    options: [],
    payload: new TextEncoder().encode("hello"),
  });
  assert.equal(hex(bytes), DATA_VECTOR);
});

Deno.test("tcp: decode(known bytes) gives the fields back; the checksum is tied to the addresses", () => {
  const decoded = decodeTcp(fromHex(SYN_VECTOR), src, dst);
  assert.ok(decoded.ok);
  assert.deepEqual({ ...decoded.value, payload: [...decoded.value.payload] }, { ...syn, payload: [] });
  assert.equal(mssOption(decoded.value), 1460);
  const swapped = decodeTcp(fromHex(SYN_VECTOR), dst, parseIp("10.2.0.6")!);
  assert.deepEqual(swapped, { ok: false, error: "bad TCP checksum" });
});

Deno.test("tcp: every option kind round-trips, padded to a 32-bit boundary", () => {
  const segment: TcpSegment = {
    ...syn,
    flags: TCP_ACK,
    options: [
      { kind: OPT_TIMESTAMPS, value: 0xdeadbeef, echo: 42 },
      { kind: OPT_SACK, blocks: [[1000, 2000], [3000, 4000]] },
      { kind: 30, data: new Uint8Array([1, 2, 3]) },
    ],
    payload: new Uint8Array([9, 8, 7]),
  };
  const bytes = encodeTcp(src, dst, segment);
  assert.equal((bytes[12] >>> 4) * 4, 20 + 36, "10 + 18 + 5 = 33 bytes of options, padded to 36");
  assert.deepEqual([...bytes.subarray(20 + 33, 56)], [0, 0, 0], "padded with End of Option List");
  const back = decodeTcp(bytes, src, dst);
  assert.ok(back.ok);
  assert.deepEqual(back.value.options.slice(0, 2), segment.options.slice(0, 2));
  assert.deepEqual([...(back.value.options[2] as { data: Uint8Array }).data], [1, 2, 3]);
  assert.deepEqual([...back.value.payload], [9, 8, 7]);
});

Deno.test("tcp: broken headers are errors, never exceptions", () => {
  const good = fromHex(SYN_VECTOR);
  const cases: [string, Uint8Array, RegExp][] = [
    ["short", good.subarray(0, 19), /truncated TCP header/],
    ["offset below 5", patched(good, 12, 0x40), /data offset 16 bytes is below 20/],
    ["offset past the end", patched(good, 12, 0xf0), /exceeds the 32 bytes/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const r = decodeTcp(bytes, src, dst);
    assert.ok(!r.ok && pattern.test(r.error), `${name}: ${JSON.stringify(r)}`);
  }
  // An MSS option of length 3, with a checksum that is right, so only the option is wrong.
  const badOption = encodeTcp(src, dst, { ...syn, options: [{ kind: 99, data: new Uint8Array(2) }] });
  badOption[20] = OPT_MSS;
  badOption[21] = 3;
  fixChecksum(badOption);
  const r = decodeTcp(badOption, src, dst);
  assert.ok(!r.ok && /option 2 length 3, not 4/.test(r.error), JSON.stringify(r));
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const noise = new Uint8Array(20 + (i % 60)).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    decodeTcp(noise, src, dst);
    summarize(datagram(noise));
    describe(datagram(noise));
  }
});

Deno.test("MSS clamp: the SYN's MSS is lowered in place and the checksum stays right (RFC 1624)", () => {
  const bytes = fromHex(SYN_VECTOR);
  assert.deepEqual(clampMss(bytes, 1360), { from: 1460, to: 1360 });
  assert.ok(tcpChecksumOk(src, dst, bytes));
  const decoded = decodeTcp(bytes, src, dst);
  assert.ok(decoded.ok);
  assert.equal(mssOption(decoded.value), 1360);
  assert.equal(clampMss(bytes, 1400), null, "never raised");
  const ack = encodeTcp(src, dst, { ...syn, flags: TCP_ACK });
  assert.equal(clampMss(ack, 500), null, "only SYNs carry the option that matters");
});

Deno.test("MSS clamp: an option at an odd offset (after one NOP) is patched across two checksum words", () => {
  const bytes = encodeTcp(src, dst, { ...syn, options: [{ kind: OPT_NOP }, { kind: OPT_MSS, mss: 1460 }] });
  assert.deepEqual(clampMss(bytes, 1200), { from: 1460, to: 1200 });
  assert.ok(tcpChecksumOk(src, dst, bytes));
  const decoded = decodeTcp(bytes, src, dst);
  assert.ok(decoded.ok);
  assert.equal(mssOption(decoded.value), 1200);
});

Deno.test("dissector: TCP label, a tcpdump-like summary and a field tree with checksum status", () => {
  const packet = datagram(fromHex(SYN_VECTOR));
  assert.equal(protoLabel(packet), "TCP");
  assert.equal(
    summarize(packet),
    "192.168.1.10 > 10.2.0.5: TCP 49971 → 5201 [SYN] seq=16909060 win=64240 [mss 1460, wscale 7, sackOK] len=0",
  );
  const tcp = describe(packet)[1];
  assert.equal(tcp.name, "Transmission Control Protocol");
  const names = tcp.children!.map((f) => f.name);
  assert.deepEqual(names.slice(0, 9), [
    "Source Port",
    "Destination Port",
    "Sequence Number",
    "Acknowledgment Number",
    "Header Length",
    "Flags",
    "Window",
    "Checksum",
    "Urgent Pointer",
  ]);
  assert.match(tcp.children![7].value, /0xccdc \[correct\]/);
  const options = tcp.children![9].children!.map((f) => f.name);
  assert.deepEqual(options, [
    "Maximum Segment Size",
    "No-Operation",
    "Window Scale",
    "No-Operation",
    "No-Operation",
    "SACK Permitted",
  ]);
  const within = (f: Field): boolean =>
    f.start >= 0 && f.end <= packet.length && f.start <= f.end && (f.children ?? []).every(within);
  assert.ok(describe(packet).every(within));
});

function patched(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
}

function fixChecksum(bytes: Uint8Array): void {
  bytes[16] = 0;
  bytes[17] = 0;
  for (let c = 0; c <= 0xffff; c++) {
    bytes[16] = c >>> 8;
    bytes[17] = c & 0xff;
    if (tcpChecksumOk(src, dst, bytes)) return;
  }
}

function datagram(segment: Uint8Array): Uint8Array {
  return encodeIpv4({
    tos: 0,
    id: 1,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: 6,
    src,
    dst,
    options: new Uint8Array(0),
    payload: segment,
  });
}
