/**
 * The firewall kind's device: a router whose forward hook runs every transit datagram through a
 * stateful rule list (stack/firewall/). A drop is recorded with the rule that decided; a reject also
 * answers the sender with ICMP "communication administratively prohibited" (iptables' REJECT
 * --reject-with icmp-admin-prohibited). Traffic to the firewall itself is not filtered.
 */
import type { SimContext } from "../engine/context.ts";
import { ICMP_DEST_UNREACHABLE, UNREACH_ADMIN_PROHIBITED } from "../wire/icmp.ts";
import { Firewall } from "../stack/firewall/filter.ts";
import type { FirewallSettings } from "../stack/firewall/rules.ts";
import { ACCEPT } from "../stack/ip.ts";
import { quote } from "../stack/fragment.ts";
import { Router } from "./host.ts";
import type { DeviceSpec } from "./spec.ts";

/** A stateful packet filter between its inside and outside interfaces. */
export class FirewallRouter extends Router {
  readonly firewall: Firewall;

  constructor(spec: DeviceSpec, ctx: SimContext, settings: FirewallSettings) {
    super(spec, ctx);
    this.firewall = new Firewall({
      name: spec.name,
      sched: ctx.sched,
      state: (table, key, value, summary) => this.state(table, key, value, summary),
    }, settings);
    this.ip.hooks = {
      ...this.ip.hooks,
      forward: (packet, ip, inIface) => {
        const verdict = this.firewall.check(ip, inIface.name);
        if (verdict.action === "accept") return ACCEPT;
        if (verdict.action === "reject") {
          // RFC 1812 §5.2.7.1: code 13, communication administratively prohibited.
          this.ip.sendIcmp(ip.src, {
            type: ICMP_DEST_UNREACHABLE,
            code: UNREACH_ADMIN_PROHIBITED,
            mtu: 0,
            quoted: quote(packet.bytes),
          }, { src: inIface.ip, parent: packet.id });
        }
        return { action: "drop", reason: verdict.reason };
      },
    };
  }

  override start(): void {
    super.start();
    this.firewall.publishRules();
  }
}
