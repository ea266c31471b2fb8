import assert from "node:assert/strict";
import { Scheduler } from "../../../src/engine/scheduler.ts";
import { SECOND } from "../../../src/engine/time.ts";
import { parseIp } from "../../../src/wire/addr.ts";
import { encodeIcmp } from "../../../src/wire/icmp.ts";
import { decodeIpv4, encodeIpv4, type Ipv4Packet } from "../../../src/wire/ipv4.ts";
import { encodeTcp, TCP_ACK, TCP_FIN, TCP_SYN } from "../../../src/wire/tcp.ts";
import { encodeUdp } from "../../../src/wire/udp.ts";
import { Firewall, type FirewallVerdict } from "../../../src/stack/firewall/filter.ts";
import type { FirewallRule, FirewallSettings } from "../../../src/stack/firewall/rules.ts";
import { TcpTrack } from "../../../src/stack/tcp/conntrack.ts";
import { ORIGINATOR_CLOSES_FIRST } from "../../helpers/conntrack_states.ts";

const CLIENT = parseIp("192.168.1.10")!;
const SERVER = parseIp("203.0.113.80")!;

function datagram(src: number, dst: number, protocol: number, payload: Uint8Array): Ipv4Packet {
  const decoded = decodeIpv4(encodeIpv4({
    tos: 0,
    id: 1,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol,
    src,
    dst,
    options: new Uint8Array(0),
    payload,
  }));
  assert.ok(decoded.ok);
  return decoded.value;
}

function tcp(src: number, dst: number, sport: number, dport: number, flags: number): Ipv4Packet {
  return datagram(
    src,
    dst,
    6,
    encodeTcp(src, dst, {
      srcPort: sport,
      dstPort: dport,
      seq: 1,
      ack: flags & TCP_ACK ? 1 : 0,
      flags,
      window: 1000,
      urgent: 0,
      options: [],
      payload: new Uint8Array(0),
    }),
  );
}

function fragNeeded(router: number, about: Ipv4Packet, to: number): Ipv4Packet {
  const quoted = encodeIpv4(about).subarray(0, 28);
  return datagram(router, to, 1, encodeIcmp({ type: 3, code: 4, mtu: 1400, quoted }));
}

function firewall(rules: Partial<FirewallRule>[], policy: FirewallSettings["policy"] = "drop") {
  const sched = new Scheduler();
  const states: { table: string; key: string; value: Record<string, unknown> | null }[] = [];
  const fw = new Firewall({
    name: "fw",
    sched,
    state: (table, key, value) => states.push({ table, key, value }),
  }, {
    rules: rules.map((r, i) => ({ name: `rule ${i + 1}`, action: "accept", ...r })),
    policy,
    inside: ["lan0"],
  });
  return { fw, sched, states };
}

const STATEFUL: Partial<FirewallRule>[] = [
  { name: "replies", established: true, action: "accept" },
  { name: "outbound", direction: "out", action: "accept" },
];

const reasonOf = (v: FirewallVerdict) => v.action === "accept" ? "" : v.reason;

Deno.test("firewall: outbound connections and their replies pass; an unsolicited inbound SYN meets the policy", () => {
  const { fw } = firewall(STATEFUL);
  assert.equal(fw.check(tcp(CLIENT, SERVER, 40000, 80, TCP_SYN), "lan0").action, "accept");
  assert.equal(fw.check(tcp(SERVER, CLIENT, 80, 40000, TCP_SYN | TCP_ACK), "wan0").action, "accept");
  const inbound = fw.check(tcp(SERVER, CLIENT, 80, 40001, TCP_SYN), "wan0");
  assert.equal(inbound.action, "drop");
  assert.equal(
    reasonOf(inbound),
    "fw: TCP 203.0.113.80:80 → 192.168.1.10:40001 dropped by the default policy",
  );
});

Deno.test("firewall: ICMP fragmentation-needed about a tracked connection is RELATED and passes", () => {
  const { fw } = firewall(STATEFUL);
  const data = tcp(SERVER, CLIENT, 80, 40000, TCP_ACK);
  fw.check(tcp(CLIENT, SERVER, 40000, 80, TCP_SYN), "lan0");
  // The server's data could not go on; a router outside tells the server... and here one inside tells it.
  assert.equal(fw.check(fragNeeded(parseIp("192.168.1.1")!, data, SERVER), "lan0").action, "accept");
  const unrelated = fragNeeded(parseIp("198.51.100.1")!, tcp(SERVER, CLIENT, 80, 41000, TCP_ACK), SERVER);
  assert.equal(fw.check(unrelated, "wan0").action, "drop", "no connection, no relation");
});

