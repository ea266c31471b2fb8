import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { action, link, model, node } from "../helpers/model.ts";
import type { LinkSpec } from "../../src/topology/model.ts";

/** Two hosts on one link; `a` sends `count` UDP datagrams of `size` bytes to b's echo-less port. */
function twoHosts(params: Partial<LinkSpec>, count: number, size = 100, interval = 0, seed = 1) {
  return simulate(model(
    [node("a", "host", { eth0: "10.0.0.1/24" }), node("b", "host", { eth0: "10.0.0.2/24" })],
    [link("ab", ["a:eth0", "b:eth0"], params)],
    [
      action(0, { node: "b" }, "udp-echo", { port: 9 }),
      action(1000, { node: "a" }, "udp-send", { dst: "10.0.0.2", port: 9, count, size, interval }),
    ],
    { seed },
  ));
}

const on = (records: TraceRecord[], kind: string, nodeName: string) =>
  records.filter((r) => r.kind === kind && r.node === nodeName);

Deno.test("link: propagation delay separates tx and rx", () => {
  const { records } = twoHosts({ delay: 5000 }, 1);
  const tx = on(records, "tx", "a")[0];
  const rx = on(records, "rx", "b")[0];
  assert.equal(rx.t - tx.t, 5000);
  assert.equal(rx.pkt, tx.pkt);
});

Deno.test("link: bandwidth adds serialisation time per packet and queues back-to-back sends", () => {
  // 128-byte IP datagrams (100 payload + 28) at 1 Mbit/s take 1024 µs each to serialise.
  const { records } = twoHosts({ delay: 0, bandwidth: 1_000_000 }, 3, 100, 0);
  const rx = on(records, "rx", "b").map((r) => r.t);
  const tx = on(records, "tx", "a").map((r) => r.t);
  assert.deepEqual(tx.map((t) => t - tx[0]), [0, 1024, 2048]);
  assert.deepEqual(rx.map((t) => t - tx[0]), [1024, 2048, 3072]);
});

Deno.test("link: a full transmit queue tail-drops with a reason", () => {
  const { records } = twoHosts({ bandwidth: 1_000_000, queue: 2 }, 6, 100, 0);
  const drops = on(records, "drop", "a");
  // One packet is on the wire, two wait; the other three find the queue full.
  assert.equal(drops.length, 3);
  assert.match(drops[0].reason!, /queue .* full .*tail drop/);
  assert.equal(on(records, "rx", "b").length, 3);
});

Deno.test("link: loss drops about the configured share, reproducibly for a seed", () => {
  const run = (seed: number) => twoHosts({ loss: 0.3 }, 1000, 10, 1000, seed);
  const first = run(5);
  const received = on(first.records, "rx", "b").length;
  assert.ok(received > 620 && received < 780, `received ${received}`);
  assert.equal(on(run(5).records, "rx", "b").length, received, "same seed, same losses");
  assert.notEqual(on(run(6).records, "rx", "b").length, received);
  assert.match(first.records.find((r) => r.kind === "drop")!.reason!, /lost on ab/);
});

Deno.test("link: duplication delivers a second copy", () => {
  const { records } = twoHosts({ duplicate: 1 }, 1);
  const rx = on(records, "rx", "b");
  assert.equal(rx.length, 2);
  assert.match(rx[1].summary, /duplicate/);
});

Deno.test("link: jitter reorders packets sent close together", () => {
  const { records } = twoHosts({ jitter: 50_000 }, 50, 10, 1000);
  const sentOrder = on(records, "tx", "a").map((r) => r.pkt);
  const receivedOrder = on(records, "rx", "b").map((r) => r.pkt);
  assert.equal(receivedOrder.length, 50);
  assert.notDeepEqual(receivedOrder, sentOrder);
  assert.deepEqual([...receivedOrder].sort((x, y) => x! - y!), [...sentOrder].sort((x, y) => x! - y!));
});

Deno.test("link: down drops with a reason; up again delivers", () => {
  const result = simulate(model(
    [node("a", "host", { eth0: "10.0.0.1/24" }), node("b", "host", { eth0: "10.0.0.2/24" })],
    [link("ab", ["a:eth0", "b:eth0"])],
    [
      action(0, { node: "b" }, "udp-echo", { port: 9 }),
      action(500, { link: "ab" }, "link-down"),
      action(1000, { node: "a" }, "ping", { dst: "10.0.0.2", count: 1 }),
      action(2_000_000, { link: "ab" }, "link-up"),
      action(3_000_000, { node: "a" }, "ping", { dst: "10.0.0.2", count: 1 }),
    ],
  ));
  assert.ok(result.records.some((r) => r.kind === "link" && /down/.test(r.summary)));
  assert.ok(
    result.records.some((r) => r.kind === "drop" && r.t < 2_000_000),
    "no route while the link is down",
  );
  assert.ok(result.records.some((r) => r.kind === "app" && /1 received/.test(r.summary)));
});

Deno.test("link: shared segment finds the next hop by address; unknown address is dropped like a failed ARP", () => {
  const result = simulate(model(
    [
      node("a", "host", { eth0: "10.0.0.1/24" }),
      node("b", "host", { eth0: "10.0.0.2/24" }),
      node("c", "host", { eth0: "10.0.0.3/24" }),
    ],
    [link("lan", ["a:eth0", "b:eth0", "c:eth0"])],
    [
      action(1000, { node: "a" }, "ping", { dst: "10.0.0.3", count: 1 }),
      action(2000, { node: "a" }, "ping", { dst: "10.0.0.9", count: 1 }),
    ],
  ));
  assert.equal(on(result.records, "rx", "b").length, 0, "b never sees unicast for c");
  assert.equal(on(result.records, "rx", "c").length, 1);
  assert.match(on(result.records, "drop", "a")[0].reason!, /no device with address 10\.0\.0\.9/);
});
