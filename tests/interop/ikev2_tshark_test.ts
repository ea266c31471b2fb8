/**
 * tshark judges IKEv2 runs given only the keys the trace exports (`--keys`): it must open IKE_AUTH
 * (the identities, the PSK AUTH, the CP reply with the virtual IP, the traffic selectors) and the
 * CREATE_CHILD_SA and INFORMATIONAL exchanges, verify every SK payload's checksum and every ESP ICV,
 * find the inner ping inside the tunnel-mode ESP, and flag nothing as malformed, behind the home
 * router (UDP 4500) and without a NAT (plain ESP), with CBC+HMAC and with GCM. Skipped without
 * tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { ipsecKeysFromTrace, tsharkKeyOptions } from "../../src/trace/keys_file.ts";
import { writePcap } from "../../src/trace/pcap.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../helpers/tshark.ts";
import { runLab, withoutNat } from "../stack/ikev2/harness.ts";

function keyArgs(records: readonly TraceRecord[]): string[] {
  return tsharkKeyOptions(ipsecKeysFromTrace(records)).flatMap((option) => ["-o", option]);
}

function withCapture(records: readonly TraceRecord[], link: string, fn: (pcap: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-ikev2-" });
  try {
    const file = `${dir}/${link}.pcap`;
    Deno.writeFileSync(file, writePcap(records, link));
    fn(file);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const PINGS = "{ at: 2s, node: laptop, do: ping 10.10.0.5 count 3 }";

for (
  const algorithms of [
    { ike: "aes128-sha256-modp2048", esp: "aes128-sha256", integ: "HMAC_SHA2_256_128" },
    { ike: "aes256gcm16-prfsha256-curve25519", esp: "aes128gcm16", integ: null },
    { ike: "aes256-sha1-modp2048", esp: "aes256-sha1", integ: "HMAC_SHA1_96" },
  ]
) {
  Deno.test({
    name: `tshark decrypts IKE_AUTH and ESP behind the home router (${algorithms.ike}, ${algorithms.esp})`,
    ignore: skipWithoutTshark,
    fn() {
      assertTsharkPresent();
      const settings = [`ike: ${algorithms.ike}`, `esp: ${algorithms.esp}`];
      const { records } = runLab({ client: settings, server: settings, script: [PINGS], duration: "6s" });
      const keys = keyArgs(records);
      withCapture(records, "access", (pcap) => {
        assert.deepEqual(problems(pcap, keys), []);
        // IKE_AUTH opened: both identities, the virtual IP and DNS in the CFG_REPLY.
        // IDi (RFC822) and the IDr the client asks for in the request, the gateway's IDr in the response.
        assert.deepEqual(fieldValues(pcap, "isakmp.id.data.user_fqdn", "isakmp.exchangetype == 35", keys), [
          "laptop@example.org",
        ]);
        assert.deepEqual(fieldValues(pcap, "isakmp.id.data.fqdn", "isakmp.exchangetype == 35", keys), [
          "vpn.example.org",
          "vpn.example.org",
        ]);
        assert.deepEqual(
          fieldValues(pcap, "isakmp.cfg.attr.internal_ip4_address", "isakmp.exchangetype == 35", keys),
          ["10.99.0.2"],
        );
        assert.deepEqual(
          fieldValues(pcap, "isakmp.cfg.attr.internal_ip4_dns", "isakmp.exchangetype == 35", keys),
          ["10.10.0.53"],
        );
        assert.equal(fieldValues(pcap, "isakmp.auth.data", "isakmp.exchangetype == 35", keys).length, 2);
        // Both IKE_AUTH messages opened, none with a wrong integrity checksum.
        assert.equal(fieldValues(pcap, "frame.number", "isakmp.enc.decrypted", keys).length, 2);
        assert.deepEqual(fieldValues(pcap, "frame.number", "isakmp.ikev2.integrity_checksum", keys), []);
        if (algorithms.integ) {
          assert.equal(fieldValues(pcap, "isakmp.enc.icd", "isakmp.exchangetype == 35", keys).length, 2);
        }
        // The tunnel: ESP in UDP 4500, the inner ping inside, every ICV good.
        assert.deepEqual(
          fieldValues(pcap, "ip.src", "icmp.type == 8", keys),
          ["198.51.100.2,10.99.0.2", "198.51.100.2,10.99.0.2", "198.51.100.2,10.99.0.2"],
        );
        assert.equal(fieldValues(pcap, "esp.icv_good", "esp.icv_good == 1", keys).length, 6);
        assert.deepEqual(fieldValues(pcap, "frame.number", "esp.icv_bad == 1", keys), []);
      });
    },
  });
}

Deno.test({
  name: "tshark opens CREATE_CHILD_SA and INFORMATIONAL and the rekeyed CHILD_SA's ESP",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const { records } = runLab({
      client: ["lifetime: 2m", "margin: 30s"],
      script: ["{ at: 85s, node: laptop, do: ping 10.10.0.5 count 10 }"],
      duration: "100s",
    });
    const keys = keyArgs(records);
    withCapture(records, "access", (pcap) => {
      assert.deepEqual(problems(pcap, keys), []);
      // The REKEY_SA notify (16393) inside the CREATE_CHILD_SA request, the DELETE inside INFORMATIONAL.
      assert.deepEqual(fieldValues(pcap, "isakmp.notify.msgtype", "isakmp.exchangetype == 36", keys), [
        "16393",
      ]);
      assert.ok(fieldValues(pcap, "isakmp.delete.spi", "isakmp.exchangetype == 37", keys).length >= 2);
      // Pings before and after the rekey, on two different SPIs, all decrypted.
      const spis = new Set(fieldValues(pcap, "esp.spi", "icmp.type == 8", keys));
      assert.equal(spis.size, 2);
      assert.equal(fieldValues(pcap, "frame.number", "icmp.type == 0", keys).length, 10);
    });
  },
});

Deno.test({
  name: "tshark without a NAT: plain ESP (protocol 50) decrypted, nothing malformed",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const { records } = runLab({ edit: withoutNat, script: [PINGS], duration: "6s" });
    const keys = keyArgs(records);
    withCapture(records, "access", (pcap) => {
      assert.deepEqual(problems(pcap, keys), []);
      assert.equal(fieldValues(pcap, "frame.number", "udp.port == 4500", keys).length, 0);
      assert.equal(fieldValues(pcap, "frame.number", "ip.proto == 50 && icmp.type == 0", keys).length, 3);
    });
  },
});
