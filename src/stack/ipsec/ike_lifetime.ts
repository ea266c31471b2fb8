/**
 * The ISAKMP SA's lifetime, as charon handles it for IKEv1: IKEv1 cannot rekey an ISAKMP SA in
 * place, so `margintime` plus a fuzz before `ikelifetime` ends the side that initiated it runs a
 * fresh Main (or Aggressive) Mode to the same peer, moves the ESP pairs over to the new SA, and
 * deletes the old one with a DELETE; the responder, told by that DELETE, moves the pairs likewise
 * to the newer SA with the same peer. An SA that reaches its lifetime without a successor (or with
 * `rekey: false`) is deleted with its pairs.
 */
import type { Scheduler } from "../../engine/scheduler.ts";
import { formatDuration, SECOND } from "../../engine/time.ts";
import { formatIp } from "../../wire/addr.ts";
import type { IpsecConfig } from "./config.ts";
import type { IkeSa } from "./ike_sa.ts";
import { sendDelete } from "./informational.ts";

export { DELETED_BY_PEER } from "./informational.ts";
import type { InstalledChild } from "./sa_database.ts";

/** What the ISAKMP lifetime needs from the IPsec layer. */
export interface IkeLifetimeHost {
  readonly config: IpsecConfig;
  readonly sched: Scheduler;
  log(summary: string): void;
  /** The installed ESP pairs negotiated under any SA. */
  readonly children: readonly InstalledChild[];
  /** Starts a fresh phase 1 to the peer of `old`, with no Quick Mode queued. */
  reauthenticate(old: IkeSa): IkeSa;
}

/** Arms the reauthentication (soft) and expiry (hard) timers of a just established SA. */
export function scheduleIkeLifetime(host: IkeLifetimeHost, sa: IkeSa): void {
  const life = host.config.ike.lifetime;
  const margin = Math.min(host.config.margin, Math.floor(life / 2));
  if (host.config.rekey && sa.initiator && margin > 0) {
    // The fuzz comes from the cookie, not the PRNG, so runs that never get this far draw as before.
    const fuzz = Math.floor(((sa.icookie[0] << 8) | sa.icookie[1]) * margin / 65536);
    const soft = Math.max(1, life - margin - fuzz);
    host.sched.after(soft, () => {
      if (!sa.established || sa.successor) return;
      host.log(
        `reauthenticating IKE_SA with ${formatIp(sa.remote.ip)}: its ikelifetime ends in ${
          formatDuration(Math.round((life - soft) / SECOND) * SECOND)
        }`,
      );
      sa.successor = host.reauthenticate(sa);
    });
  }
  host.sched.after(life, () => {
    if (!sa.established) return;
    host.log(
      `IKE_SA with ${formatIp(sa.remote.ip)} expired (ikelifetime ${formatDuration(life)}); deleting it`,
    );
    sendDelete(sa, "isakmp");
    sa.close(`ikelifetime ${formatDuration(life)} expired`);
  });
}

/** Moves the ESP pairs of `from` to `to`; returns how many moved. */
export function adoptChildren(host: IkeLifetimeHost, from: IkeSa, to: IkeSa): number {
  const moved = host.children.filter((c) => c.ike === from);
  for (const child of moved) child.ike = to;
  if (moved.length) {
    host.log(`adopting ${moved.length} CHILD_SA${moved.length === 1 ? "" : "s"} into the new IKE_SA`);
  }
  return moved.length;
}

/**
 * A reauthenticating SA is up: it takes over the old one's pairs, and the old one is deleted, the
 * peer told with a DELETE.
 */
export function completeReauthentication(host: IkeLifetimeHost, fresh: IkeSa): void {
  const old = fresh.predecessor;
  if (!old || !old.established) return;
  adoptChildren(host, old, fresh);
  sendDelete(old, "isakmp");
  old.close("reauthenticated: a new IKE_SA took over");
}

/**
 * The peer deleted `old`: if a newer SA with the same peer (address and port) is up, its pairs move
 * there instead of going away with it.
 */
export function adoptOnPeerDelete(host: IkeLifetimeHost, old: IkeSa, others: readonly IkeSa[]): void {
  const newer = others.find((s) =>
    s !== old && s.established && s.remote.ip === old.remote.ip && s.remote.port === old.remote.port &&
    (s.establishedAt ?? 0) >= (old.establishedAt ?? 0)
  );
  if (newer) adoptChildren(host, old, newer);
}
