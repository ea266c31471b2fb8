/**
 * The middlebox's view of a TCP connection (stack/tcp/conntrack.ts), on the corner cases Linux's
 * nf_conntrack_proto_tcp also handles: a reset from either side, a FIN repeated in TIME_WAIT, the same
 * ports reused by a new SYN, and an established timeout a router shortens.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { TCP_TRACK_TIMEOUTS, TcpTrack } from "../../../src/stack/tcp/conntrack.ts";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../../../src/wire/tcp.ts";

const ORIGINAL = true, REPLY = false;

function established(): TcpTrack {
  const t = new TcpTrack();
  t.update(TCP_SYN, ORIGINAL);
  t.update(TCP_SYN | TCP_ACK, REPLY);
  t.update(TCP_ACK, ORIGINAL);
  assert.equal(t.state, "ESTABLISHED");
  return t;
}

Deno.test("conntrack: Linux's default timeouts, state by state", () => {
  // nf_conntrack_proto_tcp.c: SYN_SENT 2 min, SYN_RECV 60 s, ESTABLISHED 5 days, FIN_WAIT 2 min,
  // CLOSE_WAIT 60 s, LAST_ACK 30 s, TIME_WAIT 2 min, CLOSE 10 s.
  assert.deepEqual(
    Object.fromEntries(Object.entries(TCP_TRACK_TIMEOUTS).map(([k, v]) => [k, v / SECOND])),
    {
      SYN_SENT: 120,
      SYN_RECV: 60,
      ESTABLISHED: 5 * 86400,
      FIN_WAIT: 120,
      CLOSE_WAIT: 60,
      LAST_ACK: 30,
      TIME_WAIT: 120,
      CLOSE: 10,
    },
  );
});

Deno.test("conntrack: a reset from either side is CLOSE (10 s), also before the handshake ends", () => {
  const refused = new TcpTrack();
  refused.update(TCP_SYN, ORIGINAL);
  refused.update(TCP_RST | TCP_ACK, REPLY);
  assert.equal(refused.state, "CLOSE");
  assert.equal(refused.timeout, 10 * SECOND);
  const aborted = established();
  aborted.update(TCP_RST, ORIGINAL);
  assert.equal(aborted.state, "CLOSE");
});

Deno.test("conntrack: a FIN repeated in TIME_WAIT (the last ACK was lost) keeps TIME_WAIT", () => {
  const t = established();
  t.update(TCP_FIN | TCP_ACK, ORIGINAL);
  t.update(TCP_FIN | TCP_ACK, REPLY);
  assert.equal(t.state, "LAST_ACK");
  t.update(TCP_ACK, ORIGINAL);
  assert.equal(t.state, "TIME_WAIT");
  t.update(TCP_FIN | TCP_ACK, REPLY);
  assert.equal(t.state, "TIME_WAIT");
});

Deno.test("conntrack: a new SYN on the same ports after TIME_WAIT or CLOSE starts over at SYN_SENT", () => {
  for (const end of [TCP_RST, TCP_FIN]) {
    const t = established();
    if (end === TCP_RST) t.update(TCP_RST, REPLY);
    else {
      t.update(TCP_FIN | TCP_ACK, ORIGINAL);
      t.update(TCP_FIN | TCP_ACK, REPLY);
      t.update(TCP_ACK, ORIGINAL);
    }
    t.update(TCP_SYN, ORIGINAL);
    assert.equal(t.state, "SYN_SENT");
    // And the new connection's FINs are counted afresh: one FIN is FIN_WAIT, not LAST_ACK.
    t.update(TCP_SYN | TCP_ACK, REPLY);
    t.update(TCP_ACK, ORIGINAL);
    t.update(TCP_FIN | TCP_ACK, REPLY);
    assert.equal(t.state, "FIN_WAIT");
  }
});

Deno.test("conntrack: a router's shorter established timeout applies to ESTABLISHED only", () => {
  const t = new TcpTrack(2 * 3600 * SECOND);
  assert.equal(t.timeout, 120 * SECOND);
  t.update(TCP_SYN | TCP_ACK, REPLY);
  t.update(TCP_ACK, ORIGINAL);
  assert.equal(t.timeout, 2 * 3600 * SECOND);
});
