/**
 * The NAPT engine: plugs into an IpStack's prerouting/postrouting hooks and translates UDP, ICMP echo,
 * the datagrams quoted in ICMP errors, and (per the passthrough settings) ESP and IKE. Outbound
 * (postrouting, leaving the outside interface) it creates or reuses a mapping and rewrites the source;
 * inbound (prerouting, arriving on the outside interface for the outside address) it finds the mapping,
 * applies the filtering behaviour and rewrites the destination. Every rewrite is a `nat` trace record
 * with the before/after tuples; every refusal is a drop whose reason names the router, the rule and a fix.
 */
import type { SimContext } from "../../engine/context.ts";
import type { Packet } from "../../engine/packet.ts";
import type { Prng } from "../../engine/prng.ts";
import { formatTime, type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, inSubnet, type Ip4, readIp } from "../../wire/addr.ts";
import { protoLabel } from "../../wire/dissect.ts";
import { type Ipv4Packet, PROTO_ESP, PROTO_ICMP, PROTO_UDP } from "../../wire/ipv4.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type IpHooks, type IpStack, type Verdict } from "../ip.ts";
import type { NatSettings } from "./config.ts";
import {
  editInsideIcmp,
  formatTuple,
  type Layout,
  layoutOf,
  rewriteAddress,
  rewriteTuple,
  transportAt,
  type Tuple,
  tuplesOf,
} from "./rewrite.ts";
import { filterAllows, hex32, type Mapping, mappingKey, type NatProto, NatTable, rowKey } from "./table.ts";

/** What the engine needs from the device it runs on (kept narrow: the stack knows no devices). */
export interface NatHost {
  readonly name: string;
  readonly ip: IpStack;
  readonly ctx: SimContext;
  readonly rng: Prng;
}

/** Which interfaces face the private side and which one faces the Internet. */
export interface NatInterfaces {
  inside: string[];
  outside: string;
}

const IKE_PORT = 500;
const L2TP_PORT = 1701;
const FRAGMENT_MEMORY = 30 * SECOND;

const drop = (reason: string): Verdict => ({ action: "drop", reason });

/** Address translation for one router (a home router's NAT or an ISP's CGNAT). */
export class NatEngine {
  readonly table: NatTable;
  #inside: Set<string>;
  #outside: string;
  /** Port forwards by inside endpoint (`proto|addr|port`), used for their outbound replies. */
  #statics = new Map<string, Mapping>();
  /** How the first fragment of a datagram was translated, for the fragments that follow (no ports). */
  #fragments = new Map<string, { side: "src" | "dst"; addr: Ip4; at: Micros }>();

  constructor(readonly host: NatHost, readonly settings: NatSettings, interfaces: NatInterfaces) {
    this.#inside = new Set(interfaces.inside);
    this.#outside = interfaces.outside;
    this.table = new NatTable({
      name: host.name,
      ctx: host.ctx,
      rng: host.rng.fork("nat-ports"),
      isLocalPort: (proto, port) => proto === "udp" && host.ip.udpBound(port),
    }, settings);
  }

  /** The hooks to install on the router's IpStack. */
  hooks(): IpHooks {
    return {
      prerouting: (packet, ip, iface) => this.prerouting(packet, ip, iface),
      postrouting: (packet, ip, out) => this.postrouting(packet, ip, out),
    };
  }

