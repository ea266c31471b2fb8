/**
 * The node's SA database (Linux's SAD): installed transport-mode ESP SA pairs by inbound SPI, the
 * choice of outbound SA for a packet, and their `ipsec-sas` table rows. Behind one NAT several
 * clients share an address, so, as strongSwan does, a pair is told apart by the peer's address and
 * NAT-T port, and an answer leaves through the SA its request came in on (`Packet.saRef`). The
 * `one-sa-per-address` behaviour reproduces older servers that keep one SA per peer address: the
 * newest client's SA then replaces the others'.
 */
import { toHex } from "../../crypto/index.ts";
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import { SECOND } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { hexNum } from "../../wire/octets.ts";
import { ESP_CIPHERS, type IpsecConfig } from "./config.ts";
import { be32 } from "./derive.ts";
import { REPLAY_WINDOW, ReplayWindow } from "./esp.ts";
import { wiresharkEspSa } from "./esp_sa_entry.ts";
import type { ChildSa } from "./ike_sa.ts";
import { sameSelector, selectorText } from "./payloads.ts";

/** An installed pair of ESP SAs with its counters. */
export interface InstalledChild extends ChildSa {
  seqOut: number;
  replay: ReplayWindow;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  publishTimer?: Timer;
  /** Rekey and expiry timers, cancelled on removal. */
  lifeTimers: Timer[];
  /** The pair that took over after a rekey; this one still accepts inbound until it is deleted. */
  supersededBy?: InstalledChild;
}

/** What the database needs from the IPsec layer. */
export interface SaDatabaseHost {
  readonly config: IpsecConfig;
  readonly sched: Scheduler;
  log(summary: string, detail?: Record<string, unknown>): void;
  /** Publishes a row of `ipsec-sas` (null: removed). */
  publish(spiIn: number, value: Record<string, unknown> | null, summary: string): void;
}

/** How many removed SPIs keep their reason for later drops. */
const REMEMBERED_REMOVALS = 1024;

/** The peer's NAT-T port of a UDP-encapsulated pair, "" for plain ESP. */
function natPort(child: ChildSa): string {
  return child.udpEncap ? `[${child.ike.remote.port}]` : "";
}

/** Installed ESP SAs of one node. */
export class SaDatabase {
  #bySpi = new Map<number, InstalledChild>();
  #newestByAddress = new Map<Ip4, InstalledChild>();
  /** Why an SPI is gone, when that explains later packets better than "unknown SPI". */
  #removed = new Map<number, string>();

  constructor(readonly host: SaDatabaseHost) {}

  /** Every installed pair, oldest first. */
  get all(): InstalledChild[] {
    return [...this.#bySpi.values()];
  }

  has(spiIn: number): boolean {
    return this.#bySpi.has(spiIn);
  }

  /** The pair an inbound ESP packet with this SPI belongs to. */
  inbound(spi: number): InstalledChild | undefined {
    return this.#bySpi.get(spi);
  }

  /** Why a no longer installed SPI went away, if it was replaced for a reason worth telling. */
  removalReason(spi: number): string | undefined {
    return this.#removed.get(spi);
  }

  /**
   * The pair a packet to `dst` leaves through: the one its `saRef` names (an answer goes back the
   * way the request came), else the newest pair with that peer.
   */
  outbound(dst: Ip4, saRef?: number): InstalledChild | undefined {
    if (saRef !== undefined && this.host.config.behaviour !== "one-sa-per-address") {
      let named = this.#bySpi.get(saRef);
      while (named?.supersededBy && this.#bySpi.has(named.supersededBy.spiIn)) named = named.supersededBy;
      if (named && named.ike.remote.ip === dst) return named;
    }
    return this.#newestByAddress.get(dst);
  }

  /**
   * Installs a negotiated pair, replacing the pair it supersedes. A rekey (same IKE SA, same
   * traffic) keeps the old pair for inbound packets still in flight; it is returned in `rekeyed`.
   */
  install(child: ChildSa): { installed: InstalledChild; rekeyed: InstalledChild[] } {
    const installed: InstalledChild = {
      ...child,
      seqOut: 0,
      replay: new ReplayWindow(),
      packetsIn: 0,
      packetsOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      lifeTimers: [],
    };
    const rekeyed: InstalledChild[] = [];
    const perAddress = this.host.config.behaviour === "one-sa-per-address";
    const peer = child.ike.remote.ip;
    // Over the live map, not a copy of it (a server holds a pair per client): the body removes only
    // `previous` itself, which a live iteration has already passed.
    for (const previous of this.#bySpi.values()) {
      if (previous.ike.remote.ip !== peer) continue;
      const samePort = natPort(previous) === natPort(child);
      if (previous.supersededBy) continue;
      if (previous.ike === child.ike && sameSelector(previous.selector, child.selector)) {
        previous.supersededBy = installed;
        rekeyed.push(previous);
      } else if (samePort) this.remove(previous, "replaced by a new CHILD_SA");
      else if (perAddress) this.#replaceOtherClient(previous, child);
    }
    this.#bySpi.set(child.spiIn, installed);
    this.#newestByAddress.set(peer, installed);
    return { installed, rekeyed };
  }

  #replaceOtherClient(previous: InstalledChild, child: ChildSa): void {
    const peer = formatIp(child.ike.remote.ip);
    const port = child.selector.remote.port;
    this.host.log(
      `CHILD_SA for ${peer}[udp/${port}] replaced: a second client behind the same NAT (${peer}${
        natPort(previous)
      } before, ${peer}${natPort(child)} now); this server keeps one SA per peer address ` +
        `(behaviour: one-sa-per-address), strongSwan tells them apart by the NAT-T port`,
    );
    this.remove(previous, `replaced by the CHILD_SA of another client behind ${peer}`);
    this.#remember(
      previous.spiIn,
      `its SA was replaced by another client's behind the same NAT (${peer}${natPort(child)}): ` +
        `one SA per peer address (behaviour: one-sa-per-address)`,
    );
  }

