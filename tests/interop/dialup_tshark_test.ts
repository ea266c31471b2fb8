/** tshark reads the dial-up line's capture (linktype PPP) as the PPP the subscriber and the LAC spoke. */
import assert from "node:assert/strict";
import { assertTsharkPresent, fieldValues, skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "tshark: the compulsory lesson's dial-up line carries LCP, CHAP, IPCP and the pings as PPP",
  ignore: skipWithoutTshark,
  fn() {
    assertTsharkPresent();
    const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-dialup-" });
    try {
      const out = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${root}src/cli/main.ts`,
          "run",
          "topologies/l2tp-compulsory.yaml",
          "--pcap",
          dir,
        ],
        cwd: root,
        stdout: "null",
        stderr: "piped",
      }).outputSync();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const line = `${dir}/bob-pc_isp.pcap`;
      assert.deepEqual(fieldValues(line, "frame.protocols", "frame.number == 1"), ["ppp:lcp"]);
      // RFC 1994: Challenge (1) from the LAC, Response (2) from the PC, then Success (3).
      assert.deepEqual(fieldValues(line, "chap.code", "chap"), ["1", "2", "3"]);
      assert.deepEqual(fieldValues(line, "chap.name", "chap.code == 2"), ["bob@corp.example"]);
      assert.ok(fieldValues(line, "ipcp.opt.ip_address", "ipcp").length > 0, "IPCP negotiates an address");
      const echo = fieldValues(line, "icmp.type", "icmp");
      assert.ok(echo.includes("8") && echo.includes("0"), "the pings cross the line inside PPP");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
