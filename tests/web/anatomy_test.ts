import assert from "node:assert/strict";
import { describeFrame } from "../../src/wire/frame.ts";
import { anatomyOf, espSizes, proposalOf } from "../../web/app/anatomy.ts";
import { runText } from "../../web/app/run.ts";

function lesson(name: string) {
  const text = Deno.readTextFileSync(new URL(`../../topologies/${name}`, import.meta.url));
  const outcome = runText(text, name);
  if (!outcome.ok) throw new Error(outcome.errors[0].message);
  return outcome.run;
}

Deno.test("the anatomy of a NAT-T ESP packet carrying a ping: the layers in order, adding up to the frame", () => {
  const run = lesson("ipsec-nat-t-fixes-it.yaml");
  const { records } = run.index;
  // The ESP packet whose decryption at the LNS holds the laptop's echo request.
  const decap = records.find((r) =>
    r.kind === "decap" && r.node === "lns" && /ICMP echo request/.test(r.summary)
  )!;
  const tx = records.find((r) => r.kind === "tx" && r.pkt === decap.parent && r.bytes)!;
  const spi = /spi=(0x[0-9a-f]+)/.exec(tx.summary)![1];
  const proposal = proposalOf(records, spi)!;
  assert.match(proposal, /aes128-cbc\/hmac-sha1-96/);
  const inner = decap.bytes!;
  const anatomy = anatomyOf(
    describeFrame(tx.bytes!),
    tx.bytes!.length,
    { fields: describeFrame(inner), length: inner.length },
    espSizes(proposal),
  );
  assert.deepEqual(anatomy.segments.map((s) => s.label), [
    "IP",
    "UDP 4500",
    "ESP header",
    "IV",
    "UDP 1701",
    "L2TP",
    "PPP",
    "IP",
    "ICMP",
    "padding",
    "pad length + next header",
    "ICV",
  ]);
  // Widths by bytes: contiguous, and they add up to the frame length.
  let at = 0;
  for (const s of anatomy.segments) {
    assert.equal(s.start, at, s.label);
    at = s.end;
  }
  assert.equal(at, tx.bytes!.length);
  const size = (label: string) =>
    anatomy.segments.filter((s) => s.label === label).map((s) => s.end - s.start);
  assert.deepEqual(size("IV"), [16]);
  assert.deepEqual(size("ICV"), [12]);
  assert.deepEqual(size("ESP header"), [8]);
  // AES-CBC: what is encrypted (after the IV) fills whole 16-byte blocks.
  const encrypted = anatomy.segments.filter((s) => s.encrypted).reduce((n, s) => n + s.end - s.start, 0);
  assert.equal(encrypted % 16, 0);
  assert.ok(anatomy.segments.filter((s) => s.encrypted).map((s) => s.label).includes("L2TP"));
  assert.equal(anatomy.innerLength, inner.length);
  // Transport mode: the ciphertext starts with the inner UDP header, so the inner datagram's byte 0
  // (its IP header, not sent) sits 20 bytes before it. Each inner layer maps onto the inner dissection.
  const udp = anatomy.segments.find((s) => s.label === "UDP 1701")!;
  assert.equal(anatomy.innerOffset, udp.start - 20);
  const innerLayers = describeFrame(inner);
  assert.equal(innerLayers[1].name, "User Datagram Protocol");
  assert.equal(innerLayers[1].start + anatomy.innerOffset!, udp.start);
});

Deno.test("the anatomy of plain L2TP: the inner ping is the innermost IP datagram", () => {
  const run = lesson("l2tp-voluntary.yaml");
  const tx = run.index.records.find((r) =>
    r.kind === "tx" && /L2TP data .*ICMP echo request/.test(r.summary)
  )!;
  const anatomy = anatomyOf(describeFrame(tx.bytes!), tx.bytes!.length);
  assert.deepEqual(anatomy.segments.map((s) => s.label), ["IP", "UDP 1701", "L2TP", "PPP", "IP", "ICMP"]);
  assert.equal(anatomy.segments[anatomy.segments.length - 1].end, tx.bytes!.length);
  assert.equal(anatomy.innerLength, tx.bytes!.length - anatomy.segments[4].start);
  assert.equal(tx.bytes!.length - anatomy.innerLength!, 20 + 8 + 6 + 4);
});
