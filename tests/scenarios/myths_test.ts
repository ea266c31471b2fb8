/**
 * The myths lesson's claims that no expectation can state: the 3DES key Bob's SA uses is 24 bytes (three
 * 8-byte DES keys, each with 7 key bits per byte: 168 key bits, never 256), and the TCP check of the lesson
 * would catch L2TP over TCP if there were any (it matches the TCP lesson's SYN to port 1701).
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { checkExpectations } from "../../src/trace/expect.ts";
import { ipsecKeysFromTrace } from "../../src/trace/keys_file.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;

function run(file: string) {
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}${file}`), file);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return { model: loaded.model, records: simulate(loaded.model).records };
}

Deno.test("myths: Bob's 3DES key is 24 bytes, 168 bits of key, not 256", () => {
  const { records } = run("myths-on-screen.yaml");
  const keys = ipsecKeysFromTrace(records);
  const tdes = keys.esp.filter((k) => /TripleDES/i.test(k.encryption));
  assert.ok(tdes.length >= 2, "both directions of Bob's SA");
  for (const sa of tdes) {
    const bytes = sa.encryptionKey.replace(/^0x/, "").length / 2;
    assert.equal(bytes, 24);
    assert.equal(bytes * 7, 168, "one parity bit per byte");
  }
});

Deno.test("myths: the 'never TCP to 1701' check does catch TCP to port 1701", () => {
  const myths = run("myths-on-screen.yaml");
  const check = myths.model.expectations!.find((e) => e.say === "no TCP segment ever goes to port 1701")!;
  const tcp = run("tcp-l2tp-is-udp.yaml");
  // The TCP lesson sends a SYN to port 1701 on its backbone, so there the same condition must not hold.
  const [verdict] = checkExpectations([check], tcp.records);
  assert.equal(verdict.met, false);
});
