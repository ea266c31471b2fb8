/**
 * The script commands of the TCP tools: `iperf server [port N]`, `iperf client DST [bytes N | time T]
 * [port N]` and `tcp connect DST PORT`, their word parsers and the handlers every host runs them with.
 */
import { SECOND } from "../../engine/time.ts";
import {
  argDuration,
  argInt,
  argIpv4,
  type ArgType,
  parseWords,
  registerCommand,
} from "../../topology/commands.ts";
import { parseIp } from "../../wire/addr.ts";
import { registerNodeCommand } from "../device.ts";
import { IPERF_PORT, startIperfClient, startIperfServer } from "./iperf.ts";
import { startTcpConnect } from "./tcp_connect.ts";

const UNITS: Record<string, number> = {
  "": 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
};
const MAX_BYTES = 4 * 1024 ** 3;

/** A byte count like iperf3's `-n`: `1000`, `500KB`, `1M` (K, M, G are powers of 1024, as in iperf3). */
export const argBytes: ArgType = (text) => {
  const match = /^(\d+(?:\.\d+)?)([KMG]B?)?$/i.exec(text);
  if (!match) return { ok: false, error: `bad size "${text}" (write it like 500KB or 1MB)` };
  const bytes = Math.round(Number(match[1]) * UNITS[(match[2] ?? "").toUpperCase()]);
  if (bytes < 1 || bytes > MAX_BYTES) {
    return { ok: false, error: `size ${text} is out of range (1 byte to 4GB)` };
  }
  return { ok: true, value: bytes };
};

const port = argInt(1, 65535);
const TCP_KINDS = ["host", "router"];

registerCommand({
  name: "iperf server",
  id: "iperf-server",
  target: "node",
  kinds: [...TCP_KINDS],
  usage: "iperf server [port N]",
  parse: (tokens) =>
    parseWords(tokens, { positional: [], options: { port }, defaults: { port: IPERF_PORT } }),
});

registerCommand({
  name: "iperf client",
  id: "iperf-client",
  target: "node",
  kinds: [...TCP_KINDS],
  usage: "iperf client DST [bytes N | time T] [port N]",
  parse: (tokens) => {
    const r = parseWords(tokens, {
      positional: [["dst", argIpv4]],
      options: { bytes: argBytes, time: argDuration, port },
      defaults: { port: IPERF_PORT },
    });
    if (!r.ok) return r;
    if (r.args.bytes !== undefined && r.args.time !== undefined) {
      return {
        ok: false,
        error: "give bytes or time, not both",
        token: tokens.find((t) => t.text === "time"),
      };
    }
    return { ok: true, args: { ...r.args, time: r.args.time ?? 10 * SECOND } };
  },
});

registerCommand({
  name: "tcp connect",
  id: "tcp-connect",
  target: "node",
  kinds: [...TCP_KINDS],
  usage: "tcp connect DST PORT",
  parse: (tokens) => parseWords(tokens, { positional: [["dst", argIpv4], ["port", port]], options: {} }),
});

registerNodeCommand("iperf-server", (device, command) => startIperfServer(device, Number(command.args.port)));
registerNodeCommand("iperf-client", (device, command) =>
  startIperfClient(device, {
    dst: parseIp(String(command.args.dst))!,
    port: Number(command.args.port),
    bytes: command.args.bytes as number | undefined,
    time: Number(command.args.time ?? 10 * SECOND),
  }));
registerNodeCommand(
  "tcp-connect",
  (device, command) => startTcpConnect(device, parseIp(String(command.args.dst))!, Number(command.args.port)),
);
