import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { SECOND } from "../../src/engine/time.ts";
import { COMMANDS } from "../../src/kinds/index.ts";
import { parseCommand } from "../../src/topology/commands.ts";
import { tablesAt } from "../../src/trace/tables.ts";
import { action, chain } from "../helpers/model.ts";

type Rec = { kind: string; node: string; summary: string; detail?: Record<string, unknown> };
const appLines = (records: Rec[], node: string) =>
  records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);
const summaryOf = (records: Rec[], node: string, role: string) =>
  records.find((r) => r.kind === "app" && r.node === node && r.detail?.role === role)?.detail as
    | { bytes: number; seconds: number; bitsPerSecond: number; retransmits?: number }
    | undefined;

function iperfRun(bandwidth: number, clientArgs: Record<string, unknown>, duration = 10 * SECOND) {
  const m = chain(1, { bandwidth, delay: 5000 });
  m.duration = duration;
  m.script = [
    action(100_000, { node: "server" }, "iperf-server", { port: 5201 }),
    action(SECOND, { node: "laptop" }, "iperf-client", { dst: "10.0.0.6", port: 5201, ...clientArgs }),
  ];
  return simulate(m).records as Rec[];
}

Deno.test("iperf on a clean 10 Mbit/s path: goodput within 10% of capacity minus the IP and TCP headers", () => {
  const records = iperfRun(10e6, { time: 5 * SECOND });
  const sender = summaryOf(records, "laptop", "sender")!;
  const receiver = summaryOf(records, "server", "receiver")!;
  assert.ok(sender && receiver, appLines(records, "laptop").join("\n"));
  // Each 1500-byte datagram carries 1460 bytes of data: 20 of IP and 20 of TCP header.
  const capacity = 10e6 * 1460 / 1500;
  assert.ok(
    Math.abs(sender.bitsPerSecond - capacity) / capacity < 0.1,
    `goodput ${sender.bitsPerSecond} vs ${capacity}`,
  );
  assert.ok(sender.bitsPerSecond <= capacity * 1.0001, "never faster than the wire allows");
  assert.equal(sender.retransmits, 0);
  assert.equal(receiver.bytes, sender.bytes, "what was acknowledged is what arrived");
  assert.ok(Math.abs(sender.seconds - 5) < 0.15, `ran for ${sender.seconds}s`);
});

Deno.test("iperf prints iperf3-style interval reports and a sender summary", () => {
  const records = iperfRun(2e6, { bytes: 500 * 1024 });
  const lines = appLines(records, "laptop");
  assert.equal(lines[0], "Connecting to host 10.0.0.6, port 5201");
  assert.match(lines[1], /^\[ {2}5\] local 10\.0\.0\.1 port \d+ connected to 10\.0\.0\.6 port 5201$/);
  assert.equal(lines[2], "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd");
  const intervals = lines.filter((l) =>
    /^\[ {2}5\] +\d+\.\d\d-\d+\.\d\d +sec +[\d.]+ \w?Bytes +[\d.]+ \w?bits\/sec +\d+ +[\d.]+ \wBytes$/.test(l)
  );
  assert.ok(intervals.length >= 2, lines.join("\n"));
  const sender = lines.find((l) => l.endsWith("sender"))!;
  assert.match(sender, /^\[ {2}5\] +0\.00-\d\.\d\d +sec +500 KBytes +1\.\d\d Mbits\/sec +0 +sender$/);
  assert.equal(lines.at(-1), "iperf Done.");
  assert.equal(summaryOf(records, "laptop", "sender")!.bytes, 500 * 1024);
  assert.ok(appLines(records, "server").some((l) => /500 KBytes .* receiver$/.test(l)));
});

Deno.test("tcp connect: an open port connects and closes; a closed one is refused by RST", () => {
  const m = chain(1);
  m.script = [
    action(100_000, { node: "server" }, "iperf-server", { port: 5201 }),
    action(SECOND, { node: "laptop" }, "tcp-connect", { dst: "10.0.0.6", port: 5201 }),
    action(2 * SECOND, { node: "laptop" }, "tcp-connect", { dst: "10.0.0.6", port: 22 }),
  ];
  const { records } = simulate(m);
  const lines = appLines(records as Rec[], "laptop");
  assert.ok(
    lines.some((l) =>
      /^tcp: connected to 10\.0\.0\.6:5201 from 10\.0\.0\.1:\d+ in 4\.\d\d ms \(MSS 1460\)$/.test(l)
    ),
    lines.join("\n"),
  );
  assert.ok(lines.includes("tcp: connect to 10.0.0.6:22 failed: connection refused"), lines.join("\n"));
  const drop = records.find((r) => r.kind === "drop" && r.node === "server");
  assert.match(drop!.reason!, /nothing listens on TCP port 22; answered with RST/);
  // The tcp table shows the closed connection in TIME-WAIT on the side that closed first.
  const table = tablesAt(records, "laptop", 3 * SECOND).get("tcp")!;
  const rows = [...table.values()].map((v) => v.state);
  assert.deepEqual(rows, ["TIME-WAIT"]);
});

Deno.test("iperf and tcp commands parse sizes and times, and reject nonsense with the usage", () => {
  const ok = parseCommand("iperf client 10.0.0.6 bytes 1MB port 5000", "host", COMMANDS);
  assert.ok(ok.ok);
  assert.deepEqual(ok.command.args, { dst: "10.0.0.6", bytes: 1024 * 1024, port: 5000, time: 10 * SECOND });
  const timed = parseCommand("iperf client 10.0.0.6 time 3s", "host", COMMANDS);
  assert.ok(timed.ok && timed.command.args.time === 3 * SECOND && timed.command.args.bytes === undefined);
  const both = parseCommand("iperf client 10.0.0.6 bytes 1MB time 3s", "host", COMMANDS);
  assert.ok(!both.ok && /give bytes or time, not both; usage: iperf client DST/.test(both.error));
  const bad = parseCommand("iperf client 10.0.0.6 bytes lots", "host", COMMANDS);
  assert.ok(!bad.ok && /bad size "lots"/.test(bad.error));
  const server = parseCommand("iperf server", "host", COMMANDS);
  assert.ok(server.ok && server.command.args.port === 5201);
  const connect = parseCommand("tcp connect 10.0.0.6", "host", COMMANDS);
  assert.ok(!connect.ok && /missing PORT/.test(connect.error));
});
