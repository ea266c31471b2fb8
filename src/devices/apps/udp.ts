import { type Micros, MS } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import type { Device } from "../device.ts";

/** A UDP echo server (like inetd's echo service): every datagram goes back to where it came from. */
export function startUdpEcho(device: Device, port: number): void {
  device.ip.bindUdp(port, {
    onMessage(message) {
      device.ip.sendUdp(message.src, port, message.srcPort, message.payload, {
        src: message.dst,
        parent: message.packet.id,
      });
    },
  });
  device.log(`udp echo listening on port ${port}`);
}

export interface UdpSendOptions {
  dst: Ip4;
  port: number;
  from: number;
  count: number;
  interval: Micros;
  size: number;
  text?: string;
}

/** Sends datagrams (like `nc -u`) and reports answers and ICMP errors with round-trip times. */
export function startUdpSend(device: Device, options: UdpSendOptions): void {
  const { sched } = device.ctx;
  const sentAt: Micros[] = [];
  let replies = 0;
  const target = `${formatIp(options.dst)}:${options.port}`;
  if (!device.ip.udpBound(options.from)) {
    device.ip.bindUdp(options.from, {
      onMessage(message) {
        replies++;
        const rtt = sentAt.length ? ((sched.now - sentAt[sentAt.length - 1]) / MS).toFixed(2) : "?";
        device.log(
          `udp reply from ${
            formatIp(message.src)
          }:${message.srcPort} len ${message.payload.length} (${rtt} ms after the last send)`,
          { tool: "udp", from: `${formatIp(message.src)}:${message.srcPort}`, replies },
        );
      },
      onError(error) {
        device.log(
          `udp to ${
            formatIp(error.quotedDst)
          }:${error.quotedDstPort}: ICMP type ${error.icmp.type} code ${error.icmp.code} from ${
            formatIp(error.from)
          }`,
        );
      },
    });
  }
  const payloadFor = (index: number): Uint8Array => {
    if (options.text !== undefined) return new TextEncoder().encode(options.text);
    const data = new Uint8Array(options.size);
    for (let i = 0; i < data.length; i++) data[i] = (index + i) & 0xff;
    return data;
  };
  const sendOne = (index: number) => {
    sentAt.push(sched.now);
    device.ip.sendUdp(options.dst, options.from, options.port, payloadFor(index));
    if (index + 1 < options.count) sched.after(options.interval, () => sendOne(index + 1));
  };
  device.log(`udp send ${options.count} datagram(s) to ${target} from port ${options.from}`);
  sendOne(0);
}
