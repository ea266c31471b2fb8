/**
 * `run --keys FILE` writes keys that let tshark open the run's ESP and IKE, and never replaces a
 * file the user wrote.
 */
import assert from "node:assert/strict";
import { assertRefusesToOverwrite, cliProcess, inTempDir } from "../helpers/cli_process.ts";
import { assertTsharkPresent, fieldValues, skipWithoutTshark } from "../helpers/tshark.ts";

Deno.test({
  name: "cli --keys: tshark decrypts the tunnel's ESP on the WAN side with the written keys",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    inTempDir("tunnel-lab-keys-", (dir) => {
      const keys = `${dir}/keys.txt`;
      const run = cliProcess([
        "run",
        "topologies/ipsec-nat-t-fixes-it.yaml",
        "--pcap",
        dir,
        "--keys",
        keys,
        "--format",
        "json",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const options = Deno.readTextFileSync(keys).split("\n").filter((l) => l && !l.startsWith("#"))
        .flatMap((line) => ["-o", line]);
      const pcap = `${dir}/access.pcap`;
      assert.deepEqual(
        fieldValues(pcap, "l2tp.type", "l2tp"),
        [],
        "without keys nothing inside ESP is readable",
      );
      const icv = fieldValues(pcap, "esp.icv_good", "esp", options);
      assert.ok(icv.length > 10 && icv.every((v) => v === "1" || v === "True"), `ICVs: ${icv.join(",")}`);
      const chap = fieldValues(pcap, "chap.name", "chap", options);
      assert.ok(chap.includes("alice"), "the CHAP exchange inside the tunnel is readable with the keys");
      const echo = fieldValues(pcap, "icmp.type", "icmp", options);
      assert.ok(echo.includes("8") && echo.includes("0"), "the inner pings decrypt");
    });
  },
});

Deno.test("cli --keys refuses to overwrite a file that is not a keys file", () => {
  assertRefusesToOverwrite(
    (file) => cliProcess(["run", "topologies/basics-ping.yaml", "--keys", file]),
    /refusing to overwrite .*notes\.txt: it was not written by Tunnel Lab/,
  );
});
