/**
 * The comparison `sim compare` prints and the view's Compare tab shows: the same home-to-office
 * network (a laptop behind a home router, an ISP, the office) run once per VPN protocol that exists
 * here, and one table of what was measured, not asserted: messages and round trips on the access link
 * until the first inner ping comes back, the bytes each protocol adds to a 64- and a 1,400-byte inner
 * packet, TCP goodput through the tunnel over a 10 Mbit/s access link, which NAT presets, passthrough
 * settings and a TCP-443-only firewall it crosses, what a tap on the access link can read, and which
 * keys an attacker needs. Each protocol's network is its lesson in topologies/ (the table in
 * cases.ts), with the script replaced by the same measuring script; every cell names the run that
 * produced it, and the table keeps each run's topology, seed included, so running it reproduces the
 * cell. Pure: the lesson texts come in through `read`, so the CLI and a browser worker share it.
 */
import { formatDuration, type Micros, SECOND } from "../engine/time.ts";
import { simulate } from "../sim.ts";
import { formatTopologyError, loadTopology } from "../topology/load.ts";
import type { TraceRecord } from "../trace/record.ts";
import { PRESET_NAMES } from "../stack/nat/config.ts";
import { CASES, type ProtocolCase, variant, type VariantEdit } from "./cases.ts";

/** Not built yet, so not in the table (the comparison says so instead of guessing). */
export const NOT_MEASURED = [
  "SSTP: left out, since it needs real TLS 1.3 and there is none here (no fake TLS)",
];

/** A measured value and the run that produced it (a file name in `runs`, empty for design facts). */
export interface CompareCell {
  text: string;
  run: string;
  /** The record of that run that shows the value (the reply, the packet, iperf's report), if one does. */
  at?: number;
}

/** The comparison: one column per protocol, one row per measure, and every run's topology by name. */
export interface CompareTable {
  protocols: string[];
  rows: { label: string; cells: CompareCell[] }[];
  seed: number;
  /** The topology of each run, with its seed, by file name (what `--runs DIR` writes). */
  runs: Record<string, string>;
}

const INNER_SMALL = 64;
const INNER_LARGE = 1400;
const ICMP_AND_IP = 28;
const HOME_PUBLIC = [198, 51, 100, 2];
const SMALL_AT = 20 * SECOND;
const LARGE_AT = 22 * SECOND;
const GOODPUT_AT = 6 * SECOND;
const GOODPUT_TIME = 3 * SECOND;

function script(c: ProtocolCase): string[] {
  return [
    ...(c.connect ? [c.connect] : []),
    "{ at: 1s, node: laptop, do: ping 10.10.0.5 count 30 interval 500ms }",
    `{ at: ${SMALL_AT / SECOND}s, node: laptop, do: ping 10.10.0.5 count 1 size ${
      INNER_SMALL - ICMP_AND_IP
    } }`,
    `{ at: ${LARGE_AT / SECOND}s, node: laptop, do: ping 10.10.0.5 count 1 size ${
      INNER_LARGE - ICMP_AND_IP
    } }`,
  ];
}

function goodputScript(c: ProtocolCase): string[] {
  return [
    ...(c.connect ? [c.connect] : []),
    `{ at: 5s, node: server, do: iperf server }`,
    `{ at: ${GOODPUT_AT / SECOND}s, node: laptop, do: iperf client 10.10.0.5 time ${
      GOODPUT_TIME / SECOND
    }s }`,
  ];
}

function run(text: string, label: string, seed: number | undefined): TraceRecord[] {
  const loaded = loadTopology(text, label);
  if (!loaded.ok) throw new Error(`${label}: ${loaded.errors.map(formatTopologyError).join("; ")}`);
  return simulate(loaded.model, { seed }).records;
}

/** The sender's goodput as iperf reports it at the end, or why there is none. */
function goodput(records: TraceRecord[]): { text: string; at?: number } {
  const done = records.find((r) =>
    r.kind === "app" && r.node === "laptop" && r.detail?.tool === "iperf" && r.detail?.role === "sender" &&
    typeof r.detail?.bitsPerSecond === "number"
  );
  if (!done) return { text: "no transfer" };
  return { text: `${((done.detail!.bitsPerSecond as number) / 1e6).toFixed(2)} Mbit/s`, at: done.seq };
}

const outbound = (r: TraceRecord) => HOME_PUBLIC.every((b, i) => r.bytes?.[12 + i] === b);
const onAccess = (records: TraceRecord[]) => records.filter((r) => r.kind === "tx" && r.link === "access");

function firstReply(records: TraceRecord[]): TraceRecord | undefined {
  return records.find((r) =>
    r.kind === "app" && r.node === "laptop" && r.summary.includes("bytes from 10.10.0.5")
  );
}

/** Messages and round trips (outbound runs answered by inbound ones) on the access link until `until`. */
function handshakeCost(records: TraceRecord[], until: Micros): { messages: number; roundTrips: number } {
  // Pings that leave before the tunnel exists travel in the clear and are no part of any protocol.
  const packets = onAccess(records).filter((r) => r.t <= until && r.proto !== "ICMP");
  let roundTrips = 0;
  for (let i = 1; i < packets.length; i++) {
    if (outbound(packets[i - 1]) && !outbound(packets[i])) roundTrips++;
  }
  return { messages: packets.length, roundTrips };
}

