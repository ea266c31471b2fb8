/**
 * A mapping's row of table "nat" and the `state` record that publishes it. UDP and ESP mappings publish
 * their row on every packet (the expiry moves), tens of thousands of rows in a busy run that is rarely
 * asked to show one; so a record keeps only what changes after a mapping is made (its `MappingMoment`)
 * beside the mapping itself, and writes the row, its key and its summary line when read, exactly as
 * they read at emission: what the moment leaves out never changes once the mapping exists (its
 * remotes and IKE cookies are only ever appended, so a count of them is enough).
 */
import { formatDuration, formatTime, type Micros, SECOND } from "../../engine/time.ts";
import { LazyRecord } from "../../trace/lazy_record.ts";
import type { ProtoLabel } from "../../trace/record.ts";
import { formatIp } from "../../wire/addr.ts";
import { formatTuple, type Tuple } from "./rewrite.ts";
import type { Mapping } from "./table.ts";

/** The parts of a mapping that change after it is made, as they were at one moment. */
export interface MappingMoment {
  replied: boolean;
  timeout: Micros;
  expiresAt: Micros;
  spiIn: number | undefined;
  /** How many remotes it had contacted, and how many IKE cookies it had seen. */
  contacted: number;
  cookies: number;
  /** TCP: the tracked state. */
  tcpState: string | undefined;
}

/** `m` as it is now. */
export function momentOf(m: Mapping): MappingMoment {
  return {
    replied: m.replied,
    timeout: m.timeout,
    expiresAt: m.expiresAt,
    spiIn: m.spiIn,
    contacted: m.contactedList.length,
    cookies: m.cookies?.size ?? 0,
    tcpState: m.tcp?.state,
  };
}

/** `5d`, `2h`, `10m`, `120s`: TCP's timeouts span seconds to days (whole units only when exact). */
export function formatSpan(t: Micros): string {
  const units: [number, string][] = [[86400, "d"], [3600, "h"]];
  for (const [seconds, unit] of units) {
    if (t >= seconds * SECOND && t % (seconds * SECOND) === 0) return `${t / (seconds * SECOND)}${unit}`;
  }
  return formatDuration(t);
}

/** `0x0000c0de`. */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

function stateWord(m: Mapping, at: MappingMoment): string {
  if (m.isStatic) return "static";
  if (m.tcp) return at.tcpState!;
  if (m.proto === "udp") return at.replied ? "stream" : "unreplied";
  return at.replied ? "replied" : "unreplied";
}

/**
 * The readable row of `m` at moment `at`, for `--show nat@router` and the view; `accepts` is what the
 * NAT's filtering lets in through a UDP or ICMP mapping.
 */
export function mappingRow(m: Mapping, at: MappingMoment, accepts: string): Record<string, string> {
  const remotes = m.contactedList.slice(0, at.contacted).map((t) =>
    formatTuple(m.proto === "esp" ? "esp" : "udp", t)
  );
  const idle = m.tcp !== undefined; // a TCP row is rewritten on state changes, not on every segment
  const remote = m.isStatic
    ? "any (port forward)"
    : remotes.length === 0
    ? m.scope ? formatIp(m.scope.addr) : "-"
    : remotes.length > 4
    ? `${remotes.slice(0, 4).join(", ")} +${remotes.length - 4} more`
    : remotes.join(", ");
  const row: Record<string, string> = {
    proto: m.proto.toUpperCase(),
    inside: formatTuple(m.proto, m.inside),
    outside: formatTuple(m.proto, m.outside),
    remote,
    accepts: m.isStatic
      ? "anyone"
      : m.proto === "esp"
      ? "that peer"
      : m.proto === "tcp"
      ? "that connection"
      : accepts,
    state: stateWord(m, at),
    expires: m.isStatic
      ? "never"
      : idle
      ? `${formatSpan(at.timeout)} after its last segment`
      : formatTime(at.expiresAt),
    timeout: m.isStatic ? "-" : idle ? formatSpan(at.timeout) : formatDuration(at.timeout),
  };
  if (m.spiOut !== undefined) {
    row.spi = `out ${hex32(m.spiOut)} in ${at.spiIn === undefined ? "?" : hex32(at.spiIn)}`;
  }
  if (at.cookies > 0) row.cookies = [...m.cookies!].slice(0, at.cookies).join(", ");
  return row;
}

/** A stable, readable key for a mapping's row: unique per mapping, unchanged by refreshes. */
export function rowKey(m: Mapping): string {
  let key = `${m.proto} ${formatTuple(m.proto, m.outside)}`;
  if (m.tcp && m.scope) key += ` ↔ ${formatTuple("tcp", m.scope as Tuple)}`;
  if (m.pinned || m.proto === "esp") key += ` ↔ ${m.scope ? formatIp(m.scope.addr) : "any"}`;
  if (m.spiOut !== undefined) key += ` spi ${hex32(m.spiOut)}`;
  if (m.pinned) key += ` for ${formatIp(m.inside.addr)}`;
  return key;
}

/** The summary line of a published row. */
export function rowSummary(
  m: Mapping,
  at: MappingMoment,
  value: Record<string, string>,
  reason: string,
): string {
  const lifetime = m.isStatic
    ? "static"
    : m.tcp
    ? `expires after ${value.timeout} idle`
    : `expires at ${formatTime(at.expiresAt)}`;
  return `nat ${value.inside} ⇄ ${value.outside} (${m.proto.toUpperCase()}, remote ${value.remote}) ${reason}, ${lifetime}`;
}

/** A `state` record of table "nat" holding a row that was published (not removed). */
export class NatRowRecord extends LazyRecord {
  readonly node: string;
  readonly key: string;
  #mapping: Mapping;
  #accepts: string;
  #reason: string;
  #replied: boolean;
  #timeout: Micros;
  #expiresAt: Micros;
  #spiIn: number | undefined;
  #contacted: number;
  #cookies: number;
  #tcpState: string | undefined;

  /** `key` is `rowKey(m)`, which the table works out once per mapping. */
  constructor(node: string, m: Mapping, key: string, accepts: string, reason: string) {
    super();
    this.node = node;
    this.key = key;
    this.#mapping = m;
    this.#accepts = accepts;
    this.#reason = reason;
    // The moment's fields are the record's own, not a second object per record.
    this.#replied = m.replied;
    this.#timeout = m.timeout;
    this.#expiresAt = m.expiresAt;
    this.#spiIn = m.spiIn;
    this.#contacted = m.contactedList.length;
    this.#cookies = m.cookies?.size ?? 0;
    this.#tcpState = m.tcp?.state;
  }

  get kind(): "state" {
    return "state";
  }

  get proto(): ProtoLabel {
    return "NAT";
  }

  get table(): string {
    return "nat";
  }

  #moment(): MappingMoment {
    return {
      replied: this.#replied,
      timeout: this.#timeout,
      expiresAt: this.#expiresAt,
      spiIn: this.#spiIn,
      contacted: this.#contacted,
      cookies: this.#cookies,
      tcpState: this.#tcpState,
    };
  }

  get value(): Record<string, string> {
    return mappingRow(this.#mapping, this.#moment(), this.#accepts);
  }

  get summary(): string {
    const at = this.#moment();
    return rowSummary(this.#mapping, at, mappingRow(this.#mapping, at, this.#accepts), this.#reason);
  }

  get detail(): Record<string, unknown> {
    return { reason: this.#reason };
  }
}
