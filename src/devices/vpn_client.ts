/**
 * Voluntary tunnelling (RFC 2661 §1.1): a host is its own LAC. `vpn connect office` opens an L2TP
 * tunnel to the profile's LNS, places a call, runs PPP as the client and, once IPCP is up, plugs in
 * `ppp0` with its routes: the whole default route through the tunnel (plus a host route to the LNS
 * through the old gateway, so the tunnel itself does not try to go through itself), or only the
 * profile's networks (split tunnel). `vpn disconnect office` ends PPP, the call and the tunnel, and
 * puts the old routes back.
 */
import { L2tpEndpoint } from "../stack/l2tp/endpoint.ts";
import { type PppInterface, PppLink, publishRoutes, serverHostRoute } from "../stack/l2tp/ppp_link.ts";
import type { L2tpSession } from "../stack/l2tp/session.ts";
import type { Tunnel } from "../stack/l2tp/tunnel.ts";
import type { Route } from "../stack/routing.ts";
import type { PppConfig, PppUpInfo } from "../stack/ppp/session.ts";
import { formatIp, type Ip4, parseIp } from "../wire/addr.ts";
import type { Device } from "./device.ts";
import {
  echoSettings,
  endpointConfig,
  L2TP_MRU,
  type PppKeys,
  type RawTunnelSettings,
} from "./l2tp_settings.ts";

/** One `vpn` profile as the loader left it. */
export interface VpnProfile extends RawTunnelSettings, PppKeys {
  server: string;
  user?: string;
  password?: string;
  auth?: "any" | "chap" | "pap" | "none";
  routes?: "full" | "split";
  /** The networks a split tunnel carries. */
  networks?: { ip: Ip4; prefixLength: number }[];
  port?: number;
}

/** A connection in progress or up. */
interface Connection {
  name: string;
  profile: VpnProfile;
  tunnel: Tunnel;
  session: L2tpSession;
  link?: PppLink;
  /** Default routes taken out while the full tunnel is up, put back afterwards. */
  savedDefaults: Route[];
  /** Routes we added, removed on disconnect. */
  added: Route[];
  closing: boolean;
  /** A `dns` row was published for this connection. */
  dns?: boolean;
}

/** The VPN side of one host. */
export class VpnClient {
  #endpoint?: L2tpEndpoint;
  #connections = new Map<string, Connection>();

  constructor(readonly device: Device, readonly profiles: Readonly<Record<string, VpnProfile>>) {}

  /** Connections that are up or being set up, by profile name. */
  get connections(): ReadonlyMap<string, Connection> {
    return this.#connections;
  }

  connect(name: string): void {
    const profile = this.profiles[name];
    const device = this.device;
    if (!profile) return device.log(`vpn: no profile "${name}"`);
    if (this.#connections.has(name)) return device.log(`vpn ${name}: already connected or connecting`);
    const server = parseIp(profile.server)!;
    const endpoint = this.#endpointFor(profile);
    device.log(`vpn ${name}: connecting to ${profile.server} (L2TP, user ${profile.user ?? "none"})`);
    const tunnel = endpoint.tunnelTo(server);
    const session = tunnel.placeCall();
    const connection: Connection = {
      name,
      profile,
      tunnel,
      session,
      savedDefaults: [],
      added: [],
      closing: false,
    };
    this.#connections.set(name, connection);
    this.#publish(connection, "connecting");
    session.onUp = () => this.#startPpp(connection);
    session.onFrame = (frame, outer) => connection.link?.input(frame, outer);
    session.onDown = (reason) => {
      connection.link?.ppp.lowerDown(`L2TP session closed: ${reason}`);
      this.#finished(connection, reason);
    };
  }

  disconnect(name: string): void {
    const connection = this.#connections.get(name);
    if (!connection) return this.device.log(`vpn ${name}: not connected`);
    connection.closing = true;
    this.device.log(`vpn ${name}: disconnecting`);
    if (connection.link && connection.link.ppp.phase !== "dead") {
      connection.link.ppp.close("User request");
      return;
    }
    connection.session.disconnect({ result: 3, message: "User request" }, "user request");
  }

  #endpointFor(profile: VpnProfile): L2tpEndpoint {
    if (!this.#endpoint) {
      const config = endpointConfig(this.device.name, profile, { lns: false, port: profile.port });
      this.#endpoint = new L2tpEndpoint(this.device, config);
      this.#endpoint.start();
    }
    return this.#endpoint;
  }

