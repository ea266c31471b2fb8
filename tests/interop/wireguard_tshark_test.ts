/**
 * tshark judges WireGuard: every frame of every link in the lesson, a cookie exchange and a rekey
 * is well-formed, and with only the key log the CLI exports, tshark decrypts the transport data and
 * finds the inner ICMP of every ping (wg.dissect_packet). Skips without tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { formatWireguardKeyLog, wireguardKeysFromTrace } from "../../src/stack/wireguard/keylog.ts";
import { loadTopology } from "../../src/topology/load.ts";
import type { TopologyModel } from "../../src/topology/model.ts";
import { writePcap } from "../../src/trace/pcap.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../helpers/tshark.ts";
import { wireguardLab } from "../stack/wireguard/lab.ts";

function lesson(): TopologyModel {
  const path = new URL("../../topologies/wireguard-home-router.yaml", import.meta.url).pathname;
  const loaded = loadTopology(Deno.readTextFileSync(path), "wireguard-home-router.yaml");
  if (!loaded.ok) throw new Error("lesson does not load");
  return loaded.model;
}

interface Verdict {
  problems: string[];
  /** Inner ICMP messages tshark found after decryption, and how many were sent through the tunnel. */
  icmp: number;
  tunnelled: number;
  withoutKeys: number;
  handshakes: number;
}

function judge(model: TopologyModel, link: string): Verdict {
  const { records } = simulate(model);
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-wg-" });
  try {
    const keylog = `${dir}/wg.keys`;
    Deno.writeTextFileSync(keylog, formatWireguardKeyLog(wireguardKeysFromTrace(records)));
    const pcap = `${dir}/${link}.pcap`;
    Deno.writeFileSync(pcap, writePcap(records, link));
    const prefs = ["-o", `wg.keylog_file:${keylog}`, "-o", "wg.dissect_packet:TRUE"];
    // Every message sealed into the tunnel crosses each link of this network once.
    const tunnelled = records.filter((r) =>
      r.kind === "encap" && r.proto === "WG" && r.summary.includes("ICMP echo")
    );
    return {
      problems: problems(pcap, prefs),
      icmp: fieldValues(pcap, "icmp.type", "icmp", prefs).length,
      tunnelled: tunnelled.length,
      withoutKeys: fieldValues(pcap, "icmp.type", "icmp").length,
      handshakes: fieldValues(pcap, "wg.type", "wg.type == 1", prefs).length,
    };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "tshark: the WireGuard lesson is well-formed on every link and decrypts to the inner pings",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    for (const link of ["home-lan", "access", "office-wan"]) {
      const verdict = judge(lesson(), link);
      assert.deepEqual(verdict.problems, [], link);
      assert.equal(verdict.tunnelled, 6, "two pings out and their replies, one ping in and its reply");
      assert.equal(verdict.icmp, verdict.tunnelled, `${link}: every inner ICMP message is decrypted`);
      assert.equal(verdict.withoutKeys, 0, `${link}: without the key log nothing is readable`);
      assert.equal(verdict.handshakes, 1, link);
    }
  },
});

Deno.test({
  name: "tshark: a cookie reply and a rekeyed session are well-formed and still decrypt",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const cookie = judge(
      wireguardLab({
        underLoad: 0,
        script: ["{ at: 1s, node: laptop, do: ping 10.10.0.5 count 8 interval 1s }"],
      }),
      "access",
    );
    assert.deepEqual(cookie.problems, []);
    assert.equal(cookie.icmp, 16);
    assert.equal(cookie.handshakes, 2);
    const rekey = judge(
      wireguardLab({
        duration: "140s",
        script: ["{ at: 1s, node: laptop, do: ping 10.10.0.5 count 130 interval 1s }"],
      }),
      "office-wan",
    );
    assert.deepEqual(rekey.problems, []);
    assert.ok(rekey.tunnelled >= 258, `${rekey.tunnelled} tunnelled`);
    assert.equal(rekey.icmp, rekey.tunnelled, "packets under both keypairs decrypt");
    assert.equal(rekey.handshakes, 2);
  },
});
