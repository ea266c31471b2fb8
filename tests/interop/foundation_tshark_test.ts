/**
 * tshark sees the same conversation the simulator says it sent. (That every lesson's pcaps decode
 * with no malformed packet or warning is checked in lessons_tshark_test.ts.)
 */
import assert from "node:assert/strict";
import { assertTsharkPresent, fieldValues, skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

function runCli(file: string, pcapDir: string): void {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}src/cli/main.ts`, "run", file, "--pcap", pcapDir, "--format", "json"],
    stdout: "null",
    stderr: "piped",
    cwd: root,
  }).outputSync();
  assert.ok(out.success, `${file}: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test({
  name: "tshark: basics-mtu fragments reassemble in tshark into the echo requests we sent",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-pcap-" });
    try {
      runCli("topologies/basics-mtu.yaml", dir);
      const narrow = `${dir}/narrow.pcap`;
      // Two 1400-byte pings, each split in two on the 1000-byte link, both ways.
      assert.deepEqual(fieldValues(narrow, "ip.flags.mf").filter((v) => v === "1" || v === "True").length, 4);
      const echo = fieldValues(narrow, "icmp.type", "icmp");
      assert.deepEqual(
        echo,
        ["8", "0", "8", "0", "8", "0"],
        "two fragmented pings and one small one, with replies",
      );
      assert.deepEqual(
        fieldValues(narrow, "icmp.checksum.status", "icmp"),
        Array(6).fill("1"),
        "tshark verifies every ICMP checksum as good",
      );
      const home = `${dir}/home-lan.pcap`;
      const mtu = fieldValues(home, "icmp.mtu", "icmp.type == 3 && icmp.code == 4");
      assert.deepEqual(mtu, ["1000"]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
