/**
 * The PPTP helper of a NAT, as Linux's nf_conntrack_pptp and nf_nat_pptp do it. GRE has no ports, so a
 * NAPT cannot tell its inside hosts' calls apart by itself; the helper reads the control connection on
 * TCP 1723 instead:
 *  - an outbound Outgoing-Call-Request names the client's (PNS) Call ID: it is rewritten to the control
 *    connection's outside TCP port, which Linux uses as the outside Call ID (and which is why one
 *    control connection carries one call through it), and so is a Call-Clear-Request's;
 *  - the inbound Outgoing-Call-Reply names the server's (PAC) Call ID and, as Peer's Call ID, the
 *    outside one, which goes back to the inside value (Set-Link-Info and WAN-Error-Notify likewise);
 *  - outbound GRE is matched by (inside host, server, PAC Call ID in its Key) and gets the outside
 *    address; inbound GRE is matched by the outside Call ID in its Key and gets the inside address and
 *    Call ID back.
 * With `pptp-passthrough: off` the control connection still crosses (it is only TCP) but GRE is dropped
 * in both directions. The control connection itself is an ordinary tracked TCP connection (tcp.ts): its
 * mapping, states and timeouts are TCP's, and the helper only reads and rewrites the messages it carries.
 * A call lives as long as its GRE flows, with the timeouts of Linux's nf_conntrack_proto_gre: 30 s until
 * GRE has come back from the server, 180 s after that, each GRE packet pushing the expiry out.
 */
import type { Packet } from "../../engine/packet.ts";
import type { Timer } from "../../engine/scheduler.ts";
import { formatDuration, type Micros, SECOND } from "../../engine/time.ts";
import { formatIp, type Ip4, readIp } from "../../wire/addr.ts";
import { adjustChecksum } from "../../wire/checksum.ts";
import { PROTO_GRE } from "../../wire/gre.ts";
import { PPTP_PORT, pptpFieldOffset, splitPptp } from "../../wire/pptp.ts";
import { PROTO_TCP } from "../../wire/tcp.ts";
import type { Interface } from "../interface.ts";
import { ACCEPT, type Verdict } from "../ip.ts";
import { type NatCore, natDrop } from "./core.ts";
import { type Layout, rewriteAddress, transportAt } from "./rewrite.ts";
import { tcpFromOutside, tcpKey, tcpToOutside } from "./tcp.ts";

/** nf_conntrack_proto_gre's timeouts: a call whose GRE has not come back yet, and one that has. */
export const GRE_TIMEOUT: Micros = 30 * SECOND;
export const GRE_STREAM_TIMEOUT: Micros = 180 * SECOND;

/** One control connection through the NAT. */
interface Control {
  insideAddr: Ip4;
  insidePort: number;
  outsidePort: number;
  server: Ip4;
}

/** One call: the client's Call ID inside and outside, and the server's once its reply is seen. */
interface Call {
  control: Control;
  pnsInside: number;
  pnsOutside: number;
  pac?: number;
  /** GRE came back from the server: the call has the stream timeout. */
  replied: boolean;
  expiresAt: Micros;
  timer?: Timer;
}

/** The helper's state for one NAT. */
class PptpState {
  readonly controls = new Map<string, Control>();
  /** By server and outside TCP port (`server|port`), for the segments coming back. */
  readonly byOutside = new Map<string, Control>();
  /** By server and outside PNS Call ID (`server|id`: what inbound GRE carries in its Key). */
  readonly calls = new Map<string, Call>();
}

const states = new WeakMap<NatCore, PptpState>();
const stateOf = (nat: NatCore) => {
  let s = states.get(nat);
  if (!s) states.set(nat, s = new PptpState());
  return s;
};

const read16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

/** Writes a 16-bit word and folds the change into the checksums at `sums` (RFC 1624). */
function set16(b: Uint8Array, at: number, value: number, sums: number[]): void {
  const old = read16(b, at);
  if (old === value) return;
  b[at] = value >>> 8;
  b[at + 1] = value & 0xff;
  for (const s of sums) {
    const next = adjustChecksum(read16(b, s), old, value);
    b[s] = next >>> 8;
    b[s + 1] = next & 0xff;
  }
}

function row(nat: NatCore, key: string, value: Record<string, unknown> | null, summary: string): void {
  nat.host.ctx.trace.emit({
    kind: "state",
    node: nat.host.name,
    proto: "NAT",
    table: "nat",
    key,
    value,
    summary,
  });
}

function note(
  nat: NatCore,
  packet: Packet,
  iface: Interface,
  summary: string,
  detail: Record<string, unknown>,
): void {
  nat.host.ctx.trace.emit({
    kind: "nat",
    node: nat.host.name,
    iface: iface.name,
    pkt: packet.id,
    proto: "PPTP",
    summary,
    detail,
  });
}

