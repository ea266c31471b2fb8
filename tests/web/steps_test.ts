import assert from "node:assert/strict";
import { pathBetween } from "../../web/app/ladder.ts";
import { ikeNumbers, messageFirst, shortName } from "../../web/app/message.ts";
import { runText } from "../../web/app/run.ts";
import { stateSentence } from "../../web/app/sentences.ts";
import { actionsAtReceiver } from "../../web/app/steps.ts";

function lesson(name: string) {
  const text = Deno.readTextFileSync(new URL(`../../topologies/${name}`, import.meta.url));
  const outcome = runText(text, name);
  if (!outcome.ok) throw new Error(outcome.errors[0].message);
  return outcome.run;
}

Deno.test("one step per hop: the laptop's SCCRQ reaches the LNS in as many steps as there are hops", () => {
  const run = lesson("l2tp-voluntary.yaml");
  const { records } = run.index;
  const sccrq = records.find((r) => r.kind === "tx" && r.node === "laptop" && /SCCRQ/.test(r.summary))!;
  const arrival = records.find((r) => r.kind === "rx" && r.node === "lns" && r.pkt === sccrq.pkt)!;
  const steps = new Set<number>();
  for (const s of run.index.byPacket.get(sccrq.pkt!)!) {
    if (s >= sccrq.seq && s <= arrival.seq) steps.add(run.steps.stepOf[s]);
  }
  const hops = pathBetween(run.result.links, "laptop", "lns").length - 1;
  assert.equal(hops, 4); // laptop, home-router, isp, internet, lns
  assert.equal(steps.size, hops);
  // The steps follow each other: → goes hop by hop with nothing in between.
  const ordered = [...steps].sort((a, b) => a - b);
  assert.equal(ordered[ordered.length - 1] - ordered[0], hops - 1);
  // The first hop folds what the home router did: forward, the new NAT mapping and the rewrite.
  const first = run.steps.list[ordered[0]];
  assert.equal(records[first.at].node, "home-router");
  const kinds = actionsAtReceiver(records, first).map((s) => records[s].kind);
  assert.deepEqual(kinds.filter((k) => k !== "state"), ["forward", "nat"]);
  assert.ok(kinds.includes("state"));
});

Deno.test("steps cover every record once, in order, and start with the t=0 tables as one step", () => {
  for (const name of ["l2tp-voluntary.yaml", "ipsec-hides-l2tp.yaml", "basics-mtu.yaml", "l2tp-lossy.yaml"]) {
    const run = lesson(name);
    const seen = new Int32Array(run.index.records.length);
    for (const step of run.steps.list) {
      for (let i = 1; i < step.members.length; i++) assert.ok(step.members[i] > step.members[i - 1]);
      assert.ok(step.members.includes(step.at), `${name}: step at ${step.at} holds its anchor`);
      for (const s of step.members) seen[s]++;
    }
    assert.ok(seen.every((c) => c === 1), `${name}: every record in exactly one step`);
    for (let i = 1; i < run.steps.anchors.length; i++) {
      assert.ok(run.steps.anchors[i] > run.steps.anchors[i - 1]);
    }
    const setup = run.steps.list[0];
    assert.equal(setup.kind, "setup");
    assert.ok(
      setup.members.every((s) => run.index.records[s].kind === "state" && run.index.records[s].t === 0),
    );
    assert.ok(run.steps.list.length < run.index.records.length / 2, `${name}: steps fold records`);
  }
});

Deno.test("table rows read as sentences, never JSON", () => {
  const run = lesson("l2tp-voluntary.yaml");
  const states = run.index.records.filter((r) => r.kind === "state");
  assert.ok(states.length > 50);
  for (const r of states) {
    const text = stateSentence(r, run.steps.before.get(r.seq));
    assert.doesNotMatch(text, /[{}]|":|\[object/, text);
    assert.ok(text.startsWith(`${r.node}:`), text);
  }
  const mapping = states.find((r) => r.table === "nat" && !run.steps.before.has(r.seq))!;
  assert.equal(
    stateSentence(mapping, undefined),
    "home-router: new NAT mapping udp 192.168.1.10:1701 → 198.51.100.2:1701 towards 203.0.113.10:1701",
  );
  // A changed row names what changed, from the old value to the new one.
  const tunnel = states.find((r) => r.table === "l2tp-tunnels" && run.steps.before.has(r.seq))!;
  assert.match(stateSentence(tunnel, run.steps.before.get(tunnel.seq)), /^laptop: L2TP tunnel \d+: .*→/);
});

Deno.test("the message comes first, and envelopes carry the message's short name", () => {
  assert.equal(
    messageFirst("192.168.1.10.1701 > 203.0.113.10.1701: L2TP SCCRQ tid 0 Ns 0 Nr 0"),
    "SCCRQ tid 0 Ns 0 Nr 0 · 192.168.1.10:1701 → 203.0.113.10:1701",
  );
  assert.equal(messageFirst("LCP Conf-Req id 1 MRU 1400"), "LCP Conf-Req id 1 MRU 1400");
  const name = (summary: string, proto = "L2TP" as const) => shortName({ summary, proto });
  assert.equal(name("192.168.1.10.1701 > 203.0.113.10.1701: L2TP SCCRQ tid 0 Ns 0 Nr 0"), "SCCRQ");
  assert.equal(
    name("1.2.3.4.1701 > 5.6.7.8.1701: L2TP data tid 1 sid 2: CHAP Response id 11 name alice"),
    "CHAP Response",
  );
  assert.equal(
    name("1.2.3.4.4500 > 5.6.7.8.4500: UDP-encap ESP(spi=0xcd9cd227,seq=0x3), length 148"),
    "ESP #3",
  );
  assert.equal(name("1.2.3.4 > 5.6.7.8: ICMP echo request id 1 seq 1"), "Echo Request");

  const run = lesson("ipsec-hides-l2tp.yaml");
  const numbers = ikeNumbers(run.index.records);
  const mainMode = [
    ...new Set(
      run.index.records.filter((r) => r.kind === "tx" && /Main Mode/.test(r.summary)).map((r) =>
        numbers.get(r.pkt!)
      ),
    ),
  ];
  assert.deepEqual(mainMode, ["IKE MM 1", "IKE MM 2", "IKE MM 3", "IKE MM 4", "IKE MM 5", "IKE MM 6"]);
});

Deno.test("a packet dropped by the device that made it is a step of its own", () => {
  const run = lesson("ipsec-hides-l2tp.yaml");
  const drop = run.index.records.find((r) =>
    r.kind === "drop" && r.node === "laptop" && /SCCRQ/.test(r.summary)
  )!;
  assert.match(drop.reason ?? "", /waiting for IPsec SA/);
  const step = run.steps.list[run.steps.stepOf[drop.seq]];
  assert.equal(step.at, drop.seq);
  assert.equal(step.kind, "event");
});
