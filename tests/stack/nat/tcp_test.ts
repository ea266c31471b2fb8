/**
 * TCP through the NAT: one row per connection, moved through conntrack's states by the segments it sees
 * (and only then recorded), Linux's timeouts per state, resets, port forwards, unsolicited segments, and
 * ICMP fragmentation-needed about a translated segment reaching the inside host (PMTUD through NAT).
 */
import assert from "node:assert/strict";
import { simulate } from "../../../src/sim.ts";
import { SECOND } from "../../../src/engine/time.ts";
import { tcpOf } from "../../../src/devices/tcp_host.ts";
import type { TcpConnection } from "../../../src/stack/tcp/connection.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";
import { tableAt } from "../../../src/trace/tables.ts";
import { ORIGINATOR_CLOSES_FIRST } from "../../helpers/conntrack_states.ts";
import { action, link, model, node } from "../../helpers/model.ts";
import { drops, EXT, ip, lab, natLab, natStates, SERVER, SERVER2, STRANGER } from "./harness.ts";

type Row = Record<string, string>;

/** The `state` column of every row of table nat at `node` the moment each record was written. */
const stateChanges = (records: readonly TraceRecord[], node = "nat") =>
  records.filter((r) => r.kind === "state" && r.table === "nat" && r.node === node && r.value)
    .map((r) => (r.value as Row).state);

/** When a row of table nat first reached `state`. */
const reached = (records: readonly TraceRecord[], state: string) =>
  records.find((r) => r.kind === "state" && r.table === "nat" && (r.value as Row | null)?.state === state)!.t;

const natRows = (records: TraceRecord[], t: number, node = "nat"): Row[] => {
  const table = tableAt(records, node, "nat", t);
  return table ? [...table.values()].map((v) => v as Row) : [];
};

function transfer(config: Record<string, unknown>, bytes: number) {
  const m = natLab(config, 1);
  m.duration = 200 * SECOND;
  m.script = [
    action(100_000, { node: "server" }, "iperf-server", { port: 5201 }),
    action(SECOND, { node: "laptop" }, "iperf-client", { dst: SERVER, port: 5201, bytes }),
  ];
  return simulate(m).records as TraceRecord[];
}

Deno.test("NAT TCP: a connection is SYN_SENT, SYN_RECV, ESTABLISHED, then FIN_WAIT … TIME_WAIT, one record per change", () => {
  const records = transfer({ preset: "home-router" }, 300_000);
  const sender = records.find((r) => r.kind === "app" && r.node === "laptop" && r.summary.endsWith("sender"));
  assert.ok(sender, "the transfer through the NAT finishes");
  // The laptop sends the first FIN (iperf's client closes), so: its FIN, the server's ACK of it, the
  // server's FIN, the laptop's last ACK.
  assert.deepEqual(stateChanges(records), ORIGINATOR_CLOSES_FIRST);
  // 300 kB is over 200 segments each way, yet the table was written only at those seven changes.
  const segments = records.filter((r) => r.kind === "nat" && r.node === "nat").length;
  assert.ok(segments > 200, `${segments} segments translated`);
  const row = natRows(records, reached(records, "ESTABLISHED"))[0];
  assert.equal(row.state, "ESTABLISHED");
  assert.equal(row.timeout, "5d");
  assert.equal(row.inside.split(":")[0], "192.168.1.10");
  assert.equal(row.outside.split(":")[0], EXT);
  assert.equal(row.remote, `${SERVER}:5201`);
  // The server sees the outside address, not the laptop's.
  assert.ok(
    records.some((r) => r.kind === "app" && r.node === "server" && r.summary.includes(`from ${EXT}`)),
  );
});

