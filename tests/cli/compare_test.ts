/**
 * `sim compare` measures: the WireGuard column agrees with the protocol's arithmetic (one round trip of
 * handshake; 20 + 8 + 16 + 16 bytes plus padding to 16), cleartext L2TP shows the tap the inner ping
 * and the user name while the encrypted ones do not, each passthrough switch blocks exactly its own
 * protocol, and the same seed gives the same table.
 */
import assert from "node:assert/strict";
import { compareProtocols, formatCompareTable } from "../../src/cli/compare.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const read = (file: string) => Deno.readTextFileSync(`${dir}${file}`);

Deno.test("compare: measured cells, and the same table for the same seed", () => {
  const table = compareProtocols(read);
  assert.deepEqual(table.protocols, ["L2TP", "L2TP/IPsec", "WireGuard", "IKEv2"]);
  const row = (label: string) => table.rows.find((r) => r.label === label)!.cells.map((c) => c.text);
  assert.deepEqual(row("messages until then (access link)")[2], "4", "initiation, response, ping, reply");
  assert.deepEqual(row("round trips until then")[2], "2");
  // IP 20 + UDP 8 + WireGuard header 16 + tag 16; 1,400 bytes are padded to 1,408.
  assert.equal(row("overhead, 64-byte packet")[2], "60 B");
  assert.equal(row("overhead, 1400-byte packet")[2], "68 B");
  // IKEv2: IKE_SA_INIT and IKE_AUTH (two round trips), then the ping and its reply.
  assert.equal(row("messages until then (access link)")[3], "6");
  assert.equal(row("round trips until then")[3], "3");
  // IP 20 + UDP 8 + ESP header 8 + GCM IV 8 + trailer 2 padded to 4 + ICV 16, around the whole inner packet.
  assert.equal(row("overhead, 64-byte packet")[3], "64 B");
  assert.equal(row("overhead, 1400-byte packet")[3], "64 B");
  assert.deepEqual(row("tap on the access link reads the inner ping"), ["yes", "no", "no", "no"]);
  assert.deepEqual(row("tap reads the user name"), ["yes", "no", "no", "no"]);
  assert.deepEqual(row("home router with l2tp-passthrough: off"), [
    "blocked",
    "crosses",
    "crosses",
    "crosses",
  ]);
  // IKEv2 starts on UDP 500 too, which that setting drops; only after IKE_SA_INIT does it move to 4500.
  assert.deepEqual(row("home router with ipsec-passthrough: off"), [
    "crosses",
    "blocked",
    "crosses",
    "blocked",
  ]);
  const [l2tp, ipsec, wg] = row("messages until then (access link)").map(Number);
  assert.ok(l2tp > wg && ipsec > l2tp, "IPsec adds IKE to L2TP's setup; WireGuard needs the fewest");
  assert.deepEqual(compareProtocols(read), table);
  const text = formatCompareTable(table).join("\n");
  assert.match(text, /Not measured:\n {2}PPTP and SSTP/);
  assert.match(text, /wireguard-home-router\.yaml: as measured; preset home-router/);
});