  #remember(spi: number, reason: string): void {
    this.#removed.set(spi, reason);
    if (this.#removed.size > REMEMBERED_REMOVALS) this.#removed.delete(this.#removed.keys().next().value!);
  }

  /** Removes a pair and publishes why. */
  remove(child: InstalledChild, reason: string): void {
    child.publishTimer?.cancel();
    for (const timer of child.lifeTimers) timer.cancel();
    this.#bySpi.delete(child.spiIn);
    const peer = child.ike.remote.ip;
    if (this.#newestByAddress.get(peer) === child) {
      this.#newestByAddress.delete(peer);
      for (const other of this.#bySpi.values()) {
        if (other.ike.remote.ip === peer) this.#newestByAddress.set(peer, other);
      }
    }
    this.host.publish(child.spiIn, null, `ipsec-sas ${hexNum(child.spiIn, 8)} removed: ${reason}`);
  }

  /** The peer moved to a new NAT mapping: its newest pair is found under the new address. */
  moved(child: InstalledChild, from: Ip4): void {
    if (this.#newestByAddress.get(from) === child) this.#newestByAddress.delete(from);
    this.#newestByAddress.set(child.ike.remote.ip, child);
  }

  /** The Wireshark ESP SA entries of a pair, as the "CHILD_SA established" record carries them. */
  keysOf(child: ChildSa): Record<string, unknown>[] {
    const local = child.ike.local.ip;
    const remote = child.ike.remote.ip;
    return [
      wiresharkEspSa(child.spiOut, child.outbound, local, remote, child.udpEncap),
      wiresharkEspSa(child.spiIn, child.inbound, remote, local, child.udpEncap),
    ];
  }

  /** The log line of a new pair, as charon prints it. */
  establishedText(child: ChildSa): string {
    return `CHILD_SA established with SPIs ${toHex(be32(child.spiIn))}_i ${
      toHex(be32(child.spiOut))
    }_o and TS ${selectorText(child.selector)}${child.udpEncap ? " (UDP-encapsulated)" : ""}`;
  }

  /** Publishes a pair's row now. */
  publish(child: InstalledChild): void {
    this.host.publish(
      child.spiIn,
      this.#row(child),
      `ipsec-sas ${hexNum(child.spiIn, 8)}_i ${
        hexNum(child.spiOut, 8)
      }_o: ${child.packetsIn} in, ${child.packetsOut} out`,
    );
  }

  /** Counters change on every packet; publishing at most once a second keeps the trace readable. */
  schedulePublish(child: InstalledChild): void {
    if (child.publishTimer) return;
    child.publishTimer = this.host.sched.after(SECOND, () => {
      child.publishTimer = undefined;
      if (this.#bySpi.get(child.spiIn) === child) this.publish(child);
    });
  }

  #row(child: InstalledChild): Record<string, unknown> {
    const keys = child.outbound;
    return {
      peer: `${formatIp(child.ike.remote.ip)}${natPort(child)}`,
      "spi-in": hexNum(child.spiIn, 8),
      "spi-out": hexNum(child.spiOut, 8),
      mode: "transport",
      encap: child.udpEncap ? `UDP ${child.ike.local.port}→${child.ike.remote.port}` : "ESP (IP protocol 50)",
      proposal: ESP_CIPHERS[keys.encryption].aead ? keys.encryption : `${keys.encryption}/${keys.integrity}`,
      traffic: selectorText(child.selector),
      "packets-in": child.packetsIn,
      "packets-out": child.packetsOut,
      "bytes-in": child.bytesIn,
      "bytes-out": child.bytesOut,
      replay: `window ${REPLAY_WINDOW}, highest seq ${child.replay.top}`,
    };
  }
}
