/**
 * tshark over every capture of every lesson (and of the sample topologies), written by the CLI's own
 * `--pcap` path: nothing may be malformed, no checksum may be wrong and no expert warning may fire.
 * This is the one sweep over all lessons; the other interop tests check what particular captures say.
 * Skips without tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { assertTsharkPresent, problems, skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

function topologyFiles(): string[] {
  const files: string[] = [];
  for (const folder of ["topologies", "tests/topology/good"]) {
    for (const entry of Deno.readDirSync(`${root}${folder}`)) {
      if (entry.isFile && entry.name.endsWith(".yaml")) files.push(`${root}${folder}/${entry.name}`);
    }
  }
  return files.sort();
}

Deno.test({
  name: "tshark: every pcap of every lesson decodes without a malformed packet, bad checksum or warning",
  ignore: skipWithoutTshark,
  fn: async () => {
    assertTsharkPresent();
    const dir = await Deno.makeTempDir({ prefix: "tunnel-lab-lessons-" });
    try {
      let pcaps = 0;
      for (const [i, file] of topologyFiles().entries()) {
        const err: string[] = [];
        const io: CliIo = { out: () => {}, err: (line) => err.push(line), color: false };
        const code = await runCli(["run", file, "--format", "json", "--pcap", `${dir}/${i}`], io);
        assert.equal(code, 0, `${file}: ${err.join("\n")}`);
        for (const pcap of Deno.readDirSync(`${dir}/${i}`)) {
          assert.deepEqual(problems(`${dir}/${i}/${pcap.name}`), [], `${file} ${pcap.name}: tshark flagged`);
          pcaps++;
        }
      }
      assert.ok(pcaps > 50, `only ${pcaps} captures were checked`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
