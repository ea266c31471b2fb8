import assert from "node:assert/strict";
import { parseIp } from "../../src/wire/addr.ts";
import { finishChecksum, onesSum } from "../../src/wire/checksum.ts";
import {
  decodeIcmp,
  encodeIcmp,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REQUEST,
  icmpSummary,
  UNREACH_FRAG_NEEDED,
} from "../../src/wire/icmp.ts";
import { decodeUdp, encodeUdp, udpChecksum } from "../../src/wire/udp.ts";

const src = parseIp("10.0.0.1")!;
const dst = parseIp("10.0.0.2")!;

Deno.test("UDP checksum covers the pseudo-header: summing it all back gives zero", () => {
  const segment = encodeUdp(src, dst, 1701, 1701, new TextEncoder().encode("hello"));
  const pseudo = new Uint8Array([10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, segment.length]);
  assert.equal(finishChecksum(onesSum(segment, 0, segment.length, onesSum(pseudo))), 0);
  const decoded = decodeUdp(segment, src, dst);
  assert.ok(decoded.ok);
  assert.equal(decoded.value.srcPort, 1701);
  assert.equal(new TextDecoder().decode(decoded.value.payload), "hello");
});

Deno.test("UDP: a wrong address in the pseudo-header makes the checksum fail", () => {
  const segment = encodeUdp(src, dst, 1000, 2000, new Uint8Array([1, 2, 3]));
  const decoded = decodeUdp(segment, parseIp("10.0.0.9")!, dst);
  assert.equal(decoded.ok, false);
});

Deno.test("UDP: checksum 0 means none and is accepted; a computed 0 is sent as 0xffff", () => {
  const segment = encodeUdp(src, dst, 4500, 4500, new Uint8Array([0xff]), false);
  assert.equal((segment[6] << 8) | segment[7], 0);
  assert.ok(decodeUdp(segment, src, dst).ok);
  // Search for a payload whose checksum computes to zero and check the RFC 768 rule.
  for (let v = 0; v < 65536; v++) {
    const payload = new Uint8Array([v >> 8, v & 0xff]);
    const probe = encodeUdp(src, dst, 1, 2, payload, false);
    if (
      finishChecksum(
        onesSum(probe, 0, probe.length, onesSum(new Uint8Array([10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 10]))),
      ) === 0
    ) {
      assert.equal(udpChecksum(src, dst, probe), 0xffff);
      return;
    }
  }
  assert.fail("no zero-checksum payload found");
});

Deno.test("UDP: a length field larger than the data is rejected", () => {
  const segment = encodeUdp(src, dst, 1, 2, new Uint8Array(4));
  segment[5] = 200;
  const decoded = decodeUdp(segment, src, dst);
  assert.equal(decoded.ok, false);
});

Deno.test("ICMP echo round trip and checksum", () => {
  const bytes = encodeIcmp({
    type: ICMP_ECHO_REQUEST,
    code: 0,
    identifier: 0x1234,
    sequence: 7,
    data: new Uint8Array([9, 9]),
  });
  assert.deepEqual([...bytes.subarray(0, 2)], [8, 0]);
  const decoded = decodeIcmp(bytes);
  assert.ok(decoded.ok && "identifier" in decoded.value);
  if (decoded.ok && "identifier" in decoded.value) {
    assert.equal(decoded.value.identifier, 0x1234);
    assert.equal(decoded.value.sequence, 7);
  }
  bytes[9] ^= 1;
  assert.equal(decodeIcmp(bytes).ok, false);
});

Deno.test("ICMP fragmentation-needed carries the next-hop MTU (RFC 1191)", () => {
  const quoted = new Uint8Array(28);
  quoted[0] = 0x45;
  const bytes = encodeIcmp({ type: ICMP_DEST_UNREACHABLE, code: UNREACH_FRAG_NEEDED, mtu: 1400, quoted });
  assert.equal((bytes[6] << 8) | bytes[7], 1400);
  assert.equal(icmpSummary(bytes), "ICMP fragmentation needed (mtu 1400)");
  const decoded = decodeIcmp(bytes);
  assert.ok(decoded.ok && "mtu" in decoded.value && decoded.value.mtu === 1400);
});

Deno.test("field trees of hostile headers keep every range inside the packet and never backwards", async () => {
  const { describe } = await import("../../src/wire/dissect.ts");
  const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
  const cases = [
    "4b67001e00bdb5e2b09c29116e9c178e1ea78e224fc42f86fcfc3568dd98", // IHL 44 in a 30-byte buffer
    "4500000a000800003e32162cc6336402cb00710a0000000000000000", // total length below the header
    "41000030000100004011000000000001000000020001000200080000", // IHL below 5
    "45000030000f00003e11166ec6336402cb00710a06a506a50000000000000000000000000000000000000000", // UDP length 0
  ];
  const walk = (fields: { start: number; end: number; children?: unknown[] }[], size: number) => {
    for (const f of fields) {
      assert.ok(f.start <= f.end && f.start >= 0 && f.end <= size, JSON.stringify(f));
      if (f.children) walk(f.children as typeof fields, size);
    }
  };
  for (const c of cases) walk(describe(hex(c)), c.length / 2);
  assert.equal(describe(hex(cases[2]))[0].name, "Malformed packet");
});
