/**
 * tshark judges a whole L2TP/IPsec negotiation: given only the keys the trace exports, it must decrypt
 * IKEv1 message 5 and the Quick Mode, authenticate every ESP packet (esp.icv_good) and find the inner
 * UDP 1701 datagram, and must flag nothing as malformed. Behind a NAT the only complaint allowed is the
 * one RFC 3948 §3.1.2 predicts: the inner UDP checksum of a transport-mode packet whose outer address
 * the NAT changed. Skips without tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { formatKeysFile, ipsecKeysFromTrace, tsharkKeyOptions } from "../../src/trace/keys_file.ts";
import { writePcap } from "../../src/trace/pcap.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../helpers/tshark.ts";
import { CLIENT, engineOf, ipsecLab, NAT_PUBLIC, SERVER } from "../stack/ipsec/harness.ts";
import { SECOND } from "../../src/engine/time.ts";
import { parseIp } from "../../src/wire/addr.ts";

function keyArgs(records: readonly TraceRecord[]): string[] {
  return tsharkKeyOptions(ipsecKeysFromTrace(records)).flatMap((option) => ["-o", option]);
}

function capture(records: readonly TraceRecord[], linkName: string, dir: string): string {
  const file = `${dir}/${linkName}.pcap`;
  Deno.writeFileSync(file, writePcap(records, linkName));
  return file;
}

function withTempDir(fn: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-ipsec-" });
  try {
    fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const ALGORITHMS = [
  {
    ike: { encryption: "aes128", hash: "sha1", group: "modp2048" },
    esp: { encryption: "aes128-cbc", integrity: "hmac-sha1-96" },
  },
  {
    ike: { encryption: "3des", hash: "sha256", group: "modp1024" },
    esp: { encryption: "3des-cbc", integrity: "hmac-sha256-128" },
  },
  { ike: { encryption: "aes256", hash: "sha1", group: "modp2048" }, esp: { encryption: "aes128-gcm16" } },
];

Deno.test({
  name: "tshark decrypts IKEv1 and ESP with the exported keys; no NAT: nothing is malformed or wrong",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    for (const settings of ALGORITHMS) {
      const { records } = simulate(ipsecLab({ client: settings, server: settings, datagrams: 4 }));
      const keys = keyArgs(records);
      withTempDir((dir) => {
        const pcap = capture(records, "dmz", dir);
        const label = JSON.stringify(settings.esp);
        assert.deepEqual(problems(pcap, keys), [], label);
        // Main Mode message 5: the initiator's identity and HASH_I, readable only with the phase-1 key.
        assert.deepEqual(
          fieldValues(pcap, "isakmp.id.data.ipv4_addr", "isakmp.exchangetype == 2", keys),
          [CLIENT, SERVER],
          label,
        );
        assert.equal(fieldValues(pcap, "isakmp.hash", "isakmp.exchangetype == 2", keys).length, 2);
        // Quick Mode: L2TP's selectors (UDP 1701 on both sides, as the trap saw them), transport mode.
        assert.deepEqual(
          fieldValues(pcap, "isakmp.id.port", "isakmp.exchangetype == 32 && isakmp.spisize", keys),
          ["1701,1701", "1701,1701"],
        );
        assert.deepEqual(
          fieldValues(
            pcap,
            "isakmp.ipsec.attr.encap_mode",
            "isakmp.exchangetype == 32 && isakmp.spisize",
            keys,
          ),
          ["2", "2"],
        );
        // Three protected datagrams each way, all decrypted to UDP 1701.
        const inner = fieldValues(pcap, "udp.port", "esp", keys);
        assert.deepEqual(inner, Array(6).fill("1701,1701"), label);
        if (settings.esp.encryption !== "aes128-gcm16") {
          assert.deepEqual(fieldValues(pcap, "esp.icv_good", "esp", keys), Array(6).fill("1"), label);
        }
        // Without the keys tshark sees only SPIs and sequence numbers.
        assert.deepEqual(fieldValues(pcap, "udp.port", "esp"), []);
        assert.equal(fieldValues(pcap, "esp.sequence", "esp").length, 6);
      });
    }
  },
});

Deno.test({
  name: "tshark through the NAT: IKE floats to 4500, NAT-D, NAT-OA, UDP-encapsulated ESP decrypts",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const { records } = simulate(ipsecLab({ nat: { preset: "home-router" }, datagrams: 3 }));
    const keys = keyArgs(records);
    withTempDir((dir) => {
      const wan = capture(records, "wan", dir);
      const lan = capture(records, "lan", dir);
      // NAT-D payloads in messages 3 and 4; from message 5 on IKE runs on 4500 behind the marker.
      assert.equal(fieldValues(wan, "isakmp.ike.nat_hash", "isakmp", keys).length, 2);
      assert.deepEqual(fieldValues(wan, "udp.dstport", "isakmp.exchangetype == 2", keys), [
        "500",
        "500",
        "500",
        "500",
        "4500",
        "4500",
      ]);
      // NAT-OA: each side tells the other the addresses it used (RFC 3947 §5.2).
      assert.deepEqual(
        fieldValues(wan, "isakmp.ike.nat_original_address_ipv4", "isakmp.exchangetype == 32", keys),
        [`${CLIENT},${SERVER}`, `${NAT_PUBLIC},${SERVER}`],
      );
      assert.deepEqual(
        fieldValues(wan, "isakmp.ipsec.attr.encap_mode", "isakmp.exchangetype == 32 && isakmp.spisize", keys),
        ["4", "4"],
      );
      assert.deepEqual(fieldValues(wan, "esp.icv_good", "esp", keys), Array(4).fill("1"));
      assert.deepEqual(fieldValues(wan, "udp.port", "esp", keys), Array(4).fill("4500,4500,1701,1701"));
      assert.deepEqual(
        fieldValues(wan, "udp.checksum", "esp && ip.src == 198.51.100.7", keys).map((v) => v.split(",")[0]),
        [
          "0x0000",
          "0x0000",
        ],
      );
      // The only problems: inner checksums of packets whose outer address the NAT changed — the client's
      // outside the NAT, the server's inside it. The receiver repairs them with NAT-OA.
      for (const [pcap, sender] of [[wan, NAT_PUBLIC], [lan, SERVER]]) {
        const flagged = problems(pcap, keys);
        assert.equal(flagged.length, 2, flagged.join("\n"));
        assert.ok(
          flagged.every((line) => /\tBad checksum \[should be 0x[0-9a-f]{4}\]$/.test(line)),
          flagged.join("\n"),
        );
        const frames = flagged.map((line) => line.split("\t")[0]);
        const fromSender = fieldValues(pcap, "frame.number", `esp && ip.src == ${sender}`, keys);
        assert.deepEqual(frames, fromSender);
      }
    });
  },
});

Deno.test({
  name:
    "tshark reads proposal lists, DPD's R-U-THERE/ACK and DELETEs with the exported keys; nothing malformed",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const result = simulate(ipsecLab({
      client: {
        ike: "aes256-sha256-modp2048,aes128-sha1-modp2048",
        esp: "aes256-sha256,aes128-sha1",
        dpd: { delay: 5 * SECOND, timeout: 30 * SECOND },
      },
      server: { ike: "aes128-sha1-modp2048", esp: "aes128-sha1,3des-sha1" },
      datagrams: 3,
      duration: 20 * SECOND,
    }));
    const sched = result.network.devices.get("client")!.ctx.sched;
    sched.at(20 * SECOND, () => engineOf(result, "client").terminate(parseIp(SERVER)!));
    sched.runUntil(25 * SECOND);
    const keys = keyArgs(result.records);
    withTempDir((dir) => {
      const pcap = capture(result.records, "dmz", dir);
      assert.deepEqual(problems(pcap, keys), []);
      // Message 1 offers transforms 1 and 2, message 2 takes number 2.
      assert.deepEqual(
        fieldValues(pcap, "isakmp.trans.number", "isakmp.exchangetype == 2", keys).slice(0, 2),
        [
          "1,2",
          "2",
        ],
      );
      const info = "isakmp.exchangetype == 5";
      const asked = fieldValues(pcap, "isakmp.notify.data.dpd.are_you_there", info, keys);
      const acked = fieldValues(pcap, "isakmp.notify.data.dpd.are_you_there_ack", info, keys);
      assert.ok(asked.length >= 3);
      assert.deepEqual(acked, asked, "each R-U-THERE answered with its sequence number");
      assert.deepEqual(
        fieldValues(pcap, "isakmp.delete.protoid", info, keys),
        ["3", "1"],
        "ESP, then ISAKMP",
      );
    });
  },
});

Deno.test("the keys file lists each tshark option on its own line after the comments", () => {
  const { records } = simulate(ipsecLab());
  const keys = ipsecKeysFromTrace(records);
  assert.equal(keys.esp.length, 2);
  assert.equal(keys.ikev1.length, 1);
  const lines = formatKeysFile(keys).trimEnd().split("\n");
  assert.ok(lines[0].startsWith("# "));
  assert.deepEqual(lines.filter((l) => !l.startsWith("#")), tsharkKeyOptions(keys));
  assert.match(lines.at(-1)!, /^uat:ikev1_decryption_table:[0-9a-f]{16},[0-9a-f]{32}$/);
});
