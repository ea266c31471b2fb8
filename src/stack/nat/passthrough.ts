/**
 * The passthrough rules of consumer routers for VPN traffic: the on/off switches for IKE (UDP 500) and
 * L2TP (UDP 1701), the keep-port rules that pin those ports and share them between inside hosts (told
 * apart by remote address, and for IKE by initiator cookie), and ESP, which has no ports: tracked per
 * remote peer (`single`) or by SPI (`spi`), or refused (`off`, `udp-only`).
 */
import type { Packet } from "../../engine/packet.ts";
import { formatTime } from "../../engine/time.ts";
import { formatIp, readIp } from "../../wire/addr.ts";
import { PROTO_UDP } from "../../wire/ipv4.ts";
import { IKE_PORT } from "../../wire/isakmp.ts";
import { L2TP_PORT } from "../../wire/l2tp.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type Verdict } from "../ip.ts";
import { type NatCore, natDrop } from "./core.ts";
import { recordRewrite } from "./record.ts";
import { formatTuple, type Layout, layoutOf, rewriteAddress, transportAt, type Tuple } from "./rewrite.ts";
import { hex32, type Mapping } from "./table.ts";

/** Whether the keep-port rules pin this inside port to the same outside port. */
export function pinnedPort(nat: NatCore, port: number): boolean {
  const s = nat.settings;
  if (port === IKE_PORT) {
    return s.ipsecKeepPort500 && (s.ipsecPassthrough === "single" || s.ipsecPassthrough === "spi");
  }
  return port === L2TP_PORT && s.l2tpPassthrough && s.l2tpKeepPort1701;
}

