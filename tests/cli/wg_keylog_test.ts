/**
 * `run --wg-keylog FILE` writes the key log tshark's `wg.keylog_file` reads, and never replaces a
 * file the user wrote.
 */
import assert from "node:assert/strict";
import { assertRefusesToOverwrite, cliProcess, inTempDir } from "../helpers/cli_process.ts";
import { assertTsharkPresent, fieldValues, skipWithoutTshark } from "../helpers/tshark.ts";

Deno.test({
  name: "cli --wg-keylog: tshark decrypts the WireGuard lesson's pings with the written key log",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    inTempDir("tunnel-lab-wg-", (dir) => {
      const keylog = `${dir}/wg.keys`;
      const run = cliProcess([
        "run",
        "topologies/wireguard-home-router.yaml",
        "--pcap",
        dir,
        "--wg-keylog",
        keylog,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const text = Deno.readTextFileSync(keylog);
      assert.match(text, /^LOCAL_EPHEMERAL_PRIVATE_KEY = [A-Za-z0-9+/]{43}=$/m);
      const options = ["-o", `wg.keylog_file:${keylog}`, "-o", "wg.dissect_packet:TRUE"];
      const echo = fieldValues(`${dir}/access.pcap`, "icmp.type", "icmp", options);
      assert.deepEqual(echo, ["8", "0", "8", "0", "8", "0"]);
      // Run again: our own file is replaced without complaint.
      assert.equal(
        cliProcess(["run", "topologies/wireguard-home-router.yaml", "--wg-keylog", keylog]).code,
        0,
      );
    });
  },
});

Deno.test("cli --wg-keylog refuses to overwrite a file it did not write", () => {
  assertRefusesToOverwrite(
    (file) => cliProcess(["run", "topologies/wireguard-home-router.yaml", "--wg-keylog", file]),
    /--wg-keylog: refusing to overwrite .*notes.txt: it was not written by Tunnel Lab/,
  );
});
