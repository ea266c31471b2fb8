/**
 * The NAPT engine: plugs into an IpStack's prerouting/postrouting hooks and translates UDP, TCP, ICMP
 * echo, the datagrams quoted in ICMP errors, and (per the passthrough settings) ESP and IKE. Outbound
 * (postrouting, leaving the outside interface) it creates or reuses a mapping and rewrites the source;
 * inbound (prerouting, arriving on the outside interface for the outside address) it finds the mapping,
 * applies the filtering behaviour and rewrites the destination. Every rewrite is a `nat` trace record
 * with the before/after tuples; every refusal is a drop whose reason names the router, the rule and a fix.
 *
 * This file is the dispatcher and the UDP / ICMP echo / hairpin translation; protocols with a module
 * of their own are listed in MODULES (TCP connections in tcp.ts, ESP with the VPN passthrough rules in
 * passthrough.ts); ICMP errors are in icmp_errors.ts, later fragments in fragments.ts, the trace
 * records in record.ts.
 */
import { pptpFromOutside, pptpToOutside } from "./pptp.ts";
import type { Packet } from "../../engine/packet.ts";
import { SECOND } from "../../engine/time.ts";
import { formatIp, inSubnet, type Ip4, readIp } from "../../wire/addr.ts";
import { type Ipv4Packet, PROTO_ESP, PROTO_ICMP, PROTO_UDP } from "../../wire/ipv4.ts";
import { PROTO_TCP } from "../../wire/tcp.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type IpHooks, UNTOUCHED, type Verdict } from "../ip.ts";
import type { NatSettings } from "./config.ts";
import { type NatCore, natDrop, type NatHost, type NatProtocolModule } from "./core.ts";
import { FragmentMemory } from "./fragments.ts";
import { icmpErrorFromOutside, icmpErrorToOutside, isIcmpError } from "./icmp_errors.ts";
import {
  chooseOnSharedPort,
  espFromOutside,
  espToOutside,
  noteIkeCookie,
  pinnedConflict,
  pinnedPort,
  portRule,
} from "./passthrough.ts";
import { recordRewrite } from "./record.ts";
import {
  formatTuple,
  type Layout,
  layoutOf,
  rewriteAddress,
  rewriteTuple,
  transportAt,
  type Tuple,
  tuplesOf,
} from "./rewrite.ts";
import { filterAllows, type Mapping, mappingKey, type NatProto, NatTable } from "./table.ts";
import { tcpFromOutside, tcpToOutside } from "./tcp.ts";

export type { NatHost } from "./core.ts";

/** IP protocols translated by a module of their own, one module per tracked protocol. */
const MODULES: ReadonlyMap<number, NatProtocolModule> = new Map<number, NatProtocolModule>([
  [PROTO_TCP, { toOutside: tcpToOutside, fromOutside: tcpFromOutside }],
  [PROTO_ESP, { toOutside: espToOutside, fromOutside: espFromOutside }],
]);

/** Which interfaces face the private side and which one faces the Internet. */
export interface NatInterfaces {
  inside: string[];
  outside: string;
}

/** Address translation for one router (a home router's NAT or an ISP's CGNAT). */
export class NatEngine implements NatCore {
  readonly table: NatTable;
  #inside: Set<string>;
  #outside: string;
  /** Port forwards by inside endpoint (`proto|addr|port`), used for their outbound replies. */
  readonly statics = new Map<string, Mapping>();
  /** How the first fragment of a datagram was translated, for the fragments that follow (no ports). */
  readonly #fragments: FragmentMemory;

