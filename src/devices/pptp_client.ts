/**
 * A host's PPTP client (Windows' built-in VPN, or pptp-linux with pppd): `pptp connect office` opens
 * the control connection to the profile's server, places the call and runs PPP over GRE as the client
 * (MS-CHAPv2 with the user's password, then CCP for MPPE, then IPCP). Once the link is up, ppp0 takes
 * the default route, with a host route to the server through the old gateway so the tunnel does not
 * try to go through itself. `pptp disconnect office` ends PPP, the call and the control connection.
 */
import { SECOND } from "../engine/time.ts";
import { type PppInterface, PppLink, publishRoutes, serverHostRoute } from "../stack/l2tp/ppp_link.ts";
import type { GreCall } from "../stack/pptp/gre_call.ts";
import { PptpPns } from "../stack/pptp/pns.ts";
import type { PppConfig, PppUpInfo } from "../stack/ppp/session.ts";
import type { Route } from "../stack/routing.ts";
import { parseIp } from "../wire/addr.ts";
import type { Device } from "./device.ts";
import { echoSettings, type PppKeys } from "./l2tp_settings.ts";
import { tcpOf } from "./tcp_host.ts";

/** The MRU PPTP clients ask for (Windows and pptp-linux: 1400, below 1500 minus the GRE, IP and PPP headers). */
export const PPTP_MRU = 1400;

/** One `pptp` profile as the loader left it. */
export interface PptpProfile extends PppKeys {
  server: string;
  user: string;
  password: string;
  /** Control-connection Echo-Request after this much silence (RFC 2637 §2.5 suggests 60 s). */
  echo?: number;
}

interface Connection {
  name: string;
  profile: PptpProfile;
  pns: PptpPns;
  link?: PppLink;
  saved: Route[];
  added: Route[];
}

/** The PPTP side of one host. */
export class PptpClient {
  readonly #connections = new Map<string, Connection>();

  constructor(readonly device: Device, readonly profiles: Readonly<Record<string, PptpProfile>>) {}

  connect(name: string): void {
    const device = this.device;
    const profile = this.profiles[name];
    if (!profile) return device.log(`pptp: no profile "${name}"`);
    if (this.#connections.has(name)) return device.log(`pptp ${name}: already connected or connecting`);
    device.log(`pptp ${name}: connecting to ${profile.server} (PPTP, user ${profile.user})`);
    const events = {
      callUp: (call: GreCall) => this.#startPpp(connection, call),
      down: (reason: string) => {
        connection.link?.ppp.lowerDown(`PPTP control connection closed: ${reason}`);
        this.#finished(connection, reason);
      },
    };
    const server = parseIp(profile.server)!;
    const echo = profile.echo ?? 60 * SECOND;
    const pns = new PptpPns(device, tcpOf(device), server, device.name, echo, events);
    const connection: Connection = { name, profile, pns, saved: [], added: [] };
    this.#connections.set(name, connection);
    this.#publish(connection, "connecting");
    connection.pns.start();
  }

  disconnect(name: string): void {
    const connection = this.#connections.get(name);
    if (!connection) return this.device.log(`pptp ${name}: not connected`);
    this.device.log(`pptp ${name}: disconnecting`);
    if (connection.link && connection.link.ppp.phase !== "dead") {
      return connection.link.ppp.close("User request");
    }
    connection.pns.hangUp();
  }

  #startPpp(connection: Connection, call: GreCall): void {
    const p = connection.profile;
    const config: PppConfig = {
      role: "client",
      auth: "mschapv2",
      mppe: true,
      username: p.user,
      password: p.password,
      mru: p.mru ?? PPTP_MRU,
      ...(p.mtu !== undefined ? { mtu: p.mtu } : {}),
      ...echoSettings(p),
    };
    const link = new PppLink(this.device, {
      name: "ppp0",
      config,
      send: (frame, inner) => (call.send(frame, inner), true),
    });
    connection.link = link;
    call.onFrame = (frame, outer) => link.input(frame, outer);
    link.onUp = (iface, info) => this.#up(connection, iface, info);
    link.onDown = (reason) => {
      this.#restore(connection);
      connection.pns.hangUp(`PPP: ${reason}`);
    };
    link.ppp.open();
  }

  #up(connection: Connection, iface: PppInterface, info: PppUpInfo): void {
    const ip = this.device.ip;
    this.#restore(connection);
    const server = parseIp(connection.profile.server)!;
    const pinned = serverHostRoute(ip, server, iface.name);
    if (pinned) this.#add(connection, pinned);
    connection.saved = ip.routes.remove((r) => r.prefixLength === 0);
    this.#add(connection, { network: 0, prefixLength: 0, iface: iface.name, metric: 0, origin: "ppp" });
    this.#publish(connection, "connected", info);
    this.device.log(
      `pptp ${connection.name}: connected: ${iface.name} ${info.localAddress} peer ${info.peerAddress}, mtu ${iface.mtu}, MPPE 128-bit, all traffic through the tunnel`,
      { pptp: connection.name, address: info.localAddress, peer: info.peerAddress },
    );
  }

  #add(connection: Connection, route: Route): void {
    this.device.ip.routes.add(route);
    connection.added.push(route);
  }

  #restore(connection: Connection): void {
    const ip = this.device.ip;
    for (const route of connection.added) {
      ip.routes.remove((r) =>
        r.prefixLength === route.prefixLength && r.network === route.network && r.iface === route.iface &&
        r.via === route.via
      );
    }
    for (const route of connection.saved) ip.routes.add(route);
    const changed = connection.added.length + connection.saved.length > 0;
    connection.added = [];
    connection.saved = [];
    if (changed) publishRoutes(this.device);
  }

  #finished(connection: Connection, reason: string): void {
    if (this.#connections.get(connection.name) !== connection) return;
    this.#connections.delete(connection.name);
    this.#restore(connection);
    this.#publish(connection, "disconnected");
    this.device.log(`pptp ${connection.name}: disconnected: ${reason}`, { pptp: connection.name, reason });
  }

  #publish(connection: Connection, status: string, info?: PppUpInfo): void {
    this.device.state("pptp", connection.name, {
      server: connection.profile.server,
      status,
      ...(info ? { address: info.localAddress, peer: info.peerAddress } : {}),
    });
  }
}
