/**
 * The routing table: longest-prefix match over static, connected and PPP routes. Lookups are indexed by
 * prefix length and network, so a router with a thousand PPP host routes (an LNS) still decides each
 * packet in a handful of map probes; the ordered list stays for the routes table the view shows.
 */
import { formatIp, type Ip4, networkOf } from "../wire/addr.ts";

export type RouteOrigin = "connected" | "static" | "ppp" | "default";

export interface Route {
  network: Ip4;
  prefixLength: number;
  /** Next hop; absent when the destination is on the link itself. */
  via?: Ip4;
  iface: string;
  metric: number;
  origin: RouteOrigin;
}

/** Longest-prefix-match routing table; ties go to the lower metric, then to the earlier route. */
export class RoutingTable {
  #routes: Route[] = [];
  /** Prefix length → network → the routes for it, in table order (metric, then age). */
  #index = new Map<number, Map<Ip4, Route[]>>();
  /** The prefix lengths present, longest first: the order a lookup tries them in. */
  #lengths: number[] = [];

  /** Every route in precedence order: longer prefix first, then lower metric, then older. */
  get routes(): readonly Route[] {
    return this.#routes;
  }

  add(route: Route): void {
    const normalised = { ...route, network: networkOf(route.network, route.prefixLength) };
    const at = this.#insertionPoint(normalised);
    this.#routes.splice(at, 0, normalised);
    let byNetwork = this.#index.get(normalised.prefixLength);
    if (!byNetwork) {
      byNetwork = new Map();
      this.#index.set(normalised.prefixLength, byNetwork);
      this.#lengths.push(normalised.prefixLength);
      this.#lengths.sort((a, b) => b - a);
    }
    const same = byNetwork.get(normalised.network);
    if (!same) byNetwork.set(normalised.network, [normalised]);
    else {
      // Same place among its network's routes as in the whole table: after every route that precedes it.
      let i = 0;
      while (i < same.length && precedes(same[i], normalised)) i++;
      same.splice(i, 0, normalised);
    }
  }

  remove(predicate: (route: Route) => boolean): Route[] {
    const removed = this.#routes.filter(predicate);
    if (removed.length === 0) return removed;
    this.#routes = this.#routes.filter((route) => !predicate(route));
    for (const route of removed) {
      const byNetwork = this.#index.get(route.prefixLength)!;
      const same = byNetwork.get(route.network)!;
      same.splice(same.indexOf(route), 1);
      if (same.length > 0) continue;
      byNetwork.delete(route.network);
      if (byNetwork.size > 0) continue;
      this.#index.delete(route.prefixLength);
      this.#lengths.splice(this.#lengths.indexOf(route.prefixLength), 1);
    }
    return removed;
  }

  /** The first route, in precedence order, that covers `dst` and whose interface is usable. */
  lookup(dst: Ip4, usable: (iface: string) => boolean = () => true): Route | undefined {
    for (const length of this.#lengths) {
      const same = this.#index.get(length)!.get(networkOf(dst, length));
      if (same === undefined) continue;
      for (const route of same) if (usable(route.iface)) return route;
    }
    return undefined;
  }

  /** Binary search for the first position whose route does not precede `route`. */
  #insertionPoint(route: Route): number {
    let low = 0;
    let high = this.#routes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (precedes(this.#routes[mid], route)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function precedes(a: Route, b: Route): boolean {
  if (a.prefixLength !== b.prefixLength) return a.prefixLength > b.prefixLength;
  return a.metric <= b.metric;
}

/** A row of the `routes` table as the trace holds it: key "00", "01", …; value null when removed. */
export interface RouteRow {
  key: string;
  value: { route: string } | null;
}

/**
 * The `routes` table as last published, so a change records only the rows it altered: a new PPP host
 * route at an LNS with a thousand sessions changes a few rows, not a thousand.
 */
export class PublishedRoutes {
  #routes: Route[] = [];
  #texts: string[] = [];

  /** The rows of `routes` that differ from the last call (and the rows past its end), remembered. */
  changes(routes: readonly Route[]): RouteRow[] {
    const rows: RouteRow[] = [];
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i];
      if (this.#routes[i] === route) continue; // routes are never changed in place
      const text = formatRoute(route);
      this.#routes[i] = route;
      if (this.#texts[i] === text) continue;
      this.#texts[i] = text;
      rows.push({ key: rowKey(i), value: { route: text } });
    }
    for (let i = routes.length; i < this.#texts.length; i++) rows.push({ key: rowKey(i), value: null });
    this.#routes.length = routes.length;
    this.#texts.length = routes.length;
    return rows;
  }
}

function rowKey(index: number): string {
  return String(index).padStart(2, "0");
}

/** One route as `ip route` would print it, with where it came from. */
export function formatRoute(route: Route): string {
  const dest = route.prefixLength === 0 ? "default" : `${formatIp(route.network)}/${route.prefixLength}`;
  return `${dest}${route.via !== undefined ? ` via ${formatIp(route.via)}` : ""} dev ${route.iface}` +
    (route.metric ? ` metric ${route.metric}` : "") + ` (${route.origin})`;
}