/** Bytes on the access link for one inner packet of `inner` bytes sent at `at` (all its fragments). */
function overhead(records: TraceRecord[], at: Micros, inner: number): { text: string; at?: number } {
  const sent = onAccess(records).filter((r) => outbound(r) && r.t >= at && r.t < at + 50_000);
  if (sent.length === 0) return { text: "not sent" };
  const total = sent.reduce((sum, r) => sum + (r.bytes?.length ?? 0), 0);
  return {
    text: `${total - inner} B${sent.length > 1 ? ` (${sent.length} fragments)` : ""}`,
    at: sent[0].seq,
  };
}

/** The passthrough switches each protocol's home router is run with, one at a time. */
const NAT_LINES = ["l2tp-passthrough: off", "ipsec-passthrough: off", "pptp-passthrough: off"];

/** How many runs the comparison makes: per protocol the base run, goodput, each preset, each switch, 443. */
export const COMPARE_RUNS = CASES.length * (2 + PRESET_NAMES.length + NAT_LINES.length + 1);

/** Called after each run with how many are done, of how many, and the run's name. */
export type CompareProgress = (done: number, total: number, run: string) => void;

/**
 * Runs every protocol and measures; pure apart from `read` (and `progress`, told after each run), and
 * the same for the same seed.
 */
export function compareProtocols(
  read: (file: string) => string,
  seed?: number,
  progress?: CompareProgress,
): CompareTable {
  const rows = new Map<string, CompareCell[]>();
  const runs: Record<string, string> = {};
  const add = (label: string, cell: CompareCell) => rows.set(label, [...(rows.get(label) ?? []), cell]);
  let usedSeed = seed ?? 0;
  for (const c of CASES) {
    const lesson = (c.edit ?? ((t: string) => t))(read(c.file));
    usedSeed = seed ?? Number(/^seed: (\d+)/m.exec(lesson)?.[1] ?? 1);
    const base = c.file.replace(/\.yaml$/, "");
    /** Runs one variant, keeps its topology (seed written in) under a name, and returns the records. */
    const measure = (what: string, text: string): { records: TraceRecord[]; run: string } => {
      const name = `${base}${what ? `-${what.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "")}` : ""}.yaml`;
      runs[name] = text.replace(/^seed: .*$/m, `seed: ${usedSeed}`);
      const records = run(text, name, seed);
      progress?.(Object.keys(runs).length, COMPARE_RUNS, name);
      return { records, run: name };
    };
    const first = measure("", variant(lesson, script(c)));
    const baseRecords = first.records;
    const where = first.run;
    const reply = firstReply(baseRecords);
    if (reply === undefined) {
      add("first inner ping answered", { text: "never", run: where });
    } else {
      const cost = handshakeCost(baseRecords, reply.t);
      const at = reply.seq;
      add("first inner ping answered", {
        text: `${formatDuration(reply.t - SECOND)} after start`,
        run: where,
        at,
      });
      add("messages until then (access link)", { text: String(cost.messages), run: where, at });
      add("round trips until then", { text: String(cost.roundTrips), run: where, at });
    }
    add(`overhead, ${INNER_SMALL}-byte packet`, {
      ...overhead(baseRecords, SMALL_AT, INNER_SMALL),
      run: where,
    });
    add(`overhead, ${INNER_LARGE}-byte packet`, {
      ...overhead(baseRecords, LARGE_AT, INNER_LARGE),
      run: where,
    });
    const speed = measure(
      "goodput",
      variant(
        lesson,
        goodputScript(c),
        { accessBandwidth: "10Mbps" },
        `${(GOODPUT_AT + GOODPUT_TIME) / SECOND + 2}s`,
      ),
    );
    add("TCP goodput, 10 Mbit/s access link", { ...goodput(speed.records), run: speed.run });
    const access = onAccess(baseRecords);
    // Plain pings sent before a tunnel is up are the laptop's own, not an inner packet: skip them.
    const readable = access.find((r) => r.proto !== "ICMP" && /ICMP echo/.test(r.summary));
    add("tap on the access link reads the inner ping", {
      text: readable ? "yes" : "no",
      run: where,
      at: readable?.seq,
    });
    const names = access.find((r) => /CHAP Response .*name|PAP/.test(r.summary));
    add("tap reads the user name", { text: names ? "yes" : "no", run: where, at: names?.seq });
    const crosses = (label: string, what: string, edit: VariantEdit, words: [string, string]) => {
      const result = measure(what, variant(lesson, script(c), edit));
      const reply = firstReply(result.records);
      add(label, { text: reply ? words[0] : words[1], run: result.run, at: reply?.seq });
    };
    for (const preset of PRESET_NAMES) {
      crosses(`crosses NAT preset ${preset}`, `preset ${preset}`, { preset }, ["yes", "no"]);
    }
    for (const natLine of NAT_LINES) {
      crosses(`home router with ${natLine}`, natLine, { natLine }, ["crosses", "blocked"]);
    }
    crosses("a firewall that lets out only TCP 443", "only 443", { only443: true }, ["crosses", "blocked"]);
    add("an attacker on the path needs", { text: c.keys, run: "" });
  }
  return {
    protocols: CASES.map((c) => c.name),
    rows: [...rows].map(([label, cells]) => ({ label, cells })),
    seed: usedSeed,
    runs,
  };
}