  #startPpp(connection: Connection): void {
    const profile = connection.profile;
    const auth = profile.auth ?? "any";
    const config: PppConfig = {
      role: "client",
      mru: profile.mru ?? L2TP_MRU,
      ...(profile.mtu !== undefined ? { mtu: profile.mtu } : {}),
      ...echoSettings(profile),
    };
    if (auth !== "any") config.auth = auth;
    if (profile.user !== undefined) config.username = profile.user;
    if (profile.password !== undefined) config.password = profile.password;
    const link = new PppLink(this.device, {
      name: "ppp0",
      config,
      send: (frame, inner) => connection.session.sendFrame(frame, inner),
    });
    connection.link = link;
    link.onUp = (iface, info) => this.#pppUp(connection, iface, info);
    link.onDown = (reason) => {
      this.#restoreRoutes(connection);
      if (connection.session.state !== "closed") {
        const why = connection.closing
          ? { result: 3, message: "User request" }
          : { result: 2, error: 6, message: `PPP: ${reason}`.slice(0, 200) };
        connection.session.disconnect(why, `PPP ended: ${reason}`);
      }
      this.#finished(connection, reason);
    };
    link.ppp.open();
  }

  #pppUp(connection: Connection, iface: PppInterface, info: PppUpInfo): void {
    const ip = this.device.ip;
    // IPCP may come up again after a renegotiation: start from the routes we had before the tunnel.
    this.#restoreRoutes(connection);
    const profile = connection.profile;
    const server = parseIp(profile.server)!;
    if ((profile.routes ?? "full") === "full") {
      // Keep reaching the LNS the way we did before, then send everything else into the tunnel.
      const pinned = serverHostRoute(ip, server, iface.name);
      if (pinned) this.#addRoute(connection, pinned);
      connection.savedDefaults = ip.routes.remove((r) => r.prefixLength === 0);
      this.#addRoute(connection, {
        network: 0,
        prefixLength: 0,
        iface: iface.name,
        metric: 0,
        origin: "ppp",
      });
    } else {
      for (const net of profile.networks ?? []) {
        this.#addRoute(connection, {
          network: net.ip,
          prefixLength: net.prefixLength,
          iface: iface.name,
          metric: 0,
          origin: "ppp",
        });
      }
    }
    if (info.dns.length > 0) {
      this.device.state("dns", connection.name, { servers: info.dns.join(", "), via: iface.name });
      connection.dns = true;
    }
    this.#publish(connection, "connected", info);
    this.device.log(
      `vpn ${connection.name}: connected: ${iface.name} ${info.localAddress} peer ${info.peerAddress}, mtu ${iface.mtu}, ${
        (profile.routes ?? "full") === "full"
          ? "all traffic through the tunnel"
          : `split tunnel for ${
            (profile.networks ?? []).map((n) => `${formatIp(n.ip)}/${n.prefixLength}`).join(", ")
          }`
      }${info.dns.length ? `, DNS ${info.dns.join(" ")}` : ""}`,
      { vpn: connection.name, address: info.localAddress, peer: info.peerAddress, dns: info.dns },
    );
  }

  #addRoute(connection: Connection, route: Route): void {
    this.device.ip.routes.add(route);
    connection.added.push(route);
  }

  /** Takes out our routes and puts the saved defaults back; true when the table changed. */
  #restoreRoutes(connection: Connection): boolean {
    const changed = connection.added.length > 0 || connection.savedDefaults.length > 0;
    const ip = this.device.ip;
    for (const route of connection.added) {
      ip.routes.remove((r) =>
        r.prefixLength === route.prefixLength && r.network === route.network && r.iface === route.iface &&
        r.via === route.via
      );
    }
    connection.added = [];
    for (const route of connection.savedDefaults) ip.routes.add(route);
    connection.savedDefaults = [];
    return changed;
  }

  #finished(connection: Connection, reason: string): void {
    if (this.#connections.get(connection.name) !== connection) return;
    this.#connections.delete(connection.name);
    if (this.#restoreRoutes(connection)) publishRoutes(this.device);
    if (connection.dns) this.device.state("dns", connection.name, null);
    this.#publish(connection, "disconnected");
    this.device.log(`vpn ${connection.name}: disconnected: ${reason}`, { vpn: connection.name, reason });
    // The tunnel was opened for this call; with no call left, close it as a client does.
    const tunnel = connection.tunnel;
    if (tunnel.sessions.size === 0 && tunnel.state !== "closed" && tunnel.state !== "closing") {
      tunnel.stop({ result: 1 }, "no more calls");
    }
  }

  #publish(connection: Connection, status: string, info?: PppUpInfo): void {
    this.device.state("vpn", connection.name, {
      server: connection.profile.server,
      status,
      ...(info ? { address: info.localAddress, peer: info.peerAddress } : {}),
      tunnel: connection.tunnel.localId,
      session: connection.session.localId,
    });
  }
}
