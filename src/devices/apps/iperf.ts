/**
 * An iperf3-like throughput test over our TCP: `iperf server` listens (port 5201 by default) and counts
 * what arrives; `iperf client` connects and sends as fast as TCP lets it, for a number of bytes or a
 * time, printing a report per second and a summary in iperf3's layout. There is no separate control
 * connection: each side reports what it saw itself. Rates are in simulated time, so they are exact and
 * the same on every run.
 */
import { type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import type { TcpConnection } from "../../stack/tcp/connection.ts";
import type { Device } from "../device.ts";
import { tcpOf } from "../tcp_host.ts";

/** iperf3's default port. */
export const IPERF_PORT = 5201;
/** How much the client keeps queued in TCP ahead of what is acknowledged (a socket send buffer). */
const SEND_BUFFER = 128 * 1024;
const WRITE_SIZE = 64 * 1024;
const DIVIDER = "- - - - - - - - - - - - - - - - - - - - - - - - -";

/** `1.12 MBytes` (binary units for amounts, as iperf3 prints them). */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[1024 ** 3, "GBytes"], [1024 ** 2, "MBytes"], [1024, "KBytes"]];
  for (const [size, name] of units) if (bytes >= size) return `${threeDigits(bytes / size)} ${name}`;
  return `${bytes} Bytes`;
}

/** `9.41 Mbits/sec` (decimal units for rates, as iperf3 prints them). */
export function formatRate(bitsPerSecond: number): string {
  const units: [number, string][] = [[1e9, "Gbits/sec"], [1e6, "Mbits/sec"], [1e3, "Kbits/sec"]];
  for (const [size, name] of units) {
    if (bitsPerSecond >= size) return `${threeDigits(bitsPerSecond / size)} ${name}`;
  }
  return `${Math.round(bitsPerSecond)} bits/sec`;
}

