/**
 * The inspector's decrypted ESP layer: every ESP packet of ipsec-hides-l2tp (AES-128-CBC with
 * HMAC-SHA1-96, transport mode carrying L2TP) opens with the run's recorded keys into rows of their own
 * for pad length, next header and ICV. The ranges are reckoned from RFC 4303's layout, not read back:
 * the ICV is the last 12 bytes of the datagram, the two trailer bytes sit just before it, and the payload
 * is what is left after the 8-byte header and the 16-byte IV.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import type { Field } from "../../src/wire/field.ts";
import { espOffset, openedEspOf } from "../../web/app/esp_opened.ts";

const file = "ipsec-hides-l2tp.yaml";
const text = Deno.readTextFileSync(new URL(`../../topologies/${file}`, import.meta.url));
const loaded = loadTopology(text, file);
if (!loaded.ok) throw new Error(`${file} does not load`);
const records = simulate(loaded.model).records;

/** Every row of the tree, depth first, as the inspector would build it. */
function rows(fields: Field[]): Field[] {
  return fields.flatMap((f) => [f, ...rows(f.children ?? [])]);
}

const row = (fields: Field[], name: string) => rows(fields).find((f) => f.name === name);

const espSent = records.filter((r) => r.kind === "tx" && r.proto === "ESP" && r.bytes);

Deno.test(`${file}: each ESP packet opens into rows for pad length, next header and ICV`, () => {
  assert.ok(espSent.length > 0, "the lesson sends ESP");
  for (const r of espSent) {
    const ip = r.bytes!;
    const opened = openedEspOf(records, ip);
    assert.ok(opened.ok, `#${r.pkt}: ${!opened.ok ? opened.error : ""}`);
    const fields = opened.value;
    const icv = row(fields, "ICV")!;
    assert.deepEqual(
      [icv.start, icv.end],
      [ip.length - 12, ip.length],
      "HMAC-SHA1-96's ICV ends the datagram",
    );
    const nextHeader = row(fields, "Next Header")!;
    assert.deepEqual([nextHeader.start, nextHeader.end], [ip.length - 13, ip.length - 12]);
    assert.equal(nextHeader.value, "17 (UDP)", "transport mode: the payload is L2TP's UDP datagram");
    const padLength = row(fields, "Pad Length")!;
    assert.deepEqual([padLength.start, padLength.end], [ip.length - 14, ip.length - 13]);
    const pad = Number(padLength.value);
    const esp = espOffset(ip);
    const payload = row(fields, "Payload")!;
    assert.equal(payload.start, esp + 8 + 16);
    assert.equal(payload.end, ip.length - 14 - pad);
    assert.equal((payload.end - payload.start + pad + 2) % 16, 0, "AES-CBC encrypts whole 16-byte blocks");
    assert.ok(row(fields, "Padding") && row(fields, "IV"));
  }
});

Deno.test(`${file}: a packet that is not ESP gets a reason, not rows`, () => {
  const ike = records.find((r) => r.kind === "tx" && r.proto?.startsWith("IKE") && r.bytes);
  assert.ok(ike, "the lesson negotiates with IKE");
  const opened = openedEspOf(records, ike.bytes!);
  assert.ok(!opened.ok);
  assert.equal(opened.error, "no ESP in this packet");
});

Deno.test(`${file}: an ESP packet whose SPI has no recorded keys says so`, () => {
  const ip = espSent[0].bytes!.slice();
  const esp = espOffset(ip);
  ip.fill(0xee, esp, esp + 4);
  const opened = openedEspOf(records, ip);
  assert.ok(!opened.ok);
  assert.equal(opened.error, "no keys recorded for SPI 0xeeeeeeee");
});