  constructor(readonly host: NatHost, readonly settings: NatSettings, interfaces: NatInterfaces) {
    this.#inside = new Set(interfaces.inside);
    this.#outside = interfaces.outside;
    this.#fragments = new FragmentMemory(host);
    this.table = new NatTable({
      name: host.name,
      ctx: host.ctx,
      rng: host.rng.fork("nat-ports"),
      isLocalPort: (proto, port) =>
        proto === "udp" ? host.ip.udpBound(port) : proto === "tcp" && (host.tcpPortInUse?.(port) ?? false),
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
      this.statics.set(`${f.proto}|${f.to}|${f.toPort}`, m);
    }
  }

  /** Removes every dynamic mapping (a router reboot, `nat flush`). */
  flush(reason = "flushed"): void {
    for (const m of this.table.mappings) if (!m.isStatic) this.table.remove(m, reason);
  }

  prerouting(packet: Packet, ip: Ipv4Packet, iface: Interface): Verdict {
    if (iface.name === this.#outside) return this.#fromOutside(packet, ip, iface);
    if (this.#inside.has(iface.name) && ip.dst === this.externalAddress) return this.#hairpin(packet, iface);
    return UNTOUCHED; // outbound traffic is translated after routing (postrouting), not here
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
      return icmpErrorToOutside(this, packet, l, out);
    }
    // The router's own traffic from its outside address needs no translation; from any other of its
    // addresses it is masqueraded like an inside host's (as Linux's MASQUERADE does).
    if (ip.src === this.externalAddress) return ACCEPT;
    return this.#toOutside(packet, l, out);
  }

  // ---- outbound ----------------------------------------------------------------------------------

  #toOutside(packet: Packet, l: Layout, out: Interface): Verdict {
    const bytes = packet.bytes;
    if (!l.hasTransport) return this.#fragments.translate(packet, l, "src", out);
    const { src, dst } = tuplesOf(bytes, l);
    if (l.protocol === PROTO_UDP) {
      const refused = portRule(this, src.port, dst.port, formatIp(src.addr), "outbound");
      if (refused) return refused;
      const got = this.#outboundMapping("udp", src, dst, packet);
      if ("action" in got) return got;
      const before = { src, dst };
      rewriteTuple(bytes, l, "src", got.outside);
      this.#fragments.remember(bytes, l, "src", src.addr, got.outside.addr);
      recordRewrite(this.host, packet, out, "snat", "udp", before, { src: got.outside, dst }, got);
      return ACCEPT;
    }
    if (l.protocol === PROTO_ICMP) {
      const type = bytes[transportAt(l)];
      if (type === 8) {
        const got = this.#outboundMapping("icmp", src, { addr: dst.addr, port: 0 }, packet);
        if ("action" in got) return got;
        rewriteTuple(bytes, l, "src", got.outside);
        recordRewrite(this.host, packet, out, "snat", "icmp", { src, dst }, {
          src: got.outside,
          dst: { ...dst, port: got.outside.port },
        }, got);
        return ACCEPT;
      }
      // Other informational ICMP (an echo reply to a forwarded request, ...): address only, no state.
      rewriteAddress(bytes, l, "src", this.externalAddress);
      recordRewrite(this.host, packet, out, "snat", "icmp", { src, dst }, {
        src: { addr: this.externalAddress, port: src.port },
        dst,
      });
      return ACCEPT;
    }
    const pptp = pptpToOutside(this, packet, l, out);
    if (pptp) return pptp;
    const module = MODULES.get(l.protocol);
    if (module) {
      const verdict = module.toOutside(this, packet, l, out);
      if (verdict.action === "accept" && l.protocol === PROTO_TCP) {
        this.#fragments.remember(bytes, l, "src", src.addr, readIp(bytes, l.base + 12));
      }
      return verdict;
    }
    return natDrop(
      `${this.host.name}: cannot translate IP protocol ${l.protocol} from ${
        formatIp(src.addr)
      }: NAPT needs ` +
        `ports (UDP, TCP) or identifiers (ICMP echo) to tell inside hosts apart — tunnel it in UDP instead`,
    );
  }

  /**
   * The mapping an outbound UDP datagram or echo request uses, created on first use; or the drop
   * verdict when no outside port can be given.
   */
  #outboundMapping(proto: NatProto, src: Tuple, dst: Tuple, packet: Packet): Mapping | Verdict {
    const s = this.settings;
    const fixed = this.statics.get(`${proto}|${src.addr}|${src.port}`);
    if (fixed) {
      this.table.contact(fixed, dst);
      return fixed;
    }
    const pinned = proto === "udp" && pinnedPort(this, src.port);
    const key = mappingKey(proto, src, dst, s.mapping, pinned);
    let m = this.table.findOutbound(key);
    if (m) {
      this.table.contact(m, dst);
      noteIkeCookie(this, m, packet);
      this.table.refresh(m, false); // publishes the row, with any new remote in it
      return m;
    }
    let port: number | undefined;
    if (pinned) {
      const conflict = pinnedConflict(this, src, dst);
      if (conflict) return conflict;
      port = src.port;
    } else {
      port = this.table.allocatePort(proto, src.port);
      if (port === undefined) {
        return natDrop(
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
    noteIkeCookie(this, m, packet);
    return m;
  }

  // ---- inbound -----------------------------------------------------------------------------------

  #fromOutside(packet: Packet, ip: Ipv4Packet, iface: Interface): Verdict {
    const ext = this.externalAddress;
    if (ip.dst !== ext) {
      if (!this.host.ip.isLocal(ip.dst) && this.#isInsideAddress(ip.dst)) {
        return natDrop(
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
    if (!l.hasTransport) return this.#fragments.translate(packet, l, "dst", iface);
    const { src, dst } = tuplesOf(bytes, l);
    if (l.protocol === PROTO_UDP) return this.#udpFromOutside(packet, l, src, dst, iface);
    if (l.protocol === PROTO_ICMP) {
      const type = bytes[transportAt(l)];
      if (type === 0) return this.#echoReplyFromOutside(packet, l, src, dst, iface);
      if (isIcmpError(type)) return icmpErrorFromOutside(this, packet, l, iface);
      return ACCEPT; // echo requests and the rest are for the router itself
    }
    const pptp = pptpFromOutside(this, packet, l, iface);
    if (pptp) return pptp;
    const module = MODULES.get(l.protocol);
    if (!module) return ACCEPT;
    const verdict = module.fromOutside(this, packet, l, iface);
    if (verdict.action === "accept" && l.protocol === PROTO_TCP) {
      this.#fragments.remember(bytes, l, "dst", dst.addr, readIp(bytes, l.base + 16));
    }
    return verdict;
  }

  #udpFromOutside(packet: Packet, l: Layout, src: Tuple, dst: Tuple, iface: Interface): Verdict {
    const refused = portRule(this, src.port, dst.port, formatIp(src.addr), "inbound");
    if (refused) return refused;
    const candidates = this.table.onOutside("udp", dst.port);
    if (candidates.length === 0) {
      if (this.host.ip.udpBound(dst.port)) return ACCEPT;
      return natDrop(
        `${this.host.name}: no NAT mapping for UDP ${formatIp(dst.addr)}:${dst.port}: datagram from ${
          formatTuple("udp", src)
        } dropped — nothing inside has sent from this port (or its mapping expired); send keepalives, ` +
          `or add a port forward for a server`,
      );
    }
    const chosen = chooseOnSharedPort(this, candidates, src, packet);
    if ("action" in chosen) return chosen;
    const m = chosen;
    if (!filterAllows(m, src, this.settings.filtering)) return this.#filtered(m, src, "UDP");
    const before = { src, dst };
    rewriteTuple(packet.bytes, l, "dst", m.inside);
    this.#fragments.remember(packet.bytes, l, "dst", dst.addr, m.inside.addr);
    this.table.refresh(m, true);
    recordRewrite(this.host, packet, iface, "dnat", "udp", before, { src, dst: m.inside }, m);
    return ACCEPT;
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
    return natDrop(
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
    recordRewrite(this.host, packet, iface, "dnat", "icmp", { src, dst }, {
      src: { ...src, port: m.inside.port },
      dst: m.inside,
    }, m);
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
      return natDrop(
        `${this.host.name}: hairpin is off: ${
          formatTuple("udp", src)
        } sent to the router's own outside address ${formatTuple("udp", dst)} (a mapping of ${
          formatTuple("udp", candidates[0].inside)
        }) — set nat hairpin: true, or use the inside address`,
      );
    }
    const sender = this.#outboundMapping("udp", src, dst, packet);
    if ("action" in sender) return sender;
    const chosen = chooseOnSharedPort(this, candidates, sender.outside, packet);
    if ("action" in chosen) return chosen;
    if (!filterAllows(chosen, sender.outside, this.settings.filtering)) {
      return this.#filtered(chosen, sender.outside, "hairpinned UDP");
    }
    rewriteTuple(bytes, l, "src", sender.outside);
    rewriteTuple(bytes, l, "dst", chosen.inside);
    this.table.refresh(chosen, true);
    recordRewrite(
      this.host,
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

  // ---- helpers -----------------------------------------------------------------------------------

  #isInsideAddress(addr: Ip4): boolean {
    return this.host.ip.interfaces.some((i) =>
      this.#inside.has(i.name) && i.peer === undefined && inSubnet(addr, i.ip, i.prefixLength)
    );
  }
}
