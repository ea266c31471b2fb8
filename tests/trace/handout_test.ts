/** Handouts: what the student's and the teacher's copies hold, the diagram's nodes and the ladder's order. */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { renderHandout } from "../../src/trace/handout.ts";
import { diagramSvg, keyExchange } from "../../src/trace/handout_svg.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;

function lesson(file: string) {
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}${file}`), file);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return { model: loaded.model, records: simulate(loaded.model).records };
}

Deno.test("the student's copy has the task and knobs but no answers, goals or solution; the teacher's has them", () => {
  const { model, records } = lesson("exercise-passthrough.yaml");
  const student = renderHandout(model, records, { teacher: false });
  const teacher = renderHandout(model, records, { teacher: true });
  const answer = model.lesson!.answers![0]!.text!;
  for (const page of [student, teacher]) {
    assert.match(page, /<h2>Your task<\/h2>/);
    assert.match(page, /<code>nodes\.home-router\.l2tp-passthrough<\/code>/);
    assert.ok(!/<script/i.test(page), "no script: the page prints as it is");
  }
  assert.ok(!student.includes(answer));
  assert.ok(!student.includes("the home router drops no L2TP"), "goals stay hidden from students");
  assert.ok(!student.includes("Solution"));
  assert.ok(teacher.includes(answer));
  assert.ok(teacher.includes("the home router drops no L2TP"));
  assert.match(teacher, /<pre>nodes\.home-router\.l2tp-passthrough: on\n<\/pre>/);
});

Deno.test("the diagram draws every node with its kind and every link by name; text is escaped", () => {
  const { model } = lesson("l2tp-cleartext.yaml");
  const svg = diagramSvg(model);
  for (const node of model.nodes) assert.ok(svg.includes(`>${node.name}</text>`), node.name);
  for (const link of model.links) assert.ok(svg.includes(`>${link.name}</text>`), link.name);
  assert.equal((svg.match(/<rect /g) ?? []).length, model.nodes.length);
  const odd = {
    ...model,
    name: "a<b",
    nodes: model.nodes.map((n, i) => i === 0 ? { ...n, name: "x&y" } : n),
  };
  assert.ok(diagramSvg(odd).includes(">x&amp;y</text>"));
});

Deno.test("the ladder of an L2TP lesson is the control connection's order, end to end", () => {
  const { model, records } = lesson("l2tp-voluntary.yaml");
  const hops = keyExchange(model, records);
  // RFC 2661 5.1: SCCRQ, SCCRP, SCCCN set up the tunnel; ICRQ, ICRP, ICCN the session; each from the
  // laptop to the LNS or back, one arrow for all the routers it crosses.
  const names = hops.map((h) => /\b(SCCRQ|SCCRP|SCCCN|ICRQ|ICRP|ICCN)\b/.exec(h.label)?.[1]).filter(Boolean);
  assert.deepEqual(names.slice(0, 6), ["SCCRQ", "SCCRP", "SCCCN", "ICRQ", "ICRP", "ICCN"]);
  assert.deepEqual([hops[0].from, hops[0].to], ["laptop", "lns"]);
  assert.deepEqual([hops[1].from, hops[1].to], ["lns", "laptop"]);
  assert.ok(hops.some((h) => h.label.startsWith("PPP LCP Conf-Req")), "PPP's negotiation follows");
});

Deno.test("the ladder of an IPsec lesson is IKE's", () => {
  const { model, records } = lesson("ipsec-hides-l2tp.yaml");
  const hops = keyExchange(model, records);
  assert.ok(hops.length >= 6);
  assert.ok(hops.every((h) => h.label.startsWith("ISAKMP")), hops.map((h) => h.label).join("\n"));
  assert.match(hops[0].label, /Main Mode/);
});

Deno.test("the teacher's copy gives a checkable question's answer as the run shows it; the student's does not", () => {
  const { model, records } = lesson("ipsec-nat-t-fixes-it.yaml");
  const teacher = renderHandout(model, records, { teacher: true });
  const student = renderHandout(model, records, { teacher: false });
  // The value is taken from the LNS's side of the SA, not from the laptop's table the check reads.
  const lnsIn = records.find((r) => r.kind === "state" && r.node === "lns" && r.table === "ipsec-sas")!;
  const spi = String((lnsIn.value as Record<string, unknown>)["spi-in"]);
  assert.ok(teacher.includes(`From the run: ${spi}`), "the SPI is in the teacher's copy");
  assert.ok(!student.includes(spi));
});