function threeDigits(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function interval(from: Micros, to: Micros): string {
  const text = `${(from / SECOND).toFixed(2)}-${(to / SECOND).toFixed(2)}`;
  return text.padEnd(12) + "sec";
}

function rate(bytes: number, duration: Micros): number {
  return duration > 0 ? (bytes * 8 * SECOND) / duration : 0;
}

/** Stream numbers as iperf3 shows them: the first test socket is [  5]. */
const nextStream = new WeakMap<Device, number>();
function streamId(device: Device): string {
  const id = nextStream.get(device) ?? 5;
  nextStream.set(device, id + 1);
  return `[${String(id).padStart(3)}]`;
}

/** `iperf server [port N]`: accepts any number of tests, one report per connection. */
export function startIperfServer(device: Device, port = IPERF_PORT): void {
  const tcp = tcpOf(device);
  device.log("-----------------------------------------------------------");
  device.log(`Server listening on ${port}`);
  tcp.listen(port, (connection) => {
    const id = streamId(device);
    const { sched } = device.ctx;
    let start = sched.now;
    let mark = 0;
    let markBytes = 0;
    let ticker: { cancel(): void } | undefined;
    const tick = () => {
      const now = sched.now - start;
      const bytes = connection.bytesReceived - markBytes;
      device.log(
        `${id} ${interval(mark, now)}  ${formatBytes(bytes)}  ${formatRate(rate(bytes, now - mark))}`,
      );
      mark = now;
      markBytes = connection.bytesReceived;
      ticker = sched.after(SECOND, tick);
    };
    return {
      onData() {}, // counted by the connection; taking the bytes keeps the window open
      onConnected() {
        start = sched.now;
        device.log(
          `Accepted connection from ${formatIp(connection.remoteIp)}, port ${connection.remotePort}`,
        );
        device.log(
          `${id} local ${formatIp(connection.localIp)} port ${port} connected to ${
            formatIp(connection.remoteIp)
          } port ${connection.remotePort}`,
        );
        device.log("[ ID] Interval           Transfer     Bitrate");
        ticker = sched.after(SECOND, tick);
      },
      onPeerClosed() {
        ticker?.cancel();
        const total = sched.now - start;
        const bytes = connection.bytesReceived;
        if (total > mark) {
          const last = bytes - markBytes;
          device.log(
            `${id} ${interval(mark, total)}  ${formatBytes(last)}  ${formatRate(rate(last, total - mark))}`,
          );
        }
        device.log(DIVIDER);
        device.log(
          `${id} ${interval(0, total)}  ${formatBytes(bytes)}  ${
            formatRate(rate(bytes, total))
          }                  receiver`,
          {
            tool: "iperf",
            role: "receiver",
            bytes,
            seconds: total / SECOND,
            bitsPerSecond: rate(bytes, total),
          },
        );
        connection.close();
      },
      onClosed(error) {
        ticker?.cancel();
        if (error) device.log(`iperf3: the test from ${formatIp(connection.remoteIp)} ended: ${error}`);
      },
    };
  });
}

/** What `iperf client` was asked to do. */
export interface IperfClientOptions {
  dst: Ip4;
  port: number;
  /** Send exactly this many bytes; otherwise send for `time`. */
  bytes?: number;
  time: Micros;
}

/** `iperf client DST [bytes N | time T] [port N]`. */
export function startIperfClient(device: Device, options: IperfClientOptions): void {
  const { sched } = device.ctx;
  const id = streamId(device);
  device.log(`Connecting to host ${formatIp(options.dst)}, port ${options.port}`);
  let start = 0;
  let written = 0;
  let writing = true;
  let mark = 0;
  let markBytes = 0;
  let markRetransmits = 0;
  let finishedAt: Micros | undefined;
  let connected = false;
  let ticker: { cancel(): void } | undefined;
  // Callbacks run only after connect() has returned a connection.
  const conn = (): TcpConnection => result as TcpConnection;
  const pattern = new Uint8Array(WRITE_SIZE).map((_, i) => (i * 7 + 13) & 0xff);

  const topUp = () => {
    if (!writing) return;
    while (conn().unacknowledged < SEND_BUFFER) {
      const left = options.bytes === undefined ? WRITE_SIZE : Math.min(WRITE_SIZE, options.bytes - written);
      if (left <= 0) break;
      conn().write(pattern.subarray(0, left));
      written += left;
    }
    if (options.bytes !== undefined && written >= options.bytes) stopWriting();
  };
  const stopWriting = () => {
    if (!writing) return;
    writing = false;
    conn().close();
  };
  const report = (to: Micros) => {
    const c = conn();
    const bytes = c.bytesAcked - markBytes;
    const retransmits = c.retransmittedSegments - markRetransmits;
    device.log(
      `${id} ${interval(mark, to)}  ${formatBytes(bytes)}  ${formatRate(rate(bytes, to - mark))}  ${
        String(retransmits).padStart(3)
      }   ${formatBytes(c.congestion.cwnd)}`,
    );
    mark = to;
    markBytes = c.bytesAcked;
    markRetransmits = c.retransmittedSegments;
  };
  const tick = () => {
    report(sched.now - start);
    ticker = sched.after(SECOND, tick);
  };

  const result = tcpOf(device).connect(options.dst, options.port, {
    onConnected() {
      const c = conn();
      connected = true;
      start = sched.now;
      device.log(
        `${id} local ${formatIp(c.localIp)} port ${c.localPort} connected to ${
          formatIp(c.remoteIp)
        } port ${c.remotePort}`,
      );
      device.log("[ ID] Interval           Transfer     Bitrate         Retr  Cwnd");
      ticker = sched.after(SECOND, tick);
      if (options.bytes === undefined) sched.after(options.time, stopWriting);
      topUp();
    },
    onWritable() {
      topUp();
      if (!writing && conn().unacknowledged === 0 && finishedAt === undefined) finishedAt = sched.now;
    },
    onClosed(error) {
      ticker?.cancel();
      const c = conn();
      if (error) {
        const what = connected ? error : `unable to connect to server: ${error}`;
        device.log(`iperf3: error - ${what}`, { tool: "iperf", role: "sender", error });
        return;
      }
      const end = (finishedAt ?? sched.now) - start;
      if (end > mark) report(end);
      device.log(DIVIDER);
      device.log("[ ID] Interval           Transfer     Bitrate         Retr");
      const bitsPerSecond = rate(c.bytesAcked, end);
      device.log(
        `${id} ${interval(0, end)}  ${formatBytes(c.bytesAcked)}  ${formatRate(bitsPerSecond)}  ${
          String(c.retransmittedSegments).padStart(3)
        }             sender`,
        {
          tool: "iperf",
          role: "sender",
          bytes: c.bytesAcked,
          seconds: end / SECOND,
          bitsPerSecond,
          retransmits: c.retransmittedSegments,
        },
      );
      device.log("iperf Done.");
    },
  });
  if (typeof result === "string") {
    device.log(`iperf3: error - unable to connect to server: ${result}`, { tool: "iperf", error: result });
    return;
  }
}