Deno.test("firewall: a rule that blocks ICMP type 3 code 4 is named in the drop reason (the black hole)", () => {
  const { fw, states } = firewall([
    { name: "no-icmp-errors", proto: "icmp", icmpType: 3, icmpCode: 4, action: "drop" },
    ...STATEFUL,
  ]);
  fw.publishRules();
  fw.check(tcp(CLIENT, SERVER, 40000, 80, TCP_SYN), "lan0");
  const verdict = fw.check(
    fragNeeded(parseIp("192.168.1.1")!, tcp(SERVER, CLIENT, 80, 40000, TCP_ACK), SERVER),
    "lan0",
  );
  assert.equal(
    reasonOf(verdict),
    'fw: ICMP type 3 code 4 (fragmentation needed) 192.168.1.1 → 203.0.113.80 dropped by rule 1 "no-icmp-errors" (drop icmp type 3 code 4)',
  );
  const row = states.filter((s) => s.table === "firewall" && s.key === "01").at(-1)!;
  assert.deepEqual(row.value, { name: "no-icmp-errors", rule: "drop icmp type 3 code 4", drops: 1 });
});

Deno.test("firewall: blocking UDP 500 and 4500 stops IKE; reject is reported as such", () => {
  const { fw } = firewall([
    { name: "no-ike", proto: "udp", dstPort: [500, 500], action: "drop" },
    { name: "no-nat-t", proto: "udp", dstPort: [4500, 4500], action: "reject" },
  ], "accept");
  const ike = (port: number) =>
    datagram(CLIENT, SERVER, 17, encodeUdp(CLIENT, SERVER, port, port, new Uint8Array(8)));
  assert.match(
    reasonOf(fw.check(ike(500), "lan0")),
    /UDP 192\.168\.1\.10:500 → 203\.0\.113\.80:500 dropped by rule 1 "no-ike"/,
  );
  assert.match(
    reasonOf(fw.check(ike(4500), "lan0")),
    /rejected by rule 2 "no-nat-t" \(reject udp dport 4500\)/,
  );
  assert.equal(fw.check(ike(1701), "lan0").action, "accept", "L2TP's UDP 1701 is not blocked");
});

Deno.test("firewall: a tracked UDP flow expires after 30 s without a reply, 120 s after one", () => {
  const { fw, sched, states } = firewall(STATEFUL);
  const out = datagram(CLIENT, SERVER, 17, encodeUdp(CLIENT, SERVER, 5000, 53, new Uint8Array(4)));
  const back = datagram(SERVER, CLIENT, 17, encodeUdp(SERVER, CLIENT, 53, 5000, new Uint8Array(4)));
  fw.check(out, "lan0");
  sched.runUntil(31 * SECOND);
  assert.equal(fw.flowCount, 0);
  assert.equal(fw.check(back, "wan0").action, "drop", "the reply comes too late");
  fw.check(out, "lan0");
  fw.check(back, "wan0");
  sched.runUntil(31 * SECOND + 119 * SECOND);
  assert.equal(fw.flowCount, 1);
  sched.runUntil(31 * SECOND + 121 * SECOND);
  assert.equal(fw.flowCount, 0);
  assert.ok(states.some((s) => s.table === "conntrack" && s.value === null));
});

Deno.test("conntrack TCP states: SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT", () => {
  const t = new TcpTrack();
  const seen = [t.state];
  const step = (flags: number, original: boolean) => {
    t.update(flags, original);
    seen.push(t.state);
  };
  step(TCP_SYN | TCP_ACK, false);
  step(TCP_ACK, true);
  step(TCP_FIN | TCP_ACK, true);
  step(TCP_ACK, false);
  step(TCP_FIN | TCP_ACK, false);
  step(TCP_ACK, true);
  assert.deepEqual(seen, ORIGINATOR_CLOSES_FIRST);
  assert.equal(t.timeout, 120 * SECOND);
  const established = new TcpTrack();
  established.update(TCP_SYN | TCP_ACK, false);
  established.update(TCP_ACK, true);
  assert.equal(established.timeout, 5 * 24 * 3600 * SECOND, "five days, Linux's default");
});
