/**
 * A voluntary tunnel whose physical link goes down: the host route to the server is over a down
 * interface, so the default route through ppp0 catches the tunnel's own packets. Before, that wrapped
 * each packet inside itself until the stack overflowed; now the packet is dropped with the reason.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";

Deno.test("tunnel route loop: the tunnel's own packet routed into ppp0 is dropped with a reason, not recursed", () => {
  const file = new URL("../../topologies/ipsec-rekey-without-loss.yaml", import.meta.url);
  const text = Deno.readTextFileSync(file).replace(
    "  - { at: 5s, node: laptop, do: ping 10.10.0.5 count 90 interval 1s }",
    "  - { at: 5s, node: laptop, do: ping 10.10.0.5 count 20 interval 1s }\n  - { at: 10s, link: access, do: down }",
  );
  const loaded = loadTopology(text, "loop.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  const { records } = simulate({ ...loaded.model, expectations: [] });
  const loops = records.filter((r) =>
    r.kind === "drop" && r.node === "laptop" && /routing loop/.test(r.reason ?? "")
  );
  assert.ok(loops.length > 0);
  for (const drop of loops) {
    assert.equal(
      drop.reason,
      "ppp0: routing loop: the tunnel's own packet was routed back into ppp0 (the route to the server outside the tunnel is down)",
    );
    // What loops is the tunnel's outer packet (ESP to the LNS), not the pings inside it.
    assert.match(drop.summary, /^10\.10\.99\.100 > 203\.0\.113\.10: ESP/);
    assert.ok(drop.t >= 10_000_000);
  }
  assert.ok(
    records.some((r) =>
      r.kind === "app" && r.node === "laptop" && /^20 packets transmitted, 5 received/.test(r.summary)
    ),
  );
});
