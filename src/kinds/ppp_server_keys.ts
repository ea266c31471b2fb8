/**
 * What the two PPP server kinds (`lns`, `pptp-server`) read alike: the pool they lease from, their own
 * end of every link and the DNS servers they hand out, and the check that the pool cannot lease an
 * address the server itself holds.
 */
import { ipv4, list } from "../topology/schema.ts";
import type { NodeSpec, SourcePos } from "../topology/model.ts";
import { formatIpv4, parseIpv4 } from "../topology/values.ts";
import { optional, type Report, required } from "./kind.ts";
import { type PoolRange, poolRange } from "./l2tp_keys.ts";

/** The keys of a PPP server's address plan. */
export const pppServerKeys = {
  pool: required(poolRange()),
  "local-address": required(ipv4()),
  dns: optional(list(ipv4(), { min: 1 })),
};

function inRange(ip: number, pool: PoolRange): boolean {
  return ip >= pool.first && ip <= pool.last;
}

/**
 * Reports a pool that holds the server's `local-address` or one of its interface addresses: the server
 * would lease its own address to a client. `server` names it in the message ("the LNS").
 */
export function checkPool(
  node: NodeSpec,
  settings: { pool: PoolRange; "local-address": string },
  report: Report,
  positions: Record<string, SourcePos>,
  server: string,
): void {
  const pool = settings.pool;
  const local = parseIpv4(settings["local-address"]);
  if (local.ok && inRange(local.value, pool)) {
    report(
      positions["local-address"],
      `local-address ${
        formatIpv4(local.value)
      } lies inside the pool; ${server} would hand its own address out`,
    );
  }
  for (const iface of node.interfaces) {
    const ip = parseIpv4(iface.ip);
    if (ip.ok && inRange(ip.value, pool)) {
      report(positions.pool, `pool: ${iface.ip} (interface ${iface.name}) lies inside the pool`);
    }
  }
}
