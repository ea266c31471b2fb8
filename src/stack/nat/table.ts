/**
 * The NAT mapping table: which inside endpoint owns which outside port, who may answer through it, and
 * when it expires. Every creation, refresh and expiry is published as a `state` record in table "nat",
 * so the trace alone can rebuild the table at any moment (`--show nat@router`, the view's tables).
 * A TCP mapping is one connection: its row changes only when the connection's tracked state does
 * (its segments push the expiry out silently), so a bulk transfer adds no record per segment.
 */
import type { SimContext } from "../../engine/context.ts";
import type { Prng } from "../../engine/prng.ts";
import type { Timer } from "../../engine/scheduler.ts";
import { formatDuration, type Micros } from "../../engine/time.ts";
import type { Ip4 } from "../../wire/addr.ts";
import type { TcpTrack } from "../tcp/conntrack.ts";
import type { Behaviour, NatSettings } from "./config.ts";
import { formatTuple, type Tuple } from "./rewrite.ts";
import { formatSpan, hex32, mappingRow, momentOf, NatRowRecord, rowKey } from "./row_record.ts";

/** What a mapping translates: UDP or TCP ports, ICMP echo identifiers, or ESP (addresses only). */
export type NatProto = "udp" | "tcp" | "icmp" | "esp";

/** One translation: an inside endpoint, its outside endpoint, and what it lets back in. */
export interface Mapping {
  readonly id: number;
  readonly proto: NatProto;
  readonly inside: Tuple;
  readonly outside: Tuple;
  /**
   * The remote this mapping is reserved for, when it is not endpoint-independent: the remote address
   * (address-dependent mapping, pinned ports, ESP) and port (address-and-port-dependent mapping).
   */
  readonly scope?: { addr: Ip4; port?: number };
  /** Outside port equals inside port and several inside hosts may share it, one per remote (keep-port rules). */
  readonly pinned: boolean;
  /** A port forward: permanent and open to any remote. */
  readonly isStatic: boolean;
  /** Remote endpoints this mapping has sent to, as `addr` and `addr:port` keys (for filtering). */
  readonly contacted: Set<string>;
  readonly contactedList: Tuple[];
  /** A packet came back through the mapping (UDP switches to the stream timeout). */
  replied: boolean;
  timeout: Micros;
  expiresAt: Micros;
  created: Micros;
  /** ESP: the SPI this inside host sends with, and the one its peer answers with once learnt. */
  spiOut?: number;
  spiIn?: number;
  /** IKE initiator cookies seen from this inside host (hex), for demultiplexing a shared port 500. */
  cookies?: Set<string>;
  /** TCP: the connection's tracked state, which sets the timeout. */
  tcp?: TcpTrack;
  /** TCP: which side sent the first SYN (outbound, or inbound through a port forward). */
  opened?: "outbound" | "inbound";
  timer?: Timer;
}

/** What the table needs from its owner. */
export interface TableOwner {
  readonly name: string;
  readonly ctx: SimContext;
  readonly rng: Prng;
  /** Ports the router itself listens on, never handed out. */
  isLocalPort(proto: NatProto, port: number): boolean;
}

/** The key under which an outbound packet finds its mapping (RFC 4787 §4.1). */
export function mappingKey(
  proto: NatProto,
  inside: Tuple,
  remote: Tuple,
  behaviour: Behaviour,
  pinned: boolean,
): string {
  const base = `${proto}|${inside.addr}|${inside.port}`;
  if (pinned || proto === "esp") return `${base}|${remote.addr}`;
  if (behaviour === "address-dependent") return `${base}|${remote.addr}`;
  if (behaviour === "address-and-port-dependent") return `${base}|${remote.addr}|${remote.port}`;
  return base;
}

/** Whether `remote` may send in through `m` under `filtering` (RFC 4787 §5). */
export function filterAllows(m: Mapping, remote: Tuple, filtering: Behaviour): boolean {
  if (m.isStatic || filtering === "endpoint-independent") return true;
  if (filtering === "address-dependent") return m.contacted.has(`${remote.addr}`);
  return m.contacted.has(`${remote.addr}:${remote.port}`);
}

const FILTER_WORDS: Record<Behaviour, string> = {
  "endpoint-independent": "anyone",
  "address-dependent": "contacted addresses",
  "address-and-port-dependent": "contacted address:port pairs",
};

