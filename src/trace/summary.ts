/**
 * The numbers printed at the end of a run: how many packets were sent, delivered and dropped (and
 * why), how busy each link was, and what the applications concluded (ping statistics).
 */
import type { Micros } from "../engine/time.ts";
import type { TraceRecord } from "./record.ts";

/** Counts for one link. */
export interface LinkSummary {
  name: string;
  /** Datagrams put on the link (`tx` records): exactly the packets in its pcap. */
  tx: number;
  /** Bytes of those datagrams. */
  bytes: number;
  /** Datagrams lost on the link (random loss, queue overflow, link down). */
  drops: number;
}

/** An application's result line (ping statistics and the like). */
export interface AppResult {
  t: Micros;
  node: string;
  text: string;
}

/** What a run did, in numbers. */
export interface RunSummary {
  records: number;
  /** Time of the last record. */
  end: Micros;
  packets: { sent: number; received: number; forwarded: number; delivered: number; dropped: number };
  /** Drop reasons, most frequent first. */
  drops: { reason: string; count: number }[];
  links: LinkSummary[];
  results: AppResult[];
}

/**
 * Summarises a trace. `linkNames` lists every link so idle ones show up with zeros; links that appear
 * only in records are added after them.
 *
 * Application results are the closing blocks tools print, as ping does: an `app` line starting with
 * `--- ` (`--- 10.0.0.5 ping statistics ---`) and the lines the same node printed right after it at the
 * same instant. Tools that want their conclusion in the summary print it the same way.
 */
export function summarize(records: readonly TraceRecord[], linkNames: readonly string[] = []): RunSummary {
  const packets = { sent: 0, received: 0, forwarded: 0, delivered: 0, dropped: 0 };
  const reasons = new Map<string, number>();
  const links = new Map<string, LinkSummary>();
  const link = (name: string) => {
    let s = links.get(name);
    if (!s) links.set(name, s = { name, tx: 0, bytes: 0, drops: 0 });
    return s;
  };
  for (const name of linkNames) link(name);
  const results: AppResult[] = [];
  let block: { t: Micros; node: string } | undefined;
  for (const r of records) {
    switch (r.kind) {
      case "tx": {
        packets.sent++;
        if (r.link !== undefined) {
          const s = link(r.link);
          s.tx++;
          s.bytes += r.bytes?.length ?? 0;
        }
        break;
      }
      case "rx":
        packets.received++;
        break;
      case "forward":
        packets.forwarded++;
        break;
      case "deliver":
        packets.delivered++;
        break;
      case "drop": {
        packets.dropped++;
        const reason = r.reason ?? "no reason given";
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        if (r.link !== undefined) link(r.link).drops++;
        break;
      }
      case "app":
        if (r.summary.startsWith("--- ")) block = { t: r.t, node: r.node };
        if (block && block.t === r.t && block.node === r.node) {
          results.push({ t: r.t, node: r.node, text: r.summary });
          continue;
        }
        break;
    }
    if (block && (r.t !== block.t || r.node !== block.node)) block = undefined;
  }
  const drops = [...reasons].map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  return {
    records: records.length,
    end: records.length > 0 ? records[records.length - 1].t : 0,
    packets,
    drops,
    links: [...links.values()],
    results,
  };
}
