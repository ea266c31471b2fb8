/**
 * Schemas the L2TP kinds share: the `l2tp:` timer block of every role, pppd's keepalive keys, the LNS's
 * address pool and user list.
 */
import { SECOND } from "../engine/time.ts";
import { type Ctx, duration, int, obj, readMap, type Schema, str, type Val } from "../topology/schema.ts";
import { parseIpv4 } from "../topology/values.ts";
import { optional } from "./kind.ts";

/** An address range `10.10.99.100-10.10.99.199`, as xl2tpd's `ip range`. */
export interface PoolRange {
  first: number;
  last: number;
}

/** Reads `first-last` (both dotted quads, first ≤ last, at most 65536 addresses). */
export function poolRange(): Schema<PoolRange> {
  const text = str({ hint: "an address range like 10.10.99.100-10.10.99.199" });
  return (v, ctx) => {
    const s = text(v, ctx);
    if (s === undefined) return undefined;
    const parts = s.split("-").map((p) => p.trim());
    const hint = "write it like 10.10.99.100-10.10.99.199 (first address, a dash, last address)";
    if (parts.length !== 2) {
      ctx.error(v.pos, `${v.label}: "${s}" is not an address range (${hint})`);
      return undefined;
    }
    const first = parseIpv4(parts[0]);
    const last = parseIpv4(parts[1]);
    if (!first.ok || !last.ok) {
      ctx.error(v.pos, `${v.label}: ${!first.ok ? first.error : (last as { error: string }).error}`);
      return undefined;
    }
    if (first.value > last.value) {
      ctx.error(v.pos, `${v.label}: ${parts[0]} comes after ${parts[1]}; write the lower address first`);
      return undefined;
    }
    if (last.value - first.value >= 65536) {
      ctx.error(v.pos, `${v.label}: ${s} holds more than 65536 addresses`);
      return undefined;
    }
    return { first: first.value, last: last.value };
  };
}

/** A map of user names to passwords (`alice: wonderland`), like pppd's chap-secrets. */
export function users(): Schema<Record<string, string>> {
  return (v: Val, ctx: Ctx) => {
    const entries = readMap(v, ctx, { expected: "a map of user names to passwords, like alice: wonderland" });
    if (!entries) return undefined;
    const out: Record<string, string> = {};
    let ok = true;
    for (const [name, entry] of entries) {
      const password = str()({ ...entry.val, label: `password of ${name}` }, ctx);
      if (password === undefined) ok = false;
      else out[name] = password;
    }
    return ok ? out : undefined;
  };
}

/** Timers and options of the L2TP control connection, shared by every role. */
export const l2tpBlock = obj({
  hello: duration(SECOND),
  retransmit: duration(1000),
  "retransmit-cap": duration(1000),
  retries: int(0, 30),
  window: int(1, 65535),
  "ack-delay": duration(0),
});

/** PPP's echo keepalive, as pppd's lcp-echo-interval and lcp-echo-failure, and the MRU to ask for. */
export const pppSchemas = {
  mru: int(128, 16384),
  "lcp-echo-interval": duration(0),
  "lcp-echo-failure": int(0, 1000),
};

/** The PPP keys of a node kind. */
export const pppKeys = {
  mru: optional(pppSchemas.mru),
  "lcp-echo-interval": optional(pppSchemas["lcp-echo-interval"]),
  "lcp-echo-failure": optional(pppSchemas["lcp-echo-failure"]),
};
