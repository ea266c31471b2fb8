/** The `nat-router` kind: a home or Linux router doing NAPT between its inside and outside interfaces. */
import { NatRouter, type NatRouterSettings } from "../devices/nat-router.ts";
import { list, str } from "../topology/schema.ts";
import { type Agree, defineKind, optional, required, type SettingsOf } from "./kind.ts";
import { checkForwards, checkIface, ifaceNames, natKeys } from "./nat_keys.ts";

const keys = {
  ...natKeys,
  inside: optional(list(str({ nonEmpty: true }), { min: 1 })),
  outside: required(str({ nonEmpty: true })),
};

const _agree: Agree<SettingsOf<typeof keys>, NatRouterSettings> = true;

/** A NAT router. */
export const natRouterKind = defineKind({
  name: "nat-router",
  summary:
    "a NAT router: NAPT with RFC 4787 mapping/filtering, timeouts, port forwards, IPsec/L2TP passthrough",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys,
  commands: ["ping", "udp send", "udp echo", "nat flush"],
  check(node, settings, _model, report, positions) {
    const outside = settings.outside;
    checkIface(node, outside, "outside", positions.outside, report);
    const inside = settings.inside ?? ifaceNames(node).filter((n) => n !== outside);
    for (const name of inside) {
      if (!checkIface(node, name, "inside", positions.inside, report)) continue;
      if (name === outside) {
        report(positions.inside, `inside: ${name} is the outside interface; it cannot be both`);
      }
    }
    if (inside.length === 0) {
      report(
        positions.outside,
        `${node.name} needs an inside interface besides the outside one (${outside})`,
      );
    }
    const forwards = settings["port-forwards"];
    if (forwards) checkForwards(node, forwards, inside, positions["port-forwards"], report);
  },
  create: (spec, settings, ctx) => new NatRouter(spec, ctx, settings),
});
