/**
 * Fragments through the NAT: only the first fragment carries the ports a mapping is found by, so the
 * NAT remembers how it translated a first fragment (by the datagram's addresses, protocol and
 * identification) and gives the later fragments of that datagram the same address.
 */
import type { Packet } from "../../engine/packet.ts";
import { type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, type Ip4, readIp } from "../../wire/addr.ts";
import { protoLabel } from "../../wire/dissect.ts";
import { readIpv4Header } from "../../wire/ipv4.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type Verdict } from "../ip.ts";
import { natDrop, type NatHost } from "./core.ts";
import { type Layout, rewriteAddress, tuplesOf } from "./rewrite.ts";

/** How long a first fragment's translation is remembered. */
const FRAGMENT_MEMORY = 30 * SECOND;

/** The translations of first fragments one NAT remembers for the fragments that follow. */
export class FragmentMemory {
  #fragments = new Map<string, { side: "src" | "dst"; addr: Ip4; at: Micros }>();

  constructor(readonly host: NatHost) {}

  /** Notes how a first fragment was translated; `original` is its address on `side` before that. */
  remember(bytes: Uint8Array, l: Layout, side: "src" | "dst", original: Ip4, addr: Ip4): void {
    if (!l.moreFragments) return;
    const now = this.host.ctx.sched.now;
    if (this.#fragments.size > 256) {
      for (const [k, v] of this.#fragments) if (now - v.at > FRAGMENT_MEMORY) this.#fragments.delete(k);
    }
    this.#fragments.set(fragmentKey(bytes, side, original), { side, addr, at: now });
  }

  /** Translates a later fragment as its first was, or says why it cannot. */
  translate(packet: Packet, l: Layout, side: "src" | "dst", iface: Interface): Verdict {
    const bytes = packet.bytes;
    const key = fragmentKey(bytes, side, side === "src" ? readIp(bytes, 12) : readIp(bytes, 16));
    const memo = this.#fragments.get(key);
    if (!memo) {
      if (side === "dst") return ACCEPT; // for the router itself, which reassembles it
      return natDrop(
        `${this.host.name}: fragment (offset ${(readIpv4Header(bytes)?.fragmentUnits ?? 0) * 8}) from ${
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
}

function fragmentKey(bytes: Uint8Array, side: "src" | "dst", original: Ip4): string {
  const other = side === "src" ? readIp(bytes, 16) : readIp(bytes, 12);
  return `${side}|${original}|${other}|${bytes[9]}|${(bytes[4] << 8) | bytes[5]}`;
}
