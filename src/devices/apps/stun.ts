/**
 * NAT behaviour discovery (RFC 5780) with real STUN Binding messages: a server with two addresses and
 * two ports, and `nat-check`, the client that runs the mapping and filtering tests against it and says
 * what kind of NAT lies on its path.
 */
import { type Micros, MS } from "../../engine/time.ts";
import { type Behaviour, classicName } from "../../stack/nat/config.ts";
import type { UdpMessage } from "../../stack/ip.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import {
  ATTR_CHANGE_REQUEST,
  BINDING_ERROR,
  BINDING_REQUEST,
  BINDING_SUCCESS,
  decodeStun,
  encodeStun,
  type StunAddress,
  type StunMessage,
} from "../../wire/stun.ts";
import type { Device } from "../device.ts";

const SOFTWARE = "tunnel-lab stun";

export interface StunServerOptions {
  primary: Ip4;
  /** The second address RFC 5780 needs to answer "from another IP"; without it only ports can change. */
  alternate?: Ip4;
  port: number;
  altPort: number;
}

const show = (a: StunAddress) => `${formatIp(a.ip)}:${a.port}`;

/**
 * Answers Binding Requests on both ports: XOR-MAPPED-ADDRESS is the source the request arrived from,
 * and CHANGE-REQUEST moves the answer to the other address and/or port (RFC 5780 §6).
 */
export function startStunServer(device: Device, options: StunServerOptions): void {
  const { primary, alternate, port, altPort } = options;
  const handler = {
    onMessage(message: UdpMessage) {
      const decoded = decodeStun(message.payload);
      const from = { ip: message.src, port: message.srcPort };
      if (!decoded.ok || decoded.value.type !== BINDING_REQUEST) {
        device.log(
          `stun-server: ignored a datagram from ${show(from)}: ${
            decoded.ok ? "not a Binding Request" : decoded.error
          }`,
        );
        return;
      }
      const request = decoded.value;
      const change = request.changeRequest ?? { changeIp: false, changePort: false };
      const here = { ip: message.dst, port: message.dstPort };
      const otherIp = here.ip === primary ? alternate : primary;
      if (change.changeIp && otherIp === undefined) {
        const reply = encodeStun({
          type: BINDING_ERROR,
          transactionId: request.transactionId,
          errorCode: { code: 420, reason: "Unknown Attribute" },
          unknownAttributes: [ATTR_CHANGE_REQUEST],
          software: SOFTWARE,
          fingerprint: true,
        });
        device.ip.sendUdp(from.ip, here.port, from.port, reply, { src: here.ip, parent: message.packet.id });
        device.log(`stun-server: ${show(from)} asked to change IP, but this server has one address (420)`);
        return;
      }
      const origin = {
        ip: change.changeIp ? otherIp! : here.ip,
        port: change.changePort ? (here.port === port ? altPort : port) : here.port,
      };
      const response: StunMessage = {
        type: BINDING_SUCCESS,
        transactionId: request.transactionId,
        xorMappedAddress: from,
        mappedAddress: from,
        responseOrigin: origin,
        software: SOFTWARE,
        fingerprint: true,
      };
      if (alternate !== undefined) {
        response.otherAddress = {
          ip: here.ip === primary ? alternate : primary,
          port: here.port === port ? altPort : port,
        };
      }
      device.ip.sendUdp(from.ip, origin.port, from.port, encodeStun(response), {
        src: origin.ip,
        parent: message.packet.id,
      });
      device.log(`stun-server: ${show(from)} asked ${show(here)}; answered from ${show(origin)}`);
    },
  };
  device.ip.bindUdp(port, handler);
  device.ip.bindUdp(altPort, handler);
  device.log(
    `stun-server listening on ${formatIp(primary)}${
      alternate !== undefined ? ` and ${formatIp(alternate)}` : ""
    }, ` +
      `ports ${port} and ${altPort}`,
  );
}

export interface NatCheckOptions {
  server: Ip4;
  port: number;
  /** Wait before each retransmission (RFC 5389 starts at 500 ms). */
  rto: Micros;
  /** Transmissions per test before it counts as unanswered. */
  tries: number;
}

/** What `nat-check` concluded; also put in the final record's detail. */
export interface NatCheckResult {
  nat: boolean | null;
  mapping: Behaviour | "none" | "unknown";
  filtering: Behaviour | "unknown";
  mapped?: string;
}

type Answer = { message: StunMessage; from: StunAddress } | undefined;

/**
 * Runs RFC 5780's mapping tests (§4.3: same mapping towards the other address? the other port?) from
 * one local port and its filtering tests (§4.4: is an answer from the other address, or only from
 * the other port, let in?) from a second, fresh local port so the first tests opened no holes for them.
 */
