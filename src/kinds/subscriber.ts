/** The `subscriber` kind: a dial-up customer whose PPP the ISP's LAC tunnels to an LNS. */
import { Subscriber, type SubscriberSettings } from "../devices/subscriber.ts";
import { oneOf, str } from "../topology/schema.ts";
import { type Agree, defineKind, optional, required, type SettingsOf } from "./kind.ts";
import { pppKeys } from "./l2tp_keys.ts";

const keys = {
  isp: required(str({ nonEmpty: true })),
  user: required(str({ nonEmpty: true })),
  password: optional(str()),
  auth: optional(oneOf(["any", "chap", "pap"] as const)),
  number: optional(str({ pattern: /^[0-9+*#]{1,32}$/, hint: "a phone number of digits" })),
  ...pppKeys,
};

const _agree: Agree<SettingsOf<typeof keys>, SubscriberSettings> = true;

/** A dial-up subscriber. */
export const subscriberKind = defineKind({
  name: "subscriber",
  summary: "a dial-up customer: its modem line to an ISP carries PPP, which the ISP's LAC tunnels to an LNS",
  routes: false,
  gateway: false,
  interfacesRequired: false,
  keys,
  commands: ["ping", "udp send", "udp echo", "dial", "hangup"],
  check(_node, settings, model, report, positions) {
    const ispName = settings.isp;
    const isp = model.nodes.find((n) => n.name === ispName);
    if (!isp) {
      report(positions.isp, `isp: there is no node "${ispName}"`);
    } else if (isp.kind !== "isp" || isp.config.lac === undefined) {
      report(
        positions.isp,
        `isp: ${ispName} is not an isp node with a lac block, so nobody answers the line`,
      );
    }
  },
  create: (spec, settings, ctx) => new Subscriber(spec, ctx, settings),
});
