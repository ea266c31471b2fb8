import { formatIp, inSubnet, type Ip4, networkOf } from "../wire/addr.ts";

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

  get routes(): readonly Route[] {
    return this.#routes;
  }

  add(route: Route): void {
    const normalised = { ...route, network: networkOf(route.network, route.prefixLength) };
    // Keep the table sorted so lookup is a first-match scan.
    let i = 0;
    while (i < this.#routes.length && precedes(this.#routes[i], normalised)) i++;
    this.#routes.splice(i, 0, normalised);
  }

  remove(predicate: (route: Route) => boolean): Route[] {
    const removed = this.#routes.filter(predicate);
    this.#routes = this.#routes.filter((route) => !predicate(route));
    return removed;
  }

  lookup(dst: Ip4, usable: (iface: string) => boolean = () => true): Route | undefined {
    for (const route of this.#routes) {
      if (inSubnet(dst, route.network, route.prefixLength) && usable(route.iface)) return route;
    }
    return undefined;
  }
}

function precedes(a: Route, b: Route): boolean {
  if (a.prefixLength !== b.prefixLength) return a.prefixLength > b.prefixLength;
  return a.metric <= b.metric;
}

export function formatRoute(route: Route): string {
  const dest = route.prefixLength === 0 ? "default" : `${formatIp(route.network)}/${route.prefixLength}`;
  return `${dest}${route.via !== undefined ? ` via ${formatIp(route.via)}` : ""} dev ${route.iface}` +
    (route.metric ? ` metric ${route.metric}` : "") + ` (${route.origin})`;
}
