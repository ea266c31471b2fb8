/**
 * A real LAC against our LNS: Debian's xl2tpd with an `[lac]` section dials the simulated LNS, joined
 * to the simulation by xl2tpd_bridge.ts: a simulated node stands in for the LAC's address.
 *
 * Both sides authenticate the tunnel (CHAP-like Challenge/Challenge Response with one secret), xl2tpd
 * places the call (ICRQ, ICRP, ICCN) and then tries to start pppd, which cannot run here (no PPP in the
 * kernel): the test asserts on the control exchange in our trace and on xl2tpd's log up to that point.
 * Skipped when xl2tpd is not installed, except under CI=true, where a missing xl2tpd fails the test.
 */
import assert from "node:assert/strict";
import type { SimContext } from "../../src/engine/context.ts";
import { Prng } from "../../src/engine/prng.ts";
import { Scheduler } from "../../src/engine/scheduler.ts";
import { SECOND } from "../../src/engine/time.ts";
import { buildNetwork } from "../../src/topology/build.ts";
import { formatTopologyError, loadTopology } from "../../src/topology/load.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { Tracer } from "../../src/trace/tracer.ts";
import { protoLabel, summarize } from "../../src/wire/dissect.ts";
import { decodeL2tp } from "../../src/wire/l2tp.ts";
import { findAvp } from "../../src/wire/l2tp_avp.ts";
import { ignoreXl2tpd, openUdpBridge, startXl2tpd, xl2tpdInstalled } from "./xl2tpd_bridge.ts";

const SECRET = "interop-secret-1234";
const XL2TPD_PORT = 17012;

const TOPOLOGY = `name: xl2tpd-lac
duration: 10s
nodes:
  lac: { kind: host, interfaces: { eth0: 192.0.2.10/24 } }
  lns:
    kind: lns
    interfaces: { wan0: 192.0.2.1/24 }
    hostname: lab-lns
    secret: "${SECRET}"
    challenge: true
    users: { alice: wonderland }
    pool: 10.20.0.100-10.20.0.110
    local-address: 10.20.0.1
links:
  - { name: lan, endpoints: [lac:eth0, lns:wan0], delay: 1ms }
`;

interface Run {
  log: string;
  records: readonly TraceRecord[];
}

async function dialOurLns(until: number): Promise<Run> {
  const loaded = loadTopology(TOPOLOGY, "xl2tpd-lac.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n"));
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-xl2tpd-lac-" });
  const udp = await openUdpBridge();
  const xl2tpd = startXl2tpd(dir, XL2TPD_PORT, SECRET, [
    "[lac lab]",
    `lns = 127.0.0.1:${udp.port}`,
    "hostname = xl2tpd-lac",
    "name = alice",
    "autodial = yes",
    "redial = no",
  ]);
  const sched = new Scheduler();
  let ids = 0;
  const ctx: SimContext = {
    sched,
    trace: new Tracer(sched),
    rng: new Prng(7),
    nextPacketId: () => ++ids,
    frames: { label: protoLabel, summarize },
  };
  const network = buildNetwork(loaded.model, ctx);
  for (const device of network.devices.values()) device.start();
  let log = "";
  try {
    // Seen from the simulation, xl2tpd sends from the stand-in's address and port 1701.
    await udp.run(sched, until, network.devices.get("lac")!, "192.0.2.1", XL2TPD_PORT);
  } finally {
    await udp.close();
    await xl2tpd.stop();
    log = xl2tpd.log();
    Deno.removeSync(dir, { recursive: true });
  }
  return { log, records: ctx.trace.records };
}

Deno.test({
  name: "xl2tpd as LAC dials our LNS: tunnel and call come up, as far as xl2tpd starting pppd",
  ignore: ignoreXl2tpd,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.ok(xl2tpdInstalled(), "xl2tpd is required under CI (apt-get install -y xl2tpd)");
    const { log, records } = await dialOurLns(4 * SECOND);
    const sent = records.filter((r) => r.kind === "tx" && r.proto === "L2TP");
    const messages = sent.map((r) => {
      const decoded = decodeL2tp(r.bytes!.subarray(28));
      assert.ok(decoded.ok, r.summary);
      return { node: r.node, message: decoded.value };
    });
    const control = messages.filter((m) => m.message.kind === "control" && m.message.avps.length > 0);
    const names = control.map((m) =>
      `${m.node} ${/L2TP (\w+)/.exec(summarize(sent[messages.indexOf(m)].bytes!))?.[1]}`
    );
    // RFC 2661 §5: the LAC opens the control connection and places the incoming call.
    assert.deepEqual(names.slice(0, 6), [
      "lac SCCRQ",
      "lns SCCRP",
      "lac SCCCN",
      "lac ICRQ",
      "lns ICRP",
      "lac ICCN",
    ], log);
    const avps = (i: number) => control[i].message.kind === "control" ? control[i].message.avps : [];
    assert.equal(findAvp(avps(0), "hostName")?.name, "xl2tpd-lac");
    // Tunnel authentication both ways (RFC 2661 §5.1.1): xl2tpd challenges us in its SCCRQ and answers our
    // challenge in its SCCCN; each side checked the other's response before going on.
    assert.ok(findAvp(avps(0), "challenge"), "xl2tpd's SCCRQ challenges us");
    assert.ok(
      findAvp(avps(1), "challenge") && findAvp(avps(1), "challengeResponse"),
      "our SCCRP answers and challenges",
    );
    assert.ok(findAvp(avps(2), "challengeResponse"), "xl2tpd's SCCCN answers our challenge");
    const ours = records.filter((r) => r.node === "lns" && r.kind === "app").map((r) => r.summary);
    assert.ok(ours.some((l) => l.startsWith("Connection established to 192.0.2.10, 1701.")), ours.join("\n"));
    assert.ok(ours.some((l) => l.startsWith("Call established with 192.0.2.10,")), ours.join("\n"));
    // xl2tpd's side of the same story, up to where it hands the call to pppd.
    assert.match(log, /Connection established to 127\.0\.0\.1, \d+\. {2}Local: \d+, Remote: \d+/);
    assert.match(log, /Call established with 127\.0\.0\.1, Local: \d+, Remote: \d+, Serial: 1/);
    assert.match(log, /start_pppd: I'm running:/);
    assert.doesNotMatch(
      log,
      /[Cc]hallenge|[Aa]uthentication failed|refused/,
      "no tunnel authentication complaint",
    );
  },
});
