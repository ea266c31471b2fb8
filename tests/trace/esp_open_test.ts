/**
 * A decrypted ESP packet shows its trailer and ICV as fields (RFC 4303 §2): in transport mode for L2TP the
 * next header is UDP (17); payload, padding and the two trailer bytes fill whole cipher blocks (8 bytes
 * for 3DES, 16 for AES-CBC); the padding is 1, 2, 3, …; the ICV is 12 bytes for HMAC-SHA1-96. A packet
 * with one byte changed does not open.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { openEspFields } from "../../src/trace/esp_open.ts";
import type { Field } from "../../src/wire/field.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;

/** The first ESP packet sent on `link`, from its SPI on, and where that starts in the IPv4 datagram. */
function firstEsp(file: string, link: string) {
  const loaded = loadTopology(Deno.readTextFileSync(`${dir}${file}`), file);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  const records = simulate(loaded.model).records;
  const r = records.find((x) => x.kind === "tx" && x.link === link && x.proto === "ESP" && x.bytes)!;
  const ip = r.bytes!;
  let offset = (ip[0] & 0x0f) * 4;
  if (ip[9] === 17) offset += 8; // NAT-T: ESP follows the UDP header on port 4500
  return { records, packet: ip.subarray(offset), offset };
}

function field(fields: Field[], name: string): Field {
  for (const f of fields) {
    if (f.name === name) return f;
    const inner = f.children && field(f.children, name);
    if (inner) return inner;
  }
  return undefined as unknown as Field;
}

for (
  const [file, link, block, cipher] of [
    ["myths-on-screen.yaml", "access", 8, "3des-cbc"],
    ["ipsec-hides-l2tp.yaml", "access", 16, "aes128-cbc"],
  ] as const
) {
  Deno.test(`${file}: the opened ESP packet shows padding, pad length, next header and ICV (${cipher})`, () => {
    const { records, packet, offset } = firstEsp(file, link);
    const opened = openEspFields(records, packet, offset);
    assert.ok(opened.ok, !opened.ok ? opened.error : "");
    const fields = opened.value;
    assert.match(fields[0].value, new RegExp(cipher));
    assert.equal(field(fields, "Next Header").value, "17 (UDP)");
    const padLength = Number(field(fields, "Pad Length").value);
    const payload = Number(/^(\d+) bytes/.exec(field(fields, "Payload").value)![1]);
    assert.equal((payload + padLength + 2) % block, 0, "payload and trailer fill whole blocks");
    assert.ok(padLength < block);
    if (padLength > 0) {
      const expected = Array.from({ length: padLength }, (_, i) => (i + 1).toString(16).padStart(2, "0"));
      assert.equal(field(fields, "Padding").value, `${padLength} bytes: ${expected.join(" ")}`);
    }
    const icv = field(fields, "ICV");
    assert.equal(icv.end - icv.start, 12);
    assert.equal(icv.end, offset + packet.length);
    assert.equal(field(fields, "IV").end - field(fields, "IV").start, block);
    const broken = packet.slice();
    broken[broken.length - 20] ^= 1;
    const refused = openEspFields(records, broken, offset);
    assert.ok(!refused.ok);
    assert.match(refused.error, /ICV check failed/);
  });
}
