/**
 * `run --wg-keylog FILE` writes the key log tshark's `wg.keylog_file` reads, and never replaces a
 * file the user wrote.
 */
import assert from "node:assert/strict";
import { assertTsharkPresent, fieldValues, skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

function cli(args: string[]): { code: number; stderr: string } {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}src/cli/main.ts`, ...args],
    stdout: "null",
    stderr: "piped",
    cwd: root,
  }).outputSync();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name: "cli --wg-keylog: tshark decrypts the WireGuard lesson's pings with the written key log",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-wg-" });
    try {
      const keylog = `${dir}/wg.keys`;
      const run = cli(["run", "topologies/wireguard-home-router.yaml", "--pcap", dir, "--wg-keylog", keylog]);
      assert.equal(run.code, 0, run.stderr);
      const text = Deno.readTextFileSync(keylog);
      assert.match(text, /^LOCAL_EPHEMERAL_PRIVATE_KEY = [A-Za-z0-9+/]{43}=$/m);
      const options = ["-o", `wg.keylog_file:${keylog}`, "-o", "wg.dissect_packet:TRUE"];
      const echo = fieldValues(`${dir}/access.pcap`, "icmp.type", "icmp", options);
      assert.deepEqual(echo, ["8", "0", "8", "0", "8", "0"]);
      // Run again: our own file is replaced without complaint.
      assert.equal(cli(["run", "topologies/wireguard-home-router.yaml", "--wg-keylog", keylog]).code, 0);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("cli --wg-keylog refuses to overwrite a file it did not write", () => {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-wg-" });
  try {
    const mine = `${dir}/notes.txt`;
    Deno.writeTextFileSync(mine, "my notes\n");
    const run = cli(["run", "topologies/wireguard-home-router.yaml", "--wg-keylog", mine]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /--wg-keylog: refusing to overwrite .*notes.txt: it was not written by Tunnel Lab/,
    );
    assert.equal(Deno.readTextFileSync(mine), "my notes\n");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
