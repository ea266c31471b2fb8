import assert from "node:assert/strict";
import { toHex } from "../../src/crypto/index.ts";
import { CCP, decodeMppe, encodeMppe, MPPE_128, MPPE_STATELESS } from "../../src/wire/ccp.ts";
import { decodeGre, encodeGre, summarizeGre } from "../../src/wire/gre.ts";
import { decodeCp, encodeCp } from "../../src/wire/lcp.ts";
import {
  decodePptp,
  encodePptp,
  pptpFieldOffset,
  splitPptp,
  summarizePptpPayload,
} from "../../src/wire/pptp.ts";

Deno.test("enhanced GRE: header bytes per RFC 2637 §4.1, and a round trip with and without seq/ack", () => {
  const bytes = encodeGre({ callId: 0x1234, seq: 5, ack: 4, payload: Uint8Array.of(0xff, 0x03, 0xc0, 0x21) });
  // K and S bits, then A bit with version 1, protocol 0x880B, payload length 4, Call ID, seq, ack.
  assert.equal(toHex(bytes), "3081880b00041234" + "00000005" + "00000004" + "ff03c021");
  const back = decodeGre(bytes);
  assert.ok(back.ok);
  assert.deepEqual({ ...back.value, payload: [...back.value.payload] }, {
    callId: 0x1234,
    seq: 5,
    ack: 4,
    payload: [0xff, 0x03, 0xc0, 0x21],
  });
  const ackOnly = encodeGre({ callId: 7, ack: 9, payload: new Uint8Array(0) });
  assert.equal(toHex(ackOnly), "2081880b00000007" + "00000009");
  const d = decodeGre(ackOnly);
  assert.ok(d.ok && d.value.seq === undefined && d.value.ack === 9 && d.value.payload.length === 0);
  assert.equal(summarizeGre(ackOnly), "GRE call 7 ack 9 (ack only)");
});

Deno.test("enhanced GRE: what is not PPTP's GRE is refused with a reason", () => {
  const good = encodeGre({ callId: 1, seq: 0, payload: Uint8Array.of(1, 2) });
  const v0 = good.slice();
  v0[1] &= ~7;
  assert.match((decodeGre(v0) as { error: string }).error, /version 0/);
  const noKey = good.slice();
  noKey[0] &= ~0x20;
  assert.match((decodeGre(noKey) as { error: string }).error, /without the Key/);
  const long = good.slice();
  long[5] = 40;
  assert.match((decodeGre(long) as { error: string }).error, /runs past/);
  assert.equal(decodeGre(good.subarray(0, 6)).ok, false);
});

Deno.test("PPTP control messages: fixed lengths of RFC 2637 §2 and field round trips", () => {
  const lengths: [number, number][] = [
    [1, 156],
    [2, 156],
    [3, 16],
    [4, 16],
    [5, 16],
    [6, 20],
    [7, 168],
    [
      8,
      32,
    ],
    [12, 16],
    [13, 148],
    [15, 24],
  ];
  for (const [type, length] of lengths) {
    const bytes = encodePptp({ type, fields: {} });
    assert.equal(bytes.length, length, `type ${type}`);
    assert.equal(
      toHex(bytes.subarray(0, 10)),
      `${length.toString(16).padStart(4, "0")}00011a2b3c4d${type.toString(16).padStart(4, "0")}`,
    );
  }
  const ocrq = encodePptp({ type: 7, fields: { callId: 42203, serial: 1, maxBps: 100_000_000, window: 64 } });
  const d = decodePptp(ocrq);
  assert.ok(d.ok);
  assert.equal(d.value.fields.callId, 42203);
  assert.equal(d.value.fields.maxBps, 100_000_000);
  assert.equal(d.value.fields.window, 64);
  const sccrq = decodePptp(
    encodePptp({ type: 1, fields: { version: 0x100, hostname: "laptop", vendor: "x" } }),
  );
  assert.ok(sccrq.ok && sccrq.value.fields.hostname === "laptop" && sccrq.value.fields.version === 0x100);
  // The Call IDs the NAT helper rewrites sit where RFC 2637 puts them.
  assert.equal(pptpFieldOffset(7, "callId"), 12);
  assert.equal(pptpFieldOffset(8, "callId"), 12);
  assert.equal(pptpFieldOffset(8, "peerCallId"), 14);
  assert.equal(pptpFieldOffset(12, "callId"), 12);
  assert.equal(pptpFieldOffset(15, "peerCallId"), 12);
});

Deno.test("PPTP control messages: bad cookie, wrong length and a split stream", () => {
  const m = encodePptp({ type: 5, fields: { identifier: 9 } });
  const bad = m.slice();
  bad[4] = 0;
  assert.match((decodePptp(bad) as { error: string }).error, /magic cookie/);
  const wrong = m.slice(0, 12);
  wrong[1] = 12;
  assert.equal(decodePptp(wrong).ok, false);
  const two = new Uint8Array([
    ...m,
    ...encodePptp({ type: 6, fields: { identifier: 9, result: 1 } }),
    0,
    20,
    0,
  ]);
  const cut = splitPptp(two);
  assert.equal(cut.messages.length, 2);
  assert.equal(cut.rest.length, 3);
  assert.equal(
    summarizePptpPayload(two),
    "PPTP Echo-Request id 9; PPTP Echo-Reply result 1 id 9; PPTP data 3 bytes",
  );
});

Deno.test("CCP MPPE option and the MPPE header round trip", () => {
  const req = encodeCp(CCP, {
    kind: "conf-req",
    id: 1,
    options: [{ type: "mppe", bits: MPPE_STATELESS | MPPE_128 }],
  });
  assert.equal(toHex(req), "0101000a" + "1206" + "01000040");
  const d = decodeCp(CCP, req);
  assert.ok(d.ok && d.value.kind === "conf-req" && d.value.options[0].type === "mppe");
  const mppe = encodeMppe({ flags: 0x90, count: 0xabc, data: Uint8Array.of(1, 2, 3) });
  assert.equal(toHex(mppe), "9abc010203");
  const back = decodeMppe(mppe);
  assert.ok(back.ok && back.value.flags === 0x90 && back.value.count === 0xabc);
});
