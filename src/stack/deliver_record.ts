/**
 * The `deliver` record of a datagram handed to a local socket in the very bytes of the frame it
 * arrived in (no hook rewrote them): compact like the link's records (trace/lazy_record.ts says why).
 * It names the frame's `rx` record and writes its line from that frame's stored copy only when read, so
 * the line reads as if written at delivery. An L2TP/IPsec server delivers every datagram of every
 * client this way; writing the line at once was a tenth of the scale run's allocations.
 */
import { LazyRecord, type RxRecord } from "../trace/lazy_record.ts";
import type { ProtoLabel } from "../trace/record.ts";

/** `node` delivered the datagram of the frame `arrived` on its interface to UDP `port` (or to ICMP). */
export class DeliverRecord extends LazyRecord {
  readonly node: string;
  #arrived: RxRecord;
  /** The UDP destination port, or -1 for an ICMP message (whose line names no port). */
  #port: number;

  constructor(node: string, arrived: RxRecord, port: number) {
    super();
    this.node = node;
    this.#arrived = arrived;
    this.#port = port;
  }

  get kind(): "deliver" {
    return "deliver";
  }

  get iface(): string {
    return this.#arrived.iface;
  }

  get pkt(): number {
    return this.#arrived.pkt;
  }

  get proto(): ProtoLabel {
    return this.#arrived.proto;
  }

  // Not kept once written: a line is read about once (the text trace, the view).
  get summary(): string {
    const line = this.#arrived.frameSummary;
    return this.#port < 0 ? line : `${line} → UDP port ${this.#port}`;
  }
}
