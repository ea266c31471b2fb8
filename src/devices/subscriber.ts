/**
 * A dial-up subscriber: a PC whose modem calls its ISP. `dial` brings the line up and starts PPP as
 * the client (pppd with `defaultroute`); once IPCP is up, ppp0 carries the default route. It does not
 * know that the ISP's LAC tunnels its PPP to a company LNS: that is what makes the tunnel compulsory.
 * `hangup` ends PPP and drops the line.
 */
import type { SimContext } from "../engine/context.ts";
import { PppLink, publishRoutes } from "../stack/l2tp/ppp_link.ts";
import type { PppConfig } from "../stack/ppp/session.ts";
import { dial, type LineEnd } from "./dialup.ts";
import { Host } from "./host.ts";
import { echoSettings, L2TP_MRU, type PppKeys } from "./l2tp_settings.ts";
import type { DeviceSpec, ParsedCommand } from "./spec.ts";

/** A dial-up subscriber's settings: which ISP it calls, its login and PPP options. */
export interface SubscriberSettings extends PppKeys {
  isp: string;
  user: string;
  password?: string;
  auth?: "any" | "chap" | "pap";
  number?: string;
}

/** A host whose only way out may be a PPP dial-up line. */
export class Subscriber extends Host {
  readonly settings: SubscriberSettings;
  line?: LineEnd;
  link?: PppLink;

  constructor(spec: DeviceSpec, ctx: SimContext, settings: SubscriberSettings) {
    super(spec, ctx);
    this.settings = settings;
  }

  override runCommand(command: ParsedCommand): void {
    if (command.name === "dial") return this.dial();
    if (command.name === "hangup") return this.hangup();
    super.runCommand(command);
  }

  dial(): void {
    if (this.line?.up) return this.log("modem: already connected");
    const s = this.settings;
    this.log(`ATDT${s.number ?? ""} (calling ${s.isp})`);
    const line = dial(this.ctx, this.name, s.isp);
    if (!line) return this.log("NO CARRIER");
    this.line = line;
    this.log("CONNECT");
    const config: PppConfig = {
      role: "client",
      username: s.user,
      mru: s.mru ?? L2TP_MRU,
      ...(s.mtu !== undefined ? { mtu: s.mtu } : {}),
      ...echoSettings(s),
    };
    if (s.password !== undefined) config.password = s.password;
    if (s.auth !== undefined && s.auth !== "any") config.auth = s.auth;
    const link = new PppLink(this, {
      name: "ppp0",
      config,
      send: (frame, inner) => line.send(frame, inner),
    });
    this.link = link;
    line.onFrame = (frame, _inner, outer) => link.input(frame, outer);
    line.onHangup = (reason) => {
      this.log(`NO CARRIER (${reason})`);
      link.ppp.lowerDown("the line dropped");
    };
    link.onUp = (iface, info) => {
      this.ip.routes.add({ network: 0, prefixLength: 0, iface: iface.name, metric: 0, origin: "ppp" });
      publishRoutes(this);
      this.log(
        `${iface.name}: ${info.localAddress} peer ${info.peerAddress}, default route through ${iface.name}${
          info.dns.length ? `, DNS ${info.dns.join(" ")}` : ""
        }`,
        { address: info.localAddress, peer: info.peerAddress, dns: info.dns },
      );
    };
    link.onDown = (reason) => {
      if (line.up) line.hangup(`PPP ended: ${reason}`);
    };
    link.ppp.open();
  }

  hangup(): void {
    if (!this.line?.up || !this.link) return this.log("modem: not connected");
    this.link.ppp.close("User request");
  }
}