  get outsideInterface(): Interface | undefined {
    return this.host.ip.interface(this.#outside);
  }

  /** The public address mappings use: the outside interface's address. */
  get externalAddress(): Ip4 {
    return this.outsideInterface?.ip ?? 0;
  }

  /** Publishes the settings and installs the port forwards; call once when the run starts. */
  start(): void {
    const s = this.settings;
    const rows: [string, string][] = [
      ["preset", s.preset],
      ["mapping", s.mapping],
      ["filtering", s.filtering],
      ["port-preservation", String(s.portPreservation)],
      ["port-range", `${s.portRange.low}-${s.portRange.high}`],
      ["udp-timeout", `${s.udpTimeout / SECOND}s`],
      ["udp-stream-timeout", `${s.udpStreamTimeout / SECOND}s`],
      ["icmp-timeout", `${s.icmpTimeout / SECOND}s`],
      ["esp-timeout", `${s.espTimeout / SECOND}s`],
      ["hairpin", String(s.hairpin)],
      ["inbound-refresh", String(s.inboundRefresh)],
      ["ipsec-passthrough", s.ipsecPassthrough],
      ["ipsec-keep-port-500", String(s.ipsecKeepPort500)],
      ["l2tp-passthrough", s.l2tpPassthrough ? "on" : "off"],
      ["l2tp-keep-port-1701", String(s.l2tpKeepPort1701)],
      ["inside", [...this.#inside].join(", ")],
      ["outside", this.#outside],
    ];
    for (const [key, value] of rows) {
      this.host.ctx.trace.emit({
        kind: "state",
        node: this.host.name,
        proto: "NAT",
        table: "nat-settings",
        key,
        value: { value },
        summary: `nat-settings ${key} = ${value}`,
      });
    }
    const ext = this.externalAddress;
    for (const f of s.portForwards) {
      const m = this.table.add({
        proto: f.proto,
        inside: { addr: f.to, port: f.toPort },
        outside: { addr: ext, port: f.port },
        key: `static|${f.proto}|${f.to}|${f.toPort}`,
        isStatic: true,
      }, "port forward installed");
      this.#statics.set(`${f.proto}|${f.to}|${f.toPort}`, m);
    }
  }

  /** Removes every dynamic mapping (a router reboot, `nat flush`). */
  flush(reason = "flushed"): void {
    for (const m of this.table.mappings) if (!m.isStatic) this.table.remove(m, reason);
  }

  prerouting(packet: Packet, ip: Ipv4Packet, iface: Interface): Verdict {
    if (iface.name === this.#outside) return this.#fromOutside(packet, ip, iface);
    if (this.#inside.has(iface.name) && ip.dst === this.externalAddress) return this.#hairpin(packet, iface);
    return ACCEPT;
  }

  postrouting(packet: Packet, ip: Ipv4Packet, out: Interface): Verdict {
    if (this.host.ip.isLocal(ip.dst)) {
      // A datagram this router addressed to itself (typically an ICMP error about a packet it had
      // already translated): there is no loopback interface, so take it back in as if it had arrived
      // on `out`, where the inbound rules translate it for the inside host it concerns.
      this.host.ip.receive(packet, out);
      return { action: "consumed" };
    }
    if (out.name !== this.#outside) return ACCEPT;
    const l = layoutOf(packet.bytes);
    if (!l) return ACCEPT;
    if (l.protocol === PROTO_ICMP && l.hasTransport && isIcmpError(packet.bytes[transportAt(l)])) {
      return this.#icmpErrorToOutside(packet, l, out);
    }
    // The router's own traffic from its outside address needs no translation; from any other of its
    // addresses it is masqueraded like an inside host's (as Linux's MASQUERADE does).
    if (ip.src === this.externalAddress) return ACCEPT;
    return this.#toOutside(packet, l, out);
  }

  // ---- outbound ----------------------------------------------------------------------------------

  #toOutside(packet: Packet, l: Layout, out: Interface): Verdict {
    const bytes = packet.bytes;
    if (!l.hasTransport) return this.#laterFragment(packet, l, "src", out);
    const { src, dst } = tuplesOf(bytes, l);
    if (l.protocol === PROTO_UDP) {
      const refused = this.#portRule(src.port, dst.port, formatIp(src.addr), "outbound");
      if (refused) return refused;
      const got = this.#outboundMapping("udp", src, dst, packet);
      if ("action" in got) return got;
      const before = { src, dst };
      rewriteTuple(bytes, l, "src", got.outside);
      this.#rememberFragment(bytes, l, "src", src.addr, got.outside.addr);
      this.#record(packet, out, "snat", "udp", before, { src: got.outside, dst }, got);
      return ACCEPT;
    }
    if (l.protocol === PROTO_ICMP) {
      const type = bytes[transportAt(l)];
      if (type === 8) {
        const got = this.#outboundMapping("icmp", src, { addr: dst.addr, port: 0 }, packet);
        if ("action" in got) return got;
        rewriteTuple(bytes, l, "src", got.outside);
        this.#record(packet, out, "snat", "icmp", { src, dst }, {
          src: got.outside,
          dst: { ...dst, port: got.outside.port },
        }, got);
        return ACCEPT;
      }
      // Other informational ICMP (an echo reply to a forwarded request, ...): address only, no state.
      rewriteAddress(bytes, l, "src", this.externalAddress);
      this.#record(packet, out, "snat", "icmp", { src, dst }, {
        src: { addr: this.externalAddress, port: src.port },
        dst,
      });
      return ACCEPT;
    }
    if (l.protocol === PROTO_ESP) return this.#espToOutside(packet, l, out);
    return drop(
      `${this.host.name}: cannot translate IP protocol ${l.protocol} from ${
        formatIp(src.addr)
      }: NAPT needs ` +
        `ports (UDP) or identifiers (ICMP echo) to tell inside hosts apart — tunnel it in UDP instead`,
    );
  }

  /**
   * The mapping an outbound UDP datagram or echo request uses, created on first use; or the drop
   * verdict when no outside port can be given.
   */
  #outboundMapping(proto: NatProto, src: Tuple, dst: Tuple, packet: Packet): Mapping | Verdict {
    const s = this.settings;
    const fixed = this.#statics.get(`${proto}|${src.addr}|${src.port}`);
    if (fixed) {
      this.table.contact(fixed, dst);
      return fixed;
    }
    const pinned = proto === "udp" && this.#pinnedPort(src.port);
    const key = mappingKey(proto, src, dst, s.mapping, pinned);
    let m = this.table.findOutbound(key);
    if (m) {
      this.table.contact(m, dst);
      this.#noteIkeCookie(m, packet);
      this.table.refresh(m, false); // publishes the row, with any new remote in it
      return m;
    }
    let port: number | undefined;
    if (pinned) {
      const conflict = this.#pinnedConflict(src, dst);
      if (conflict) return conflict;
      port = src.port;
    } else {
      port = this.table.allocatePort(proto, src.port);
      if (port === undefined) {
        return drop(
          `${this.host.name}: no free outside port in ${s.portRange.low}-${s.portRange.high} for ` +
            `${formatTuple(proto, src)} — widen nat port-range or shorten the timeouts`,
        );
      }
    }
    const scope = pinned || s.mapping === "address-dependent"
      ? { addr: dst.addr }
      : s.mapping === "address-and-port-dependent"
      ? { addr: dst.addr, port: dst.port }
      : undefined;
    m = this.table.add({
      proto,
      inside: src,
      outside: { addr: this.externalAddress, port },
      key,
      scope,
      pinned,
      remote: dst,
    }, `created by ${formatTuple(proto, src)} sending to ${formatTuple(proto, dst)}`);
    this.#noteIkeCookie(m, packet);
    return m;
  }

  /** Whether the keep-port rules pin this inside port to the same outside port. */
  #pinnedPort(port: number): boolean {
    const s = this.settings;
    if (port === IKE_PORT) {
      return s.ipsecKeepPort500 && (s.ipsecPassthrough === "single" || s.ipsecPassthrough === "spi");
    }
    return port === L2TP_PORT && s.l2tpPassthrough && s.l2tpKeepPort1701;
  }

