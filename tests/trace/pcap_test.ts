import assert from "node:assert/strict";
import { isPcap, pcapFromPackets, readPcap, writeMergedPcap, writePcap } from "../../src/trace/pcap.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

function tx(seq: number, t: number, link: string, data: Uint8Array): TraceRecord {
  return { seq, t, kind: "tx", node: "n", iface: "eth0", link, pkt: seq, summary: "x", bytes: data };
}

const records: TraceRecord[] = [
  tx(0, 2_000_123, "lan", bytes(0x45, 1, 2, 3)),
  {
    seq: 1,
    t: 2_000_200,
    kind: "rx",
    node: "m",
    iface: "eth0",
    link: "lan",
    summary: "x",
    bytes: bytes(9, 9),
  },
  tx(2, 3_500_000, "wan", bytes(0x45, 4)),
  {
    seq: 3,
    t: 3_600_000,
    kind: "drop",
    node: "m",
    link: "lan",
    summary: "x",
    reason: "lost",
    bytes: bytes(7),
  },
  tx(4, 61_000_001, "lan", bytes(0x45, 5, 6)),
];

Deno.test("global header: magic a1b2c3d4 little-endian, v2.4, snaplen 65535, linktype 101", () => {
  const file = writePcap([], "lan");
  assert.deepEqual(
    [...file],
    [
      0xd4,
      0xc3,
      0xb2,
      0xa1, // magic, written little-endian
      2,
      0,
      4,
      0, // version 2.4
      0,
      0,
      0,
      0, // thiszone
      0,
      0,
      0,
      0, // sigfigs
      0xff,
      0xff,
      0,
      0, // snaplen 65535
      101,
      0,
      0,
      0, // LINKTYPE_RAW
    ],
  );
});

Deno.test("one record per tx on the link, with seconds and microseconds from simulated time", () => {
  const file = writePcap(records, "lan");
  assert.equal(file.length, 24 + (16 + 4) + (16 + 3));
  // First record header: 2 s, 123 µs, 4 bytes kept of 4.
  assert.deepEqual([...file.subarray(24, 40)], [2, 0, 0, 0, 0x7b, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0]);
  assert.deepEqual([...file.subarray(40, 44)], [0x45, 1, 2, 3]);
  // Second: 61 s and 1 µs.
  assert.deepEqual([...file.subarray(44, 60)], [61, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0]);
  assert.deepEqual([...file.subarray(60)], [0x45, 5, 6]);
});

Deno.test("read back: per-link files hold only that link's transmissions; merged holds all in order", () => {
  const lan = readPcap(writePcap(records, "lan"));
  assert.ok(lan.ok);
  assert.deepEqual([lan.value.versionMajor, lan.value.versionMinor, lan.value.snaplen, lan.value.linktype], [
    2,
    4,
    65535,
    101,
  ]);
  assert.deepEqual(lan.value.packets.map((p) => [p.t, [...p.bytes]]), [[2_000_123, [0x45, 1, 2, 3]], [
    61_000_001,
    [0x45, 5, 6],
  ]]);
  const wan = readPcap(writePcap(records, "wan"));
  assert.ok(wan.ok);
  assert.deepEqual(wan.value.packets.map((p) => p.t), [3_500_000]);
  const none = readPcap(writePcap(records, "nope"));
  assert.ok(none.ok);
  assert.equal(none.value.packets.length, 0);
  const merged = readPcap(writeMergedPcap(records));
  assert.ok(merged.ok);
  assert.deepEqual(merged.value.packets.map((p) => p.t), [2_000_123, 3_500_000, 61_000_001]);
});

Deno.test("packets longer than the snaplen are truncated, keeping the original length", () => {
  const big = new Uint8Array(70_000).fill(0xab);
  const parsed = readPcap(pcapFromPackets([{ t: 1, bytes: big }]));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.packets[0].bytes.length, 65535);
  assert.equal(parsed.value.packets[0].originalLength, 70_000);
});

Deno.test("readPcap and isPcap reject what is not a pcap, without throwing", () => {
  assert.equal(isPcap(new TextEncoder().encode("hello")), false);
  assert.equal(isPcap(writePcap([], "x")), true);
  assert.equal(isPcap(bytes(0xa1, 0xb2, 0xc3, 0xd4)), true); // big-endian writers
  assert.equal(readPcap(bytes(1, 2, 3)).ok, false);
  assert.equal(readPcap(new Uint8Array(24)).ok, false);
  const cut = writePcap(records, "lan").subarray(0, 30);
  const r = readPcap(cut);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /truncated/);
});

Deno.test("a dial-up line's capture has linktype PPP and holds only its PPP frames", async () => {
  const { loadTopology } = await import("../../src/topology/load.ts");
  const { simulate } = await import("../../src/sim.ts");
  const { dialupLines, readPcap, writeMergedPcap, writePcap, LINKTYPE_PPP, LINKTYPE_RAW } = await import(
    "../../src/trace/pcap.ts"
  );
  const file = new URL("../../topologies/l2tp-compulsory.yaml", import.meta.url);
  const loaded = loadTopology(Deno.readTextFileSync(file), "l2tp-compulsory.yaml");
  assert.ok(loaded.ok);
  const records = simulate(loaded.model).records;
  assert.deepEqual(dialupLines(records), ["bob-pc_isp"]);
  const line = readPcap(writePcap(records, "bob-pc_isp"));
  assert.ok(line.ok);
  assert.equal(line.value.linktype, LINKTYPE_PPP);
  assert.ok(line.value.packets.length > 10);
  for (const p of line.value.packets) assert.deepEqual([...p.bytes.subarray(0, 2)], [0xff, 0x03]);
  const merged = readPcap(writeMergedPcap(records));
  assert.ok(merged.ok);
  assert.equal(merged.value.linktype, LINKTYPE_RAW);
  assert.ok(merged.value.packets.every((p) => p.bytes[0] >> 4 === 4), "the merged capture holds IPv4 only");
});
