/**
 * A PPTP server (pptpd with pppd, or Windows RRAS): it answers the control connection and the call,
 * then runs PPP as the server over GRE: MS-CHAPv2 against its users, MPPE required, an address from its
 * pool, DNS servers, and routes between its callers and its LAN like the LNS does for L2TP.
 */
import type { SimContext } from "../engine/context.ts";
import { SECOND } from "../engine/time.ts";
import { AddressPool } from "../stack/l2tp/pool.ts";
import { PppLink } from "../stack/l2tp/ppp_link.ts";
import type { GreCall } from "../stack/pptp/gre_call.ts";
import { PptpPac } from "../stack/pptp/pac.ts";
import type { PppConfig } from "../stack/ppp/session.ts";
import { formatIp } from "../wire/addr.ts";
import { Router } from "./host.ts";
import { echoSettings } from "./l2tp_settings.ts";
import { PPTP_MRU } from "./pptp_client.ts";
import { leaseAddress, type PppServerSettings, publishPool } from "./ppp_server.ts";
import type { DeviceSpec } from "./spec.ts";
import { tcpOf } from "./tcp_host.ts";

/** A PPTP server's settings. */
export interface PptpServerSettings extends PppServerSettings {
  hostname?: string;
  users: Record<string, string>;
  echo?: number;
}

/** A PPTP server: a router whose extra interfaces are its callers' PPP links. */
export class PptpServer extends Router {
  readonly pool: AddressPool;
  #number = 0;

  constructor(spec: DeviceSpec, ctx: SimContext, readonly settings: PptpServerSettings) {
    super(spec, ctx);
    this.pool = new AddressPool(settings.pool.first, settings.pool.last);
  }

  override start(): void {
    super.start();
    const s = this.settings;
    new PptpPac(this, tcpOf(this), s.hostname ?? this.name, s.echo ?? 60 * SECOND, {
      callUp: (call) => this.#call(call),
    }).start();
    publishPool(this, this.pool);
  }

  #call(call: GreCall): { open(): void; hangUp(reason: string): void } | string {
    const lease = leaseAddress(this, this.pool);
    if (!lease) return `pool ${this.pool.toString()} exhausted`;
    const { address, release } = lease;
    const s = this.settings;
    const name = `ppp${this.#number++}`;
    const config: PppConfig = {
      role: "server",
      auth: "mschapv2",
      mppe: true,
      users: s.users,
      localAddress: s["local-address"],
      allocateAddress: () => formatIp(address),
      releaseAddress: () => {},
      mru: s.mru ?? PPTP_MRU,
      ...(s.mtu !== undefined ? { mtu: s.mtu } : {}),
      name: s.hostname ?? this.name,
      ...echoSettings(s),
      ...(s.dns ? { dns: s.dns } : {}),
    };
    const link = new PppLink(this, { name, config, send: (frame, inner) => (call.send(frame, inner), true) });
    call.onFrame = (frame, outer) => link.input(frame, outer);
    link.onUp = (_iface, info) => {
      this.log(
        `${this.name}: ${
          info.user ?? "peer"
        } is connected on ${name}: ${info.peerAddress} (PPTP call ${call.localCallId})`,
        {
          user: info.user,
          address: info.peerAddress,
          iface: name,
        },
      );
    };
    link.onDown = release;
    return {
      open: () => link.ppp.open(),
      hangUp: (reason) => {
        link.ppp.lowerDown(reason);
        release();
      },
    };
  }
}