/** Why a pinned port cannot be used for `src` → `dst`, if it cannot. */
export function pinnedConflict(nat: NatCore, src: Tuple, dst: Tuple): Verdict | undefined {
  const port = src.port;
  const ike = port === IKE_PORT;
  const setting = ike ? "ipsec-keep-port-500" : "l2tp-keep-port-1701";
  const what = ike ? "IKE" : "L2TP";
  for (const other of nat.table.onOutside("udp", port)) {
    if (!other.pinned) {
      return natDrop(
        `${nat.host.name}: ${setting} is on but outside port ${port} is taken by ${
          formatTuple("udp", other.inside)
        }: ${what} from ${formatTuple("udp", src)} dropped — set ${setting}: false`,
      );
    }
    if (other.scope?.addr !== dst.addr || other.inside.addr === src.addr) continue;
    if (ike && nat.settings.ipsecPassthrough === "spi") continue; // demultiplexed by IKE cookie
    return natDrop(
      `${nat.host.name}: ${setting} is on: ${what} from ${formatIp(src.addr)}:${port} to ${
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
  if (nat.host.ip.udpBound(port)) {
    return natDrop(
      `${nat.host.name}: ${setting} is on but the router itself uses UDP ${port}: ${what} from ${
        formatIp(src.addr)
      } dropped — set ${setting}: false`,
    );
  }
  return undefined;
}

/** IKE through a shared port 500 is told apart by the initiator cookie (first 8 bytes of ISAKMP). */
export function noteIkeCookie(nat: NatCore, m: Mapping, packet: Packet): void {
  if (!m.pinned || m.inside.port !== IKE_PORT || nat.settings.ipsecPassthrough !== "spi") return;
  const cookie = ikeCookie(packet.bytes);
  if (cookie === undefined) return;
  m.cookies ??= new Set();
  if (!m.cookies.has(cookie)) {
    m.cookies.add(cookie);
    nat.table.publish(m, `tracks IKE initiator cookie ${cookie}`);
  }
}

/** The passthrough switches for IKE and L2TP, which act on ports in both directions. */
export function portRule(
  nat: NatCore,
  srcPort: number,
  dstPort: number,
  who: string,
  direction: string,
): Verdict | undefined {
  const s = nat.settings;
  const has = (p: number) => srcPort === p || dstPort === p;
  if (!s.l2tpPassthrough && has(L2TP_PORT)) {
    return natDrop(
      `${nat.host.name}: l2tp-passthrough is off: UDP ${L2TP_PORT} from ${who} dropped (${direction}) — ` +
        `set l2tp-passthrough: on`,
    );
  }
  if (s.ipsecPassthrough === "off" && has(IKE_PORT)) {
    return natDrop(
      `${nat.host.name}: ipsec-passthrough is off: IKE (UDP ${IKE_PORT}) from ${who} dropped (${direction}) — ` +
        `set ipsec-passthrough: single or spi`,
    );
  }
  return undefined;
}

/** Picks the mapping on a shared (pinned) port that belongs to this remote, or the only one. */
export function chooseOnSharedPort(
  nat: NatCore,
  candidates: Mapping[],
  remote: Tuple,
  packet: Packet,
): Mapping | Verdict {
  if (candidates.length === 1 && !candidates[0].pinned) return candidates[0];
  const forRemote = candidates.filter((m) => !m.pinned || m.scope?.addr === remote.addr);
  if (forRemote.length === 0) {
    const m = candidates[0];
    return natDrop(
      `${nat.host.name}: UDP from ${formatTuple("udp", remote)} to outside port ${m.outside.port} dropped: ` +
        `that port is kept for ${m.scope ? formatIp(m.scope.addr) : "another peer"} (${
          m.inside.port === IKE_PORT ? "ipsec-keep-port-500" : "l2tp-keep-port-1701"
        })`,
    );
  }
  if (forRemote.length === 1) return forRemote[0];
  const cookie = ikeCookie(packet.bytes);
  const byCookie = forRemote.find((m) => cookie !== undefined && m.cookies?.has(cookie));
  if (byCookie) return byCookie;
  return natDrop(
    `${nat.host.name}: IKE from ${formatTuple("udp", remote)} with initiator cookie ${
      cookie ?? "?"
    } matches none of the ${forRemote.length} inside hosts sharing port ${IKE_PORT} — dropped`,
  );
}

/** ESP leaving through the outside interface, by the ipsec-passthrough mode. */
export function espToOutside(nat: NatCore, packet: Packet, l: Layout, out: Interface): Verdict {
  const bytes = packet.bytes;
  const s = nat.settings;
  const src = readIp(bytes, 12);
  const dst = readIp(bytes, 16);
  const spi = espSpi(bytes, l);
  const who = `ESP (SPI ${hex32(spi)}) from ${formatIp(src)} to ${formatIp(dst)}`;
  if (s.ipsecPassthrough === "off") {
    return natDrop(
      `${nat.host.name}: ipsec-passthrough is off: ${who} dropped — set ipsec-passthrough: single (or spi), ` +
        `or let the VPN use NAT-T (UDP 4500)`,
    );
  }
  let m = nat.statics.get(`esp|${src}|0`);
  if (!m && s.ipsecPassthrough === "udp-only") {
    return natDrop(
      `${nat.host.name}: no IPsec passthrough (ipsec-passthrough: udp-only): ${who} dropped: ESP has no ` +
        `ports, so one public address cannot be shared — use NAT-T (UDP 4500)`,
    );
  }
  if (!m) {
    const peers = nat.table.onOutside("esp", 0).filter((e) => e.scope?.addr === dst);
    if (s.ipsecPassthrough === "single") {
      m = peers[0];
      if (m && m.inside.addr !== src) {
        return natDrop(
          `${nat.host.name}: ipsec-passthrough single: ${who} refused: ESP with ${formatIp(dst)} already ` +
            `belongs to ${formatIp(m.inside.addr)} (until ${formatTime(m.expiresAt)}) — only one inside ` +
            `host per server; set ipsec-passthrough: spi, or use NAT-T (UDP 4500)`,
        );
      }
    } else {
      m = peers.find((e) => e.spiOut === spi);
      if (m && m.inside.addr !== src) {
        return natDrop(
          `${nat.host.name}: ipsec-passthrough spi: ${who} refused: SPI ${hex32(spi)} towards ${
            formatIp(dst)
          } is already used by ${formatIp(m.inside.addr)}`,
        );
      }
    }
    if (m) nat.table.refresh(m, false);
    else {
      m = nat.table.add({
        proto: "esp",
        inside: { addr: src, port: 0 },
        outside: { addr: nat.externalAddress, port: 0 },
        key: `esp|${src}|${dst}|${s.ipsecPassthrough === "spi" ? spi : 0}`,
        scope: { addr: dst },
        spiOut: s.ipsecPassthrough === "spi" ? spi : undefined,
        remote: { addr: dst, port: 0 },
      }, `created by ${who}`);
    }
  }
  rewriteAddress(bytes, l, "src", m.outside.addr);
  recordRewrite(
    nat.host,
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

/** ESP arriving on the outside interface: find the inside host it belongs to. */
export function espFromOutside(nat: NatCore, packet: Packet, l: Layout, iface: Interface): Verdict {
  const bytes = packet.bytes;
  const s = nat.settings;
  const src = readIp(bytes, 12);
  const spi = espSpi(bytes, l);
  const who = `ESP (SPI ${hex32(spi)}) from ${formatIp(src)}`;
  if (s.ipsecPassthrough === "off") {
    return natDrop(
      `${nat.host.name}: ipsec-passthrough is off: ${who} dropped — set ipsec-passthrough: single (or spi), ` +
        `or let the VPN use NAT-T (UDP 4500)`,
    );
  }
  const entries = nat.table.onOutside("esp", 0).filter((e) => !e.isStatic && e.scope?.addr === src);
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
        nat.table.publish(
          m,
          `learnt inbound SPI ${hex32(spi)} (guessed: oldest entry waiting for ${formatIp(src)})`,
        );
      }
    }
  }
  m ??= [...nat.statics.values()].find((e) => e.proto === "esp");
  if (!m) {
    if (s.ipsecPassthrough === "udp-only") {
      return natDrop(
        `${nat.host.name}: no IPsec passthrough (ipsec-passthrough: udp-only): ${who} dropped: ESP has no ` +
          `ports to find the inside host by — use NAT-T (UDP 4500)`,
      );
    }
    return natDrop(
      `${nat.host.name}: no NAT mapping for ${who}: no inside host has sent ESP to ${formatIp(src)}${
        s.ipsecPassthrough === "spi" ? " without a known inbound SPI" : ""
      } (or its entry expired) — the inside host must send first; or use NAT-T (UDP 4500), or an esp port forward`,
    );
  }
  rewriteAddress(bytes, l, "dst", m.inside.addr);
  nat.table.refresh(m, true);
  recordRewrite(
    nat.host,
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

/** The SPI of an ESP packet (0 when cut short). */
export function espSpi(bytes: Uint8Array, l: Layout): number {
  const t = transportAt(l);
  return l.end >= t + 4 ? readIp(bytes, t) : 0;
}

/** The IKE initiator cookie (hex) of a UDP datagram to or from port 500, if it carries one. */
export function ikeCookie(bytes: Uint8Array): string | undefined {
  const l = layoutOf(bytes);
  if (!l || !l.hasTransport || l.protocol !== PROTO_UDP) return undefined;
  const t = transportAt(l);
  if (l.end < t + 16) return undefined;
  return [...bytes.subarray(t + 8, t + 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
