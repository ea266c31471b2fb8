/** The `stun-server` kind: a STUN server (RFC 5389/5780) with two addresses and two ports. */
import { StunServer, type StunServerSettings } from "../devices/stun-server.ts";
import { ipv4 } from "../topology/schema.ts";
import { STUN_ALT_PORT, STUN_PORT } from "../wire/stun.ts";
import { type Agree, defineKind, optional, type SettingsOf } from "./kind.ts";
import { port } from "./nat_keys.ts";

const keys = {
  "alternate-address": optional(ipv4()),
  port: optional(port),
  "alternate-port": optional(port),
};

const _agree: Agree<SettingsOf<typeof keys>, StunServerSettings> = true;

/** A STUN server. */
export const stunServerKind = defineKind({
  name: "stun-server",
  summary: "a STUN server (RFC 5389/5780) with two addresses and two ports, for nat-check",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys,
  commands: ["ping", "udp send", "udp echo", "nat-check"],
  check(node, settings, model, report, positions) {
    const alt = settings["alternate-address"];
    const first = node.interfaces[0];
    if (alt !== undefined && first) {
      if (node.interfaces.some((i) => i.ip === alt)) {
        report(positions["alternate-address"], `alternate-address ${alt} is already an interface address`);
      }
      const onLink = model.links.find((l) =>
        l.endpoints.some((e) => e.node === node.name && e.iface === first.name)
      );
      if (onLink && onLink.endpoints.length > 2) {
        report(
          positions["alternate-address"],
          `alternate-address works on a point-to-point link; ${first.name} is on the shared segment ${onLink.name} ` +
            `(give ${node.name} a second interface instead)`,
        );
      }
    }
    if (alt === undefined && node.interfaces.length < 2) {
      report(
        undefined,
        `${node.name}: a STUN server needs two addresses for RFC 5780 (set alternate-address, or give it two interfaces)`,
      );
    }
    const p = settings.port ?? STUN_PORT;
    const ap = settings["alternate-port"] ?? STUN_ALT_PORT;
    if (p === ap) report(positions["alternate-port"], `alternate-port must differ from port (${p})`);
  },
  create: (spec, settings, ctx) => new StunServer(spec, ctx, settings),
});
