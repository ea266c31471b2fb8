/**
 * tshark is the judge of every TCP lesson's captures: no malformed frame, no bad IP, UDP or TCP
 * checksum, and every TCP stream complete as tshark's conversation analysis sees it: a handshake, data
 * and a FIN; a handshake and a FIN (a bare `tcp connect`); or a SYN refused by a reset. A lesson about a
 * transfer that cannot finish may leave its data streams without the FIN.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { assertTsharkPresent, CHECKSUM_PREFS, skipWithoutTshark, tshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Lessons whose transfer stalls on purpose: their streams have a handshake and data, but no FIN. */
const STALLING = new Set<string>(["tcp-pmtu-black-hole.yaml"]);

/** tcp.completeness bits (Wireshark's packet-tcp.c): SYN 1, SYN-ACK 2, ACK 4, DATA 8, FIN 16, RST 32. */
const SYN = 1, SYN_ACK = 2, ACK = 4, DATA = 8, FIN = 16, RST = 32;
const HANDSHAKE = SYN | SYN_ACK | ACK;

/** Whether a stream's completeness bits tell a whole story. */
function complete(value: number, stalling: boolean): boolean {
  const has = (bits: number) => (value & bits) === bits;
  if (has(SYN | RST) && !(value & SYN_ACK)) return true; // refused
  if (has(HANDSHAKE | FIN)) return true; // with or without data
  return stalling && has(HANDSHAKE | DATA);
}

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
            "-e",
            "tcp.flags.reset",
          ]);
          for (const line of lines.split("\n").filter((l) => l.trim())) {
            const [stream, value, reset] = line.split("\t");
            // tshark 4.0 leaves the RST bit out of a refused SYN's completeness; take it from the flag.
            const resetBit = reset === "1" || reset === "True" ? RST : 0;
            completeness.set(stream, (completeness.get(stream) ?? 0) | Number(value) | resetBit); // the bits only accumulate
          }
          for (const [stream, value] of completeness) {
            streams++;
            assert.ok(
              complete(value, STALLING.has(lesson)),
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
