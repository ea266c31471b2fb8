/**
 * tshark reads the PPTP lesson's captures as PPTP, enhanced GRE, PPP with MS-CHAPv2, CCP with MPPE and
 * MPPE data, with nothing malformed. Skips without tshark, except under CI=true.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { assertTsharkPresent, fieldValues, problems, skipWithoutTshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "tshark: the pptp-broken captures decode as PPTP, GRE, MS-CHAPv2, CCP/MPPE, 0 malformed",
  ignore: skipWithoutTshark,
  fn: async () => {
    assertTsharkPresent();
    const dir = await Deno.makeTempDir({ prefix: "tunnel-lab-pptp-" });
    try {
      const io: CliIo = { out: () => {}, err: () => {}, color: false };
      assert.equal(
        await runCli(["run", `${root}topologies/pptp-broken.yaml`, "--format", "json", "--pcap", dir], io),
        0,
      );
      const pcap = `${dir}/access.pcap`;
      assert.deepEqual(problems(pcap), []);
      const types = new Set(fieldValues(pcap, "pptp.control_message_type"));
      for (const name of ["1", "2", "7", "8", "12", "13", "15", "3", "4"]) {
        assert.ok(types.has(name), `PPTP type ${name}: ${[...types]}`);
      }
      assert.deepEqual(new Set(fieldValues(pcap, "gre.proto")), new Set(["0x880b"]));
      assert.ok(
        fieldValues(pcap, "lcp.opt.algorithm").includes("129"),
        "LCP offers CHAP algorithm 129 (MS-CHAP-2)",
      );
      const codes = new Set(fieldValues(pcap, "chap.code"));
      for (const c of ["1", "2", "3"]) assert.ok(codes.has(c), `CHAP code ${c}`);
      assert.ok(fieldValues(pcap, "ccp.opt.type").includes("18"), "CCP option 18 (Microsoft PPE)");
      assert.ok(
        fieldValues(pcap, "frame.protocols", "ppp.protocol == 0x00fd").every((p) =>
          p.endsWith("ppp:comp_data")
        ),
      );
      assert.equal(fieldValues(pcap, "frame.number", "ppp.protocol == 0x00fd").length, 6);
      // The inner pings never appear in clear on the access link.
      assert.equal(fieldValues(pcap, "frame.number", "icmp").length, 0);
      for (const other of ["office-wan.pcap", "backbone.pcap", "home-lan.pcap"]) {
        assert.deepEqual(problems(`${dir}/${other}`), [], other);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
