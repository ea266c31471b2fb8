/**
 * Lifetimes and rekeying of ESP pairs, as charon does them: the side that initiated the IKE SA
 * rekeys `margin` plus a fuzz before a pair's lifetime ends (a new Quick Mode on the same ISAKMP
 * SA); the new pair takes the traffic at once, the old one accepts what is still in flight for a
 * while and is then deleted; a pair that reaches its lifetime expires and is deleted.
 */
import type { Scheduler } from "../../engine/scheduler.ts";
import { formatDuration, SECOND } from "../../engine/time.ts";
import { hexNum } from "../../wire/octets.ts";
import type { IpsecConfig } from "./config.ts";
import { sendDelete } from "./informational.ts";
import type { InstalledChild, SaDatabase } from "./sa_database.ts";

/** How long the old pair of a rekey keeps accepting packets before the rekeying side deletes it. */
const REKEY_OVERLAP = 10 * SECOND;

/** What the lifetimes need from the IPsec layer. */
export interface LifetimeHost {
  readonly config: IpsecConfig;
  readonly sched: Scheduler;
  readonly sad: SaDatabase;
  log(summary: string): void;
}

/** An SPI as charon prints it: 8 hex digits. */
function spiText(spi: number): string {
  return hexNum(spi, 8).slice(2);
}

/**
 * Arms the soft (rekey) and hard (expiry) timers of a new pair, and retires the pairs it rekeyed.
 * The fuzz comes from the SPI, not the PRNG, so runs without rekeys draw the same numbers as before.
 */
export function scheduleLifetime(host: LifetimeHost, child: InstalledChild, rekeyed: InstalledChild[]): void {
  const { sched, sad, config } = host;
  for (const old of rekeyed) {
    host.log(
      `rekeyed CHILD_SA ${spiText(old.spiIn)}_i ${spiText(old.spiOut)}_o: traffic moves to ${
        spiText(child.spiIn)
      }_i ${spiText(child.spiOut)}_o`,
    );
    if (!child.ike.initiator) continue;
    old.lifeTimers.push(sched.after(REKEY_OVERLAP, () => {
      if (!sad.has(old.spiIn)) return;
      sendDelete(old.ike, { esp: [old.spiIn] });
      sad.remove(old, "rekeyed: the new CHILD_SA carries the traffic");
    }));
  }
  const life = config.esp.lifetime;
  const margin = Math.min(config.margin, Math.floor(life / 2));
  if (config.rekey && child.ike.initiator && margin > 0) {
    const soft = life - margin - (child.spiIn % Math.max(1, margin));
    child.lifeTimers.push(sched.after(Math.max(1, soft), () => {
      if (!sad.has(child.spiIn) || child.supersededBy || !child.ike.established) return;
      host.log(
        `rekeying CHILD_SA ${spiText(child.spiIn)}_i: its lifetime ends in ${
          formatDuration(Math.round((life - soft) / SECOND) * SECOND)
        }`,
      );
      child.ike.requestChild(child.selector);
    }));
  }
  child.lifeTimers.push(sched.after(life, () => {
    if (!sad.has(child.spiIn)) return;
    host.log(`CHILD_SA ${spiText(child.spiIn)}_i expired (lifetime ${formatDuration(life)})`);
    if (child.ike.established) sendDelete(child.ike, { esp: [child.spiIn] });
    sad.remove(child, `expired (lifetime ${formatDuration(life)})`);
  }));
}
