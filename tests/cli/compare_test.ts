/**
 * `sim compare` measures: the WireGuard column agrees with the protocol's arithmetic (one round trip of
 * handshake; 20 + 8 + 16 + 16 bytes plus padding to 16), cleartext L2TP shows the tap the inner ping
 * and the user name while the encrypted ones do not, each passthrough switch blocks exactly its own
 * protocol, and the same seed gives the same table.
 */
import assert from "node:assert/strict";
import { formatCompareTable } from "../../src/cli/compare.ts";
import { compareProtocols, type CompareTable } from "../../src/compare/measure.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { fastRun } from "../helpers/fast_run.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const read = (file: string) => Deno.readTextFileSync(`${dir}${file}`);
let table: CompareTable | undefined;
/** One comparison for both tests (it is 55 runs). */
const measured = () => table ??= compareProtocols(read);

Deno.test("compare: measured cells, and the same table for the same seed", () => {
  const table = measured();
  assert.deepEqual(table.protocols, ["L2TP", "L2TP/IPsec", "WireGuard", "IKEv2", "PPTP"]);
  const all = (label: string) => table.rows.find((r) => r.label === label)!.cells.map((c) => c.text);
  // The IKEv2 column (index 3) is the ikev2 helper's to assert; these checks read the others.
  const row = (label: string) => all(label).filter((_, i) => i !== 3);
  assert.deepEqual(row("messages until then (access link)")[2], "4", "initiation, response, ping, reply");
  assert.deepEqual(row("round trips until then")[2], "2");
  // IP 20 + UDP 8 + WireGuard header 16 + tag 16; 1,400 bytes are padded to 1,408.
  assert.equal(row("overhead, 64-byte packet")[2], "60 B");
  assert.equal(row("overhead, 1400-byte packet")[2], "68 B");
  // PPTP: IP 20 + GRE 12 (Key and Sequence; no acknowledgment pending) + PPP 4 + MPPE header 2 + the
  // encrypted inner protocol field 2, whatever the payload size (RC4 is a stream cipher).
  assert.equal(row("overhead, 64-byte packet")[3], "40 B");
  assert.equal(row("overhead, 1400-byte packet")[3], "40 B");
  assert.deepEqual(row("tap on the access link reads the inner ping"), ["yes", "no", "no", "no"]);
  // MS-CHAPv2's Response carries the user name in clear, as CHAP's does.
  assert.deepEqual(row("tap reads the user name"), ["yes", "no", "no", "yes"]);
  assert.deepEqual(row("home router with l2tp-passthrough: off"), [
    "blocked",
    "crosses",
    "crosses",
    "crosses",
  ]);
  assert.deepEqual(row("home router with ipsec-passthrough: off"), [
    "crosses",
    "blocked",
    "crosses",
    "crosses",
  ]);
  assert.deepEqual(row("home router with pptp-passthrough: off"), [
    "crosses",
    "crosses",
    "crosses",
    "blocked",
  ]);
  // None of these runs over TCP 443 (SSTP would), so the firewall stops them all.
  assert.deepEqual(row("a firewall that lets out only TCP 443"), [
    "blocked",
    "blocked",
    "blocked",
    "blocked",
  ]);
  const only443 = table.rows.find((r) => r.label === "a firewall that lets out only TCP 443")!.cells[4].run;
  assert.match(table.runs[only443], /kind: firewall\n {4}inside: \[sub0\]\n {4}policy: drop/);
  // Goodput under the 10 Mbit/s line rate, and lower where each packet carries more overhead.
  const speeds = row("TCP goodput, 10 Mbit/s access link").map((t) =>
    Number(/^([\d.]+) Mbit\/s$/.exec(t)![1])
  );
  for (const s of speeds) assert.ok(s > 5 && s < 10, `${s} Mbit/s`);
  assert.ok(speeds[1] < speeds[0], "L2TP/IPsec's 88 bytes a packet cost more than L2TP's 38");
  const goodputRun = table.rows.find((r) => r.label.startsWith("TCP goodput"))!.cells[0].run;
  assert.match(table.runs[goodputRun], /name: access, .*bandwidth: 10Mbps \}/);
  assert.match(table.runs[goodputRun], /^seed: \d+$/m);
  const [l2tp, ipsec, wg] = row("messages until then (access link)").map(Number);
  assert.ok(l2tp > wg && ipsec > l2tp, "IPsec adds IKE to L2TP's setup; WireGuard needs the fewest");
  // The repeat is 55 more runs; the inner loop (fast_run.ts) leaves it to the full suite.
  if (!fastRun) assert.deepEqual(compareProtocols(read), table, "the same seed gives the same table");
  const text = formatCompareTable(table).join("\n");
  assert.match(text, /Not measured:\n {2}SSTP/);
  assert.match(text, /crosses NAT preset symmetric: .*PPTP pptp-broken-preset-symmetric\.yaml/);
});

