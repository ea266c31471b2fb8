/**
 * Our LAC against a real LNS: Debian's xl2tpd, whose control channel runs in userspace, joined to
 * the simulation by xl2tpd_bridge.ts: a simulated node stands in for the LNS's address.
 *
 * xl2tpd checks our tunnel authentication (both directions), hidden AVPs and sequencing; it then fails
 * to start pppd here (no PPP in the kernel) and clears the call with a CDN, which is as far as an
 * LNS without PPP can go. Skipped when xl2tpd is not installed (apt-get install -y xl2tpd), except
 * under CI=true, where .ci/run installs it and a missing xl2tpd fails the test.
 */
import assert from "node:assert/strict";
import type { SimContext } from "../../src/engine/context.ts";
import { Prng } from "../../src/engine/prng.ts";
import { Scheduler } from "../../src/engine/scheduler.ts";
import { SECOND } from "../../src/engine/time.ts";
import { DEFAULT_TIMERS } from "../../src/stack/l2tp/config.ts";
import { type EndpointConfig, L2tpEndpoint } from "../../src/stack/l2tp/endpoint.ts";
import type { L2tpSession } from "../../src/stack/l2tp/session.ts";
import { buildNetwork } from "../../src/topology/build.ts";
import { Tracer } from "../../src/trace/tracer.ts";
import { parseIp } from "../../src/wire/addr.ts";
import { link, model, node } from "../helpers/model.ts";
import { protoLabel, summarize } from "../../src/wire/dissect.ts";
import { ignoreXl2tpd, openUdpBridge, startXl2tpd } from "./xl2tpd_bridge.ts";

const frames = { label: protoLabel, summarize };

const SECRET = "interop-secret-1234";
const XL2TPD_PORT = 17011;

/** lac (192.0.2.10) and the stand-in for the LNS (192.0.2.1) on one link. */
async function runAgainstXl2tpd(
  lacConfig: Partial<EndpointConfig>,
  until: number,
  script: (lac: L2tpEndpoint) => void,
): Promise<{ log: string; lac: L2tpEndpoint }> {
  const dir = Deno.makeTempDirSync({ prefix: "tunnel-lab-xl2tpd-" });
  const xl2tpd = startXl2tpd(dir, XL2TPD_PORT, SECRET, [
    "[lns default]",
    "ip range = 10.20.0.100-10.20.0.110",
    "local ip = 10.20.0.1",
    "hostname = xl2tpd-lns",
  ]);
  const udp = await openUdpBridge();
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // let xl2tpd bind its port
    const m = model(
      [node("lac", "host", { eth0: "192.0.2.10/24" }), node("lns", "host", { eth0: "192.0.2.1/24" })],
      [link("lan", ["lac:eth0", "lns:eth0"], { delay: 100 })],
    );
    const sched = new Scheduler();
    let ids = 0;
    const ctx: SimContext = {
      sched,
      trace: new Tracer(sched),
      rng: new Prng(7),
      nextPacketId: () => ++ids,
      frames,
    };
    const network = buildNetwork(m, ctx);
    for (const device of network.devices.values()) device.start();
    const lac = new L2tpEndpoint(network.devices.get("lac")!, {
      hostname: "lab-lac",
      port: 1701,
      timers: { ...DEFAULT_TIMERS },
      security: { secret: SECRET, challenge: true, hideAvps: false },
      acceptTunnels: false,
      tieBreaker: false,
      connectSpeed: 10_000_000,
      ...lacConfig,
    });
    lac.start();
    script(lac);
    // Seen from the simulation, xl2tpd answers from the LNS address and port 1701.
    await udp.run(sched, until, network.devices.get("lns")!, "192.0.2.10", XL2TPD_PORT);
    return { log: xl2tpd.log(), lac };
  } finally {
    await udp.close();
    await xl2tpd.stop();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "xl2tpd interop: mutual tunnel authentication, then a call xl2tpd accepts and clears (no pppd)",
  ignore: ignoreXl2tpd,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let session: L2tpSession | undefined;
    const states: string[] = [];
    let down = "";
    const { log, lac } = await runAgainstXl2tpd({}, 3 * SECOND, (lac) => {
      const tunnel = lac.tunnelTo(parseIp("192.0.2.1")!);
      session = tunnel.placeCall();
      session.onUp = () => states.push("established");
      session.onDown = (reason) => down = reason;
    });
    const tunnel = [...lac.tunnels.values()][0];
    assert.ok(tunnel, `no tunnel left; xl2tpd said:\n${log}`);
    assert.equal(tunnel.state, "established", `xl2tpd said:\n${log}`);
    assert.equal(tunnel.peerHostname, "xl2tpd-lns");
    assert.match(log, /Connection established to 127\.0\.0\.1/);
    assert.deepEqual(states, ["established"], `session never came up; xl2tpd said:\n${log}`);
    assert.match(log, /Call established with 127\.0\.0\.1/);
    assert.equal(session!.state, "closed");
    assert.match(down, /peer sent CDN/);
  },
});

Deno.test({
  name: "xl2tpd interop: a wrong tunnel secret is refused by xl2tpd",
  ignore: ignoreXl2tpd,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let closed = "";
    const { log } = await runAgainstXl2tpd(
      { security: { secret: "not-the-secret", challenge: false, hideAvps: false } },
      2 * SECOND,
      (lac) => {
        lac.tunnelTo(parseIp("192.0.2.1")!).onClosed = (reason) => closed = reason;
      },
    );
    assert.match(closed, /peer sent StopCCN/, `xl2tpd said:\n${log}`);
    assert.match(log, /Invalid authentication|Invalid challenge/);
  },
});

Deno.test({
  name: "xl2tpd interop: a hidden Assigned Session ID in our ICRQ is revealed by xl2tpd",
  ignore: ignoreXl2tpd,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let up = false;
    const { log } = await runAgainstXl2tpd(
      { security: { secret: SECRET, challenge: true, hideAvps: true } },
      3 * SECOND,
      (lac) => {
        lac.tunnelTo(parseIp("192.0.2.1")!).placeCall().onUp = () => up = true;
      },
    );
    assert.ok(up, `the call did not come up; xl2tpd said:\n${log}`);
    assert.match(log, /Call established with 127\.0\.0\.1/);
  },
});
