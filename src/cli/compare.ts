/**
 * `sim compare`: the same home-to-office network (a laptop behind a home router, an ISP, the office)
 * run once per VPN protocol that exists here, and one table of what was measured, not asserted:
 * messages and round trips on the access link until the first inner ping comes back, the bytes each
 * protocol adds to a 64- and a 1,400-byte inner packet, which NAT presets and passthrough settings it
 * crosses, what a tap on the access link can read, and which keys an attacker needs. Each protocol's
 * network is its lesson in topologies/, with the script replaced by the same measuring script; every
 * cell names the variant and seed that produced it, so `sim run` can reproduce it.
 */
import { parseArgs } from "node:util";
import { formatDuration, type Micros, SECOND } from "../engine/time.ts";
import { simulate } from "../sim.ts";
import { formatTopologyError, loadTopology } from "../topology/load.ts";
import type { TraceRecord } from "../trace/record.ts";
import { PRESET_NAMES } from "../stack/nat/config.ts";
import { BadInput } from "./run.ts";

/** One protocol: its lesson, how to bring the tunnel up, and what an attacker needs (not measurable). */
interface ProtocolCase {
  name: string;
  file: string;
  /** The script line that starts the tunnel at 1 s, if the protocol needs one. */
  connect?: string;
  /** Edits to the lesson beyond the script (WireGuard: no persistent keepalive, so the ping starts it). */
  edit?: (text: string) => string;
  keys: string;
}

const CASES: readonly ProtocolCase[] = [
  {
    name: "L2TP",
    file: "l2tp-voluntary.yaml",
    connect: "{ at: 1s, node: laptop, do: vpn connect office }",
    keys: "nothing (cleartext)",
  },
  {
    name: "L2TP/IPsec",
    file: "ipsec-nat-t-fixes-it.yaml",
    connect: "{ at: 1s, node: laptop, do: vpn connect office }",
    keys: "the IPsec PSK",
  },
  {
    name: "WireGuard",
    file: "wireguard-home-router.yaml",
    edit: (text) => text.replace(/persistent-keepalive: \S+/g, "persistent-keepalive: off"),
    keys: "a static private key",
  },
  {
    name: "IKEv2",
    file: "ikev2-road-warrior.yaml",
    // It dials at 1 s as the others start; with no trap policy the ping of that instant leaves in clear.
    edit: (text) => text.replace("gateway: 203.0.113.10\n", "gateway: 203.0.113.10\n      start: 1s\n"),
    keys: "the IKEv2 PSK",
  },
];

/** Not built yet, so not in the table (the comparison says so instead of guessing). */
export const NOT_MEASURED = [
  "PPTP and SSTP: no stack yet",
  "goodput over a 10 Mbit/s link: needs a TCP transfer through each tunnel (not wired into compare yet)",
  "a firewall that allows only TCP 443: no firewall kind yet",
];

/** A measured value and the run that produced it. */
export interface CompareCell {
  text: string;
  run: string;
}

/** The comparison: one column per protocol, one row per measure. */
export interface CompareTable {
  protocols: string[];
  rows: { label: string; cells: CompareCell[] }[];
  seed: number;
}

const INNER_SMALL = 64;
const INNER_LARGE = 1400;
const ICMP_AND_IP = 28;
const HOME_PUBLIC = [198, 51, 100, 2];
const SMALL_AT = 20 * SECOND;
const LARGE_AT = 22 * SECOND;

/** A variant of a lesson: the script replaced (expectations go with it), presets and settings edited. */
function variant(text: string, script: string[], edit: { preset?: string; natLine?: string } = {}): string {
  // The lesson's story and checks speak of the lesson's own script, so they go with it.
  let out = text.slice(0, text.search(/^script:/m)).replace(/^lesson:\n(?:[ \t].*\n|\n)*/m, "");
  if (edit.preset) out = out.replace(/preset: home-router/, `preset: ${edit.preset}`);
  if (edit.natLine) {
    out = out.replace(
      /^(\s*)preset: (\S+)$/m,
      (_m, indent, p) => `${indent}preset: ${p}\n${indent}${edit.natLine}`,
    );
  }
  out = out.replace(/^duration: .*$/m, "duration: 25s");
  return `${out}script:\n${script.map((line) => `  - ${line}`).join("\n")}\n`;
}

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

function run(text: string, label: string, seed: number | undefined): TraceRecord[] {
  const loaded = loadTopology(text, label);
  if (!loaded.ok) throw new Error(`${label}: ${loaded.errors.map(formatTopologyError).join("; ")}`);
  return simulate(loaded.model, { seed }).records;
}

const outbound = (r: TraceRecord) => HOME_PUBLIC.every((b, i) => r.bytes?.[12 + i] === b);
const onAccess = (records: TraceRecord[]) => records.filter((r) => r.kind === "tx" && r.link === "access");