/** The PPTP messages of a segment's payload, each with its offset in `bytes`. */
function messagesAt(bytes: Uint8Array, t: number, end: number): { type: number; at: number }[] {
  const headerLength = (bytes[t + 12] >>> 4) * 4;
  const start = t + headerLength;
  if (start >= end) return [];
  const out: { type: number; at: number }[] = [];
  let at = start;
  for (const m of splitPptp(bytes.subarray(start, end)).messages) {
    if (m.length >= 12) out.push({ type: read16(m, 8), at });
    at += m.length;
  }
  return out;
}

/** A call's GRE passed (`inbound`: from the server): the expiry moves, silently, as a TCP segment's does. */
function touch(nat: NatCore, call: Call, inbound: boolean): void {
  if (inbound) call.replied = true;
  call.expiresAt = nat.host.ctx.sched.now + (call.replied ? GRE_STREAM_TIMEOUT : GRE_TIMEOUT);
}

/** One timer per call, re-armed when it fires before the (moved) expiry, as the NAT table's are. */
function arm(nat: NatCore, call: Call): void {
  call.timer = nat.host.ctx.sched.at(call.expiresAt, () => {
    const state = stateOf(nat);
    const key = `${call.control.server}|${call.pnsOutside}`;
    if (state.calls.get(key) !== call) return;
    if (call.expiresAt > nat.host.ctx.sched.now) return arm(nat, call);
    state.calls.delete(key);
    const timeout = formatDuration(call.replied ? GRE_STREAM_TIMEOUT : GRE_TIMEOUT);
    row(
      nat,
      `gre ${formatIp(call.control.insideAddr)} call ${call.pnsInside}`,
      null,
      `nat gre ${
        formatIp(call.control.insideAddr)
      } call ${call.pnsInside} removed: expired after ${timeout} ` +
        `without GRE (${call.replied ? "replied" : "unreplied"})`,
    );
  });
}

/** Outbound TCP to port 1723 or GRE: the verdict, or undefined when this is not PPTP's. */
export function pptpToOutside(nat: NatCore, packet: Packet, l: Layout, out: Interface): Verdict | undefined {
  const b = packet.bytes;
  const t = transportAt(l);
  const src = readIp(b, l.base + 12);
  const dst = readIp(b, l.base + 16);
  if (l.protocol === PROTO_GRE) {
    if (!nat.settings.pptpPassthrough) {
      return passthroughOff(nat, `GRE from ${formatIp(src)} to ${formatIp(dst)}`);
    }
    const key = l.end >= t + 8 ? read16(b, t + 6) : -1;
    const call = [...stateOf(nat).calls.values()].find((c) =>
      c.control.insideAddr === src && c.control.server === dst && c.pac === key
    );
    if (!call) {
      return natDrop(
        `${nat.host.name}: GRE from ${formatIp(src)} to ${
          formatIp(dst)
        } with Call ID ${key} matches no PPTP call: the helper learns calls from the ` +
          `Outgoing-Call-Request/Reply on TCP ${PPTP_PORT} (and forgets them when GRE stops)`,
      );
    }
    touch(nat, call, false);
    rewriteAddress(b, l, "src", nat.externalAddress);
    note(
      nat,
      packet,
      out,
      `SNAT GRE ${formatIp(src)} → ${formatIp(nat.externalAddress)} (call ${key} to ${formatIp(dst)})`,
      {
        action: "snat",
        proto: "gre",
      },
    );
    return ACCEPT;
  }
  if (l.protocol !== PROTO_TCP || l.end < t + 20 || read16(b, t + 2) !== PPTP_PORT) return undefined;
  const insidePort = read16(b, t);
  // The connection is TCP's to translate and track; the helper then reads what it carries.
  const verdict = tcpToOutside(nat, packet, l, out);
  if (verdict.action !== "accept") return verdict;
  const mapping = nat.table.findOutbound(
    tcpKey({ addr: src, port: insidePort }, { addr: dst, port: PPTP_PORT }),
  );
  if (!mapping) return verdict;
  const state = stateOf(nat);
  const key = `${src}:${insidePort}>${dst}`;
  let control = state.controls.get(key);
  if (!control || control.outsidePort !== mapping.outside.port) {
    if (control) state.byOutside.delete(`${dst}|${control.outsidePort}`);
    control = { insideAddr: src, insidePort, outsidePort: mapping.outside.port, server: dst };
    state.controls.set(key, control);
    state.byOutside.set(`${dst}|${control.outsidePort}`, control);
  }
  if (nat.settings.pptpPassthrough) rewriteOutboundCalls(nat, packet, out, l, control);
  return verdict;
}