Deno.test("NAT TCP: TIME_WAIT lasts 120 s after the last segment, then the row is removed", () => {
  const records = transfer({ preset: "home-router" }, 20_000);
  const timeWait = natStates({ records } as never).find((r) =>
    (r.value as Row | null)?.state === "TIME_WAIT"
  )!;
  const lastSegment = records.filter((r) => r.kind === "nat" && r.node === "nat").at(-1)!;
  const removed = natStates({ records } as never).find((r) => r.value === null)!;
  assert.ok(timeWait && removed);
  assert.equal(removed.t, lastSegment.t + 120 * SECOND, "expiry counts from the last segment");
  assert.match(removed.summary, /expired in TIME_WAIT after 120s without a segment/);
});

Deno.test("NAT TCP: a reset closes the row (CLOSE), which is forgotten 10 s later", () => {
  // Port 9 on the server is closed: its RST+ACK answers the SYN.
  const m = natLab({ preset: "home-router" }, 1);
  m.duration = 30 * SECOND;
  m.script = [action(SECOND, { node: "laptop" }, "tcp-connect", { dst: SERVER, port: 9 })];
  const records = simulate(m).records as TraceRecord[];
  assert.deepEqual(stateChanges(records), ["SYN_SENT", "CLOSE"]);
  const close = natStates({ records } as never).find((r) => (r.value as Row | null)?.state === "CLOSE")!;
  assert.equal((close.value as Row).timeout, "10s");
  const removed = natStates({ records } as never).find((r) => r.value === null)!;
  assert.equal(removed.t, close.t + 10 * SECOND);
  assert.ok(records.some((r) => r.kind === "app" && r.node === "laptop" && /refused/.test(r.summary)));
});

Deno.test("NAT TCP: an idle established connection expires after tcp-established-timeout; its next segment is dropped", () => {
  const l = lab(natLab({ preset: "home-router", nat: { "tcp-established-timeout": 30 * SECOND } }, 1));
  tcpOf(l.dev("server")).listen(7000, () => ({}));
  let connection: TcpConnection | undefined;
  l.at(SECOND, () => {
    const c = tcpOf(l.dev("laptop")).connect(ip(SERVER), 7000, {});
    assert.ok(typeof c !== "string");
    connection = c;
  });
  l.run(10 * SECOND);
  assert.equal(natRows(l.records, 10 * SECOND)[0].timeout, "30s");
  l.run(40 * SECOND);
  const removed = natStates(l).find((r) => r.value === null);
  assert.ok(removed, "the idle connection's row is gone");
  assert.match(removed.summary, /expired in ESTABLISHED after 30s without a segment/);
  l.at(45 * SECOND, () => connection!.write(new TextEncoder().encode("still there?")));
  l.run(50 * SECOND);
  const dropped = drops(l, "nat").find((d) =>
    /no NAT connection for it — only a SYN opens one/.test(d.reason!)
  );
  assert.ok(dropped, drops(l, "nat").map((d) => d.reason).join("\n"));
});

Deno.test("NAT TCP port forward: an outside client reaches the inside iperf server; its row is its own connection", () => {
  const m = natLab({
    preset: "home-router",
    "port-forwards": [{ proto: "tcp", port: 8080, to: "192.168.1.10", "to-port": 5201 }],
  }, 1);
  m.duration = 20 * SECOND;
  m.script = [
    action(100_000, { node: "laptop" }, "iperf-server", { port: 5201 }),
    action(SECOND, { node: "stranger" }, "iperf-client", { dst: EXT, port: 8080, bytes: 100 * 1024 }),
  ];
  const records = simulate(m).records as TraceRecord[];
  const received = records.find((r) =>
    r.kind === "app" && r.node === "laptop" && r.detail?.role === "receiver"
  );
  assert.equal((received?.detail as { bytes: number } | undefined)?.bytes, 100 * 1024);
  // The laptop sees the stranger's real address: a port forward translates only the destination.
  assert.ok(
    records.some((r) => r.kind === "app" && r.node === "laptop" && r.summary.includes(`from ${STRANGER}`)),
  );
  const rows = natRows(records, reached(records, "ESTABLISHED"));
  const forward = rows.find((r) => r.state === "static")!;
  assert.deepEqual([forward.inside, forward.outside, forward.remote], [
    "192.168.1.10:5201",
    `${EXT}:8080`,
    "any (port forward)",
  ]);
  const connection = rows.find((r) => r.state === "ESTABLISHED")!;
  assert.equal(connection.inside, "192.168.1.10:5201");
  assert.equal(connection.outside, `${EXT}:8080`);
  assert.match(connection.remote, new RegExp(`^${STRANGER.replaceAll(".", "\\.")}:\\d+$`));
});