function firstReply(records: TraceRecord[]): Micros | undefined {
  return records.find((r) =>
    r.kind === "app" && r.node === "laptop" && r.summary.includes("bytes from 10.10.0.5")
  )
    ?.t;
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
function overhead(records: TraceRecord[], at: Micros, inner: number): string {
  const sent = onAccess(records).filter((r) => outbound(r) && r.t >= at && r.t < at + 50_000);
  if (sent.length === 0) return "not sent";
  const total = sent.reduce((sum, r) => sum + (r.bytes?.length ?? 0), 0);
  return `${total - inner} B${sent.length > 1 ? ` (${sent.length} fragments)` : ""}`;
}

/** Runs every protocol and measures; pure apart from `read`, and the same for the same seed. */
export function compareProtocols(read: (file: string) => string, seed?: number): CompareTable {
  const rows = new Map<string, CompareCell[]>();
  const add = (label: string, cell: CompareCell) => rows.set(label, [...(rows.get(label) ?? []), cell]);
  let usedSeed = seed ?? 0;
  for (const c of CASES) {
    const lesson = (c.edit ?? ((t: string) => t))(read(c.file));
    usedSeed = seed ?? Number(/^seed: (\d+)/m.exec(lesson)?.[1] ?? 1);
    const where = (what: string) => `${c.file}${what ? `, ${what}` : ""}, seed ${usedSeed}`;
    const base = run(variant(lesson, script(c)), c.file, seed);
    const reply = firstReply(base);
    if (reply === undefined) {
      add("first inner ping answered", { text: "never", run: where("") });
    } else {
      const cost = handshakeCost(base, reply);
      add("first inner ping answered", {
        text: `${formatDuration(reply - SECOND)} after start`,
        run: where(""),
      });
      add("messages until then (access link)", { text: String(cost.messages), run: where("") });
      add("round trips until then", { text: String(cost.roundTrips), run: where("") });
    }
    add(`overhead, ${INNER_SMALL}-byte packet`, {
      text: overhead(base, SMALL_AT, INNER_SMALL),
      run: where(""),
    });
    add(`overhead, ${INNER_LARGE}-byte packet`, {
      text: overhead(base, LARGE_AT, INNER_LARGE),
      run: where(""),
    });
    const access = onAccess(base);
    // Plain pings sent before a tunnel is up are the laptop's own, not an inner packet: skip them.
    const readable = access.some((r) => r.proto !== "ICMP" && /ICMP echo/.test(r.summary));
    add("tap on the access link reads the inner ping", { text: readable ? "yes" : "no", run: where("") });
    const names = access.some((r) => /CHAP Response .*name|PAP/.test(r.summary));
    add("tap reads the user name", { text: names ? "yes" : "no", run: where("") });
    for (const preset of PRESET_NAMES) {
      const records = run(variant(lesson, script(c), { preset }), c.file, seed);
      add(`crosses NAT preset ${preset}`, {
        text: firstReply(records) !== undefined ? "yes" : "no",
        run: where(`preset ${preset}`),
      });
    }
    for (const natLine of ["l2tp-passthrough: off", "ipsec-passthrough: off"]) {
      const records = run(variant(lesson, script(c), { natLine }), c.file, seed);
      add(`home router with ${natLine}`, {
        text: firstReply(records) !== undefined ? "crosses" : "blocked",
        run: where(natLine),
      });
    }
    add("an attacker on the path needs", { text: c.keys, run: "" });
  }
  return {
    protocols: CASES.map((c) => c.name),
    rows: [...rows].map(([label, cells]) => ({ label, cells })),
    seed: usedSeed,
  };
}

/** The table as aligned text, then what each cell came from and what is not measured. */
export function formatCompareTable(table: CompareTable): string[] {
  const header = ["", ...table.protocols];
  const body = table.rows.map((row) => [row.label, ...row.cells.map((c) => c.text)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => (line[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const runs = new Map<string, string[]>();
  for (const cell of table.rows.flatMap((row) => row.cells)) {
    const [file, ...what] = cell.run.split(", ");
    if (!file) continue;
    const variants = runs.get(file) ?? [];
    const name = what.filter((w) => !w.startsWith("seed ")).join(", ") || "as measured";
    if (!variants.includes(name)) variants.push(name);
    runs.set(file, variants);
  }
  return [
    line(header),
    ...body.map(line),
    "",
    `Runs, seed ${table.seed} (each lesson with its script replaced by the measuring one; the attacker row is`,
    "from each protocol's design, not a run):",
    ...[...runs].map(([file, variants]) => `  ${file}: ${variants.join("; ")}`),
    "Not measured:",
    ...NOT_MEASURED.map((m) => `  ${m}`),
  ];
}

/** `compare [--dir DIR] [--seed N] [--format text|json]`. Returns the exit code; throws `BadInput` on bad arguments. */
export async function compareCommand(
  args: string[],
  io: { out(line: string): void; err(line: string): void },
): Promise<number> {
  let values: { dir?: string; seed?: string; format?: string };
  try {
    values = parseArgs({
      args,
      options: { dir: { type: "string" }, seed: { type: "string" }, format: { type: "string" } },
      strict: true,
    }).values;
  } catch (e) {
    throw new BadInput(`${e instanceof Error ? e.message.split(". To specify")[0] : String(e)}; see --help`);
  }
  if (values.seed !== undefined && (!/^\d+$/.test(values.seed) || Number(values.seed) > 0xffffffff)) {
    throw new BadInput(`--seed ${values.seed}: expected a whole number from 0 to 4294967295`);
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  const format = values.format ?? "text";
  if (format !== "text" && format !== "json") throw new BadInput(`--format ${format}: expected text or json`);
  const dir = values.dir ?? "topologies";
  const texts = new Map<string, string>();
  for (const c of CASES) {
    try {
      texts.set(c.file, await Deno.readTextFile(`${dir}/${c.file}`));
    } catch {
      io.err(`error: compare needs ${dir}/${c.file} (the ${c.name} lesson); give --dir with the lessons`);
      return 2;
    }
  }
  const table = compareProtocols((file) => texts.get(file)!, seed);
  if (format === "json") io.out(JSON.stringify(table));
  else for (const l of formatCompareTable(table)) io.out(l);
  return 0;
}
