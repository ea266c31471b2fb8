import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { encodeTcp, mssOption, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../../../src/wire/tcp.ts";
import type { TcpConnection } from "../../../src/stack/tcp/connection.ts";
import { A, B, Harness, stream } from "./harness.ts";

Deno.test("handshake: SYN, SYN-ACK, ACK; each side announces its MTU minus 40 and sends the smaller", () => {
  const h = new Harness({ mtuA: 1500, mtuB: 1400 });
  let accepted: TcpConnection | undefined;
  h.b.listen(80, (c) => {
    accepted = c;
    return {};
  });
  let connected = false;
  const c = h.a.connect(B, 80, { onConnected: () => connected = true }) as TcpConnection;
  h.run(SECOND);
  const [syn, synAck, ack] = h.log;
  assert.equal(syn.segment.flags, TCP_SYN);
  assert.equal(mssOption(syn.segment), 1460);
  assert.equal(synAck.segment.flags, TCP_SYN | TCP_ACK);
  assert.equal(mssOption(synAck.segment), 1360);
  assert.equal(synAck.segment.ack, (syn.segment.seq + 1) >>> 0);
  assert.equal(ack.segment.flags, TCP_ACK);
  assert.equal(ack.segment.ack, (synAck.segment.seq + 1) >>> 0);
  assert.ok(connected);
  assert.equal(c.state, "ESTABLISHED");
  assert.equal(accepted?.state, "ESTABLISHED");
  assert.equal(c.mss, 1360, "a sends what b can take");
  assert.equal(accepted?.mss, 1360, "b is bounded by its own MTU");
  assert.equal(h.log.length, 3);
});

Deno.test("handshake: a SYN without the MSS option means an MSS of 536 (RFC 9293 §3.7.1)", () => {
  const h = new Harness();
  let accepted: TcpConnection | undefined;
  h.b.listen(80, (c) => {
    accepted = c;
    return {};
  });
  const syn = encodeTcp(A, B, {
    srcPort: 40000,
    dstPort: 80,
    seq: 1000,
    ack: 0,
    flags: TCP_SYN,
    window: 8192,
    urgent: 0,
    options: [],
    payload: new Uint8Array(0),
  });
  h.b.receive({ id: 0, bytes: syn }, A, B, syn);
  assert.equal(accepted?.mss, 536);
  assert.equal(mssOption(h.log[0].segment), 1460, "b still announces its own");
});

Deno.test("a SYN to a closed port is answered with RST+ACK and the client reports connection refused", () => {
  const h = new Harness();
  let error: string | null | undefined;
  h.a.connect(B, 81, { onClosed: (e) => error = e });
  h.run(SECOND);
  const reset = h.from("b")[0].segment;
  assert.equal(reset.flags, TCP_RST | TCP_ACK);
  assert.equal(reset.seq, 0);
  assert.equal(reset.ack, (h.log[0].segment.seq + 1) >>> 0);
  assert.equal(error, "connection refused");
  assert.equal(h.a.connections.length, 0);
});

Deno.test("SYN retransmissions back off 1, 2, 4, ... s and the connection gives up after 6 retries", () => {
  const h = new Harness({ filter: (s) => !(s.segment.flags & TCP_SYN) });
  let error: string | null | undefined;
  let at = 0;
  h.b.listen(80, () => ({}));
  h.a.connect(B, 80, {
    onClosed: (e) => {
      error = e;
      at = h.sched.now;
    },
  });
  h.run(300 * SECOND);
  const times = h.from("a").map((s) => s.at / SECOND);
  assert.deepEqual(times, [0, 1, 3, 7, 15, 31, 63]);
  assert.equal(at, 127 * SECOND);
  assert.match(error!, /connection timed out/);
});

Deno.test("orderly close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT for 2 MSL on the closer; CLOSE-WAIT, LAST-ACK on the other", () => {
  const h = new Harness();
  let server: TcpConnection | undefined;
  const received: number[] = [];
  h.b.listen(80, (c) => {
    server = c;
    return { onData: (d) => received.push(...d), onPeerClosed: () => c.close() };
  });
  const c = h.a.connect(B, 80, { onConnected: () => c.write(stream(3000)) }) as TcpConnection;
  h.sched.at(SECOND, () => c.close());
  h.run(2 * SECOND);
  assert.deepEqual(received, [...stream(3000)]);
  assert.equal(c.state, "TIME-WAIT");
  assert.equal(server?.state, "CLOSED");
  const transitions = h.states.filter((s) => s.summary?.includes("→")).map((s) =>
    `${s.node} ${s.summary!.split(": ")[1]}`
  );
  assert.deepEqual(transitions, [
    "a SYN-SENT → ESTABLISHED",
    "b SYN-RECEIVED → ESTABLISHED",
    "a ESTABLISHED → FIN-WAIT-1",
    "b ESTABLISHED → CLOSE-WAIT",
    "b CLOSE-WAIT → LAST-ACK",
    "a FIN-WAIT-1 → FIN-WAIT-2",
    "a FIN-WAIT-2 → TIME-WAIT",
    "b LAST-ACK → CLOSED",
  ]);
  const finAt = h.from("a").find((s) => s.segment.flags & TCP_FIN)!.at;
  h.run(finAt + 59 * SECOND);
  assert.equal(c.state, "TIME-WAIT");
  h.run(finAt + 61 * SECOND);
  assert.equal(c.state, "CLOSED");
  assert.equal(h.a.connections.length, 0);
});

Deno.test("TIME-WAIT answers a repeated FIN with an ACK (the last ACK was lost)", () => {
  let dropped = false;
  const h = new Harness({
    // Lose a's final ACK (the one acknowledging b's FIN) once.
    filter: (s) => {
      const lastAck = s.from === "a" && s.segment.flags === TCP_ACK && s.segment.payload.length === 0 &&
        h.log.some((e) => e.from === "b" && e.segment.flags & TCP_FIN);
      if (lastAck && !dropped) return !(dropped = true);
      return true;
    },
  });
  h.b.listen(80, (c) => ({ onPeerClosed: () => c.close() }));
  const c = h.a.connect(B, 80, { onConnected: () => c.close() }) as TcpConnection;
  h.run(5 * SECOND);
  const bFins = h.from("b").filter((s) => s.segment.flags & TCP_FIN);
  assert.equal(bFins.length, 2, "b repeats its FIN after its RTO");
  const after = h.from("a").filter((s) => s.at > bFins[1].at);
  assert.equal(after.length, 1);
  assert.equal(after[0].segment.flags, TCP_ACK);
  assert.equal(h.b.connections.length, 0, "b got its ACK this time and closed");
});
