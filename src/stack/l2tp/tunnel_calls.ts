/**
 * The incoming-call exchange on an established tunnel (RFC 2661 §5.2, §7.4.2): ICRQ → ICRP → ICCN,
 * and CDN clearing a call from either side. Apart from the tunnel's own handshake because a session
 * lives and dies while its tunnel stays.
 */
import { formatIp } from "../../wire/addr.ts";
import { type Avp, findAvp } from "../../wire/l2tp_avp.ts";
import { CDN_RESULT_NAMES, MSG } from "../../wire/l2tp_names.ts";
import { describeResult, proxyAvps, readProxy } from "./call_avps.ts";
import { type CallResult, L2tpSession } from "./session.ts";
import type { Tunnel } from "./tunnel.ts";

/** LNS: an ICRQ asks for a session; the owner may refuse it (then a CDN answers). */
export function onIcrq(tunnel: Tunnel, avps: Avp[]): void {
  if (tunnel.state !== "established") return;
  const peerSid = findAvp(avps, "assignedSessionId")!.id;
  for (const existing of tunnel.sessions.values()) {
    if (existing.peerId === peerSid && existing.role === "lns") return; // duplicate ICRQ
  }
  const session = new L2tpSession(
    tunnel,
    tunnel.owner.newSessionId(tunnel),
    "lns",
    findAvp(avps, "callSerialNumber")?.serial ?? 0,
    "wait-connect",
  );
  session.peerId = peerSid;
  session.icrq = avps;
  tunnel.sessions.set(session.localId, session);
  const refusal = tunnel.owner.incomingCall(session);
  if (refusal) {
    tunnel.sessionChanged(session);
    session.disconnect(refusal, refusal.message ?? "refused");
    return;
  }
  tunnel.sendSessionMessage(session, MSG.ICRP, [{ type: "assignedSessionId", id: session.localId }]);
  tunnel.sessionChanged(session);
}

/** LAC: the ICRP accepts our call; the ICCN completes it, with the proxy AVPs when we have them. */
export function onIcrp(tunnel: Tunnel, sessionId: number, avps: Avp[]): void {
  const session = tunnel.sessions.get(sessionId);
  if (!session || session.state !== "wait-reply") return;
  session.peerId = findAvp(avps, "assignedSessionId")!.id;
  const iccn: Avp[] = [
    { type: "txConnectSpeed", bps: tunnel.owner.config.connectSpeed },
    { type: "framingType", sync: true, async: false },
    ...proxyAvps(session.proxy),
    { type: "rxConnectSpeed", bps: tunnel.owner.config.connectSpeed },
  ];
  tunnel.sendSessionMessage(session, MSG.ICCN, iccn);
  tunnel.owner.host.log(
    `Call established with ${
      formatIp(tunnel.peer)
    }, Local: ${session.localId}, Remote: ${session.peerId}, Serial: ${session.serial} (ref=0/0)`,
    { tunnel: tunnel.localId, session: session.localId },
  );
  session.setState("established");
}

/** LNS: the ICCN connects the call. */
export function onIccn(tunnel: Tunnel, sessionId: number, avps: Avp[]): void {
  const session = tunnel.sessions.get(sessionId);
  if (!session || session.state !== "wait-connect") return;
  session.proxy = readProxy(avps);
  tunnel.owner.host.log(
    `Call established with ${
      formatIp(tunnel.peer)
    }, Local: ${session.localId}, Remote: ${session.peerId}, Serial: ${session.serial}`,
    { tunnel: tunnel.localId, session: session.localId, proxy: session.proxy !== undefined },
  );
  session.setState("established");
}

/** Either side: the peer clears a call (found by our id, or by its own when it never learnt ours). */
export function onCdn(tunnel: Tunnel, sessionId: number, avps: Avp[]): void {
  const peerSid = findAvp(avps, "assignedSessionId")!.id;
  const session = tunnel.sessions.get(sessionId) ??
    [...tunnel.sessions.values()].find((s) => s.peerId === peerSid);
  if (!session) return;
  const result = findAvp(avps, "resultCode")!;
  const text = describeResult(MSG.CDN, result);
  tunnel.owner.host.log(
    `control_finish: Connection closed to ${formatIp(tunnel.peer)}, serial ${session.serial} (${
      result.message ?? CDN_RESULT_NAMES[result.result] ?? "no reason"
    })`,
    { tunnel: tunnel.localId, session: session.localId, result: result.result, error: result.error ?? 0 },
  );
  const ended: CallResult = { result: result.result };
  if (result.error !== undefined) ended.error = result.error;
  if (result.message !== undefined) ended.message = result.message;
  session.close({ ...ended, by: "peer" }, `peer sent CDN: ${text}`);
}
