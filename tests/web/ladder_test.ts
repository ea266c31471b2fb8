import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { buildLadder, busiestFlow, fitLabel, messageAt, pathBetween } from "../../web/app/ladder.ts";
import { indexTrace } from "../../web/app/trace_index.ts";
import { action, chain } from "../helpers/model.ts";

function pingRun(extra: (m: ReturnType<typeof chain>) => void = () => {}) {
  const m = chain(2);
  m.script.push(
    action(1_000_000, { node: "laptop" }, "ping", {
      dst: "10.0.0.10",
      count: 1,
      interval: 1_000_000,
      size: 56,
      ttl: 64,
      df: false,
    }),
  );
  extra(m);
  const result = simulate(m);
  return { result, index: indexTrace(result.records) };
}

Deno.test("the path between two nodes follows the links", () => {
  const { result } = pingRun();
  assert.deepEqual(pathBetween(result.links, "laptop", "server"), ["laptop", "r1", "r2", "server"]);
  assert.deepEqual(pathBetween(result.links, "r2", "laptop"), ["r2", "r1", "laptop"]);
  assert.deepEqual(pathBetween([], "a", "b"), ["a", "b"]);
});

Deno.test("one ping over two routers is 3 hops there and 3 back, in order", () => {
  const { result, index } = pingRun();
  const ladder = buildLadder(index, result.links, "laptop", "server");
  assert.deepEqual(ladder.lifelines, ["laptop", "r1", "r2", "server"]);
  const hops = ladder.messages.map((m) => `${m.from}>${m.to}`);
  assert.deepEqual(hops, ["laptop>r1", "r1>r2", "r2>server", "server>r2", "r2>r1", "r1>laptop"]);
  assert.ok(ladder.messages.every((m) => !m.dropped && m.endSeq > m.seq && m.proto === "ICMP"));
  // The cursor on the second hop's rx still belongs to the second message.
  assert.equal(messageAt(ladder, ladder.messages[1].endSeq), 1);
  assert.equal(messageAt(ladder, 0), -1);
  // With the packet id, a record of an earlier packet finds that packet's arrow, not the latest one.
  const reply = ladder.messages[3];
  assert.equal(messageAt(ladder, ladder.messages[5].seq, ladder.messages[0].pkt), 2);
  assert.equal(messageAt(ladder, reply.endSeq, reply.pkt), 3);
});

Deno.test("a packet dropped on the way belongs to the flow and ends in a cross", () => {
  const { result, index } = pingRun((m) => {
    m.script.push(action(500_000, { link: "l1" }, "link-down"));
  });
  const ladder = buildLadder(index, result.links, "laptop", "server");
  const last = ladder.messages[ladder.messages.length - 1];
  assert.equal(last.dropped, true);
  assert.equal(ladder.messages.filter((m) => m.dropped).length, 1);
  assert.equal(ladder.messages[0].from, "laptop");
});

Deno.test("the busiest flow is the ping's two ends, the first speaker on the left", () => {
  const { index } = pingRun();
  assert.deepEqual(busiestFlow(index), ["laptop", "server"]);
});

Deno.test("labels keep the whole summary when it fits, else the protocol part", () => {
  const s = "10.0.0.1 > 10.0.0.10: ICMP echo request id 7 seq 1";
  assert.equal(fitLabel(s, 100), s);
  assert.equal(fitLabel(s, 30), "ICMP echo request id 7 seq 1");
  assert.equal(fitLabel(s, 10), "ICMP echo…");
});

Deno.test("ipsec-hides-l2tp: ESP, which ends in a decapsulation rather than a delivery, is on the ladder", async () => {
  const { runText } = await import("../../web/app/run.ts");
  const text = Deno.readTextFileSync(new URL("../../topologies/ipsec-hides-l2tp.yaml", import.meta.url));
  const outcome = runText(text, "ipsec-hides-l2tp.yaml");
  assert.ok(outcome.ok);
  const run = outcome.run;
  const [a, b] = busiestFlow(run.index)!;
  const ladder = buildLadder(run.index, run.result.links, a, b);
  const esp = ladder.messages.filter((m) => m.proto === "ESP");
  assert.ok(esp.length >= 10, `${esp.length} ESP arrows between ${a} and ${b}`);
  // Quick Mode is no longer the end of the story: ESP follows it.
  const lastIke = ladder.messages.findLastIndex((m) => m.proto === "IKE");
  assert.ok(
    ladder.messages.findIndex((m) => m.proto === "ESP") > ladder.messages.findIndex((m) => m.proto === "IKE"),
  );
  assert.ok(ladder.messages.slice(lastIke).some((m) => m.proto === "ESP"));
});

Deno.test("a hop whose addresses a NAT rewrote keeps them in a short label", () => {
  const s = "198.51.100.2.1701 > 203.0.113.10.1701: L2TP SCCRQ tid 0 Ns 0 Nr 0";
  assert.equal(fitLabel(s, 50, true), "L2TP SCCRQ… 198.51.100.2:1701 → 203.0.113.10:1701");
  assert.equal(fitLabel(s, 50, false), "L2TP SCCRQ tid 0 Ns 0 Nr 0");
});
