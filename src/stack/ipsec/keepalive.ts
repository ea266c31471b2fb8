/**
 * NAT-keepalives (RFC 3948 §2.3): the side behind a NAT sends a single 0xFF byte to the peer's 4500
 * port after `interval` without sending anything else there, so the NAT keeps the mapping. What
 * counts as "sent" is every UDP-encapsulated ESP packet and every IKE message on 4500.
 */
import type { Scheduler, Timer } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import type { IkeSa } from "./ike_sa.ts";

/** The keepalive state of one node's IKE SAs. */
export class NatKeepalives {
  #lastSent = new Map<IkeSa, Micros>();
  #timers = new Map<IkeSa, Timer>();

  constructor(readonly sched: Scheduler) {}

  /** Something went to the peer's 4500 port under `sa`. */
  sent(sa: IkeSa): void {
    this.#lastSent.set(sa, this.sched.now);
  }

  /** Starts keepalives for `sa`; `alive` says whether it still exists, `send` puts the byte out. */
  start(sa: IkeSa, interval: Micros, alive: () => boolean, send: () => void): void {
    const tick = () => {
      if (!alive()) return;
      const idle = this.sched.now - (this.#lastSent.get(sa) ?? 0);
      if (idle >= interval) {
        send();
        this.#lastSent.set(sa, this.sched.now);
      }
      const next = Math.max(1, interval - (this.sched.now - (this.#lastSent.get(sa) ?? this.sched.now)));
      this.#timers.set(sa, this.sched.after(next, tick));
    };
    this.#timers.get(sa)?.cancel();
    this.#timers.set(sa, this.sched.after(interval, tick));
  }

  /** The SA is gone. */
  stop(sa: IkeSa): void {
    this.#timers.get(sa)?.cancel();
    this.#timers.delete(sa);
  }
}
