import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { drops, EXT, lab, listen, natLab, natStates, send, SERVER } from "./harness.ts";

/** Every link in the lab has a 1 ms delay: the NAT sees a datagram 1 ms after the laptop sends it. */
const HOP = 1000;
const removedAt = (l: ReturnType<typeof lab>) => natStates(l).filter((r) => r.value === null).map((r) => r.t);

Deno.test("UDP unreplied timeout: a mapping nobody answers expires exactly udp-timeout after its last use", () => {
  const l = lab(natLab({ preset: "linux-conntrack" }));
  listen(l, "server", 7);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.run(100 * SECOND);
  assert.deepEqual(removedAt(l), [SECOND + HOP + 30 * SECOND]);
  const expired = natStates(l).find((r) => r.value === null)!;
  assert.equal(expired.key, "udp 203.0.113.2:5000");
  assert.match(expired.summary, /expired after 30s without traffic/);
});

Deno.test("UDP stream timeout: once a reply came back, the mapping lives udp-stream-timeout", () => {
  const l = lab(natLab({ preset: "linux-conntrack" }));
  listen(l, "server", 7, true);
  listen(l, "laptop", 5000);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.run(300 * SECOND);
  // The echo reaches the NAT five hops after the send (lan, wan, dmz, dmz, wan): 120 s from then.
  assert.deepEqual(removedAt(l), [SECOND + 5 * HOP + 120 * SECOND]);
});

Deno.test("refresh on outbound: each datagram pushes the expiry out again", () => {
  const l = lab(natLab({ preset: "linux-conntrack" }));
  listen(l, "server", 7);
  for (const t of [1, 20, 40]) l.at(t * SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.run(100 * SECOND);
  assert.deepEqual(removedAt(l), [40 * SECOND + HOP + 30 * SECOND]);
  const refreshes = natStates(l).filter((r) => /refreshed by an outbound packet/.test(r.summary));
  assert.equal(refreshes.length, 2);
  assert.equal(refreshes[1].value?.expires, "70.001000");
});

Deno.test("inbound refresh off: replies do not keep a mapping alive, only outbound traffic does", () => {
  const run = (inboundRefresh: boolean) => {
    const l = lab(
      natLab({
        preset: "home-router",
        nat: { "inbound-refresh": inboundRefresh, filtering: "endpoint-independent" },
      }),
    );
    listen(l, "server", 7);
    listen(l, "laptop", 5000);
    l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
    l.at(21 * SECOND, () => send(l, "server", EXT, 7, 5000)); // unsolicited but allowed through
    l.run(200 * SECOND);
    return removedAt(l);
  };
  // Without inbound refresh the 30 s unreplied timer set when the first datagram left still fires.
  assert.deepEqual(run(false), [SECOND + HOP + 30 * SECOND]);
  // With it the datagram at 21 s (two hops to the NAT) makes a stream: 120 s from its arrival.
  assert.deepEqual(run(true), [21 * SECOND + 2 * HOP + 120 * SECOND]);
});

Deno.test("after expiry the next datagram creates a fresh mapping and late replies are dropped", () => {
  const l = lab(natLab({ preset: "linux-conntrack" }));
  listen(l, "server", 7);
  listen(l, "laptop", 5000);
  l.at(SECOND, () => send(l, "laptop", SERVER, 5000, 7));
  l.at(40 * SECOND, () => send(l, "server", EXT, 7, 5000, "too late"));
  l.run(50 * SECOND);
  const d = drops(l, "nat");
  assert.equal(d.length, 1);
  assert.match(d[0].reason!, /no NAT mapping for UDP 203\.0\.113\.2:5000/);
  assert.match(d[0].reason!, /mapping expired/);
});

Deno.test("ICMP timeout: an echo mapping lives icmp-timeout", () => {
  const l = lab(natLab({ preset: "home-router", nat: { "icmp-timeout": 10 * SECOND } }));
  l.at(
    SECOND,
    () =>
      l.dev("laptop").runCommand({
        name: "ping",
        args: { dst: SERVER, count: 1, interval: SECOND, size: 56, ttl: 64, df: false },
      }),
  );
  l.run(60 * SECOND);
  const icmp = natStates(l).filter((r) => r.key?.startsWith("icmp "));
  const removed = icmp.filter((r) => r.value === null);
  assert.equal(removed.length, 1);
  // The echo reply reaches the NAT five hops after the request left the laptop and refreshes it.
  assert.equal(removed[0].t, SECOND + 5 * HOP + 10 * SECOND);
});
