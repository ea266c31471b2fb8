/**
 * tshark is the judge of every TCP lesson's captures: no malformed frame, no bad IP, UDP or TCP
 * checksum, and every TCP stream complete as tshark's conversation analysis sees it (SYN, SYN-ACK,
 * ACK, data, and a FIN) unless the lesson is about a transfer that cannot finish.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { assertTsharkPresent, CHECKSUM_PREFS, skipWithoutTshark, tshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Lessons whose transfer stalls on purpose: their streams have a handshake and data, but no FIN. */
const STALLING = new Set<string>(["tcp-pmtu-black-hole.yaml"]);

/** tcp.completeness bits (Wireshark's packet-tcp.c): SYN 1, SYN-ACK 2, ACK 4, DATA 8, FIN 16, RST 32. */
const HANDSHAKE_AND_DATA = 1 | 2 | 4 | 8;
const FIN = 16;

function tcpLessons(): string[] {
  return [...Deno.readDirSync(`${root}topologies`)].map((e) => e.name)
    .filter((name) => name.startsWith("tcp-") && name.endsWith(".yaml")).sort();
}

Deno.test({
  name: "tshark: TCP lesson captures have no malformed frame, no bad checksum, and complete streams",
  ignore: skipWithoutTshark,
  fn: async () => {
    assertTsharkPresent();
    const dir = await Deno.makeTempDir({ prefix: "tunnel-lab-tcp-" });
    try {
      let streams = 0;
      for (const lesson of tcpLessons()) {
        const out = `${dir}/${lesson}`;
        const err: string[] = [];
        const io: CliIo = { out: () => {}, err: (line) => err.push(line), color: false };
        assert.equal(
          await runCli(["run", `${root}topologies/${lesson}`, "--pcap", out], io),
          0,
          err.join("\n"),
        );
        for (const entry of Deno.readDirSync(out)) {
          const pcap = `${out}/${entry.name}`;
          const bad = tshark([
            "-r",
            pcap,
            ...CHECKSUM_PREFS,
            "-Y",
            "_ws.malformed || ip.checksum.status == 2 || udp.checksum.status == 2 || tcp.checksum.status == 2",
          ]).trim();
          assert.equal(bad, "", `${lesson} ${entry.name}: malformed or bad checksum`);
          const completeness = new Map<string, number>();
          const lines = tshark([
            "-r",
            pcap,
            "-Y",
            "tcp",
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.completeness",
          ]);
          for (const line of lines.split("\n").filter((l) => l.trim())) {
            const [stream, value] = line.split("\t");
            completeness.set(stream, Math.max(completeness.get(stream) ?? 0, Number(value)));
          }
          for (const [stream, value] of completeness) {
            streams++;
            const want = STALLING.has(lesson) ? HANDSHAKE_AND_DATA : HANDSHAKE_AND_DATA | FIN;
            assert.equal(
              value & want,
              want,
              `${lesson} ${entry.name} stream ${stream}: completeness ${value}`,
            );
          }
        }
      }
      assert.ok(streams >= tcpLessons().length, `only ${streams} TCP streams seen`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
