/**
 * What both xl2tpd interop tests (xl2tpd as LNS for our LAC, as LAC for our LNS) need: xl2tpd started on
 * loopback with one section of configuration and a tunnel secret, and a bridge between a real UDP socket
 * and a simulated node that stands in for xl2tpd's peer address, stepping simulated time with real time
 * in 5 ms steps. Tests skip without xl2tpd, except under CI=true, where a missing xl2tpd fails.
 */
import dgram from "node:dgram";
import type { Device } from "../../src/devices/device.ts";
import type { Scheduler } from "../../src/engine/scheduler.ts";
import { MS } from "../../src/engine/time.ts";
import { parseIp } from "../../src/wire/addr.ts";

export function xl2tpdInstalled(): boolean {
  try {
    // `xl2tpd -v` prints its version and exits with status 1, so look for the version text instead.
    const out = new Deno.Command("xl2tpd", { args: ["-v"], stdout: "piped", stderr: "piped" }).outputSync();
    return /xl2tpd-\d/.test(new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr));
  } catch {
    return false;
  }
}

export const ignoreXl2tpd = !xl2tpdInstalled() && Deno.env.get("CI") !== "true";

export interface Xl2tpd {
  /** Everything xl2tpd wrote so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts xl2tpd in the foreground on 127.0.0.1:`port` with the `[lns …]` or `[lac …]` lines given. */
export function startXl2tpd(dir: string, port: number, secret: string, section: string[]): Xl2tpd {
  Deno.writeTextFileSync(
    `${dir}/xl2tpd.conf`,
    [
      "[global]",
      "listen-addr = 127.0.0.1",
      `port = ${port}`,
      `auth file = ${dir}/l2tp-secrets`,
      "access control = no",
      "",
      ...section,
      "challenge = yes",
      "require authentication = no",
      `pppoptfile = ${dir}/options`,
      "",
    ].join("\n"),
  );
  Deno.writeTextFileSync(`${dir}/l2tp-secrets`, `* * ${secret}\n`);
  Deno.writeTextFileSync(`${dir}/options`, "noauth\n");
  const process = new Deno.Command("xl2tpd", {
    args: [
      "-D",
      "-c",
      `${dir}/xl2tpd.conf`,
      "-s",
      `${dir}/l2tp-secrets`,
      "-p",
      `${dir}/pid`,
      "-C",
      `${dir}/control`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk);
  };
  const done = Promise.all([pump(process.stdout), pump(process.stderr)]);
  return {
    log: () => text,
    stop: async () => {
      try {
        process.kill("SIGTERM");
      } catch { /* already gone */ }
      await process.status;
      await done;
    },
  };
}

export interface UdpBridge {
  /** The real port xl2tpd must send to. */
  port: number;
  /**
   * Until simulated time `until`: whatever `standIn` receives on 1701 goes to xl2tpd, and whatever
   * xl2tpd sends arrives from `standIn`'s port 1701 at simulated address `to`.
   */
  run(sched: Scheduler, until: number, standIn: Device, to: string, xl2tpdPort: number): Promise<void>;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1 (node:dgram, as Deno.listenDatagram needs --unstable-net). */
export async function openUdpBridge(): Promise<UdpBridge> {
  const socket = dgram.createSocket("udp4");
  const inbox: Uint8Array[] = [];
  socket.on("message", (message: Uint8Array) => inbox.push(new Uint8Array(message)));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return {
    port: socket.address().port,
    async run(sched, until, standIn, to, xl2tpdPort) {
      const outbox: Uint8Array[] = [];
      standIn.ip.bindUdp(1701, { onMessage: (message) => outbox.push(message.payload.slice()) });
      const peer = parseIp(to)!;
      const step = 5 * MS;
      while (sched.now < until) {
        for (const payload of outbox.splice(0)) socket.send(payload, xl2tpdPort, "127.0.0.1");
        await new Promise((resolve) => setTimeout(resolve, 5));
        for (const payload of inbox.splice(0)) standIn.ip.sendUdp(peer, 1701, 1701, payload);
        sched.runUntil(sched.now + step);
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
