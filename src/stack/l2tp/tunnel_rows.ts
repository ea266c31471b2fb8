/**
 * The rows a tunnel and its sessions put in the `l2tp-tunnels` and `l2tp-sessions` tables: what a
 * student reads at a step, so only what changes the story (no timers, no buffers).
 */
import { MSG } from "../../wire/l2tp_names.ts";
import { describeResult } from "./call_avps.ts";
import type { L2tpSession } from "./session.ts";
import type { Tunnel } from "./tunnel.ts";

/** The `l2tp-tunnels` row of a tunnel; the reason appears only once it is closing or closed. */
export function tunnelRow(tunnel: Tunnel): Record<string, unknown> {
  return {
    peer: tunnel.peerText,
    peerTid: tunnel.peerId,
    ...(tunnel.peerHostname !== undefined ? { peerHostname: tunnel.peerHostname } : {}),
    state: tunnel.state,
    ns: tunnel.channel.ns,
    nr: tunnel.channel.nr,
    retransmissions: tunnel.channel.retransmissions,
    sessions: tunnel.sessions.size,
    ...(tunnel.closeReason !== undefined && (tunnel.state === "closed" || tunnel.state === "closing")
      ? { reason: tunnel.closeReason }
      : {}),
  };
}

/** The `l2tp-sessions` row of a call. */
export function sessionRow(tunnel: Tunnel, session: L2tpSession): Record<string, unknown> {
  return {
    peer: tunnel.peerText,
    peerSid: session.peerId,
    role: session.role,
    state: session.state,
    serial: session.serial,
    ...(session.user !== undefined ? { user: session.user } : {}),
    ...(session.address !== undefined ? { address: session.address } : {}),
    ...(session.ended ? { ended: describeResult(MSG.CDN, session.ended) } : {}),
  };
}
