/**
 * The script commands of the TCP tools: `iperf server [port N]`, `iperf client DST [bytes N | time T]
 * [port N]` and `tcp connect DST PORT`, with their word parsers. Devices run them by id (see
 * src/devices/apps/tcp_tools.ts).
 */
import { SECOND } from "../engine/time.ts";
import { argDuration, argInt, argIpv4, type ArgType, type CommandDef, parseWords } from "./commands.ts";

/** iperf3's default port. */
const IPERF_PORT = 5201;
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

/** The TCP tools' commands (the kinds that run them list them: src/kinds/host.ts, router.ts). */
export const TCP_COMMANDS: Omit<CommandDef, "kinds">[] = [
  {
    name: "iperf server",
    id: "iperf-server",
    target: "node",
    usage: "iperf server [port N]",
    parse: (tokens) =>
      parseWords(tokens, { positional: [], options: { port }, defaults: { port: IPERF_PORT } }),
  },

  {
    name: "iperf client",
    id: "iperf-client",
    target: "node",
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
  },

  {
    name: "tcp connect",
    id: "tcp-connect",
    target: "node",
    usage: "tcp connect DST PORT",
    parse: (tokens) => parseWords(tokens, { positional: [["dst", argIpv4], ["port", port]], options: {} }),
  },
];
