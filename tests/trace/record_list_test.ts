/**
 * The trace's record list (src/trace/record_list.ts) must read as the plain array it stands in for:
 * every method a reader may call gives what `Array.prototype` gives on a real array of the same
 * records, it follows records stored later, and it refuses writes.
 */
import assert from "node:assert/strict";
import { recordList } from "../../src/trace/record_list.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

function records(n: number): TraceRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: i,
    t: i * 10,
    kind: i % 3 === 0 ? "tx" : "rx",
    node: `n${i % 4}`,
    summary: `record ${i}`,
  }));
}

/** A list over `backing`, which the test may grow; counts the reads. */
function listOf(backing: TraceRecord[]) {
  const source = {
    reads: 0,
    get length() {
      return backing.length;
    },
    read(i: number) {
      source.reads++;
      return backing[i];
    },
  };
  return { list: recordList(source), source };
}

Deno.test("record list: indexing, length, in and out of range, as an array", () => {
  const real = records(7);
  const { list } = listOf(real);
  assert.ok(Array.isArray(list));
  assert.equal(list.length, 7);
  for (let i = 0; i < 7; i++) assert.equal(list[i], real[i]);
  assert.equal(list[7], undefined);
  assert.equal(list[-1 as number], undefined);
  assert.equal((list as unknown as Record<string, unknown>)["01"], undefined, "not a canonical index");
  assert.ok(3 in list);
  assert.ok(!(7 in list));
  assert.ok("length" in list && "filter" in list);
  assert.deepEqual(Object.keys(list), ["0", "1", "2", "3", "4", "5", "6"]);
  assert.equal(JSON.stringify(list), JSON.stringify(real));
  assert.deepEqual([...list], real);
  assert.deepEqual(Array.from(list), real);
  assert.equal(list.at(-1), real[6]);
  assert.equal(list.at(0), real[0]);
  assert.equal(list.at(9), undefined);
});

Deno.test("record list: every array method gives what Array.prototype gives on a real array", () => {
  const real = records(23);
  const { list, source } = listOf(real);
  const isTx = (r: TraceRecord) => r.kind === "tx";
  const seen: [number, boolean][] = [];
  const visit = (r: TraceRecord, i: number, a: TraceRecord[]) => {
    seen.push([i, a === list]);
    return r.seq > 11;
  };
  assert.deepEqual(list.filter(isTx), real.filter(isTx));
  assert.deepEqual(list.map((r, i) => `${i}:${r.node}`), real.map((r, i) => `${i}:${r.node}`));
  assert.equal(list.find((r) => r.seq === 13), real[13]);
  assert.equal(list.find((r) => r.seq === 99), undefined);
  assert.equal(list.findIndex((r) => r.node === "n2"), real.findIndex((r) => r.node === "n2"));
  assert.equal(list.findLast(isTx), real.findLast(isTx));
  assert.equal(list.findLastIndex(isTx), real.findLastIndex(isTx));
  assert.equal(list.findIndex(() => false), -1);
  assert.equal(list.some((r) => r.seq === 22), true);
  assert.equal(list.some((r) => r.seq === 23), false);
  assert.equal(list.every((r) => r.t === r.seq * 10), true);
  assert.equal(list.every(isTx), false);
  assert.equal(list.reduce((n, r) => n + r.seq, 0), real.reduce((n, r) => n + r.seq, 0));
  assert.equal(list.reduce((a, r) => (r.seq > a.seq ? r : a)), real[22]);
  for (const [start, end] of [[undefined, undefined], [3, 9], [-4, undefined], [5, -2], [30, 40], [-50, 2]]) {
    assert.deepEqual(list.slice(start, end), real.slice(start, end), `slice(${start}, ${end})`);
  }
  const viaForEach: number[] = [];
  list.forEach((r) => viaForEach.push(r.seq));
  assert.deepEqual(viaForEach, real.map((r) => r.seq));
  // Callbacks get (record, index, the list itself), and `find` stops at the first match.
  list.find(visit);
  assert.deepEqual(seen, Array.from({ length: 13 }, (_, i) => [i, true]));
  // Methods the list does not walk itself still work, through the traps.
  assert.deepEqual(list.includes(real[4]), true);
  assert.equal(list.indexOf(real[5]), 5);
  assert.equal(list.join("|").split("|").length, 23);
  assert.deepEqual([...list.keys()], [...real.keys()]);
  // An empty list behaves as an empty array.
  const empty = listOf([]).list;
  assert.throws(() => empty.reduce((a) => a), TypeError);
  assert.deepEqual(empty.filter(isTx), []);
  assert.ok(source.reads > 0);
});

Deno.test("record list: live, it shows records stored after it was made, also mid-iteration", () => {
  const backing = records(3);
  const { list } = listOf(backing);
  const more = records(6);
  const seen: number[] = [];
  for (const r of list) {
    seen.push(r.seq);
    if (backing.length < 6) backing.push(more[backing.length]);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  assert.equal(list.length, 6);
  assert.equal(list[5], more[5]);
});

Deno.test("record list: writes throw, the records stay", () => {
  const real = records(2);
  const { list } = listOf(real);
  assert.throws(() => list.push(real[0]), TypeError);
  assert.throws(() => {
    list[0] = real[1];
  }, TypeError);
  assert.throws(() => {
    list.length = 0;
  }, TypeError);
  assert.throws(() => list.sort(), TypeError);
  assert.throws(() => delete list[0], TypeError);
  assert.equal(list.length, 2);
  assert.equal(list[0], real[0]);
});