Deno.test("NAT TCP: an unsolicited SYN from outside is dropped with the reason and creates no row", () => {
  const l = lab(natLab({ preset: "home-router" }, 1));
  tcpOf(l.dev("laptop")).listen(22, () => ({}));
  l.at(SECOND, () => void tcpOf(l.dev("stranger")).connect(ip(EXT), 22, {}));
  l.run(3 * SECOND);
  const syn = drops(l, "nat")[0];
  assert.match(syn.reason!, /no NAT mapping for TCP 203\.0\.113\.2:22: TCP SYN from 198\.51\.100\.30:\d+/);
  assert.match(syn.reason!, /add a port forward \(proto: tcp\)/);
  assert.equal(natStates(l).length, 0, "a refused SYN creates no row");
});

/**
 * The NAT's rows once the laptop has connected from the same port, 40000, to two servers: what tells a
 * mapping that depends on the remote end from one that does not.
 */
function twoServersFromOnePort(preset: string): Row[] {
  const l = lab(natLab({ preset }, 1));
  tcpOf(l.dev("server")).listen(80, () => ({}));
  tcpOf(l.dev("server2")).listen(80, () => ({}));
  l.at(SECOND, () => void tcpOf(l.dev("laptop")).connect(ip(SERVER), 80, {}, {}, 40000));
  l.at(2 * SECOND, () => void tcpOf(l.dev("laptop")).connect(ip(SERVER2), 80, {}, {}, 40000));
  l.run(3 * SECOND);
  return natRows(l.records, 3 * SECOND);
}

Deno.test("NAT TCP: endpoint-independent mapping gives one inside port one outside port for every server", () => {
  const rows = twoServersFromOnePort("home-router");
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r.outside), [`${EXT}:40000`, `${EXT}:40000`]);
  assert.deepEqual(rows.map((r) => r.state), ["ESTABLISHED", "ESTABLISHED"]);
});

Deno.test("NAT TCP: a symmetric NAT gives each connection its own random outside port", () => {
  const ports = twoServersFromOnePort("symmetric").map((r) => r.outside);
  assert.equal(new Set(ports).size, 2, ports.join(", "));
  assert.ok(!ports.includes(`${EXT}:40000`), "no port preservation");
});