function rewriteOutboundCalls(
  nat: NatCore,
  packet: Packet,
  out: Interface,
  l: Layout,
  control: Control,
): void {
  const b = packet.bytes;
  const t = transportAt(l);
  const state = stateOf(nat);
  for (const m of messagesAt(b, t, l.end)) {
    // Outgoing-Call-Request (7) and Call-Clear-Request (12) carry the client's own Call ID.
    if (m.type !== 7 && m.type !== 12) continue;
    const at = m.at + pptpFieldOffset(m.type, "callId")!;
    const inside = read16(b, at);
    if (m.type === 7) {
      const call: Call = {
        control,
        pnsInside: inside,
        pnsOutside: control.outsidePort,
        replied: false,
        expiresAt: nat.host.ctx.sched.now + GRE_TIMEOUT,
      };
      const key = `${control.server}|${call.pnsOutside}`;
      state.calls.get(key)?.timer?.cancel();
      state.calls.set(key, call);
      arm(nat, call);
      row(nat, `gre ${formatIp(control.insideAddr)} call ${inside}`, {
        outside: `${formatIp(nat.externalAddress)} call ${call.pnsOutside}`,
        remote: formatIp(control.server),
        helper: "pptp",
      }, `nat gre ${formatIp(control.insideAddr)} call ${inside} → call ${call.pnsOutside} (PPTP helper)`);
    }
    set16(b, at, control.outsidePort, [t + 16]);
    note(
      nat,
      packet,
      out,
      `PPTP helper: ${
        m.type === 7 ? "Outgoing-Call-Request" : "Call-Clear-Request"
      } Call ID ${inside} → ${control.outsidePort}`,
      {
        action: "snat",
        proto: "pptp",
      },
    );
  }
}

/** Inbound TCP from port 1723 or GRE to the outside address: the verdict, or undefined when not PPTP's. */
export function pptpFromOutside(
  nat: NatCore,
  packet: Packet,
  l: Layout,
  iface: Interface,
): Verdict | undefined {
  const b = packet.bytes;
  const t = transportAt(l);
  const src = readIp(b, l.base + 12);
  const state = stateOf(nat);
  if (l.protocol === PROTO_GRE) {
    if (!nat.settings.pptpPassthrough) return passthroughOff(nat, `GRE from ${formatIp(src)}`);
    const key = l.end >= t + 8 ? read16(b, t + 6) : -1;
    const call = state.calls.get(`${src}|${key}`);
    if (!call) {
      return natDrop(
        `${nat.host.name}: GRE from ${
          formatIp(src)
        } for Call ID ${key} matches no PPTP call through this NAT (never set up, or expired when GRE stopped)`,
      );
    }
    touch(nat, call, true);
    rewriteAddress(b, l, "dst", call.control.insideAddr);
    b[t + 6] = call.pnsInside >>> 8; // GRE has no checksum: the Key is rewritten as it is
    b[t + 7] = call.pnsInside & 0xff;
    note(
      nat,
      packet,
      iface,
      `DNAT GRE call ${key} → ${formatIp(call.control.insideAddr)} call ${call.pnsInside} (from ${
        formatIp(src)
      })`,
      { action: "dnat", proto: "gre" },
    );
    return ACCEPT;
  }
  if (l.protocol !== PROTO_TCP || l.end < t + 20 || read16(b, t) !== PPTP_PORT) return undefined;
  const control = state.byOutside.get(`${src}|${read16(b, t + 2)}`);
  if (!control) return undefined;
  const verdict = tcpFromOutside(nat, packet, l, iface);
  if (verdict.action !== "accept" || !nat.settings.pptpPassthrough) return verdict;
  for (const m of messagesAt(b, t, l.end)) {
    // Outgoing-Call-Reply (8), WAN-Error-Notify (14) and Set-Link-Info (15) name the client's Call ID.
    if (m.type !== 8 && m.type !== 14 && m.type !== 15) continue;
    const at = m.at + pptpFieldOffset(m.type, "peerCallId")!;
    const call = state.calls.get(`${src}|${read16(b, at)}`);
    if (!call || call.control !== control) continue;
    if (m.type === 8) {
      call.pac = read16(b, m.at + pptpFieldOffset(8, "callId")!);
      row(nat, `gre ${formatIp(control.insideAddr)} call ${call.pnsInside}`, {
        outside: `${formatIp(nat.externalAddress)} call ${call.pnsOutside}`,
        remote: `${formatIp(control.server)} call ${call.pac}`,
        helper: "pptp",
      }, `nat gre ${formatIp(control.insideAddr)} call ${call.pnsInside}: server's Call ID ${call.pac}`);
    }
    set16(b, at, call.pnsInside, [t + 16]);
    note(nat, packet, iface, `PPTP helper: Peer's Call ID ${call.pnsOutside} → ${call.pnsInside}`, {
      action: "dnat",
      proto: "pptp",
    });
  }
  return verdict;
}

function passthroughOff(nat: NatCore, what: string): Verdict {
  return natDrop(
    `${nat.host.name}: pptp-passthrough is off: ${what} dropped — GRE (IP protocol 47) has no ports to ` +
      `translate; set pptp-passthrough: on (the PPTP helper maps GRE by Call ID)`,
  );
}
