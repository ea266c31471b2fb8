/**
 * tshark on the captures of the lessons ipsec-weak-psk and ipsec-windows-server-behind-nat, with the
 * keys their traces export: Aggressive Mode message 3 and every Quick Mode decrypt, ESP opens to L2TP,
 * nothing is malformed, and the only complaint is RFC 3948's inner UDP checksum of transport-mode ESP
 * whose outer address a NAT changed. Skips without tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { ipsecKeysFromTrace, tsharkKeyOptions } from "../../src/trace/keys_file.ts";
import { writePcap } from "../../src/trace/pcap.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

function run(file: string) {
  const loaded = loadTopology(Deno.readTextFileSync(`${root}topologies/${file}`), file);
  assert.ok(loaded.ok);
  const { records } = simulate(loaded.model);
  const keys = tsharkKeyOptions(ipsecKeysFromTrace(records)).flatMap((o) => ["-o", o]);
  return { records, keys, links: loaded.model.links.map((l) => l.name!) };
}

function withCaptures(
  file: string,
  fn: (pcap: (link: string) => string, keys: string[], links: string[]) => void,
) {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-lesson-keys-" });
  try {
    const { records, keys, links } = run(file);
    fn(
      (link) => {
        const path = `${dir}/${link}.pcap`;
        Deno.writeFileSync(path, writePcap(records, link));
        return path;
      },
      keys,
      links,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "tshark: ipsec-weak-psk decrypts Aggressive Mode message 3, Quick Mode and ESP with the exported keys",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    withCaptures("ipsec-weak-psk.yaml", (pcap, keys, links) => {
      for (const link of links) assert.deepEqual(problems(pcap(link), keys), [], link);
      const a = pcap("access-a");
      // Message 2's HASH_R in clear, message 3's HASH_I only with the key.
      assert.equal(fieldValues(a, "isakmp.hash", "isakmp.exchangetype == 4").length, 1);
      assert.equal(fieldValues(a, "isakmp.hash", "isakmp.exchangetype == 4", keys).length, 2);
      assert.deepEqual(
        fieldValues(a, "isakmp.id.port", "isakmp.exchangetype == 32 && isakmp.spisize", keys),
        ["1701,1701", "1701,1701"],
      );
      assert.ok(fieldValues(a, "l2tp.type", "esp", keys).length > 10, "L2TP inside ESP");
      assert.deepEqual(fieldValues(a, "l2tp.type", "esp"), [], "nothing readable without the keys");
      // Bob's link: Main Mode, hashes only in the decrypted messages 5 and 6.
      const b = pcap("access-b");
      assert.equal(fieldValues(b, "isakmp.hash", "isakmp.exchangetype == 2").length, 0);
      assert.equal(fieldValues(b, "isakmp.hash", "isakmp.exchangetype == 2", keys).length, 2);
    });
  },
});

Deno.test({
  name:
    "tshark: ipsec-windows-server-behind-nat decrypts with the exported keys; only RFC 3948 inner checksums",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    withCaptures("ipsec-windows-server-behind-nat.yaml", (pcap, keys, links) => {
      for (const link of links) {
        const flagged = problems(pcap(link), keys);
        const other = flagged.filter((line) => !/\tBad checksum \[should be 0x[0-9a-f]{4}\]$/.test(line));
        assert.deepEqual(other, [], link);
      }
      const wan = pcap("office-wan");
      // Anna: Main Mode up to message 4 each time, never message 5; Ben: all six, 5 and 6 on 4500.
      assert.ok(fieldValues(wan, "isakmp.ike.nat_hash", "ip.src == 198.51.100.2").length >= 2);
      assert.deepEqual(
        fieldValues(
          wan,
          "udp.srcport",
          "isakmp.exchangetype == 2 && ip.src == 198.51.100.2 && isakmp.flags & 1",
        ),
        [],
      );
      assert.equal(
        fieldValues(wan, "isakmp.hash", "isakmp.exchangetype == 2 && ip.src == 198.51.101.2", keys).length,
        1,
        "Ben's message 5, decrypted",
      );
      assert.ok(fieldValues(wan, "l2tp.type", "esp", keys).length > 10, "Ben's L2TP inside ESP");
    });
  },
});
