/**
 * Every script command, in the order `--help` lists them. A command says what it parses; which node
 * kinds run it is each kind's `commands` list (src/kinds/index.ts joins the two).
 */
import { SECOND } from "../engine/time.ts";
import {
  argDuration,
  argInt,
  argIpv4,
  argText,
  type ArgType,
  type CommandDef,
  parseWords,
} from "../topology/commands.ts";
import { TCP_COMMANDS } from "../topology/tcp_commands.ts";
import { STUN_ALT_PORT, STUN_PORT } from "../wire/stun.ts";
import { parseMatch } from "../devices/mitm_layers.ts";
import type { ProfileBlock } from "./named_profiles.ts";

const MAX_UDP_PAYLOAD = 65507;
const port = argInt(1, 65535);

/** A byte, written `0xff` or `255`. */
const argByte: ArgType = (text) => {
  const n = /^0x[0-9a-f]{1,2}$/i.test(text)
    ? parseInt(text.slice(2), 16)
    : /^\d{1,3}$/.test(text)
    ? Number(text)
    : NaN;
  return n >= 0 && n <= 255
    ? { ok: true, value: n }
    : { ok: false, error: `"${text}" is not a byte (0 to 255, or 0x00 to 0xff)` };
};

/** What a mitm rule aims at: `ip`, `icmp`, `udp`, `udp:PORT`, `l2tp` or `esp`. */
const argMatch: ArgType = (text) => {
  const match = parseMatch(text);
  return match ? { ok: true, value: match } : {
    ok: false,
    error: `"${text}" is not a layer (ip, icmp, udp, udp:PORT, l2tp, esp)`,
  };
};

/** The TCP tools' commands (iperf, tcp connect), which hosts and routers run. */
export const TCP_TOOLS: readonly string[] = TCP_COMMANDS.map((c) => c.name);

/** A command as defined here, before the kinds that run it are filled in. */
export type CommandSpec = Omit<CommandDef, "kinds">;

/** `BLOCK connect NAME` and `BLOCK disconnect NAME`, where NAME is one of the host's profiles in that block. */
function profileCommands(block: ProfileBlock): CommandSpec[] {
  return (["connect", "disconnect"] as const).map((verb) => ({
    name: `${block} ${verb}`,
    id: `${block}-${verb}`,
    target: "node",
    usage: `${block} ${verb} NAME`,
    parse: (tokens) => parseWords(tokens, { positional: [["name", argText]], options: {} }),
  }));
}

/** The commands, node commands and link commands together. */
export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    name: "ping",
    target: "node",
    usage: "ping DST [count N] [interval T] [size N] [ttl N] [df]",
    parse: (tokens) =>
      parseWords(tokens, {
        positional: [["dst", argIpv4]],
        options: {
          count: argInt(1, 1_000_000),
          interval: argDuration,
          size: argInt(0, MAX_UDP_PAYLOAD),
          ttl: argInt(1, 255),
          df: "flag",
        },
        defaults: { count: 4, interval: SECOND, size: 56, ttl: 64, df: false },
      }),
  },
  {
    name: "udp send",
    id: "udp-send",
    target: "node",
    usage: 'udp send DST PORT [from N] [count N] [interval T] [size N] [text "..."]',
    parse: (tokens) => {
      const r = parseWords(tokens, {
        positional: [["dst", argIpv4], ["port", port]],
        options: {
          from: port,
          count: argInt(1, 1_000_000),
          interval: argDuration,
          size: argInt(0, MAX_UDP_PAYLOAD),
          text: argText,
        },
        defaults: { from: 40000, count: 1, interval: SECOND },
      });
      if (!r.ok) return r;
      const text = r.args.text as string | undefined;
      const textBytes = text === undefined ? 0 : new TextEncoder().encode(text).length;
      if (textBytes > MAX_UDP_PAYLOAD) {
        return { ok: false, error: `text is longer than ${MAX_UDP_PAYLOAD} bytes` };
      }
      const size = r.args.size as number | undefined;
      if (size !== undefined && size < textBytes) {
        const token = tokens.find((t) => t.text === "size");
        return { ok: false, error: `size ${size} is shorter than the text (${textBytes} bytes)`, token };
      }
      return { ok: true, args: { ...r.args, size: size ?? (text === undefined ? 32 : textBytes) } };
    },
  },
  {
    name: "udp echo",
    id: "udp-echo",
    target: "node",
    usage: "udp echo PORT",
    parse: (tokens) => parseWords(tokens, { positional: [["port", port]], options: {} }),
  },
  {
    name: "down",
    id: "link-down",
    target: "link",
    usage: "down",
    parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
  },
  {
    name: "up",
    id: "link-up",
    target: "link",
    usage: "up",
    parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
  },
  {
    name: "nat-check",
    target: "node",
    usage: "nat-check SERVER [port N] [rto T] [tries N]",
    parse: (tokens) =>
      parseWords(tokens, {
        positional: [["server", argIpv4]],
        options: { port: argInt(1, 65535), rto: argDuration, tries: argInt(1, 10) },
        defaults: { port: STUN_PORT, rto: 500_000, tries: 3 },
      }),
  },
  {
    name: "stun-server",
    target: "node",
    usage: "stun-server [port N] [alternate-port N]",
    parse: (tokens) =>
      parseWords(tokens, {
        positional: [],
        options: { port: argInt(1, 65535), "alternate-port": argInt(1, 65535) },
        defaults: { port: STUN_PORT, "alternate-port": STUN_ALT_PORT },
      }),
  },
  {
    name: "nat flush",
    id: "nat-flush",
    target: "node",
    usage: "nat flush",
    parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
  },
  ...profileCommands("vpn"),
  ...profileCommands("pptp"),
  {
    name: "crack mschapv2",
    id: "crack-mschapv2",
    target: "node",
    usage: "crack mschapv2",
    parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
  },
  {
    name: "psk-crack",
    target: "node",
    usage: 'psk-crack [words "WORD WORD ..."]',
    parse: (tokens) => parseWords(tokens, { positional: [], options: { words: argText } }),
  },
  {
    name: "dial",
    target: "node",
    usage: "dial",
    parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
  },
  {
    name: "hangup",
    target: "node",
    usage: "hangup",
    parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
  },
  {
    name: "mitm alter",
    id: "mitm-alter",
    target: "node",
    usage: "mitm alter MATCH offset N (xor B | set B) [count N] [from NODE]",
    parse: (tokens) => {
      const r = parseWords(tokens, {
        positional: [["match", argMatch]],
        options: {
          offset: argInt(0, 65535),
          xor: argByte,
          set: argByte,
          count: argInt(1, 1_000_000),
          from: argText,
        },
      });
      if (!r.ok) return r;
      if (r.args.offset === undefined) return { ok: false, error: "missing offset N" };
      if ((r.args.xor === undefined) === (r.args.set === undefined)) {
        return { ok: false, error: "give exactly one of xor B or set B" };
      }
      return r;
    },
  },
  {
    name: "mitm stop",
    id: "mitm-stop",
    target: "node",
    usage: "mitm stop",
    parse: (tokens) => parseWords(tokens, { positional: [], options: {} }),
  },
  ...TCP_COMMANDS,
];