Deno.test("NAT TCP + PMTUD: fragmentation-needed from a router beyond the NAT reaches the laptop, quoting its own port", () => {
  // laptop — nat — r1 —(MTU 1400)— r2 — server: neither end knows of the narrow link in the middle.
  const m = model(
    [
      node("laptop", "host", { eth0: "192.168.1.10/24" }, ["default via 192.168.1.1"]),
      node("nat", "nat-router", { lan0: "192.168.1.1/24", wan0: `${EXT}/24` }, ["default via 203.0.113.1"], {
        outside: "wan0",
      }),
      node("r1", "router", { eth0: "203.0.113.1/24", eth1: "10.9.0.1/30" }, [
        "198.51.100.0/24 via 10.9.0.2",
      ]),
      node("r2", "router", { eth0: "10.9.0.2/30", eth1: "198.51.100.1/24" }, ["default via 10.9.0.1"]),
      node("server", "host", { eth0: `${SERVER}/24` }, ["default via 198.51.100.1"]),
    ],
    [
      link("lan", ["laptop:eth0", "nat:lan0"]),
      link("wan", ["nat:wan0", "r1:eth0"]),
      link("narrow", ["r1:eth1", "r2:eth0"], { mtu: 1400 }),
      link("dmz", ["r2:eth1", "server:eth0"]),
    ],
    [
      action(100_000, { node: "server" }, "iperf-server", { port: 5201 }),
      action(SECOND, { node: "laptop" }, "iperf-client", { dst: SERVER, port: 5201, bytes: 100_000 }),
    ],
    { duration: 20 * SECOND },
  );
  const records = simulate(m).records as TraceRecord[];
  const translated = records.find((r) =>
    r.kind === "nat" && r.node === "nat" && r.detail?.action === "icmp-error"
  );
  assert.ok(translated, "the ICMP error was translated for the inside host");
  assert.match(
    translated.summary,
    /becomes 203\.0\.113\.1 → 192\.168\.1\.10, quoted 203\.0\.113\.2:\d+ → 192\.168\.1\.10:\d+/,
  );
  const laptopTcp = records.filter((r) =>
    r.kind === "state" && r.node === "laptop" && r.table === "tcp" && r.value
  )
    .map((r) => (r.value as { mss: number }).mss);
  assert.equal(Math.max(...laptopTcp), 1460, "after the handshake the laptop sends full 1500-byte datagrams");
  assert.equal(laptopTcp.at(-1), 1360, "the laptop lowered its MSS to the narrow link's 1400 − 40");
  const sender = records.find((r) => r.kind === "app" && r.node === "laptop" && r.detail?.role === "sender");
  assert.equal((sender?.detail as { bytes: number } | undefined)?.bytes, 100_000);
});

Deno.test("NAT TCP through a home router and the ISP's CGNAT: both track the one connection (double NAT)", () => {
  const m = model(
    [
      node("laptop", "host", { eth0: "192.168.1.10/24" }, ["default via 192.168.1.1"]),
      node("home", "nat-router", { lan0: "192.168.1.1/24", wan0: "100.64.0.2/24" }, [
        "default via 100.64.0.1",
      ], {
        outside: "wan0",
      }),
      node("isp", "isp", { sub0: "100.64.0.1/24", up0: `${EXT}/24` }, ["default via 203.0.113.1"], {
        upstream: "up0",
        cgnat: true,
      }),
      node("core", "router", { eth0: "203.0.113.1/24", eth1: "198.51.100.1/24" }),
      node("server", "host", { eth0: `${SERVER}/24` }, ["default via 198.51.100.1"]),
    ],
    [
      link("lan", ["laptop:eth0", "home:lan0"]),
      link("access", ["home:wan0", "isp:sub0"]),
      link("upstream", ["isp:up0", "core:eth0"]),
      link("dmz", ["core:eth1", "server:eth0"]),
    ],
    [
      action(100_000, { node: "server" }, "iperf-server", { port: 5201 }),
      action(SECOND, { node: "laptop" }, "iperf-client", { dst: SERVER, port: 5201, bytes: 50_000 }),
    ],
    { duration: 10 * SECOND },
  );
  const records = simulate(m).records as TraceRecord[];
  for (const nat of ["home", "isp"]) {
    assert.deepEqual(stateChanges(records, nat).slice(0, 3), ["SYN_SENT", "SYN_RECV", "ESTABLISHED"], nat);
    assert.equal(stateChanges(records, nat).at(-1), "TIME_WAIT", nat);
  }
  // The CGNAT (carrier-grade: no port preservation) maps the home router's outside port to another.
  const cgnat = records.find((r) => r.kind === "state" && r.node === "isp" && r.table === "nat" && r.value)!;
  const row = cgnat.value as Row;
  assert.equal(row.inside.split(":")[0], "100.64.0.2");
  assert.equal(row.outside.split(":")[0], EXT);
  assert.ok(
    records.some((r) => r.kind === "app" && r.node === "server" && r.summary.includes(`from ${EXT}`)),
  );
});