Deno.test("compare: the comparison lesson quotes sim compare's own figures, and its verdicts hold", () => {
  const table = measured();
  const loaded = loadTopology(read("vpn-claims-measured.yaml"), "vpn-claims-measured.yaml");
  assert.ok(loaded.ok);
  const lesson = loaded.model.lesson!;
  const answers = (lesson.answers ?? []).map((a) => a?.text ?? "");
  const text = [lesson.story, ...lesson.questions, ...answers].join(" ");
  const cell = (label: string, protocol: string) =>
    table.rows.find((r) => r.label === label)!.cells[table.protocols.indexOf(protocol)].text;
  const mbit = (protocol: string) => Number.parseFloat(cell("TCP goodput, 10 Mbit/s access link", protocol));
  const quoted = [
    ...["L2TP/IPsec", "IKEv2"].map((p) => `${p} ${cell("overhead, 1400-byte packet", p)}`),
    `PPTP ${cell("overhead, 64-byte packet", "PPTP")}`,
    ...["L2TP/IPsec", "IKEv2", "WireGuard", "PPTP"].map((p) => `${p} ${mbit(p).toFixed(2)} Mbit/s`),
    ...["L2TP/IPsec", "IKEv2", "WireGuard"].map((p) =>
      `${p} ${cell("messages until then (access link)", p)} messages`
    ),
    `${mbit("L2TP/IPsec").toFixed(2)} against ${mbit("IKEv2").toFixed(2)}`,
    `${cell("messages until then (access link)", "L2TP/IPsec")} messages and ${
      cell("round trips until then", "L2TP/IPsec")
    } round trips against ${cell("messages until then (access link)", "IKEv2")} and ${
      cell("round trips until then", "IKEv2")
    }`,
  ];
  for (const q of quoted) assert.ok(text.includes(q), `the lesson should quote "${q}"`);
  assert.equal(
    cell("overhead, 1400-byte packet", "PPTP"),
    cell("overhead, 64-byte packet", "PPTP"),
    "any packet",
  );
  // The verdicts built on those figures.
  assert.ok((mbit("IKEv2") - mbit("L2TP/IPsec")) / mbit("IKEv2") < 0.02, "under 2 percent");
  for (const p of ["L2TP/IPsec", "IKEv2", "WireGuard"]) assert.ok(mbit("PPTP") > mbit(p), `PPTP beats ${p}`);
  assert.ok(text.includes("behind PPTP") && mbit("WireGuard") < mbit("PPTP"));
  const firstPing = table.rows.find((r) => r.label === "messages until then (access link)")!.cells.map((c) =>
    Number(c.text)
  );
  assert.equal(Math.min(...firstPing), firstPing[table.protocols.indexOf("WireGuard")], "fastest to connect");
  const firewall = table.rows.find((r) => r.label === "a firewall that lets out only TCP 443")!;
  assert.equal(firewall.cells.length, 5);
  assert.ok(text.includes("blocks all five") && firewall.cells.every((c) => c.text === "blocked"));
  assert.ok(text.includes("seed 1") && table.seed === 1);
});
