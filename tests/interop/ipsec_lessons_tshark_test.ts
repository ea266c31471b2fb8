/**
 * tshark, given the keys the trace exports, over every capture of the IPsec lessons that change or
 * expire SAs on purpose: a man in the middle, DPD clearing a dead peer, and rekeying. Nothing may be
 * malformed; the only complaint allowed is the man in the middle's work: the one ESP packet she altered
 * fails its ICV in tshark too, on the link after hers. Skips without tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { ipsecKeysFromTrace, tsharkKeyOptions } from "../../src/trace/keys_file.ts";
import { writePcap } from "../../src/trace/pcap.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

function run(file: string) {
  const loaded = loadTopology(Deno.readTextFileSync(`${root}topologies/${file}`), file);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  const result = simulate(loaded.model);
  const keys = tsharkKeyOptions(ipsecKeysFromTrace(result.records)).flatMap((o) => ["-o", o]);
  return { model: loaded.model, records: result.records, keys };
}

function withCaptures(file: string, check: (pcaps: Map<string, string>, keys: string[]) => void): void {
  const { model, records, keys } = run(file);
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-ipsec-lessons-" });
  try {
    const pcaps = new Map<string, string>();
    for (const link of model.links) {
      const path = `${dir}/${link.name}.pcap`;
      Deno.writeFileSync(path, writePcap(records, link.name));
      pcaps.set(link.name, path);
    }
    check(pcaps, keys);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "tshark: the man in the middle's ESP packet fails its ICV in tshark too; nothing else is wrong",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    withCaptures("mitm-l2tp-vs-ipsec.yaml", (pcaps, keys) => {
      for (const [link, pcap] of pcaps) {
        const bad = fieldValues(pcap, "frame.number", "esp.icv_bad == 1", keys);
        const esp = fieldValues(pcap, "frame.number", "esp", keys).length;
        const good = fieldValues(pcap, "frame.number", "esp.icv_good == 1", keys).length;
        if (link === "office-wan") {
          // The altered packet crosses office-wan (the internet router forwards what Mallory sent on).
          assert.equal(bad.length, 1, "one ESP packet with a bad ICV");
          assert.equal(good, esp - 1, "every other ESP packet authenticates");
          // tshark decrypts it anyway and finds garbage inside: that frame, and only it, is flagged.
          assert.deepEqual(problems(pcap, keys).map((line) => line.split("\t")[0]), bad);
        } else {
          assert.deepEqual(bad, [], `${link}: no bad ICV before Mallory or after the LNS`);
          assert.equal(good, esp, `${link}: every ESP packet authenticates`);
          assert.deepEqual(problems(pcap, keys), [], `${link}: tshark flagged`);
        }
        if (link === "backbone") assert.ok(esp > 0, "Bob's ESP crosses the backbone");
      }
    });
  },
});

for (const file of ["ipsec-dpd-clears-dead-peer.yaml", "ipsec-rekey-without-loss.yaml"]) {
  Deno.test({
    name: `tshark: ${file} decrypts with the exported keys (old and new SAs), nothing malformed`,
    ignore: skipWithoutTshark,
    fn() {
      assertTsharkPresent();
      withCaptures(file, (pcaps, keys) => {
        const backbone = pcaps.get("backbone")!;
        // Every SA of the run is in the keys, so every ESP packet, before and after the new Quick
        // Mode, authenticates; DPD's R_U_THERE and the DELETE are decrypted Informational exchanges.
        const esp = fieldValues(backbone, "frame.number", "esp", keys).length;
        assert.ok(esp > 10);
        assert.equal(fieldValues(backbone, "frame.number", "esp.icv_good == 1", keys).length, esp);
        const spis = new Set(fieldValues(backbone, "esp.spi", "esp", keys));
        assert.ok(spis.size >= 4, `two SAs each way at least, got ${[...spis].join(" ")}`);
        const notify = fieldValues(backbone, "isakmp.notify.msgtype", "isakmp.exchangetype == 5", keys);
        const deletes = fieldValues(backbone, "frame.number", "isakmp.typepayload == 12", keys);
        if (file.includes("dpd")) assert.ok(notify.some((t) => t === "36136"), `R_U_THERE: ${notify}`);
        else assert.ok(deletes.length >= 1, "the DELETE of the old pair");
        for (const [link, pcap] of pcaps) {
          assert.deepEqual(problems(pcap, keys), [], `${link}: tshark flagged`);
        }
      });
    },
  });
}
