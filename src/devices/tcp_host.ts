/**
 * Gives a device a TCP layer: the `TcpEndpoint` of src/stack/tcp/ plugged into the device's IP stack
 * (protocol 6, and ICMP errors about our segments for path MTU discovery), with the node's own random
 * stream for ports and sequence numbers and its `tcp` table in the trace.
 */
import { summarize } from "../wire/dissect.ts";
import { ICMP_DEST_UNREACHABLE, UNREACH_FRAG_NEEDED } from "../wire/icmp.ts";
import { PROTO_TCP } from "../wire/tcp.ts";
import { TcpEndpoint } from "../stack/tcp/endpoint.ts";
import type { Device } from "./device.ts";

const endpoints = new WeakMap<Device, TcpEndpoint>();

/** Whether `device` has a TCP layer with a listener or connection on `port` (without creating one). */
export function tcpPortInUse(device: Device, port: number): boolean {
  return endpoints.get(device)?.portInUse(port) ?? false;
}

/** The TCP layer of `device`, created and attached to its IP stack on first use. */
export function tcpOf(device: Device): TcpEndpoint {
  let endpoint = endpoints.get(device);
  if (endpoint) return endpoint;
  const ip = device.ip;
  // A stream of its own, so adding TCP changes no draw of the device's other protocols.
  const rng = device.rng.fork("tcp");
  // The interface the segment being processed arrived on, for its deliver record.
  let arrivedOn: string | undefined;
  endpoint = new TcpEndpoint({
    node: device.name,
    sched: device.ctx.sched,
    path(dst) {
      const found = ip.route(dst);
      return found ? { src: found.iface.ip, mtu: found.iface.mtu } : undefined;
    },
    send(src, dst, segment, parent) {
      ip.sendIp(dst, PROTO_TCP, segment, { src, dontFragment: true, parent });
    },
    random32: () => rng.nextU32(),
    delivered(packet, summary) {
      device.ctx.trace.emit({
        kind: "deliver",
        node: device.name,
        ...(arrivedOn !== undefined ? { iface: arrivedOn } : {}),
        pkt: packet.id,
        proto: "TCP",
        summary: `${summarize(packet.bytes)} ${summary}`,
      });
    },
    drop: (packet, reason) => ip.drop(packet, reason),
    state: (key, value, summary) => device.state("tcp", key, value, summary),
  });
  const attached = endpoint;
  ip.registerProtocol(
    PROTO_TCP,
    (packet, datagram, iface) => {
      arrivedOn = iface.name;
      attached.receive(packet, datagram.src, datagram.dst, datagram.payload);
    },
    (message) => {
      if (!("quoted" in message)) return;
      const fragmentationNeeded = message.type === ICMP_DEST_UNREACHABLE &&
        message.code === UNREACH_FRAG_NEEDED;
      attached.icmpError(message.quoted, message.mtu, fragmentationNeeded);
    },
  );
  endpoints.set(device, endpoint);
  return endpoint;
}
