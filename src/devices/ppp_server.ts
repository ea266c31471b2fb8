/**
 * What the two dial-in servers, the LNS and the PPTP server, share behind their different tunnels: the
 * PPP server part of their settings, and the pool each caller's address is leased from, published as
 * the `ip-pool` table every time a lease is taken or given back.
 */
import type { AddressPool } from "../stack/l2tp/pool.ts";
import type { Ip4 } from "../wire/addr.ts";
import type { Device } from "./device.ts";
import type { PppKeys } from "./l2tp_settings.ts";

/** The settings a dial-in server's PPP side reads (src/kinds/ppp_server_keys.ts reads them from YAML). */
export interface PppServerSettings extends PppKeys {
  pool: { first: number; last: number };
  "local-address": string;
  dns?: string[];
}

/** Publishes the pool's row of the `ip-pool` table. */
export function publishPool(device: Device, pool: AddressPool): void {
  device.state("ip-pool", "pool", { range: pool.toString(), used: pool.used, free: pool.size - pool.used });
}

/** One caller's address and the way to give it back. */
export interface Lease {
  address: Ip4;
  release(): void;
}

/**
 * Takes the lowest free address for one call, or undefined when the pool is exhausted. A call can end
 * along several paths (PPP going down, a hang-up, the tunnel's session closing), so only the first
 * release gives the address back: by the next one a new call may already hold it.
 */
export function leaseAddress(device: Device, pool: AddressPool): Lease | undefined {
  const address = pool.take();
  if (address === undefined) return undefined;
  publishPool(device, pool);
  let released = false;
  return {
    address,
    release() {
      if (released) return;
      released = true;
      pool.release(address);
      publishPool(device, pool);
    },
  };
}
