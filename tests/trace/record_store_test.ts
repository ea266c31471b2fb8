/**
 * The record store's rows (src/trace/record_store.ts, sent_frames.ts, column.ts) read back as the
 * records they stand for: each kind's fields, frames stored once and rebuilt lowered, lines written
 * once from the stored bytes, and a bounded run's gaps in `seq`, across many column chunks.
 */
import assert from "node:assert/strict";
import { ByteArena } from "../../src/engine/byte_arena.ts";
import type { FrameNamer } from "../../src/engine/context.ts";
import { Column, float64, int32 } from "../../src/trace/column.ts";
import { LazyRecord } from "../../src/trace/lazy_record.ts";
import { RecordStore, RowKind } from "../../src/trace/record_store.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

Deno.test("column: reads zero until written, keeps values across chunk boundaries", () => {
  const column = new Column(int32);
  assert.equal(column.get(0), 0);
  assert.equal(column.get(1_000_000), 0);
  const at = [0, 1, 16_383, 16_384, 16_385, 99_999, 200_000];
  for (const i of at) column.set(i, i - 7);
  for (const i of at) assert.equal(column.get(i), i - 7);
  assert.equal(column.get(50_000), 0, "a chunk written elsewhere reads zero where it was not");
  column.set(0, 0);
  assert.equal(column.get(0), 0, "zero overwrites a value");
  const times = new Column(float64);
  times.set(3, 86_400_000_000.5);
  assert.equal(times.get(3), 86_400_000_000.5, "times past 2^32 µs stay exact");
});

/** Names frames by their first byte; lowers a "TTL" kept in byte 1. */
const namer: FrameNamer = {
  label: (bytes) => (bytes[0] === 1 ? "ICMP" : "UDP"),
  summarize: (bytes) => `frame ${bytes[0]} ttl ${bytes[1]} len ${bytes.length}`,
  lowered: (bytes, times) => {
    const copy = bytes.slice();
    copy[1] -= times;
    return copy;
  },
};

Deno.test("record store: tx, lowered tx, rx, duplicate rx and forward rows read back their fields", () => {
  const store = new RecordStore();
  const arena = new ByteArena();
  const frames = store.frames;
  const a = frames.linkEnd("laptop", "eth0", "lan", namer, arena);
  const b = frames.linkEnd("r1", "eth0", "lan", namer, arena);
  const c = frames.linkEnd("r1", "eth1", "wan", namer, arena);
  const bytes = new Uint8Array([1, 64, 9, 9]);
  const first = frames.put(a, 42, "ICMP", bytes);
  bytes[1] = 0; // the sender's buffer changes hands; the stored copy must not follow
  const hop = { node: "r1", in: "eth0", out: "eth1", nextHop: 0x0a000006 };
  const lowered = frames.putLowered(c, first);
  store.pushRow(RowKind.Tx, 0, 100, first, 0, 0);
  store.pushRow(RowKind.Rx, 1, 150, b.id, first, 0);
  store.pushRow(RowKind.DuplicateRx, 2, 170, b.id, first, 20);
  store.pushRow(RowKind.Forward, 3, 170, store.hopId(hop), first, 0);
  store.pushRow(RowKind.Tx, 4, 170, lowered, 0, 0);
  const plain: TraceRecord = { seq: 5, t: 180, kind: "app", node: "laptop", summary: "hello" };
  store.pushObject(plain);
  assert.equal(store.length, 6);
  const [tx, rx, dup, forward, tx2, app] = [0, 1, 2, 3, 4, 5].map((i) => store.read(i));
  assert.equal(app, plain, "an object record is the object stored");
  assert.ok(tx instanceof LazyRecord && !(app instanceof LazyRecord));
  const line = "frame 1 ttl 64 len 4";
  assert.deepEqual(
    [tx.seq, tx.t, tx.kind, tx.node, tx.iface, tx.link, tx.pkt, tx.proto, tx.summary],
    [0, 100, "tx", "laptop", "eth0", "lan", 42, "ICMP", line],
  );
  assert.deepEqual([...tx.bytes!], [1, 64, 9, 9]);
  assert.deepEqual(
    [rx.seq, rx.t, rx.kind, rx.node, rx.iface, rx.link, rx.pkt, rx.proto, rx.summary, rx.bytes, rx.detail],
    [1, 150, "rx", "r1", "eth0", "lan", 42, "ICMP", line, undefined, undefined],
  );
  assert.equal(dup.summary, `${line} (duplicate)`);
  assert.deepEqual(dup.detail, { jitter: "20us" });
  assert.deepEqual(
    [forward.kind, forward.node, forward.iface, forward.link, forward.pkt, forward.proto, forward.summary],
    ["forward", "r1", "eth1", undefined, 42, "ICMP", `${line} → eth1 via 10.0.0.6`],
  );
  assert.deepEqual(forward.detail, { in: "eth0", out: "eth1", nextHop: "10.0.0.6" });
  // The forwarded frame is the first one with the TTL lowered, rebuilt rather than stored again.
  assert.deepEqual(
    [tx2.kind, tx2.node, tx2.iface, tx2.link, tx2.pkt, tx2.summary],
    ["tx", "r1", "eth1", "wan", 42, line],
  );
  assert.deepEqual([...tx2.bytes!], [1, 63, 9, 9]);
  assert.equal(frames.count, 2);
  // Two reads are two objects with the same fields.
  assert.notEqual(store.read(0), tx);
  assert.deepEqual(store.read(0).bytes, tx.bytes);
});

Deno.test("record store: a bounded run's rows keep their seq over many chunks, frames stay readable", () => {
  const store = new RecordStore();
  const arena = new ByteArena();
  const end = store.frames.linkEnd("h", "eth0", "l", namer, arena);
  const expected: { seq: number; t: number; pkt: number; ttl: number }[] = [];
  // 50,000 frames, three chunks and more; only every third record is stored, as a bounded run keeps.
  for (let seq = 0; seq < 50_000; seq++) {
    const frame = store.frames.put(
      end,
      seq + 1,
      seq % 2 ? "UDP" : "ICMP",
      new Uint8Array([seq % 2, seq % 256]),
    );
    if (seq % 3 !== 0) continue;
    store.pushRow(RowKind.Tx, seq, seq * 1000 + 0.5, frame, 0, 0);
    expected.push({ seq, t: seq * 1000 + 0.5, pkt: seq + 1, ttl: seq % 256 });
  }
  assert.equal(store.length, expected.length);
  for (let row = 0; row < store.length; row += 997) {
    const r = store.read(row);
    const want = expected[row];
    assert.deepEqual([r.seq, r.t, r.pkt, r.proto, r.bytes![1]], [
      want.seq,
      want.t,
      want.pkt,
      want.seq % 2 ? "UDP" : "ICMP",
      want.ttl,
    ]);
  }
  const last = store.read(store.length - 1);
  assert.equal(last.seq, expected.at(-1)!.seq);
});
