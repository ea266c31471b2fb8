import assert from "node:assert/strict";
import { checkExpectations, textMatcher } from "../../src/trace/expect.ts";
import type { Expectation } from "../../src/topology/model.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { simulate } from "../../src/sim.ts";
import { action, chain } from "../helpers/model.ts";

const pos = { line: 1, col: 1 };
const expect = (what: Expectation["what"], extra: Partial<Expectation> = {}): Expectation => ({
  say: "s",
  what,
  never: false,
  pos,
  ...extra,
});

function pingRun(): TraceRecord[] {
  const m = chain(2);
  m.script = [action(1_000_000, { node: "laptop" }, "ping", { dst: "10.0.0.10", count: 2 })];
  return simulate(m).records;
}

Deno.test("text matching: substring ignoring case, or /regex/", () => {
  assert.ok(textMatcher("echo REQUEST")("ICMP echo request id 1"));
  assert.ok(!textMatcher("reply")("ICMP echo request"));
  assert.ok(textMatcher("/seq [0-9]+$/")("ICMP echo request id 1 seq 12"));
  assert.ok(!textMatcher("/^seq/")("ICMP echo request id 1 seq 12"));
});

Deno.test("expectations: met ones point at the record, unmet ones say what was missing", () => {
  const records = pingRun();
  const [log, drop, carries, late] = checkExpectations([
    expect({ kind: "log", node: "laptop", text: "2 packets transmitted, 2 received" }),
    expect({ kind: "drop", node: "r1" }),
    expect({ kind: "carries", link: "l1", text: "Identifier: " }),
    expect({ kind: "log", node: "laptop", text: "icmp_seq=2" }, { by: 1_500_000 }),
  ], records);
  assert.equal(log.met, true);
  assert.equal(records[log.seq!].kind, "app");
  assert.equal(drop.met, false);
  assert.match(drop.detail, /r1 drops a packet; it did not happen/);
  assert.equal(carries.met, true, "field names from the decoded tree count");
  assert.equal(records[carries.seq!].link, "l1");
  assert.equal(late.met, false, "the second reply comes after 1.5 s");
});

Deno.test("expectations: never is met when nothing matches and broken by the first match", () => {
  const records = pingRun();
  const [quiet, noisy] = checkExpectations([
    expect({ kind: "carries", link: "l0", text: "UDP" }, { never: true }),
    expect({ kind: "carries", link: "l0", text: "ICMP" }, { never: true, after: 1_500_000 }),
  ], records);
  assert.equal(quiet.met, true);
  assert.equal(noisy.met, false);
  assert.ok(records[noisy.seq!].t >= 1_500_000, "only records after `after` count");
});

Deno.test("expectations: state rows and events", () => {
  const records = pingRun();
  const [route, event] = checkExpectations([
    expect({ kind: "state", node: "r1", table: "routes", text: "via 10.0.0.6" }),
    expect({ kind: "event", node: "r2", text: "forward" }),
  ], records);
  assert.equal(route.met, true);
  assert.equal(event.met, true);
});
