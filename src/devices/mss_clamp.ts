/**
 * `tcp-mss-clamp: N | pmtu` on a forwarding device: its IP stack's forward hook lowers the MSS option
 * of every SYN that passes (see stack/tcp/mss_clamp.ts) and records the rewrite, so a student sees the
 * SYN leave with a smaller MSS than it arrived with. Composes with whatever forward hook is there.
 */
import { summarize } from "../wire/dissect.ts";
import { PROTO_TCP, TCP_SYN } from "../wire/tcp.ts";
import { ACCEPT } from "../stack/ip.ts";
import { clampForwardedSyn, type MssClampSetting } from "../stack/tcp/mss_clamp.ts";
import type { Device } from "./device.ts";

/** Installs MSS clamping on `device` (no-op when `setting` is undefined). */
export function withMssClamp<D extends Device>(device: D, setting: MssClampSetting | undefined): D {
  if (setting === undefined) return device;
  const before = device.ip.hooks.forward;
  device.ip.hooks = {
    ...device.ip.hooks,
    forward(packet, ip, inIface, out) {
      const verdict = before ? before(packet, ip, inIface, out) : ACCEPT;
      if (verdict.action !== "accept") return verdict;
      const syn = ip.protocol === PROTO_TCP && ip.payload.length > 13 && (ip.payload[13] & TCP_SYN) !== 0;
      if (!syn) return ACCEPT;
      const arrived = summarize(packet.bytes); // the SYN as it came in, before the rewrite
      const changed = clampForwardedSyn(packet.bytes, ip, setting, inIface.mtu, out.mtu);
      if (changed) {
        device.ctx.trace.emit({
          kind: "nat",
          node: device.name,
          iface: out.name,
          pkt: packet.id,
          proto: "TCP",
          summary: `${arrived}: MSS clamped ${changed.from} → ${changed.to} (tcp-mss-clamp: ${setting})`,
          detail: { rule: "tcp-mss-clamp", mssBefore: changed.from, mssAfter: changed.to },
        });
      }
      return ACCEPT;
    },
  };
  return device;
}
