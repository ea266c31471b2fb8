/**
 * The bridge both strongSwan interop tests run charon through. charon runs in a private network and
 * mount namespace holding only `lo` (so it touches neither the machine's IPsec state nor another
 * charon's pid file), with its IKE ports moved to 10500/14500. A relay in the namespace
 * (udp_unix_relay.ts) owns 127.0.0.2:500 and :4500, the simulated peer's sockets, and passes datagrams
 * over a Unix socket to the test, which injects them from a bridge node at 127.0.0.1 (charon's ports
 * seen as 500/4500, so each side's NAT detection sees "a NAT"). Simulated time follows real time.
 */
import assert from "node:assert/strict";
import type { Device } from "../../src/devices/device.ts";
import type { SimContext } from "../../src/engine/context.ts";
import { Prng } from "../../src/engine/prng.ts";
import { Scheduler } from "../../src/engine/scheduler.ts";
import { MS, SECOND } from "../../src/engine/time.ts";
import { buildNetwork } from "../../src/topology/build.ts";
import { Tracer } from "../../src/trace/tracer.ts";
import { parseIp } from "../../src/wire/addr.ts";
import { protoLabel, summarize } from "../../src/wire/dissect.ts";
import { link, model, node } from "../helpers/model.ts";
import { encodeFrame, readFrames, type RelayFrame } from "./relay_frames.ts";

export const CHARON = "/usr/lib/ipsec/charon";
const PORTS: Record<number, number> = { 10500: 500, 14500: 4500 };
const CHARON_PORT: Record<number, number> = { 500: 10500, 4500: 14500 };

function charonUsable(): boolean {
  try {
    const ok =
      new Deno.Command("unshare", { args: ["-m", "-n", "true"], stderr: "null" }).outputSync().success;
    return ok && Deno.statSync(CHARON).isFile && Deno.statSync("/usr/sbin/swanctl").isFile;
  } catch {
    return false;
  }
}

/** Skip without charon or namespaces, except under CI=true, where a missing one fails. */
export const ignoreCharon = !charonUsable() && Deno.env.get("CI") !== "true";

/**
 * charon's strongswan.conf: the moved ports, a log file of IKE at level 2 (plus `logs`), the vici
 * socket swanctl talks to, and `settings` for what one test needs besides.
 */
export function strongswanConf(dir: string, settings: string[] = [], logs: string[] = []): string {
  const lines = (indent: string, list: string[]) => list.map((l) => `${indent}${l}\n`).join("");
  return `charon {
  port = 10500
  port_nat_t = 14500
  install_routes = no
${lines("  ", settings)}  retransmit_timeout = 2.0
  filelog {
    lab {
      path = ${dir}/charon.log
      default = 1
      ike = 2
${lines("      ", logs)}      append = no
      flush_line = yes
    }
  }
  plugins {
    vici {
      socket = unix://${dir}/charon.vici
    }
  }
}
`;
}

export interface CharonRun {
  /** Our node's log lines. */
  ours: string[];
  /** charon's log file. */
  charon: string;
}

export interface CharonSession {
  /** Prefix of the temporary directory the configuration and logs go to. */
  prefix: string;
  /** strongswan.conf and swanctl.conf for that directory. */
  config(dir: string): { strongswan: string; swanctl: string };
  /** The child charon initiates a second after it starts; without one, charon waits for us. */
  initiate?: string;
  /** The kind-specific keys of our node at 127.0.0.2 (its `ikev2:` or `ipsec:` block). */
  ours: Record<string, unknown>;
  seed: number;
  seconds: number;
  /** Runs once the network is up: ports the bridge must answer on, traffic of our own. */
  setup?(net: { sched: Scheduler; ours: Device; bridge: Device }): void;
}

/** Starts charon in its namespace, runs our node against it for `seconds`, and returns both logs. */
export async function runAgainstCharon(session: CharonSession): Promise<CharonRun> {
  const dir = Deno.makeTempDirSync({ prefix: session.prefix });
  const config = session.config(dir);
  Deno.writeTextFileSync(`${dir}/strongswan.conf`, config.strongswan);
  Deno.writeTextFileSync(`${dir}/swanctl.conf`, config.swanctl);
  const vici = `unix://${dir}/charon.vici`;
  const relay = new URL("./udp_unix_relay.ts", import.meta.url).pathname;
  const script = [
    "ip link set lo up",
    "mount -t tmpfs tmpfs /run",
    `STRONGSWAN_CONF=${dir}/strongswan.conf ${CHARON} > ${dir}/charon.out 2>&1 &`,
    `for i in $(seq 100); do [ -S ${dir}/charon.vici ] && break; sleep 0.05; done`,
    `swanctl --load-all --file ${dir}/swanctl.conf --uri ${vici} > ${dir}/swanctl.out 2>&1`,
    session.initiate
      ? `(sleep 1; swanctl --initiate --child ${session.initiate} --timeout 20 --uri ${vici} > ${dir}/initiate.out 2>&1) &`
      : "true",
    `exec ${Deno.execPath()} run --allow-all ${relay} ${dir}/relay.sock 500 4500`,
  ].join("\n");
  const namespace = new Deno.Command("unshare", {
    args: ["-m", "-n", "--kill-child", "sh", "-c", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = namespace.output();
  let conn: Deno.UnixConn | undefined;
  try {
    for (let i = 0; i < 200 && !conn; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      conn = await Deno.connect({ transport: "unix", path: `${dir}/relay.sock` }).catch(() => undefined);
    }
    assert.ok(conn, "the relay in charon's namespace did not start");
    const inbox: RelayFrame[] = [];
    const reading = readFrames(conn, (frame) => inbox.push(frame));

    const m = model(
      [
        node("ours", "host", { eth0: "127.0.0.2/8" }, [], session.ours),
        node("charon", "host", { eth0: "127.0.0.1/8" }),
      ],
      [link("lo", ["ours:eth0", "charon:eth0"], { delay: 100 })],
    );
    const sched = new Scheduler();
    let ids = 0;
    const trace = new Tracer(sched);
    const ctx: SimContext = {
      sched,
      trace,
      rng: new Prng(session.seed),
      nextPacketId: () => ++ids,
      frames: { label: protoLabel, summarize },
    };
    const network = buildNetwork(m, ctx);
    for (const device of network.devices.values()) device.start();
    const bridge = network.devices.get("charon")!;
    const outbox: Uint8Array[] = [];
    for (const port of [500, 4500]) {
      bridge.ip.bindUdp(port, {
        onMessage: (message) => outbox.push(encodeFrame(message.srcPort, CHARON_PORT[port], message.payload)),
      });
    }
    session.setup?.({ sched, ours: network.devices.get("ours")!, bridge });
    const step = 5 * MS;
    const end = session.seconds * SECOND;
    while (sched.now < end) {
      for (const frame of outbox.splice(0)) await conn.write(frame);
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const { src, dst, payload } of inbox.splice(0)) {
        bridge.ip.sendUdp(parseIp("127.0.0.2")!, PORTS[src] ?? src, dst, payload);
      }
      sched.runUntil(sched.now + step);
    }
    conn.close();
    await reading;
    const ourLog = trace.records.filter((r) => r.kind === "app" && r.node === "ours").map((r) => r.summary);
    return { ours: ourLog, charon: Deno.readTextFileSync(`${dir}/charon.log`) };
  } finally {
    try {
      namespace.kill("SIGTERM");
    } catch { /* gone */ }
    await output;
    Deno.removeSync(dir, { recursive: true });
  }
}
