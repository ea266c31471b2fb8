import assert from "node:assert/strict";
import { describeFrame } from "../../src/wire/frame.ts";
import { compareDissections, inOutOf, inOutsOf, sentOf } from "../../web/app/in_out.ts";
import { runText } from "../../web/app/run.ts";

function lesson(name: string) {
  const text = Deno.readTextFileSync(new URL(`../../topologies/${name}`, import.meta.url));
  const outcome = runText(text, name);
  if (!outcome.ok) throw new Error(outcome.errors[0].message);
  return outcome.run;
}

function stepOf(run: ReturnType<typeof lesson>, pick: (summary: string, node: string) => boolean) {
  const { records } = run.index;
  const step = run.steps.list.find((s) =>
    s.kind === "hop" && pick(records[s.at].summary, records[s.at].node)
  );
  assert.ok(step, "step found");
  return step;
}

Deno.test("at the home router's NAT: the outer source is rewritten, the L2TP inside is untouched", () => {
  const run = lesson("l2tp-voluntary.yaml");
  const step = stepOf(run, (s, node) => node === "home-router" && /SCCRQ/.test(s));
  const io = inOutOf(run, step)!;
  assert.equal(io.action, "nat");
  assert.match(io.why, /^outer source 192\.168\.1\.10:1701 → 198\.51\.100\.2:1701 rewritten by NAT/);
  assert.match(io.why, /payload inside is untouched/);
  const marks = compareDissections(describeFrame(io.before), describeFrame(io.after), io.action);
  const changed = [...marks.after.changed].map((f) => f.name).sort();
  // The source address, the TTL, and the checksums that cover them: nothing else.
  assert.deepEqual(changed, ["Checksum", "Header Checksum", "Source Address", "Time to Live"]);
});

Deno.test("at the LNS: a reply from the office is wrapped in PPP and L2TP; ESP is decrypted", () => {
  const run = lesson("l2tp-voluntary.yaml");
  const step = stepOf(run, (s, node) => node === "lns" && /echo reply/.test(s) && !/L2TP/.test(s));
  const io = inOutOf(run, step)!;
  assert.equal(io.action, "encap");
  assert.match(io.why, /^wrapped in PPP and L2TP/);
  const layers = describeFrame(io.after);
  const marks = compareDissections(describeFrame(io.before), layers, io.action);
  const added = layers.filter((f) => marks.after.added.has(f)).map((f) => f.name);
  assert.deepEqual(added, [
    "Internet Protocol Version 4",
    "User Datagram Protocol",
    "Layer 2 Tunneling Protocol",
    "Point-to-Point Protocol",
  ]);

  const ipsec = lesson("ipsec-hides-l2tp.yaml");
  const esp = stepOf(ipsec, (s, node) => node === "lns" && /ESP/.test(s));
  const out = inOutOf(ipsec, esp)!;
  assert.equal(out.action, "decap");
  assert.match(out.why, /^decrypted and unwrapped at lns/);
  assert.ok(out.after.length < out.before.length);
});

Deno.test("at the laptop that made the packet: its ping handed down, wrapped in PPP and L2TP, then sent", () => {
  const run = lesson("l2tp-voluntary.yaml");
  // The first hop of the tunnelled ping: laptop → home-router.
  const step = stepOf(run, (s, node) => node === "home-router" && /L2TP data .*echo request/.test(s));
  const io = sentOf(run, step)!;
  assert.equal(io.action, "send");
  assert.equal(io.node, "laptop");
  assert.match(io.why, /^laptop made this packet itself and wrapped in PPP and L2TP/);
  // Handed down: the bare ping, 20 + 8 + 56 bytes; sent: that plus PPP, L2TP, UDP and a new IP header.
  assert.equal(io.before.length, 84);
  const layers = describeFrame(io.after);
  const marks = compareDissections(describeFrame(io.before), layers, io.action);
  assert.deepEqual(layers.filter((f) => marks.after.added.has(f)).map((f) => f.name), [
    "Internet Protocol Version 4",
    "User Datagram Protocol",
    "Layer 2 Tunneling Protocol",
    "Point-to-Point Protocol",
  ]);
  // The same step still shows the home router's NAT after it.
  assert.deepEqual(inOutsOf(run, step).map((x) => x.action), ["send", "nat"]);
});

Deno.test("ESP in transport mode at the laptop: the IP header is kept, what it carried becomes ciphertext", () => {
  const run = lesson("ipsec-hides-l2tp.yaml");
  const step = stepOf(run, (s, node) => node !== "laptop" && /ESP/.test(s));
  const io = sentOf(run, step)!;
  assert.equal(io.node, "laptop");
  assert.match(io.why, /wrapped in ESP because the policy requires it/);
  const before = describeFrame(io.before);
  const after = describeFrame(io.after);
  const marks = compareDissections(before, after, io.action);
  assert.equal(marks.encrypted, true);
  // Same addresses, so the IP header stays (its length and protocol change); UDP and L2TP are hidden.
  assert.equal(marks.after.added.has(after[0]), false);
  assert.ok([...marks.after.changed].some((f) => f.name === "Total Length"));
  assert.deepEqual(before.filter((f) => marks.before.added.has(f)).map((f) => f.name), [
    "User Datagram Protocol",
    "Layer 2 Tunneling Protocol",
  ]);
  assert.ok(after.slice(1).every((f) => marks.after.added.has(f)));
});
