/**
 * tshark is the judge of every TCP lesson's captures: no malformed frame, no bad IP, UDP or TCP
 * checksum, and every TCP stream complete as tshark's conversation analysis sees it: a handshake, data
 * and a FIN; a handshake and a FIN (a bare `tcp connect`); or a SYN refused by a reset. A lesson about a
 * transfer that cannot finish may leave its data streams without the FIN, and one about a SYN a NAT
 * drops may show that SYN alone. tshark's "follow tcp.stream" of every data stream must give back as
 * many bytes in each direction as the sequence numbers span: no hole in any capture.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { assertTsharkPresent, CHECKSUM_PREFS, skipWithoutTshark, tshark } from "../helpers/tshark.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Lessons whose transfer stalls on purpose: their streams have a handshake and data, but no FIN. */
const STALLING = new Set<string>(["tcp-pmtu-black-hole.yaml"]);
/** Lessons where a SYN goes unanswered on purpose (a NAT drops it): its stream is only SYNs. */
const UNANSWERED = new Set<string>(["tcp-nat-tracks-connections.yaml"]);

/** tcp.completeness bits (Wireshark's packet-tcp.c): SYN 1, SYN-ACK 2, ACK 4, DATA 8, FIN 16, RST 32. */
const SYN = 1, SYN_ACK = 2, ACK = 4, DATA = 8, FIN = 16, RST = 32;
const HANDSHAKE = SYN | SYN_ACK | ACK;

/** Whether a stream's completeness bits tell a whole story. */
function complete(value: number, stalling: boolean, unanswered: boolean): boolean {
  const has = (bits: number) => (value & bits) === bits;
  if (unanswered && value === SYN) return true;
  if (has(SYN | RST) && !(value & SYN_ACK)) return true; // refused
  if (has(HANDSHAKE | FIN)) return true; // with or without data
  return stalling && has(HANDSHAKE | DATA);
}

function tcpLessons(): string[] {
  return [...Deno.readDirSync(`${root}topologies`)].map((e) => e.name)
    .filter((name) => name.startsWith("tcp-") && name.endsWith(".yaml")).sort();
}

/**
 * Bytes per stream and sending endpoint in tshark's reassembled streams (`-z follow,tcp,raw`, all
 * streams in one pass): node 0's data lines start at the margin, node 1's after a tab.
 */
function followBytes(pcap: string, streams: string[]): Map<string, Map<string, number>> {
  const result = new Map<string, Map<string, number>>();
  if (streams.length === 0) return result;
  const out = tshark(["-r", pcap, "-q", ...streams.flatMap((s) => ["-z", `follow,tcp,raw,${s}`])]);
  let bytes = new Map<string, number>();
  let nodes: string[] = [];
  for (const line of out.split("\n")) {
    const filter = /^Filter: tcp\.stream eq (\d+)$/.exec(line);
    if (filter) {
      bytes = new Map();
      nodes = [];
      result.set(filter[1], bytes);
      continue;
    }
    const node = /^Node ([01]): (.+)$/.exec(line);
    if (node) {
      nodes[Number(node[1])] = node[2];
      continue;
    }
    const data = /^(\t?)([0-9a-f]+)$/.exec(line);
    if (!data || nodes.length < 2) continue;
    const from = nodes[data[1] ? 1 : 0];
    bytes.set(from, (bytes.get(from) ?? 0) + data[2].length / 2);
  }
  return result;
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
            "-e",
            "ip.src",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.seq",
            "-e",
            "tcp.len",
          ]);
          // Per stream and sending endpoint: the end of the highest data segment (relative sequence
          // numbers start at 0 for the SYN, so data runs from 1 to this end).
          const spans = new Map<string, Map<string, number>>();
          for (const line of lines.split("\n").filter((l) => l.trim())) {
            const [stream, value, reset, src, srcPort, seq, len] = line.split("\t");
            if (stream === "") continue; // the TCP header quoted in an ICMP error belongs to no stream
            const ends = spans.get(stream) ?? new Map<string, number>();
            spans.set(stream, ends);
            const from = `${src.split(",").at(-1)}:${srcPort}`; // the innermost header when tunnelled
            // Only segments with data: after a FIN, the sequence number is one past the data's end.
            if (Number(len) > 0) ends.set(from, Math.max(ends.get(from) ?? 1, Number(seq) + Number(len)));
            // tshark 4.0 leaves the RST bit out of a refused SYN's completeness; take it from the flag.
            const resetBit = reset === "1" || reset === "True" ? RST : 0;
            completeness.set(stream, (completeness.get(stream) ?? 0) | Number(value) | resetBit); // the bits only accumulate
          }
          for (const [stream, value] of completeness) {
            streams++;
            assert.ok(
              complete(value, STALLING.has(lesson), UNANSWERED.has(lesson)),
              `${lesson} ${entry.name} stream ${stream}: completeness ${value}`,
            );
          }
          const data = STALLING.has(lesson)
            ? []
            : [...completeness].filter(([, v]) => v & DATA).map(([s]) => s);
          const followed = followBytes(pcap, data);
          for (const stream of data) {
            for (const [from, end] of spans.get(stream)!) {
              assert.equal(
                followed.get(stream)?.get(from) ?? 0,
                end - 1,
                `${lesson} ${entry.name} stream ${stream}: follow gives back what ${from} sent`,
              );
            }
          }
        }
      }
      assert.ok(streams >= tcpLessons().length, `only ${streams} TCP streams seen`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