export function startNatCheck(
  device: Device,
  options: NatCheckOptions,
  done?: (r: NatCheckResult) => void,
): void {
  const { sched } = device.ctx;
  const route = device.ip.route(options.server);
  if (!route) {
    device.log(`nat-check: no route to ${formatIp(options.server)}`);
    return;
  }
  const localIp = route.iface.ip;
  const pickPort = () => {
    for (;;) {
      const p = device.rng.int(49152, 65535);
      if (!device.ip.udpBound(p)) return p;
    }
  };
  const portA = pickPort();
  const portB = (() => {
    for (;;) {
      const p = pickPort();
      if (p !== portA) return p;
    }
  })();
  const pending = new Map<string, (answer: Answer) => void>();
  const socket = {
    onMessage(m: UdpMessage) {
      const d = decodeStun(m.payload);
      if (!d.ok || (d.value.type !== BINDING_SUCCESS && d.value.type !== BINDING_ERROR)) return;
      const key = hex(d.value.transactionId);
      const resolve = pending.get(key);
      if (!resolve) return; // a late duplicate of an answered retransmission
      pending.delete(key);
      resolve({ message: d.value, from: { ip: m.src, port: m.srcPort } });
    },
  };
  device.ip.bindUdp(portA, socket);
  device.ip.bindUdp(portB, socket);

  const ask = (
    localPort: number,
    to: StunAddress,
    change: { changeIp: boolean; changePort: boolean } | undefined,
    then: (answer: Answer) => void,
  ) => {
    const transactionId = device.rng.bytes(12);
    const bytes = encodeStun({
      type: BINDING_REQUEST,
      transactionId,
      changeRequest: change,
      software: SOFTWARE,
      fingerprint: true,
    });
    const key = hex(transactionId);
    let sent = 0;
    const transmit = () => {
      if (!pending.has(key)) return;
      if (sent >= options.tries) {
        pending.delete(key);
        return then(undefined);
      }
      sent++;
      device.ip.sendUdp(to.ip, localPort, to.port, bytes);
      sched.after(options.rto, transmit);
    };
    pending.set(key, then);
    transmit();
  };

  const finish = (result: NatCheckResult) => {
    device.ip.unbindUdp(portA);
    device.ip.unbindUdp(portB);
    const detail = { tool: "nat-check", ...result } as Record<string, unknown>;
    if (result.nat === false) {
      device.log(
        `No NAT on the path (the server sees ${result.mapped}); filtering: ${result.filtering}`,
        detail,
      );
    } else if (result.nat === null) {
      device.log(`NAT mapping: unknown, filtering: unknown`, detail);
    } else {
      const classic =
        result.mapping !== "unknown" && result.mapping !== "none" && result.filtering !== "unknown"
          ? ` (${classicName(result.mapping, result.filtering)})`
          : "";
      if (classic) detail.classic = classic.slice(2, -1);
      device.log(`NAT mapping: ${result.mapping}, filtering: ${result.filtering}${classic}`, detail);
    }
    done?.(result);
  };

  const primary = { ip: options.server, port: options.port };
  device.log(`nat-check: asking ${show(primary)} from ${formatIp(localIp)}:${portA} and :${portB}`);
  const mappedOf = (a: NonNullable<Answer>) => a.message.xorMappedAddress ?? a.message.mappedAddress;

  ask(portA, primary, undefined, (first) => {
    const m1 = first && mappedOf(first);
    if (!first || !m1) {
      device.log(`nat-check: test I: no answer from ${show(primary)} — UDP blocked, or no server there`);
      return finish({ nat: null, mapping: "unknown", filtering: "unknown" });
    }
    const other = first.message.otherAddress;
    const nat = !(m1.ip === localIp && m1.port === portA);
    device.log(
      `nat-check: test I: the server sees ${show(m1)}${nat ? "" : " (our own address: no NAT)"}${
        other ? `; its other address is ${show(other)}` : "; it gave no OTHER-ADDRESS"
      }`,
    );
    const filteringTests = (mapping: NatCheckResult["mapping"]) => {
      if (!other) {
        device.log("nat-check: the server has one address: RFC 5780 needs two to test filtering");
        return finish({ nat, mapping, filtering: "unknown", mapped: show(m1) });
      }
      ask(portB, primary, { changeIp: true, changePort: true }, (a) => {
        const fromOther = a && a.message.type === BINDING_SUCCESS;
        device.log(
          `nat-check: filtering test II (answer from ${show(other)}): ${
            fromOther ? "let in" : `no answer in ${(options.rto * options.tries) / MS} ms`
          }`,
        );
        if (fromOther) return finish({ nat, mapping, filtering: "endpoint-independent", mapped: show(m1) });
        ask(portB, primary, { changeIp: false, changePort: true }, (b) => {
          const fromPort = b && b.message.type === BINDING_SUCCESS;
          device.log(
            `nat-check: filtering test III (answer from ${formatIp(primary.ip)}:${other.port}): ${
              fromPort ? "let in" : `no answer in ${(options.rto * options.tries) / MS} ms`
            }`,
          );
          finish({
            nat,
            mapping,
            filtering: fromPort ? "address-dependent" : "address-and-port-dependent",
            mapped: show(m1),
          });
        });
      });
    };
    if (!nat) return filteringTests("none");
    if (!other) return filteringTests("unknown");
    const second = { ip: other.ip, port: primary.port };
    ask(portA, second, undefined, (a2) => {
      const m2 = a2 && mappedOf(a2);
      if (!m2) {
        device.log(`nat-check: mapping test II: no answer from ${show(second)}`);
        return filteringTests("unknown");
      }
      const same = m2.ip === m1.ip && m2.port === m1.port;
      device.log(
        `nat-check: mapping test II (to ${show(second)}): the server sees ${show(m2)}${
          same ? ", the same" : ", a new mapping"
        }`,
      );
      if (same) return filteringTests("endpoint-independent");
      const third = { ip: other.ip, port: other.port };
      ask(portA, third, undefined, (a3) => {
        const m3 = a3 && mappedOf(a3);
        if (!m3) {
          device.log(`nat-check: mapping test III: no answer from ${show(third)}`);
          return filteringTests("unknown");
        }
        const same3 = m3.ip === m2.ip && m3.port === m2.port;
        device.log(
          `nat-check: mapping test III (to ${show(third)}): the server sees ${show(m3)}${
            same3 ? ", the same as test II" : ", yet another mapping"
          }`,
        );
        filteringTests(same3 ? "address-dependent" : "address-and-port-dependent");
      });
    });
  });
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
