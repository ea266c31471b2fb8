/**
 * How a device runs the TCP tools' script commands (`iperf server`, `iperf client`, `tcp connect`), by
 * the command ids their parsers in src/topology/tcp_commands.ts produce.
 */
import { SECOND } from "../../engine/time.ts";
import { parseIp } from "../../wire/addr.ts";
import type { Device } from "../device.ts";
import type { ParsedCommand } from "../spec.ts";
import { startIperfClient, startIperfServer } from "./iperf.ts";
import { startTcpConnect } from "./tcp_connect.ts";

/** Runs one TCP tool command on a device. */
export type TcpCommandHandler = (device: Device, command: ParsedCommand) => void;

/** Handlers by command id; hosts and routers run them (src/devices/host.ts). */
export const TCP_NODE_COMMANDS: Record<string, TcpCommandHandler> = {
  "iperf-server": (device, command) => startIperfServer(device, Number(command.args.port)),
  "iperf-client": (device, command) =>
    startIperfClient(device, {
      dst: parseIp(String(command.args.dst))!,
      port: Number(command.args.port),
      bytes: command.args.bytes as number | undefined,
      time: Number(command.args.time ?? 10 * SECOND),
    }),
  "tcp-connect": (device, command) =>
    startTcpConnect(device, parseIp(String(command.args.dst))!, Number(command.args.port)),
};
