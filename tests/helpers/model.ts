import type { LinkSpec, NodeSpec, ScriptAction, TopologyModel } from "../../src/topology/model.ts";

const here = { line: 1, col: 1 };

/** Compact node description for tests: `{ eth0: "10.0.0.1/24" }` plus routes `["0.0.0.0/0 via 10.0.0.254"]`. */
export function node(
  name: string,
  kind: string,
  interfaces: Record<string, string>,
  routes: string[] = [],
  config: Record<string, unknown> = {},
): NodeSpec {
  return {
    name,
    kind,
    interfaces: Object.entries(interfaces).map(([ifName, cidr]) => {
      const [ip, len] = cidr.split("/");
      return { name: ifName, ip, prefixLength: Number(len), pos: here };
    }),
    routes: routes.map((text) => {
      const [dest, , via] = text.split(" ");
      const [network, len] = dest === "default" ? ["0.0.0.0", "0"] : dest.split("/");
      return { network, prefixLength: Number(len), via, pos: here };
    }),
    config,
    pos: here,
  };
}

export function link(name: string, endpoints: string[], params: Partial<LinkSpec> = {}): LinkSpec {
  return {
    name,
    endpoints: endpoints.map((e) => ({ node: e.split(":")[0], iface: e.split(":")[1] })),
    delay: 1000,
    bandwidth: 0,
    loss: 0,
    duplicate: 0,
    jitter: 0,
    mtu: 1500,
    queue: 100,
    up: true,
    pos: here,
    ...params,
  };
}

export function action(
  at: number,
  target: { node?: string; link?: string },
  name: string,
  args: Record<string, unknown> = {},
): ScriptAction {
  return { at, ...target, do: name, command: { name, args }, pos: here };
}

export function model(
  nodes: NodeSpec[],
  links: LinkSpec[],
  script: ScriptAction[] = [],
  extra: Partial<TopologyModel> = {},
): TopologyModel {
  return {
    file: "test.yaml",
    name: "test",
    description: "",
    seed: 1,
    duration: 10_000_000,
    nodes,
    links,
    script,
    ...extra,
  };
}

/**
 * A chain laptop — r1 — … — rN — server. Link i is 10.0.0.(4i)/30 with .1 on the left and .2 on the
 * right; every router has explicit routes to every other link, so no default routes hide mistakes.
 * The server is 10.0.0.(4N+2).
 */
export function chain(routers: number, linkParams: Partial<LinkSpec> = {}): TopologyModel {
  if (routers > 62) throw new Error("chain() addresses at most 62 routers");
  const ip = (linkIndex: number, side: 1 | 2) => `10.0.0.${4 * linkIndex + side}`;
  const nodes: NodeSpec[] = [node("laptop", "host", { eth0: `${ip(0, 1)}/30` }, [`default via ${ip(0, 2)}`])];
  const links: LinkSpec[] = [];
  for (let r = 1; r <= routers; r++) {
    const routes: string[] = [];
    for (let j = 0; j <= routers; j++) {
      if (j < r - 1) routes.push(`10.0.0.${4 * j}/30 via ${ip(r - 1, 1)}`);
      if (j > r) routes.push(`10.0.0.${4 * j}/30 via ${ip(r, 2)}`);
    }
    nodes.push(node(`r${r}`, "router", { eth0: `${ip(r - 1, 2)}/30`, eth1: `${ip(r, 1)}/30` }, routes));
    links.push(link(`l${r - 1}`, [r === 1 ? "laptop:eth0" : `r${r - 1}:eth1`, `r${r}:eth0`], linkParams));
  }
  nodes.push(node("server", "host", { eth0: `${ip(routers, 2)}/30` }, [`default via ${ip(routers, 1)}`]));
  links.push(link(`l${routers}`, [`r${routers}:eth1`, "server:eth0"], linkParams));
  return model(nodes, links);
}
