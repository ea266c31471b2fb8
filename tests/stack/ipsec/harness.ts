/**
 * Test helpers for IPsec scenarios. Nodes whose spec carries `config.ipsec` get IPsec from the
 * network builder (src/topology/build.ts), exactly as in a real run.
 */
import { ipsecLayerOf } from "../../../src/stack/ipsec/attach.ts";
import type { IpsecLayer } from "../../../src/stack/ipsec/ipsec_layer.ts";
import type { SimResult } from "../../../src/sim.ts";
import "../../../src/wire/esp.ts";
import { action, link, model, node } from "../../helpers/model.ts";
import type { LinkSpec, TopologyModel } from "../../../src/topology/model.ts";
import type { TraceRecord } from "../../../src/trace/record.ts";
import { SECOND } from "../../../src/engine/time.ts";

/** The IPsec engine of a node after a run. */
export function engineOf(result: SimResult, node: string): IpsecLayer {
  const device = result.network.devices.get(node);
  const engine = device && ipsecLayerOf(device);
  if (!engine) throw new Error(`${node} has no IPsec engine`);
  return engine;
}

export const CLIENT = "192.168.1.10";
export const SERVER = "203.0.113.10";
export const NAT_PUBLIC = "198.51.100.7";
export const PSK = "classroom-secret";

export interface LabOptions {
  client?: Record<string, unknown> | null;
  server?: Record<string, unknown> | null;
  /** Put a nat-router with these settings between the client and the Internet. */
  nat?: Record<string, unknown>;
  /** Parameters of the client's access link. */
  access?: Partial<LinkSpec>;
  datagrams?: number;
  duration?: number;
  extra?: Parameters<typeof model>[2];
}

/**
 * client (192.168.1.10) — [home NAT 198.51.100.7 | router] — r — server (203.0.113.10). The server
 * echoes UDP 1701; the client sends `datagrams` datagrams from port 1701 a second apart from t = 1 s.
 * Without `nat` the client's LAN is routed, not translated.
 */
export function ipsecLab(options: LabOptions = {}): TopologyModel {
  const clientIpsec = options.client === null ? {} : {
    ipsec: { psk: PSK, peers: [SERVER], ...options.client },
  };
  const serverIpsec = options.server === null ? {} : { ipsec: { psk: PSK, peers: "any", ...options.server } };
  const edge = options.nat
    ? node("home", "nat-router", { lan: "192.168.1.1/24", wan: `${NAT_PUBLIC}/24` }, [
      "default via 198.51.100.1",
    ], {
      outside: "wan",
      ...options.nat,
    })
    : node("home", "router", { lan: "192.168.1.1/24", wan: `${NAT_PUBLIC}/24` }, [
      "default via 198.51.100.1",
    ]);
  const nodes = [
    node("client", "host", { eth0: `${CLIENT}/24` }, ["default via 192.168.1.1"], clientIpsec),
    edge,
    node(
      "r",
      "router",
      { eth0: "198.51.100.1/24", eth1: "203.0.113.1/24" },
      options.nat ? [] : [
        "192.168.1.0/24 via 198.51.100.7",
      ],
    ),
    node("server", "host", { eth0: `${SERVER}/24` }, ["default via 203.0.113.1"], serverIpsec),
  ];
  const links = [
    link("lan", ["client:eth0", "home:lan"], options.access),
    link("wan", ["home:wan", "r:eth0"]),
    link("dmz", ["r:eth1", "server:eth0"]),
  ];
  const script = [
    action(0, { node: "server" }, "udp-echo", { port: 1701 }),
    action(SECOND, { node: "client" }, "udp-send", {
      dst: SERVER,
      port: 1701,
      from: 1701,
      count: options.datagrams ?? 3,
      interval: SECOND,
      size: 40,
    }),
    ...(options.extra ?? []),
  ];
  return model(nodes, links, script, { duration: options.duration ?? 30 * SECOND });
}

/** App lines a node printed. */
export function logs(records: readonly TraceRecord[], node: string): string[] {
  return records.filter((r) => r.kind === "app" && r.node === node).map((r) => r.summary);
}

/** Drop reasons at a node. */
export function dropReasons(records: readonly TraceRecord[], node?: string): string[] {
  return records.filter((r) => r.kind === "drop" && (node === undefined || r.node === node)).map((r) =>
    r.reason!
  );
}

/** The `tx` records of a link, in order. */
export function onLink(records: readonly TraceRecord[], linkName: string): TraceRecord[] {
  return records.filter((r) => r.kind === "tx" && r.link === linkName);
}
