import { type Micros, MS, SECOND } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import {
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_TIME_EXCEEDED,
  type IcmpMessage,
} from "../../wire/icmp.ts";
import { type Ipv4Packet, PROTO_ICMP, readIpv4Header } from "../../wire/ipv4.ts";
import type { Device } from "../device.ts";

export interface PingOptions {
  dst: Ip4;
  count: number;
  interval: Micros;
  size: number;
  ttl: number;
  df: boolean;
}

/** How long ping waits for the last reply before printing its statistics. */
const LINGER = 2 * SECOND;

const ERROR_TEXT: Record<string, string> = {
  "3/0": "Destination Net Unreachable",
  "3/1": "Destination Host Unreachable",
  "3/2": "Destination Protocol Unreachable",
  "3/3": "Destination Port Unreachable",
  "3/4": "Frag needed and DF set",
  "3/13": "Packet filtered",
  "11/0": "Time to live exceeded",
  "11/1": "Frag reassembly time exceeded",
};

/**
 * The ping tool: echo requests at an interval, one line per reply or error, statistics at the end,
 * worded as iputils' ping prints them so students recognise the output.
 */
export function startPing(device: Device, options: PingOptions): void {
  const { sched } = device.ctx;
  const identifier = (device.rng.nextU32() & 0xffff) || 1;
  const sentAt = new Map<number, Micros>();
  const rtts: number[] = [];
  let errors = 0;
  let transmitted = 0;
  let finished = false;
  const started = sched.now;
  const target = formatIp(options.dst);
  device.log(`PING ${target} (${target}) ${options.size}(${options.size + 28}) bytes of data.`);

  const unsubscribe = device.ip.onIcmp((message: IcmpMessage, ip: Ipv4Packet) => {
    if (finished) return;
    if (message.type === ICMP_ECHO_REPLY && "identifier" in message && message.identifier === identifier) {
      const sent = sentAt.get(message.sequence);
      if (sent === undefined) return;
      const rtt = (sched.now - sent) / MS;
      rtts.push(rtt);
      device.log(
        `${message.data.length + 8} bytes from ${
          formatIp(ip.src)
        }: icmp_seq=${message.sequence} ttl=${ip.ttl} time=${formatRtt(rtt)} ms`,
      );
      const wrong = firstWrongByte(message.data);
      if (wrong) device.log(wrong, { tool: "ping", sequence: message.sequence });
      if (rtts.length + errors >= options.count && transmitted >= options.count) finish();
    } else if (
      (message.type === ICMP_DEST_UNREACHABLE || message.type === ICMP_TIME_EXCEEDED) && "quoted" in message
    ) {
      const quoted = message.quoted;
      const header = readIpv4Header(quoted);
      const headerLength = header?.headerLength ?? 0;
      if (
        header?.protocol !== PROTO_ICMP || quoted.length < headerLength + 8 ||
        quoted[headerLength] !== ICMP_ECHO_REQUEST
      ) {
        return;
      }
      const quotedId = (quoted[headerLength + 4] << 8) | quoted[headerLength + 5];
      if (quotedId !== identifier) return;
      const sequence = (quoted[headerLength + 6] << 8) | quoted[headerLength + 7];
      errors++;
      const text = ERROR_TEXT[`${message.type}/${message.code}`] ??
        `ICMP type ${message.type} code ${message.code}`;
      const mtu = message.type === ICMP_DEST_UNREACHABLE && message.code === 4
        ? ` (mtu = ${message.mtu})`
        : "";
      device.log(`From ${formatIp(ip.src)} icmp_seq=${sequence} ${text}${mtu}`);
      if (rtts.length + errors >= options.count && transmitted >= options.count) finish();
    }
  });

  const sendOne = (sequence: number) => {
    const data = new Uint8Array(options.size);
    // Like iputils: a timestamp first (when it fits), then an incrementing pattern.
    if (data.length >= 8) {
      new DataView(data.buffer, data.byteOffset, data.byteLength).setBigUint64(0, BigInt(sched.now), false);
    }
    for (let i = Math.min(8, data.length); i < data.length; i++) data[i] = patternByte(i);
    sentAt.set(sequence, sched.now);
    transmitted++;
    device.ip.sendIcmp(options.dst, { type: ICMP_ECHO_REQUEST, code: 0, identifier, sequence, data }, {
      ttl: options.ttl,
      dontFragment: options.df,
    });
    if (sequence < options.count) sched.after(options.interval, () => sendOne(sequence + 1));
    else sched.after(LINGER, finish);
  };

  const finish = () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    const received = rtts.length;
    const loss = transmitted === 0 ? 0 : Math.round(((transmitted - received) / transmitted) * 100);
    const elapsed = Math.round((sched.now - started) / MS);
    device.log(`--- ${target} ping statistics ---`);
    device.log(
      `${transmitted} packets transmitted, ${received} received, ${
        errors ? `+${errors} errors, ` : ""
      }${loss}% packet loss, time ${elapsed}ms`,
      { tool: "ping", dst: target, transmitted, received, errors, loss },
    );
    if (received > 0) {
      const min = Math.min(...rtts);
      const max = Math.max(...rtts);
      const avg = rtts.reduce((a, b) => a + b, 0) / received;
      const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / received);
      device.log(`rtt min/avg/max/mdev = ${[min, avg, max, mdev].map((v) => v.toFixed(3)).join("/")} ms`);
    }
  };

  sendOne(1);
}

function formatRtt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** The byte at `i` of the pattern that follows the timestamp in every echo request. */
function patternByte(i: number): number {
  return (i + 8) & 0xff;
}

/**
 * iputils checks the echoed pattern and reports the first byte that differs ("wrong data byte #N
 * should be 0xNN but was 0xMM"): the only sign a ping gives that something on the path changed it.
 */
function firstWrongByte(data: Uint8Array): string | null {
  for (let i = 8; i < data.length; i++) {
    if (data[i] !== patternByte(i)) {
      return `wrong data byte #${i} should be 0x${patternByte(i).toString(16)} but was 0x${
        data[i].toString(16)
      }`;
    }
  }
  return null;
}
