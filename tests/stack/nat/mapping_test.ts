import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import {
  drops,
  EXT,
  lab,
  listen,
  natLab,
  natStates,
  send,
  SERVER,
  SERVER2,
  STRANGER,
  wireCheck,
} from "./harness.ts";

const nat = (extra: Record<string, unknown>) => ({ preset: "home-router", ...extra });

/** The laptop sends from port 5000 to server:7, server:8 and server2:7; what source does each see? */
function sourcesSeen(mapping: string) {
  const l = lab(natLab(nat({ nat: { mapping, filtering: "endpoint-independent" } })));
  const a = listen(l, "server", 7);
  const b = listen(l, "server", 8);
  const c = listen(l, "server2", 7);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.at(2 * SECOND, () => send(l, "laptop", SERVER, 5000, 8));
  l.at(3 * SECOND, () => send(l, "laptop", SERVER2, 5000, 7));
  l.run(5 * SECOND);
  assert.equal(a.length + b.length + c.length, 3);
  for (const s of [...a, ...b, ...c]) assert.equal(s.src, EXT, "the private address never leaves");
  wireCheck(l, "wan");
  return { sameAddrOtherPort: b[0].srcPort === a[0].srcPort, otherAddr: c[0].srcPort === a[0].srcPort };
}

Deno.test("mapping endpoint-independent: one outside port for every destination", () => {
  assert.deepEqual(sourcesSeen("endpoint-independent"), { sameAddrOtherPort: true, otherAddr: true });
});

Deno.test("mapping address-dependent: same port per destination address, a new one for a new address", () => {
  assert.deepEqual(sourcesSeen("address-dependent"), { sameAddrOtherPort: true, otherAddr: false });
});

Deno.test("mapping address-and-port-dependent: a new port for every destination address and port", () => {
  assert.deepEqual(sourcesSeen("address-and-port-dependent"), { sameAddrOtherPort: false, otherAddr: false });
});

/** After the laptop sent from 5000 to server:7, who else can reach the mapping? */
function whoGetsIn(filtering: string) {
  const l = lab(natLab(nat({ nat: { mapping: "endpoint-independent", filtering } })));
  const inbox = listen(l, "laptop", 5000);
  listen(l, "server", 7);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.at(2 * SECOND, () => send(l, "server", EXT, 7, 5000, "from the port contacted"));
  l.at(3 * SECOND, () => send(l, "server", EXT, 9, 5000, "same address, other port"));
  l.at(4 * SECOND, () => send(l, "stranger", EXT, 7, 5000, "other address"));
  l.run(6 * SECOND);
  return { texts: inbox.map((s) => new TextDecoder().decode(s.payload)), drops: drops(l, "nat") };
}

Deno.test("filtering endpoint-independent: anyone may send in through a mapping", () => {
  const { texts } = whoGetsIn("endpoint-independent");
  assert.deepEqual(texts, ["from the port contacted", "same address, other port", "other address"]);
});

Deno.test("filtering address-dependent: any port of a contacted address, nobody else", () => {
  const { texts, drops } = whoGetsIn("address-dependent");
  assert.deepEqual(texts, ["from the port contacted", "same address, other port"]);
  assert.equal(drops.length, 1);
  assert.match(
    drops[0].reason!,
    /^nat: filtering is address-dependent: UDP from 198\.51\.100\.30:7 to 203\.0\.113\.2:5000 dropped: 192\.168\.1\.10:5000 never sent to 198\.51\.100\.30/,
  );
  assert.match(drops[0].reason!, /nat filtering: endpoint-independent/);
});

Deno.test("filtering address-and-port-dependent: only the exact endpoint contacted", () => {
  const { texts, drops } = whoGetsIn("address-and-port-dependent");
  assert.deepEqual(texts, ["from the port contacted"]);
  assert.equal(drops.length, 2);
  assert.match(drops[0].reason!, /never sent to 198\.51\.100\.10:9/);
});

Deno.test("port preservation on: the inside port is kept; a second host on the same port gets another", () => {
  const l = lab(natLab(nat({ nat: { "port-preservation": true } })));
  const seen = listen(l, "server", 7);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.at(2 * SECOND, () => send(l, "phone", SERVER, 5000, 7));
  l.run(3 * SECOND);
  assert.equal(seen[0].srcPort, 5000);
  assert.notEqual(seen[1].srcPort, 5000);
  assert.ok(seen[1].srcPort >= 1024 && seen[1].srcPort <= 65535);
});

Deno.test("port preservation off: ports come from the configured range", () => {
  const l = lab(
    natLab(nat({ nat: { "port-preservation": false, "port-range": { low: 20000, high: 20009 } } })),
  );
  const seen = listen(l, "server", 7);
  for (let i = 0; i < 10; i++) l.at(SECOND + i * 1000, () => send(l, "laptop", SERVER, 5000 + i, 7));
  l.at(2 * SECOND, () => send(l, "laptop", SERVER, 6000, 7));
  l.run(3 * SECOND);
  const ports = seen.map((s) => s.srcPort);
  assert.equal(ports.length, 10);
  assert.deepEqual([...ports].sort((a, b) => a - b), [
    20000,
    20001,
    20002,
    20003,
    20004,
    20005,
    20006,
    20007,
    20008,
    20009,
  ]);
  const exhausted = drops(l, "nat");
  assert.equal(exhausted.length, 1);
  assert.match(exhausted[0].reason!, /no free outside port in 20000-20009 for 192\.168\.1\.10:6000/);
});

Deno.test("every rewrite is a nat record with before/after tuples; creation is a state row", () => {
  const l = lab(natLab(nat({})));
  listen(l, "server", 7, true);
  listen(l, "laptop", 5000);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.run(2 * SECOND);
  const nats = l.records.filter((r) => r.kind === "nat");
  assert.equal(nats.length, 2);
  assert.deepEqual(nats[0].detail?.before, { src: "192.168.1.10:5000", dst: "198.51.100.10:7" });
  assert.deepEqual(nats[0].detail?.after, { src: "203.0.113.2:5000", dst: "198.51.100.10:7" });
  assert.deepEqual(nats[1].detail?.before, { src: "198.51.100.10:7", dst: "203.0.113.2:5000" });
  assert.deepEqual(nats[1].detail?.after, { src: "198.51.100.10:7", dst: "192.168.1.10:5000" });
  const created = natStates(l)[0];
  assert.equal(created.key, "udp 203.0.113.2:5000");
  assert.deepEqual(
    { ...created.value, expires: undefined },
    {
      proto: "UDP",
      inside: "192.168.1.10:5000",
      outside: "203.0.113.2:5000",
      remote: "198.51.100.10:7",
      accepts: "contacted addresses",
      state: "unreplied",
      expires: undefined,
      timeout: "30s",
    },
  );
  const replied = natStates(l).at(-1)!;
  assert.equal(replied.value?.state, "stream");
  assert.equal(replied.value?.timeout, "120s");
});

void STRANGER;
