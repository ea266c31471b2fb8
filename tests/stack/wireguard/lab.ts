/**
 * The WireGuard test network as YAML: a laptop behind a home router (preset home-router), an ISP, the
 * office gateway with wg0 and a server behind it, like topologies/wireguard-home-router.yaml, with
 * knobs for the scenarios. Optionally the laptop has a second uplink (an LTE modem behind a
 * carrier NAT) used when the Wi-Fi link goes down, to make it roam.
 */
import { formatTopologyError, loadTopology } from "../../../src/topology/load.ts";
import type { TopologyModel } from "../../../src/topology/model.ts";

export const LAPTOP_PRIVATE = "gFY0aylhXZFWkYCoye0VISwfrkjrjsSDzFFbqYLAgF0=";
export const LAPTOP_PUBLIC = "TCcCzDzou2c04udhjyvHaWJPaNTeLOzW1QNEUvwSXhk=";
export const OFFICE_PRIVATE = "gNvoOFzBFoEXJW5jpqdlekr+f0pg6G7Ljoqly5PknVY=";
export const OFFICE_PUBLIC = "0vp2BzXbYFyXrIuLGlMpwewYp0jzABofV4frwZxjPC4=";

export interface LabOptions {
  duration?: string;
  keepalive?: string;
  underLoad?: number;
  laptopAllowedAtOffice?: string;
  laptopAddress?: string;
  psk?: { laptop: string; office: string };
  lte?: boolean;
  script?: string[];
}

export function wireguardLab(options: LabOptions = {}): TopologyModel {
  const psk = (which: "laptop" | "office") =>
    options.psk ? `\n          preshared-key: "${options.psk[which]}"` : "";
  const lte = options.lte
    ? `
  carrier:
    kind: nat-router
    preset: home-router
    interfaces: { lan0: 100.64.0.1/24, wan0: 192.0.2.2/24 }
    inside: [lan0]
    outside: wan0
    gateway: 192.0.2.1`
    : "";
  const lteLink = options.lte
    ? "\n  - { name: lte, endpoints: [laptop:eth1, carrier:lan0], delay: 20ms }\n  - { name: lte-access, endpoints: [carrier:wan0, isp:lte0] }"
    : "";
  const yaml = `
name: wireguard-lab
seed: 3
duration: ${options.duration ?? "20s"}
nodes:
  laptop:
    kind: host
    interfaces: { eth0: 192.168.1.10/24${options.lte ? ", eth1: 100.64.0.10/24" : ""} }
    routes:
      - { to: default, via: 192.168.1.1 }${
    options.lte ? "\n      - { to: default, via: 100.64.0.1, metric: 10 }" : ""
  }
    wireguard:
      private-key: "${LAPTOP_PRIVATE}"
      address: ${options.laptopAddress ?? "10.99.0.2/24"}
      peers:
        - name: office
          public-key: "${OFFICE_PUBLIC}"${psk("laptop")}
          endpoint: 203.0.113.10:51820
          allowed-ips: [10.99.0.0/24, 10.10.0.0/24]
          persistent-keepalive: ${options.keepalive ?? "off"}
  home-router:
    kind: nat-router
    preset: home-router
    interfaces: { lan0: 192.168.1.1/24, wan0: 198.51.100.2/24 }
    inside: [lan0]
    outside: wan0
    gateway: 198.51.100.1${lte}
  isp:
    kind: router
    interfaces: { sub0: 198.51.100.1/24, wan0: 203.0.113.1/24${options.lte ? ", lte0: 192.0.2.1/24" : ""} }
  office-gw:
    kind: router
    interfaces: { wan0: 203.0.113.10/24, lan0: 10.10.0.1/24 }
    routes:
      - { to: default, via: 203.0.113.1 }
    wireguard:
      private-key: "${OFFICE_PRIVATE}"
      address: 10.99.0.1/24${
    options.underLoad !== undefined ? `\n      under-load: ${options.underLoad}` : ""
  }
      peers:
        - name: laptop
          public-key: "${LAPTOP_PUBLIC}"${psk("office")}
          allowed-ips: [${options.laptopAllowedAtOffice ?? "10.99.0.2/32"}]
  server:
    kind: host
    interfaces: { eth0: 10.10.0.5/24 }
    gateway: 10.10.0.1
links:
  - { name: home-lan, endpoints: [laptop:eth0, home-router:lan0] }
  - { name: access, endpoints: [home-router:wan0, isp:sub0], delay: 5ms }
  - { name: office-wan, endpoints: [isp:wan0, office-gw:wan0], delay: 10ms }
  - { name: office-lan, endpoints: [office-gw:lan0, server:eth0] }${lteLink}
script:
${
    (options.script ?? ["{ at: 1s, node: laptop, do: ping 10.10.0.5 count 2 }"]).map((line) => `  - ${line}`)
      .join("\n")
  }
`;
  const loaded = loadTopology(yaml, "wireguard-lab.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map(formatTopologyError).join("\n") + "\n" + yaml);
  return loaded.model;
}