  /** Why a pinned port cannot be used for `src` → `dst`, if it cannot. */
  #pinnedConflict(src: Tuple, dst: Tuple): Verdict | undefined {
    const port = src.port;
    const ike = port === IKE_PORT;
    const setting = ike ? "ipsec-keep-port-500" : "l2tp-keep-port-1701";
    const what = ike ? "IKE" : "L2TP";
    for (const other of this.table.onOutside("udp", port)) {
      if (!other.pinned) {
        return drop(
          `${this.host.name}: ${setting} is on but outside port ${port} is taken by ${
            formatTuple("udp", other.inside)
          }: ${what} from ${formatTuple("udp", src)} dropped — set ${setting}: false`,
        );
      }
      if (other.scope?.addr !== dst.addr || other.inside.addr === src.addr) continue;
      if (ike && this.settings.ipsecPassthrough === "spi") continue; // demultiplexed by IKE cookie
      return drop(
        `${this.host.name}: ${setting} is on: ${what} from ${formatIp(src.addr)}:${port} to ${
          formatIp(dst.addr)
        } dropped: outside port ${port} towards ${formatIp(dst.addr)} is held by ${
          formatIp(other.inside.addr)
        } until ${formatTime(other.expiresAt)} — only one inside host at a time; ${
          ike
            ? `set ${setting}: false or ipsec-passthrough: spi (NAT-T does not avoid this: IKE starts on ` +
              `UDP ${IKE_PORT} and moves to 4500 only after Main Mode message 4)`
            : `set ${setting}: false, or protect L2TP with IPsec and NAT-T (UDP 4500)`
        }`,
      );
    }
    if (this.host.ip.udpBound(port)) {
      return drop(
        `${this.host.name}: ${setting} is on but the router itself uses UDP ${port}: ${what} from ${
          formatIp(src.addr)
        } dropped — set ${setting}: false`,
      );
    }
    return undefined;
  }

  /** IKE through a shared port 500 is told apart by the initiator cookie (first 8 bytes of ISAKMP). */
  #noteIkeCookie(m: Mapping, packet: Packet): void {
    if (!m.pinned || m.inside.port !== IKE_PORT || this.settings.ipsecPassthrough !== "spi") return;
    const cookie = ikeCookie(packet.bytes);
    if (cookie === undefined) return;
    m.cookies ??= new Set();
    if (!m.cookies.has(cookie)) {
      m.cookies.add(cookie);
      this.table.publish(m, `tracks IKE initiator cookie ${cookie}`);
    }
  }

  /** The passthrough switches for IKE and L2TP, which act on ports in both directions. */
  #portRule(srcPort: number, dstPort: number, who: string, direction: string): Verdict | undefined {
    const s = this.settings;
    const has = (p: number) => srcPort === p || dstPort === p;
    if (!s.l2tpPassthrough && has(L2TP_PORT)) {
      return drop(
        `${this.host.name}: l2tp-passthrough is off: UDP ${L2TP_PORT} from ${who} dropped (${direction}) — ` +
          `set l2tp-passthrough: on`,
      );
    }
    if (s.ipsecPassthrough === "off" && has(IKE_PORT)) {
      return drop(
        `${this.host.name}: ipsec-passthrough is off: IKE (UDP ${IKE_PORT}) from ${who} dropped (${direction}) — ` +
          `set ipsec-passthrough: single or spi`,
      );
    }
    return undefined;
  }

  #espToOutside(packet: Packet, l: Layout, out: Interface): Verdict {
    const bytes = packet.bytes;
    const s = this.settings;
    const src = readIp(bytes, 12);
    const dst = readIp(bytes, 16);
    const spi = espSpi(bytes, l);
    const who = `ESP (SPI ${hex32(spi)}) from ${formatIp(src)} to ${formatIp(dst)}`;
    if (s.ipsecPassthrough === "off") {
      return drop(
        `${this.host.name}: ipsec-passthrough is off: ${who} dropped — set ipsec-passthrough: single (or spi), ` +
          `or let the VPN use NAT-T (UDP 4500)`,
      );
    }
    let m = this.#statics.get(`esp|${src}|0`);
    if (!m && s.ipsecPassthrough === "udp-only") {
      return drop(
        `${this.host.name}: no IPsec passthrough (ipsec-passthrough: udp-only): ${who} dropped: ESP has no ` +
          `ports, so one public address cannot be shared — use NAT-T (UDP 4500)`,
      );
    }
    if (!m) {
      const peers = this.table.onOutside("esp", 0).filter((e) => e.scope?.addr === dst);
      if (s.ipsecPassthrough === "single") {
        m = peers[0];
        if (m && m.inside.addr !== src) {
          return drop(
            `${this.host.name}: ipsec-passthrough single: ${who} refused: ESP with ${
              formatIp(dst)
            } already ` +
              `belongs to ${formatIp(m.inside.addr)} (until ${formatTime(m.expiresAt)}) — only one inside ` +
              `host per server; set ipsec-passthrough: spi, or use NAT-T (UDP 4500)`,
          );
        }
      } else {
        m = peers.find((e) => e.spiOut === spi);
        if (m && m.inside.addr !== src) {
          return drop(
            `${this.host.name}: ipsec-passthrough spi: ${who} refused: SPI ${hex32(spi)} towards ${
              formatIp(dst)
            } is already used by ${formatIp(m.inside.addr)}`,
          );
        }
      }
      if (m) this.table.refresh(m, false);
      else {
        m = this.table.add({
          proto: "esp",
          inside: { addr: src, port: 0 },
          outside: { addr: this.externalAddress, port: 0 },
          key: `esp|${src}|${dst}|${s.ipsecPassthrough === "spi" ? spi : 0}`,
          scope: { addr: dst },
          spiOut: s.ipsecPassthrough === "spi" ? spi : undefined,
          remote: { addr: dst, port: 0 },
        }, `created by ${who}`);
      }
    }
    rewriteAddress(bytes, l, "src", m.outside.addr);
    this.#record(
      packet,
      out,
      "snat",
      "esp",
      { src: { addr: src, port: 0 }, dst: { addr: dst, port: 0 } },
      { src: m.outside, dst: { addr: dst, port: 0 } },
      m,
      `SPI ${hex32(spi)}`,
    );
    return ACCEPT;
  }

  /**
   * An ICMP error leaving towards the outside about a datagram that came in through a mapping (an
   * inside host's port unreachable, or this router's own "fragmentation needed"): the quoted datagram
   * still shows the inside address and must show the outside one.
   */
  #icmpErrorToOutside(packet: Packet, l: Layout, out: Interface): Verdict {
    const bytes = packet.bytes;
    const t = transportAt(l);
    const q = layoutOf(bytes, t + 8, l.end);
    const outerSrc = readIp(bytes, 12);
    const local = this.host.ip.isLocal(outerSrc);
    if (!q) return local ? ACCEPT : drop(`${this.host.name}: ICMP error with a truncated quote`);
    const quoted = tuplesOf(bytes, q);
    // The quoted datagram went remote → inside host: its destination is the inside endpoint.
    const m = this.#mappingForInside(q.protocol, quoted.dst, quoted.src);
    if (!m) {
      if (local) return ACCEPT;
      return drop(
        `${this.host.name}: ICMP error from ${formatIp(outerSrc)} about ${
          formatTuple(protoOf(q.protocol), quoted.dst)
        } matches no NAT mapping: not forwarded (it would leak an inside address)`,
      );
    }
    const before = { src: { addr: outerSrc, port: 0 }, dst: { addr: readIp(bytes, 16), port: 0 } };
    editInsideIcmp(bytes, t, l.end, () => {
      if (m.proto === "esp") rewriteAddress(bytes, q, "dst", m.outside.addr);
      else rewriteTuple(bytes, q, "dst", m.outside);
    });
    if (!local) rewriteAddress(bytes, l, "src", m.outside.addr);
    this.#record(
      packet,
      out,
      "icmp-error",
      m.proto,
      before,
      {
        src: { addr: readIp(bytes, 12), port: 0 },
        dst: before.dst,
      },
      m,
      `quoted ${formatTuple(m.proto, m.inside)} → ${formatTuple(m.proto, m.outside)}`,
    );
    return ACCEPT;
  }

  /** The mapping owning an inside endpoint that talked with `remote` (no side effects). */
  #mappingForInside(protocol: number, inside: Tuple, remote: Tuple): Mapping | undefined {
    const proto = protoOf(protocol);
    if (proto === "esp") {
      return this.table.onOutside("esp", 0).find((m) =>
        m.inside.addr === inside.addr && (m.scope === undefined || m.scope.addr === remote.addr)
      );
    }
    if (proto !== "udp" && proto !== "icmp") return undefined;
    const fixed = this.#statics.get(`${proto}|${inside.addr}|${inside.port}`);
    if (fixed) return fixed;
    const r = proto === "icmp" ? { addr: remote.addr, port: 0 } : remote;
    return this.table.findOutbound(mappingKey(proto, inside, r, this.settings.mapping, false)) ??
      this.table.findOutbound(mappingKey(proto, inside, r, this.settings.mapping, true));
  }

  // ---- inbound -----------------------------------------------------------------------------------

  #fromOutside(packet: Packet, ip: Ipv4Packet, iface: Interface): Verdict {
    const ext = this.externalAddress;
    if (ip.dst !== ext) {
      if (!this.host.ip.isLocal(ip.dst) && this.#isInsideAddress(ip.dst)) {
        return drop(
          `${this.host.name}: packet from ${formatIp(ip.src)} addressed straight to inside address ${
            formatIp(ip.dst)
          } dropped: the NAT only accepts traffic for its outside address ${
            formatIp(ext)
          } — add a port forward`,
        );
      }
      return ACCEPT;
    }
    const bytes = packet.bytes;
    const l = layoutOf(bytes);
    if (!l) return ACCEPT;
    if (!l.hasTransport) return this.#laterFragment(packet, l, "dst", iface);
    const { src, dst } = tuplesOf(bytes, l);
    if (l.protocol === PROTO_UDP) return this.#udpFromOutside(packet, l, src, dst, iface);
    if (l.protocol === PROTO_ICMP) {
      const type = bytes[transportAt(l)];
      if (type === 0) return this.#echoReplyFromOutside(packet, l, src, dst, iface);
      if (isIcmpError(type)) return this.#icmpErrorFromOutside(packet, l, iface);
      return ACCEPT; // echo requests and the rest are for the router itself
    }
    if (l.protocol === PROTO_ESP) return this.#espFromOutside(packet, l, iface);
    return ACCEPT;
  }

  #udpFromOutside(packet: Packet, l: Layout, src: Tuple, dst: Tuple, iface: Interface): Verdict {
    const refused = this.#portRule(src.port, dst.port, formatIp(src.addr), "inbound");
    if (refused) return refused;
    const candidates = this.table.onOutside("udp", dst.port);
    if (candidates.length === 0) {
      if (this.host.ip.udpBound(dst.port)) return ACCEPT;
      return drop(
        `${this.host.name}: no NAT mapping for UDP ${formatIp(dst.addr)}:${dst.port}: datagram from ${
          formatTuple("udp", src)
        } dropped — nothing inside has sent from this port (or its mapping expired); send keepalives, ` +
          `or add a port forward for a server`,
      );
    }
    const chosen = this.#choose(candidates, src, packet);
    if ("action" in chosen) return chosen;
    const m = chosen;
    if (!filterAllows(m, src, this.settings.filtering)) return this.#filtered(m, src, "UDP");
    const before = { src, dst };
    rewriteTuple(packet.bytes, l, "dst", m.inside);
    this.#rememberFragment(packet.bytes, l, "dst", dst.addr, m.inside.addr);
    this.table.refresh(m, true);
    this.#record(packet, iface, "dnat", "udp", before, { src, dst: m.inside }, m);
    return ACCEPT;
  }

  /** Picks the mapping on a shared (pinned) port that belongs to this remote, or the only one. */
  #choose(candidates: Mapping[], remote: Tuple, packet: Packet): Mapping | Verdict {
    if (candidates.length === 1 && !candidates[0].pinned) return candidates[0];
    const forRemote = candidates.filter((m) => !m.pinned || m.scope?.addr === remote.addr);
    if (forRemote.length === 0) {
      const m = candidates[0];
      return drop(
        `${this.host.name}: UDP from ${
          formatTuple("udp", remote)
        } to outside port ${m.outside.port} dropped: ` +
          `that port is kept for ${m.scope ? formatIp(m.scope.addr) : "another peer"} (${
            m.inside.port === IKE_PORT ? "ipsec-keep-port-500" : "l2tp-keep-port-1701"
          })`,
      );
    }
    if (forRemote.length === 1) return forRemote[0];
    const cookie = ikeCookie(packet.bytes);
    const byCookie = forRemote.find((m) => cookie !== undefined && m.cookies?.has(cookie));
    if (byCookie) return byCookie;
    return drop(
      `${this.host.name}: IKE from ${formatTuple("udp", remote)} with initiator cookie ${
        cookie ?? "?"
      } matches none of the ${forRemote.length} inside hosts sharing port ${IKE_PORT} — dropped`,
    );
  }

  #filtered(m: Mapping, remote: Tuple, what: string): Verdict {
    const f = this.settings.filtering;
    const needed = f === "address-dependent" ? formatIp(remote.addr) : formatTuple("udp", remote);
    const inside = formatTuple(m.proto, m.inside);
    let why = `${inside} never sent to ${needed}`;
    let fix = "the inside host must send to it first (hole punching), or set nat filtering: " +
      "endpoint-independent, or add a port forward";
    if (m.scope && !m.pinned) {
      fix = "hole punching cannot work through this NAT: set nat mapping: endpoint-independent, or relay " +
        "through a server both sides reach";
      // With an address(-and-port)-dependent mapping the host may well talk to that remote, but
      // through another outside port: say so, it is the whole point of a symmetric NAT.
      const scope = m.scope.port === undefined
        ? formatIp(m.scope.addr)
        : formatTuple("udp", m.scope as Tuple);
      const other = this.table.mappings.find((o) =>
        o !== m && o.proto === m.proto && o.inside.addr === m.inside.addr &&
        o.inside.port === m.inside.port &&
        filterAllows(o, remote, f)
      );
      why = `this mapping of ${inside} was made for ${scope} only (mapping is ${this.settings.mapping})` +
        (other ? `; ${inside} reaches ${needed} through outside port ${other.outside.port}` : "");
    }
    return drop(
      `${this.host.name}: filtering is ${f}: ${what} from ${
        formatTuple(m.proto === "icmp" ? "esp" : "udp", remote)
      } to ${formatTuple(m.proto, m.outside)} dropped: ${why} — ${fix}`,
    );
  }

  #echoReplyFromOutside(packet: Packet, l: Layout, src: Tuple, dst: Tuple, iface: Interface): Verdict {
    const candidates = this.table.onOutside("icmp", dst.port);
    if (candidates.length === 0) return ACCEPT; // the router's own ping
    const m = candidates[0];
    const remote = { addr: src.addr, port: 0 };
    if (!filterAllows(m, remote, this.settings.filtering)) {
      return this.#filtered(m, remote, "ICMP echo reply");
    }
    rewriteTuple(packet.bytes, l, "dst", m.inside);
    this.table.refresh(m, true);
    this.#record(packet, iface, "dnat", "icmp", { src, dst }, {
      src: { ...src, port: m.inside.port },
      dst: m.inside,
    }, m);
    return ACCEPT;
  }

  /**
   * An ICMP error from outside (the remote's port unreachable, a router's time exceeded or
   * fragmentation needed) about a datagram that left through a mapping: the outer destination and the
   * quoted source go back to the inside endpoint. Filtering does not apply (RFC 5508: errors may come
   * from any router on the path), but the quoted datagram must match a mapping.
   */
  #icmpErrorFromOutside(packet: Packet, l: Layout, iface: Interface): Verdict {
    const bytes = packet.bytes;
    const t = transportAt(l);
    const q = layoutOf(bytes, t + 8, l.end);
    if (!q || readIp(bytes, q.base + 12) !== this.externalAddress) return ACCEPT;
    const quoted = tuplesOf(bytes, q);
    const proto = protoOf(q.protocol);
    let m: Mapping | undefined;
    if (proto === "esp") {
      m = this.table.onOutside("esp", 0).find((e) => e.scope?.addr === quoted.dst.addr);
    } else if (proto === "udp" || proto === "icmp") {
      const candidates = this.table.onOutside(proto, quoted.src.port);
      m = candidates.find((c) => !c.pinned || c.scope?.addr === quoted.dst.addr);
    }
    if (!m) return ACCEPT; // about the router's own traffic
    const before = { src: { addr: readIp(bytes, 12), port: 0 }, dst: { addr: readIp(bytes, 16), port: 0 } };
    const mapping = m;
    editInsideIcmp(bytes, t, l.end, () => {
      if (mapping.proto === "esp") rewriteAddress(bytes, q, "src", mapping.inside.addr);
      else rewriteTuple(bytes, q, "src", mapping.inside);
    });
    rewriteAddress(bytes, l, "dst", m.inside.addr);
    this.#record(
      packet,
      iface,
      "icmp-error",
      m.proto,
      before,
      {
        src: before.src,
        dst: { addr: m.inside.addr, port: 0 },
      },
      m,
      `quoted ${formatTuple(m.proto, m.outside)} → ${formatTuple(m.proto, m.inside)}`,
    );
    return ACCEPT;
  }

  #espFromOutside(packet: Packet, l: Layout, iface: Interface): Verdict {
    const bytes = packet.bytes;
    const s = this.settings;
    const src = readIp(bytes, 12);
    const spi = espSpi(bytes, l);
    const who = `ESP (SPI ${hex32(spi)}) from ${formatIp(src)}`;
    if (s.ipsecPassthrough === "off") {
      return drop(
        `${this.host.name}: ipsec-passthrough is off: ${who} dropped — set ipsec-passthrough: single (or spi), ` +
          `or let the VPN use NAT-T (UDP 4500)`,
      );
    }
    const entries = this.table.onOutside("esp", 0).filter((e) => !e.isStatic && e.scope?.addr === src);
    let m: Mapping | undefined;
    if (s.ipsecPassthrough === "single") m = entries[0];
    else if (s.ipsecPassthrough === "spi") {
      m = entries.find((e) => e.spiIn === spi);
      if (!m) {
        // The peer's SPI is inside encrypted IKE, so a router can only guess: it gives an unknown
        // inbound SPI to the oldest entry still waiting for one (real firmware guesses the same way).
        m = entries.filter((e) => e.spiIn === undefined).sort((a, b) => a.created - b.created)[0];
        if (m) {
          m.spiIn = spi;
          this.table.publish(
            m,
            `learnt inbound SPI ${hex32(spi)} (guessed: oldest entry waiting for ${formatIp(src)})`,
          );
        }
      }
    }
    m ??= [...this.#statics.values()].find((e) => e.proto === "esp");
    if (!m) {
      if (s.ipsecPassthrough === "udp-only") {
        return drop(
          `${this.host.name}: no IPsec passthrough (ipsec-passthrough: udp-only): ${who} dropped: ESP has no ` +
            `ports to find the inside host by — use NAT-T (UDP 4500)`,
        );
      }
      return drop(
        `${this.host.name}: no NAT mapping for ${who}: no inside host has sent ESP to ${formatIp(src)}${
          s.ipsecPassthrough === "spi" ? " without a known inbound SPI" : ""
        } (or its entry expired) — the inside host must send first; or use NAT-T (UDP 4500), or an esp port forward`,
      );
    }
    rewriteAddress(bytes, l, "dst", m.inside.addr);
    this.table.refresh(m, true);
    this.#record(
      packet,
      iface,
      "dnat",
      "esp",
      { src: { addr: src, port: 0 }, dst: { addr: readIp(bytes, 16), port: 0 } },
      { src: { addr: src, port: 0 }, dst: m.inside },
      m,
      `SPI ${hex32(spi)}`,
    );
    return ACCEPT;
  }

  // ---- hairpin -----------------------------------------------------------------------------------

  /**
   * An inside host sending to the outside address (RFC 4787 REQ-9): with hairpinning the datagram is
   * translated twice, so the receiver sees the sender's outside endpoint, as any outside peer would.
   */
  #hairpin(packet: Packet, iface: Interface): Verdict {
    const bytes = packet.bytes;
    const l = layoutOf(bytes);
    if (!l || !l.hasTransport || l.protocol !== PROTO_UDP) return ACCEPT;
    const { src, dst } = tuplesOf(bytes, l);
    const candidates = this.table.onOutside("udp", dst.port);
    if (candidates.length === 0) return ACCEPT; // for the router itself
    if (!this.settings.hairpin) {
      return drop(
        `${this.host.name}: hairpin is off: ${
          formatTuple("udp", src)
        } sent to the router's own outside address ${formatTuple("udp", dst)} (a mapping of ${
          formatTuple("udp", candidates[0].inside)
        }) — set nat hairpin: true, or use the inside address`,
      );
    }
    const sender = this.#outboundMapping("udp", src, dst, packet);
    if ("action" in sender) return sender;
    const chosen = this.#choose(candidates, sender.outside, packet);
    if ("action" in chosen) return chosen;
    if (!filterAllows(chosen, sender.outside, this.settings.filtering)) {
      return this.#filtered(chosen, sender.outside, "hairpinned UDP");
    }
    rewriteTuple(bytes, l, "src", sender.outside);
    rewriteTuple(bytes, l, "dst", chosen.inside);
    this.table.refresh(chosen, true);
    this.#record(
      packet,
      iface,
      "hairpin",
      "udp",
      { src, dst },
      { src: sender.outside, dst: chosen.inside },
      chosen,
    );
    return ACCEPT;
  }

  // ---- fragments ---------------------------------------------------------------------------------

  /** Notes how a first fragment was translated; `original` is its address on `side` before that. */
  #rememberFragment(bytes: Uint8Array, l: Layout, side: "src" | "dst", original: Ip4, addr: Ip4): void {
    if (!l.moreFragments) return;
    const now = this.host.ctx.sched.now;
    if (this.#fragments.size > 256) {
      for (const [k, v] of this.#fragments) if (now - v.at > FRAGMENT_MEMORY) this.#fragments.delete(k);
    }
    this.#fragments.set(fragmentKey(bytes, side, original), { side, addr, at: now });
  }

  #laterFragment(packet: Packet, l: Layout, side: "src" | "dst", iface: Interface): Verdict {
    const bytes = packet.bytes;
    const key = fragmentKey(bytes, side, side === "src" ? readIp(bytes, 12) : readIp(bytes, 16));
    const memo = this.#fragments.get(key);
    if (!memo) {
      if (side === "dst") return ACCEPT; // for the router itself, which reassembles it
      return drop(
        `${this.host.name}: fragment (offset ${(((bytes[6] << 8) | bytes[7]) & 0x1fff) * 8}) from ${
          formatIp(readIp(bytes, 12))
        } dropped: its first fragment was not translated (lost, refused, or not yet seen)`,
      );
    }
    const before = tuplesOf(bytes, l);
    rewriteAddress(bytes, l, side, memo.addr);
    const after = tuplesOf(bytes, l);
    this.host.ctx.trace.emit({
      kind: "nat",
      node: this.host.name,
      iface: iface.name,
      pkt: packet.id,
      proto: protoLabel(bytes),
      summary: `${side === "src" ? "SNAT" : "DNAT"} fragment ${formatIp(before[side].addr)} → ${
        formatIp(after[side].addr)
      }`,
      detail: {
        action: side === "src" ? "snat" : "dnat",
        before: { src: formatIp(before.src.addr), dst: formatIp(before.dst.addr) },
        after: { src: formatIp(after.src.addr), dst: formatIp(after.dst.addr) },
      },
    });
    return ACCEPT;
  }

  // ---- helpers -----------------------------------------------------------------------------------

  #isInsideAddress(addr: Ip4): boolean {
    return this.host.ip.interfaces.some((i) =>
      this.#inside.has(i.name) && i.peer === undefined && inSubnet(addr, i.ip, i.prefixLength)
    );
  }

  #record(
    packet: Packet,
    iface: Interface,
    action: "snat" | "dnat" | "hairpin" | "icmp-error",
    proto: NatProto,
    before: { src: Tuple; dst: Tuple },
    after: { src: Tuple; dst: Tuple },
    m?: Mapping,
    note?: string,
  ): void {
    const f = (t: Tuple) => formatTuple(proto, t);
    // The remote end of an echo has no identifier of its own: show just its address.
    const peer = (t: Tuple) => proto === "icmp" ? formatIp(t.addr) : f(t);
    const summary = action === "snat"
      ? `SNAT ${f(before.src)} → ${f(after.src)} (to ${peer(before.dst)})`
      : action === "dnat"
      ? `DNAT ${f(before.dst)} → ${f(after.dst)} (from ${peer(before.src)})`
      : action === "hairpin"
      ? `hairpin ${f(before.src)} → ${f(before.dst)} becomes ${f(after.src)} → ${f(after.dst)}`
      : `ICMP error ${formatIp(before.src.addr)} → ${formatIp(before.dst.addr)} becomes ${
        formatIp(after.src.addr)
      } → ${formatIp(after.dst.addr)}`;
    this.host.ctx.trace.emit({
      kind: "nat",
      node: this.host.name,
      iface: iface.name,
      pkt: packet.id,
      proto: protoLabel(packet.bytes),
      summary: note ? `${summary}, ${note}` : summary,
      detail: {
        action,
        proto,
        before: { src: f(before.src), dst: f(before.dst) },
        after: { src: f(after.src), dst: f(after.dst) },
        ...(m ? { mapping: rowKey(m) } : {}),
      },
    });
  }
}

function isIcmpError(type: number): boolean {
  return type === 3 || type === 11;
}

function protoOf(protocol: number): NatProto | "other" {
  if (protocol === PROTO_UDP) return "udp";
  if (protocol === PROTO_ICMP) return "icmp";
  if (protocol === PROTO_ESP) return "esp";
  return "other";
}

function espSpi(bytes: Uint8Array, l: Layout): number {
  const t = transportAt(l);
  return l.end >= t + 4 ? readIp(bytes, t) : 0;
}

/** The IKE initiator cookie (hex) of a UDP datagram to or from port 500, if it carries one. */
function ikeCookie(bytes: Uint8Array): string | undefined {
  const l = layoutOf(bytes);
  if (!l || !l.hasTransport || l.protocol !== PROTO_UDP) return undefined;
  const t = transportAt(l);
  if (l.end < t + 16) return undefined;
  return [...bytes.subarray(t + 8, t + 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function fragmentKey(bytes: Uint8Array, side: "src" | "dst", original: Ip4): string {
  const other = side === "src" ? readIp(bytes, 16) : readIp(bytes, 12);
  return `${side}|${original}|${other}|${bytes[9]}|${(bytes[4] << 8) | bytes[5]}`;
}
