/**
 * tshark judges the frames two sessions exchange: written to a pcap with link type 9 (DLT_PPP, which
 * starts with FF 03), nothing may be malformed or worth a warning, and tshark must read the fields
 * the scenario meant to send. Skips without tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { SECOND } from "../../../src/engine/time.ts";
import { encodePpp } from "../../../src/wire/ppp.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../../helpers/tshark.ts";
import { laptopConfig, lnsConfig, pair, type Seen } from "./harness.ts";

const LINKTYPE_PPP = 9;

function pcap(frames: readonly Seen[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.bytes.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, LINKTYPE_PPP, true);
  let at = 24;
  for (const f of frames) {
    view.setUint32(at, Math.floor(f.t / SECOND), true);
    view.setUint32(at + 4, f.t % SECOND, true);
    view.setUint32(at + 8, f.bytes.length, true);
    view.setUint32(at + 12, f.bytes.length, true);
    out.set(f.bytes, at + 16);
    at += 16 + f.bytes.length;
  }
  return out;
}

Deno.test({
  name: "tshark: CHAP, IPCP, echo, Protocol-Reject and Terminate frames decode cleanly",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const p = pair({ client: laptopConfig({ echoInterval: 2 * SECOND }), server: lnsConfig() });
    p.client.open();
    p.server.open();
    p.run(3 * SECOND);
    p.server.input(encodePpp({ protocol: 0x8057, payload: Uint8Array.of(1, 1, 0, 4) }));
    p.client.close("User request");
    p.run(10 * SECOND);
    const file = Deno.makeTempFileSync({ suffix: ".pcap" });
    try {
      Deno.writeFileSync(file, pcap(p.seen));
      assert.deepEqual(problems(file), []);
      assert.deepEqual(fieldValues(file, "lcp.opt.mru"), ["1400", "1400"]);
      assert.deepEqual(fieldValues(file, "chap.name"), ["lns", "alice"]);
      assert.deepEqual(fieldValues(file, "chap.message"), ["Access granted"]);
      assert.deepEqual(fieldValues(file, "ipcp.opt.pri_dns_address", "ppp.code == 3"), ["10.0.0.53"]);
      assert.deepEqual(fieldValues(file, "ipcp.opt.ip_address", "ppp.code == 2 && ipcp"), [
        "10.8.0.1",
        "10.8.0.10",
      ]);
      assert.deepEqual(fieldValues(file, "lcp.rej_proto", "ppp.code == 8"), ["0x8057"]);
      const lcpCodes = fieldValues(file, "ppp.code", "lcp").map(Number);
      assert.deepEqual(lcpCodes.slice(0, 4), [1, 1, 2, 2]);
      assert.ok(lcpCodes.includes(9) && lcpCodes.includes(10), "echo request and reply");
      assert.deepEqual(lcpCodes.slice(-2), [5, 6]);
    } finally {
      Deno.removeSync(file);
    }
  },
});

Deno.test({
  name: "tshark: PAP in clear, CHAP Failure and an IPCP Reject decode cleanly",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const frames: Seen[] = [];
    for (
      const p of [
        pair({ client: laptopConfig({ auth: "pap" }), server: lnsConfig({ auth: "pap" }) }),
        pair({ client: laptopConfig({ password: "x" }), server: lnsConfig() }),
        pair({ client: laptopConfig(), server: lnsConfig({}, []) }),
      ]
    ) {
      p.client.open();
      p.server.open();
      p.run(10 * SECOND);
      frames.push(...p.seen.map((s) => ({ ...s, t: s.t + frames.length * 1000 })));
    }
    const file = Deno.makeTempFileSync({ suffix: ".pcap" });
    try {
      Deno.writeFileSync(file, pcap(frames));
      assert.deepEqual(problems(file), []);
      assert.deepEqual(fieldValues(file, "pap.peer_id"), ["alice"]);
      assert.deepEqual(fieldValues(file, "pap.password"), ["wonderland"]);
      assert.deepEqual(fieldValues(file, "chap.message"), ["Access denied", "Access granted"]);
      assert.equal(fieldValues(file, "frame.number", "ipcp && ppp.code == 4").length, 1);
    } finally {
      Deno.removeSync(file);
    }
  },
});