/** Mappings of one NAT, indexed for both directions, with scheduler-driven expiry. */
export class NatTable {
  #byInside = new Map<string, Mapping>();
  #byOutside = new Map<string, Mapping[]>();
  #all = new Map<number, Mapping>();
  #nextId = 1;

  constructor(readonly owner: TableOwner, readonly settings: NatSettings) {}

  get mappings(): Mapping[] {
    return [...this.#all.values()];
  }

  /** The mapping an outbound packet uses, if one exists. */
  findOutbound(key: string): Mapping | undefined {
    return this.#byInside.get(key);
  }

  /** Every mapping on an outside port (several only for pinned ports and ESP). */
  onOutside(proto: NatProto, port: number): Mapping[] {
    return this.#byOutside.get(`${proto}|${port}`) ?? [];
  }

  /** Whether an outside port is taken (by a mapping or by the router itself). */
  portBusy(proto: NatProto, port: number): boolean {
    return this.#byOutside.has(`${proto}|${port}`) || this.owner.isLocalPort(proto, port);
  }

  /**
   * A free outside port: the inside port itself when preservation allows, otherwise the first free
   * port from a random start in the range (how Linux and most firmware pick) or, with sequential
   * allocation, from just after the last port handed out. Undefined when the range is exhausted.
   */
  allocatePort(proto: NatProto, insidePort: number): number | undefined {
    if (this.settings.portPreservation && insidePort > 0 && !this.portBusy(proto, insidePort)) {
      return insidePort;
    }
    const { low, high } = this.settings.portRange;
    const span = high - low + 1;
    const last = this.#lastAllocated.get(proto);
    const start = this.settings.portAllocation === "sequential"
      ? (last === undefined ? 0 : last - low + 1)
      : this.owner.rng.int(0, span - 1);
    for (let i = 0; i < span; i++) {
      const port = low + ((start + i) % span);
      if (!this.portBusy(proto, port)) {
        this.#lastAllocated.set(proto, port);
        return port;
      }
    }
    return undefined;
  }

  #lastAllocated = new Map<NatProto, number>();

  /** Adds a mapping and publishes it. */
  add(
    init: {
      proto: NatProto;
      inside: Tuple;
      outside: Tuple;
      key: string;
      scope?: { addr: Ip4; port?: number };
      pinned?: boolean;
      isStatic?: boolean;
      spiOut?: number;
      /** The remote the first packet goes to (recorded before the row is published). */
      remote?: Tuple;
      tcp?: TcpTrack;
      opened?: "outbound" | "inbound";
    },
    reason: string,
  ): Mapping {
    const now = this.owner.ctx.sched.now;
    const timeout = init.isStatic ? 0 : init.tcp ? init.tcp.timeout : this.#timeoutFor(init.proto, false);
    const m: Mapping = {
      id: this.#nextId++,
      proto: init.proto,
      inside: init.inside,
      outside: init.outside,
      scope: init.scope,
      pinned: init.pinned ?? false,
      isStatic: init.isStatic ?? false,
      contacted: new Set(),
      contactedList: [],
      replied: false,
      timeout,
      expiresAt: init.isStatic ? Number.POSITIVE_INFINITY : now + timeout,
      created: now,
      spiOut: init.spiOut,
      tcp: init.tcp,
      opened: init.opened,
    };
    this.#byInside.set(init.key, m);
    keys.set(m, init.key);
    const outKey = `${m.proto}|${m.outside.port}`;
    const list = this.#byOutside.get(outKey);
    if (list) list.push(m);
    else this.#byOutside.set(outKey, [m]);
    this.#all.set(m.id, m);
    if (init.remote) this.contact(m, init.remote);
    if (!m.isStatic) this.#arm(m);
    this.publish(m, reason);
    return m;
  }

  /** Notes that `m` sent to `remote` (filtering state); returns true when it is a new remote. */
  contact(m: Mapping, remote: Tuple): boolean {
    const key = `${remote.addr}:${remote.port}`;
    if (m.contacted.has(key)) return false;
    m.contacted.add(key);
    m.contacted.add(`${remote.addr}`);
    m.contactedList.push(remote);
    return true;
  }

  /**
   * Pushes the expiry out by the current timeout. `inbound` marks a reply seen (UDP becomes a stream);
   * inbound packets only move the expiry when the NAT refreshes on inbound traffic.
   */
  refresh(m: Mapping, inbound: boolean): void {
    if (m.isStatic) return;
    const wasReplied = m.replied;
    if (inbound) m.replied = true;
    if (inbound && !this.settings.inboundRefresh) {
      if (!wasReplied) this.publish(m, "first reply seen (inbound traffic does not refresh it)");
      return;
    }
    m.timeout = this.#timeoutFor(m.proto, m.replied);
    m.expiresAt = this.owner.ctx.sched.now + m.timeout;
    const why = inbound
      ? wasReplied ? "refreshed by an inbound packet" : "first reply seen"
      : "refreshed by an outbound packet";
    this.publish(m, why);
  }

  /**
   * A TCP segment passed through `m` and its tracked state did not change: the expiry moves, silently
   * (the row says how long an idle connection lasts, which stays true).
   */
  touch(m: Mapping, inbound: boolean): void {
    if (inbound) m.replied = true;
    m.expiresAt = this.owner.ctx.sched.now + m.timeout;
  }

  /** The tracked TCP state of `m` changed: a new timeout from now, and the row published. */
  retime(m: Mapping, reason: string): void {
    m.timeout = m.tcp ? m.tcp.timeout : this.#timeoutFor(m.proto, m.replied);
    m.expiresAt = this.owner.ctx.sched.now + m.timeout;
    // The timer waits for the old, perhaps later, expiry: set it for the new one.
    m.timer?.cancel();
    this.#arm(m);
    this.publish(m, reason);
  }

  /** Removes a mapping now (expiry, flush). */
  remove(m: Mapping, reason: string): void {
    if (!this.#all.delete(m.id)) return;
    m.timer?.cancel();
    const key = keys.get(m);
    if (key !== undefined && this.#byInside.get(key) === m) this.#byInside.delete(key);
    const outKey = `${m.proto}|${m.outside.port}`;
    const list = (this.#byOutside.get(outKey) ?? []).filter((x) => x !== m);
    if (list.length > 0) this.#byOutside.set(outKey, list);
    else this.#byOutside.delete(outKey);
    this.owner.ctx.trace.emit({
      kind: "state",
      node: this.owner.name,
      proto: "NAT",
      table: "nat",
      key: rowKeyOf(m),
      value: null,
      summary: `nat ${rowKeyOf(m)} removed: ${reason}`,
      detail: { reason, inside: formatTuple(m.proto, m.inside) },
    });
  }

  /** Emits the mapping's current row (written when read: row_record.ts). */
  publish(m: Mapping, reason: string): void {
    this.owner.ctx.trace.emit(
      new NatRowRecord(this.owner.name, m, rowKeyOf(m), FILTER_WORDS[this.settings.filtering], reason),
    );
  }

  /** The readable row for `--show nat@router` and the view. */
  row(m: Mapping): Record<string, string> {
    return mappingRow(m, momentOf(m), FILTER_WORDS[this.settings.filtering]);
  }

  #timeoutFor(proto: NatProto, replied: boolean): Micros {
    const s = this.settings;
    if (proto === "udp") return replied ? s.udpStreamTimeout : s.udpTimeout;
    if (proto === "icmp") return s.icmpTimeout;
    if (proto === "tcp") return s.tcpEstablishedTimeout; // connections take theirs from their state
    return s.espTimeout;
  }

  /**
   * One timer per mapping, set for the expiry known when it was armed. A refresh only moves
   * `expiresAt`; when the timer fires early it re-arms itself, so busy mappings cost no heap churn.
   */
  #arm(m: Mapping): void {
    m.timer = this.owner.ctx.sched.at(m.expiresAt, () => {
      if (!this.#all.has(m.id)) return;
      if (m.expiresAt > this.owner.ctx.sched.now) return this.#arm(m);
      this.remove(
        m,
        m.tcp
          ? `expired in ${m.tcp.state} after ${formatSpan(m.timeout)} without a segment`
          : `expired after ${formatDuration(m.timeout)} without traffic`,
      );
    });
  }
}

const keys = new WeakMap<Mapping, string>();

/** Each mapping's row key (see `rowKeyOf`). */
const rowKeys = new WeakMap<Mapping, string>();

/** `rowKey(m)`, worked out once per mapping: its parts never change once the mapping exists. */
export function rowKeyOf(m: Mapping): string {
  let key = rowKeys.get(m);
  if (key === undefined) rowKeys.set(m, key = rowKey(m));
  return key;
}

// Kept importable from here, where callers have always found them.
export { hex32, rowKey };
