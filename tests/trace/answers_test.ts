/**
 * Checkable questions: the answer is read from the run's tables, so each is cross-checked here against
 * what another node (or the topology) says the same value is, and every checkable question of the library
 * must find its row in its own run.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import type { AnswerCheck, TopologyModel } from "../../src/topology/model.ts";
import { answerKey, gradeAnswer, gradeAnswers, sameAnswer } from "../../src/trace/grade.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { tableAt } from "../../src/trace/tables.ts";
import { formatIpv4 } from "../../src/topology/values.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const runs = new Map<string, { model: TopologyModel; records: readonly TraceRecord[] }>();

function run(file: string): { model: TopologyModel; records: readonly TraceRecord[] } {
  let r = runs.get(file);
  if (!r) {
    const loaded = loadTopology(Deno.readTextFileSync(`${dir}${file}`), file);
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
    runs.set(file, r = { model: loaded.model, records: simulate(loaded.model).records });
  }
  return r;
}

/** The check of question `n` (1-based) of a lesson. */
function checkOf(model: TopologyModel, n: number): AnswerCheck {
  const check = model.lesson?.answers?.[n - 1]?.check;
  assert.ok(check, `question ${n} has a check`);
  return check;
}

const withChecks = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".yaml"))
  .filter((n) => /^\s+check: \{ table: /m.test(Deno.readTextFileSync(`${dir}${n}`))).sort();

Deno.test("at least five lessons carry a checkable question", () => {
  assert.ok(withChecks.length >= 5, withChecks.join(", "));
});

for (const file of withChecks) {
  Deno.test(`${file}: every checkable question finds exactly one answer in the run`, () => {
    const { model, records } = run(file);
    (model.lesson?.answers ?? []).forEach((a, i) => {
      if (!a?.check) return;
      const key = answerKey(a.check, records);
      assert.equal(key.length, 1, `question ${i + 1}: ${JSON.stringify(key)}`);
      assert.ok(gradeAnswer(a.check, key[0], records).correct);
      assert.ok(!gradeAnswer(a.check, `${key[0]}9`, records).correct, "a longer answer is not right");
    });
  });
}

Deno.test("the address the LNS gave is the first of its pool (ppp@laptop, local)", () => {
  const { model, records } = run("l2tp-voluntary.yaml");
  const lns = model.nodes.find((n) => n.kind === "lns")!;
  const pool = lns.config.pool as { first: number };
  const first = formatIpv4(pool.first);
  assert.deepEqual(answerKey(checkOf(model, 4), records), [first]);
});

Deno.test("the LNS's Tunnel ID is the one the laptop writes as the peer's (l2tp-tunnels both ends)", () => {
  const { model, records } = run("l2tp-voluntary.yaml");
  const laptop = [...tableAt(records, "laptop", "l2tp-tunnels")!.values()];
  assert.equal(laptop.length, 1);
  assert.deepEqual(answerKey(checkOf(model, 5), records), [String(laptop[0].peerTid)]);
});

Deno.test("the SPI the laptop sends with is the LNS's inbound SPI, typed any usual way", () => {
  const { model, records } = run("ipsec-nat-t-fixes-it.yaml");
  const lnsIn = [...tableAt(records, "lns", "ipsec-sas")!.values()].map((r) => String(r["spi-in"]));
  assert.equal(lnsIn.length, 1);
  const check = checkOf(model, 4);
  assert.deepEqual(answerKey(check, records), lnsIn);
  const spi = lnsIn[0];
  for (const typed of [spi, spi.toUpperCase().replace("0X", "0x"), spi.slice(2), String(BigInt(spi))]) {
    assert.ok(gradeAnswer(check, typed, records).correct, typed);
  }
});

Deno.test("an answer is compared as a value: case, quotes and number forms aside, nothing looser", () => {
  assert.ok(sameAnswer(" 10.10.99.100 ", "10.10.99.100"));
  assert.ok(sameAnswer("0x1194", "4500"));
  assert.ok(sameAnswer("'4500'", "4500"));
  assert.ok(!sameAnswer("450", "4500"));
  assert.ok(!sameAnswer("10.10.99.10", "10.10.99.100"));
  assert.ok(!sameAnswer("1194", "4500"), "hex without 0x only counts when the run writes hex");
});

Deno.test("a row the run never shows grades every answer wrong and says which row it looked for", () => {
  const { model, records } = run("nat-home-router.yaml");
  const check = { ...checkOf(model, 4), where: { inside: "192.168.1.99:5000" } };
  const r = gradeAnswer(check, "5000", records);
  assert.equal(r.correct, false);
  assert.match(r.detail, /never shows nat@home-router \(row with inside 192\.168\.1\.99:5000\)/);
  const [none] = gradeAnswers(model.lesson!, new Map(), records);
  assert.equal(none.correct, false);
  assert.equal(none.detail, "no answer given");
});
