/**
 * The `isp` kind: an ISP's access router with subscriber interfaces, one upstream, an optional
 * carrier-grade NAT (`cgnat`) and an optional L2TP access concentrator (`lac`) for compulsory tunnels.
 */
import { Isp, type IspSettings } from "../devices/isp.ts";
import { bool, ipv4, list, obj, oneOf, type Schema, str } from "../topology/schema.ts";
import { type Agree, defineKind, optional, required, type SettingsOf } from "./kind.ts";
import { l2tpBlock } from "./l2tp_keys.ts";
import { checkForwards, checkIface, ifaceNames, natSchemas } from "./nat_keys.ts";

const cgnatBlock = obj({ ...natSchemas, inside: list(str({ nonEmpty: true }), { min: 1 }) });

/** `cgnat: true` for the carrier-grade preset as it is, or a map of NAT keys. */
const cgnat = Object.assign(
  ((v, ctx) => {
    const node = v.node as { value?: unknown } | null;
    if (node && (node.value === true || node.value === false)) return node.value;
    return cgnatBlock(v, ctx);
  }) as Schema<ReturnType<typeof cgnatBlock> | boolean>,
  { fields: cgnatBlock.fields },
);

/** The `lac` block of an isp node (its device side is src/devices/lac.ts). */
export const lacBlock = obj({
  lns: ipv4(),
  secret: str({ nonEmpty: true }),
  challenge: bool(),
  "hide-avps": bool(),
  hostname: str({ nonEmpty: true }),
  auth: oneOf(["chap", "pap"] as const),
  realm: str({ nonEmpty: true }),
  l2tp: l2tpBlock,
}, { required: ["lns"] });

const keys = {
  upstream: required(str({ nonEmpty: true })),
  subscribers: optional(list(str({ nonEmpty: true }), { min: 1 })),
  cgnat: optional(cgnat),
  lac: optional(lacBlock),
};

const _agree: Agree<SettingsOf<typeof keys>, IspSettings> = true;

/** An ISP access router. */
export const ispKind = defineKind({
  name: "isp",
  summary: "an ISP access router: subscriber interfaces, an upstream, optional carrier-grade NAT (cgnat)",
  routes: true,
  gateway: true,
  interfacesRequired: true,
  keys,
  commands: ["ping", "udp send", "udp echo", "nat flush"],
  check(node, settings, _model, report, positions) {
    const upstream = settings.upstream;
    checkIface(node, upstream, "upstream", positions.upstream, report);
    const subscribers = settings.subscribers ?? ifaceNames(node).filter((n) => n !== upstream);
    for (const name of subscribers) {
      if (!checkIface(node, name, "subscribers", positions.subscribers, report)) continue;
      if (name === upstream) report(positions.subscribers, `subscribers: ${name} is the upstream interface`);
    }
    const cgnat = settings.cgnat;
    if (cgnat && typeof cgnat === "object") {
      const inside = cgnat.inside ?? subscribers;
      for (const name of inside) checkIface(node, name, "cgnat inside", positions.cgnat, report);
      const forwards = cgnat["port-forwards"];
      if (forwards) checkForwards(node, forwards, inside, positions.cgnat, report);
    }
  },
  create: (spec, settings, ctx) => new Isp(spec, ctx, settings),
});
