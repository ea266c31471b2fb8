import assert from "node:assert/strict";
import { describeFrame } from "../../src/wire/frame.ts";
import { anatomyOf } from "../../web/app/anatomy.ts";
import { CATEGORIES, CATEGORY_TABLE, categoryOfProto, layerOf } from "../../web/app/categories.ts";
import { protoColour } from "../../web/app/palette.ts";
import { runText } from "../../web/app/run.ts";
import { fastRun } from "../helpers/fast_run.ts";

Deno.test("the family table: unique ids and colours, every label in one family only", () => {
  assert.equal(new Set(CATEGORIES).size, CATEGORY_TABLE.length);
  assert.equal(new Set(CATEGORY_TABLE.map((c) => c.colour.toLowerCase())).size, CATEGORY_TABLE.length);
  const protos = CATEGORY_TABLE.flatMap((c) => [...c.protos]);
  assert.equal(new Set(protos).size, protos.length);
  // TCP and WireGuard have chips of their own; PPTP and GRE share one; IKEv2 is IKE.
  assert.equal(categoryOfProto("TCP"), "TCP");
  assert.equal(categoryOfProto("WG"), "WG");
  assert.equal(categoryOfProto("GRE"), categoryOfProto("PPTP"));
  assert.equal(categoryOfProto("IKEv2"), "IKE");
  assert.equal(categoryOfProto("APP"), "OTHER");
  assert.equal(categoryOfProto("SOMETHING-NEW"), "OTHER");
  assert.equal(categoryOfProto(undefined), "OTHER");
  assert.notEqual(protoColour("TCP"), protoColour("UDP"));
  assert.notEqual(protoColour("WG"), protoColour("OTHER"));
});

Deno.test("PPP's control protocols are named in the anatomy, not lumped as one grey PPP", () => {
  assert.deepEqual(layerOf("PPP Link Control Protocol"), { label: "LCP", category: "PPP" });
  assert.deepEqual(layerOf("PPP Challenge Handshake Authentication Protocol"), {
    label: "CHAP",
    category: "PPP",
  });
  assert.deepEqual(layerOf("Point-to-Point Protocol"), { label: "PPP", category: "PPP" });
  assert.equal(layerOf("Transmission Control Protocol")?.category, "TCP");
});

Deno.test("every lesson's packets: each record label has a family, each dissected layer a word", () => {
  // The 116k-record goodput lesson adds no protocol the others lack; the full run includes it.
  const skip = fastRun ? new Set(["tcp-overhead-goodput.yaml"]) : new Set<string>();
  const unknownProtos = new Set<string>();
  const unknownLayers = new Set<string>();
  let tcpSeen = false;
  for (const entry of Deno.readDirSync(new URL("../../topologies/", import.meta.url))) {
    if (!entry.name.endsWith(".yaml") || skip.has(entry.name)) continue;
    const text = Deno.readTextFileSync(new URL(`../../topologies/${entry.name}`, import.meta.url));
    const outcome = runText(text, entry.name);
    assert.ok(outcome.ok, entry.name);
    let described = 0;
    for (const r of outcome.run.index.records) {
      if (
        r.proto !== undefined && r.proto !== "APP" && r.proto !== "LINK" &&
        categoryOfProto(r.proto) === "OTHER"
      ) {
        unknownProtos.add(`${entry.name}: ${r.proto}`);
      }
      if (!r.bytes || described > 3000) continue;
      described++;
      const fields = describeFrame(r.bytes, r.linktype);
      for (const f of fields) if (!layerOf(f.name)) unknownLayers.add(`${entry.name}: ${f.name}`);
      const anatomy = anatomyOf(fields, r.bytes.length);
      if (r.proto === "TCP") {
        tcpSeen = true;
        assert.ok(anatomy.segments.some((s) => /^TCP \d+$/.test(s.label) && s.category === "TCP"));
      }
    }
  }
  assert.deepEqual([...unknownProtos], []);
  assert.deepEqual([...unknownLayers], []);
  assert.ok(tcpSeen, "some lesson sends TCP");
});
