import assert from "node:assert/strict";
import { formatIp, parseIp } from "../../src/wire/addr.ts";
import { adjustChecksum, internetChecksum } from "../../src/wire/checksum.ts";
import {
  decodeIpv4,
  decrementTtl,
  describeIpv4Header,
  encodeIpv4,
  type Ipv4Packet,
} from "../../src/wire/ipv4.ts";
import type { Field } from "../../src/wire/field.ts";
import { fragmentDatagram } from "../../src/stack/fragment.ts";

const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));

function sample(payload = new Uint8Array([1, 2, 3, 4, 5])): Ipv4Packet {
  return {
    tos: 0,
    id: 0x1c46,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: 17,
    src: parseIp("192.168.0.1")!,
    dst: parseIp("192.168.0.199")!,
    options: new Uint8Array(0),
    payload,
  };
}

Deno.test("IPv4 header checksum matches the widely published example (0xb861)", () => {
  // 45 00 0073 0000 4000 40 11 [b861] c0a80001 c0a800c7
  const header = hex("450000730000400040110000c0a80001c0a800c7");
  assert.equal(internetChecksum(header), 0xb861);
});

Deno.test("IPv4 encode/decode round trip with every field", () => {
  const packet = sample();
  const bytes = encodeIpv4(packet);
  assert.equal(bytes.length, 25);
  assert.equal(internetChecksum(bytes, 0, 20), 0, "header checksum verifies");
  const decoded = decodeIpv4(bytes);
  assert.ok(decoded.ok);
  assert.deepEqual({ ...decoded.value, payload: [...decoded.value.payload] }, {
    ...packet,
    payload: [1, 2, 3, 4, 5],
  });
});

Deno.test("IPv4 options are skipped by their length, payload found after them", () => {
  const bytes = encodeIpv4({ ...sample(), options: new Uint8Array([1, 1, 1, 0]) });
  assert.equal(bytes[0] & 0x0f, 6);
  const decoded = decodeIpv4(bytes);
  assert.ok(decoded.ok);
  assert.deepEqual([...decoded.value.payload], [1, 2, 3, 4, 5]);
});

Deno.test("IPv4 decode rejects what a real stack rejects, without throwing", () => {
  const good = encodeIpv4(sample());
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 10), /truncated/],
    [
      (() => {
        const b = good.slice();
        b[0] = 0x65;
        return b;
      })(),
      /version 6/,
    ],
    [
      (() => {
        const b = good.slice();
        b[0] = 0x44;
        return b;
      })(),
      /header length 16/,
    ],
    [
      (() => {
        const b = good.slice();
        b[3] = 0xff;
        return b;
      })(),
      /exceeds/,
    ],
    [
      (() => {
        const b = good.slice();
        b[8] = 1;
        return b;
      })(),
      /checksum/,
    ],
  ];
  for (const [bytes, pattern] of cases) {
    const decoded = decodeIpv4(bytes);
    assert.equal(decoded.ok, false);
    if (!decoded.ok) assert.match(decoded.error, pattern);
  }
});

Deno.test("TTL decrement patches the checksum incrementally (RFC 1624) to the full recomputation", () => {
  const bytes = encodeIpv4(sample());
  decrementTtl(bytes);
  assert.equal(bytes[8], 63);
  assert.equal(internetChecksum(bytes, 0, 20), 0);
  // RFC 1624 §4 example: HC = 0xDD2F, m = 0x5555 → m' = 0x3285 gives HC' = 0x0000.
  assert.equal(adjustChecksum(0xdd2f, 0x5555, 0x3285), 0x0000);
});

Deno.test("fragmentation: 8-byte aligned pieces that reassemble to the original payload", () => {
  const payload = new Uint8Array(3000).map((_, i) => i & 0xff);
  const original = { ...sample(payload), dontFragment: false };
  const fragments = fragmentDatagram(original, 1500);
  assert.equal(fragments.length, 3);
  const joined = new Uint8Array(3000);
  fragments.forEach((bytes, index) => {
    assert.ok(bytes.length <= 1500);
    const decoded = decodeIpv4(bytes);
    assert.ok(decoded.ok);
    const ip = decoded.value;
    assert.equal(ip.fragmentOffset % 8, 0);
    assert.equal(ip.id, original.id);
    assert.equal(ip.moreFragments, index < 2);
    joined.set(ip.payload, ip.fragmentOffset);
  });
  assert.deepEqual(joined, payload);
});

Deno.test("addresses parse and format", () => {
  assert.equal(formatIp(parseIp("10.1.2.3")!), "10.1.2.3");
  assert.equal(parseIp("10.1.2.256"), null);
  assert.equal(parseIp("10.1.2"), null);
  assert.equal(parseIp("255.255.255.255"), 0xffffffff);
});

Deno.test("describeIpv4Header: short buffers and an IHL past the end stay inside the bytes", () => {
  const ranges = (f: Field): [number, number][] => [[f.start, f.end], ...(f.children ?? []).flatMap(ranges)];
  for (let length = 0; length < 20; length++) {
    const bytes = new Uint8Array(length).fill(0x45, 0, Math.min(1, length));
    const field = describeIpv4Header(bytes);
    assert.match(String(field.value), new RegExp(`truncated: ${length} bytes`));
    for (const [start, end] of ranges(field)) assert.ok(start >= 0 && start <= end && end <= length);
  }
  const offsetPast = describeIpv4Header(new Uint8Array(10), 30);
  assert.deepEqual([offsetPast.start, offsetPast.end], [10, 10]);
  const bytes = new Uint8Array(24);
  bytes[0] = 0x4f; // IHL 15: a 60-byte header claimed in 24 bytes
  const field = describeIpv4Header(bytes);
  for (const [start, end] of ranges(field)) assert.ok(end <= 24 && start <= end, `${start}-${end}`);
  const ihl = field.children!.find((c) => c.name === "Header Length")!;
  assert.match(String(ihl.value), /60 bytes \(past the end: 24 captured\)/);
  assert.equal(field.children!.find((c) => c.name === "Options")!.end, 24);
});
