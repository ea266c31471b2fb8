/**
 * The data channel of one PPTP call (RFC 2637 §4): PPP frames in enhanced GRE to the peer, each with
 * the next Sequence Number and, when something arrived since, the Acknowledgment Number of the highest
 * sequence received. A data packet that arrives out of order (an older sequence) is dropped, as the
 * RFC allows. When nothing is sent for a while after data arrived, an acknowledgment-only packet (no
 * sequence, no payload) goes out, so the peer's window keeps moving. Frames are demultiplexed to
 * calls by the Call ID in the Key; one node's calls share one table (`greCalls`).
 */
import type { Packet } from "../../engine/packet.ts";
import { type Micros, MS } from "../../engine/time.ts";
import type { Timer } from "../../engine/scheduler.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { summarize } from "../../wire/dissect.ts";
import { decodeGre, encodeGre, PROTO_GRE } from "../../wire/gre.ts";
import type { L2tpHost } from "../l2tp/endpoint.ts";

/** How long received data waits for outgoing data to carry its acknowledgment (pptp-linux: 0.5 s). */
const ACK_DELAY: Micros = 500 * MS;

/** One call's GRE state. */
export class GreCall {
  /** A PPP frame arrived; `outer` is the GRE packet, for lineage. */
  onFrame?: (frame: Uint8Array, outer: Packet) => void;
  #nextSeq = 0;
  #lastReceived = -1;
  #acked = -1;
  #ackTimer?: Timer;
  #closed = false;

  constructor(
    readonly host: L2tpHost,
    readonly table: GreCalls,
    /** Our Call ID (what the peer writes in its Key). */
    readonly localCallId: number,
    /** The peer's Call ID (what we write in ours). */
    readonly peerCallId: number,
    readonly peer: Ip4,
    readonly label: string,
  ) {
    table.add(this);
  }

  /** Sends a PPP frame; `inner` is the IPv4 datagram inside it, for the encap record. */
  send(frame: Uint8Array, inner?: Packet): void {
    if (this.#closed) return;
    const seq = this.#nextSeq;
    this.#nextSeq = (this.#nextSeq + 1) >>> 0;
    const ack = this.#takeAck();
    const bytes = encodeGre({
      callId: this.peerCallId,
      seq,
      ...(ack !== undefined ? { ack } : {}),
      payload: frame,
    });
    const outerId = inner ? this.host.ctx.nextPacketId() : undefined;
    if (inner && outerId !== undefined) {
      this.host.ctx.trace.emit({
        kind: "encap",
        node: this.host.name,
        pkt: outerId,
        parent: inner.id,
        proto: "GRE",
        summary: `${summarize(inner.bytes)} in PPP in GRE call ${this.peerCallId} to ${formatIp(this.peer)}`,
        detail: { call: this.localCallId, layers: ["IP", "GRE", "PPP", "IP"] },
      });
    }
    this.host.ip.sendIp(this.peer, PROTO_GRE, bytes, { id: outerId, parent: inner?.id });
  }

  /** A GRE packet for this call (already decoded and matched by Call ID). */
  receive(packet: Packet, seq: number | undefined, payload: Uint8Array): void {
    if (this.#closed) return this.host.ip.drop(packet, `${this.label}: call is closed`);
    if (seq === undefined) return; // an acknowledgment alone: nothing to deliver
    if (this.#lastReceived >= 0 && ((seq - this.#lastReceived) | 0) <= 0) {
      return this.host.ip.drop(
        packet,
        `${this.label}: GRE sequence ${seq} is not after ${this.#lastReceived} (late or duplicate): dropped`,
      );
    }
    this.#lastReceived = seq;
    this.#ackTimer ??= this.host.ctx.sched.after(ACK_DELAY, () => {
      this.#ackTimer = undefined;
      const ack = this.#takeAck();
      if (ack !== undefined && !this.#closed) {
        this.host.ip.sendIp(
          this.peer,
          PROTO_GRE,
          encodeGre({ callId: this.peerCallId, ack, payload: new Uint8Array(0) }),
        );
      }
    });
    if (payload.length) this.onFrame?.(payload, packet);
  }

  close(): void {
    this.#closed = true;
    this.#ackTimer?.cancel();
    this.table.remove(this);
  }

  #takeAck(): number | undefined {
    if (this.#lastReceived < 0 || this.#lastReceived === this.#acked) return undefined;
    this.#acked = this.#lastReceived;
    this.#ackTimer?.cancel();
    this.#ackTimer = undefined;
    return this.#acked;
  }
}

/** A node's PPTP calls by Call ID, and its handler for IP protocol 47. */
export class GreCalls {
  readonly #calls = new Map<number, GreCall>();

  constructor(readonly host: L2tpHost) {
    host.ip.registerProtocol(PROTO_GRE, (packet, ip) => {
      const decoded = decodeGre(ip.payload);
      if (!decoded.ok) return host.ip.drop(packet, `malformed GRE: ${decoded.error}`);
      const gre = decoded.value;
      const call = this.#calls.get(gre.callId);
      if (!call) {
        return host.ip.drop(
          packet,
          `${host.name}: GRE for Call ID ${gre.callId} from ${
            formatIp(ip.src)
          }, but no PPTP call has that ID here`,
        );
      }
      if (call.peer !== ip.src) {
        return host.ip.drop(
          packet,
          `${host.name}: GRE for call ${gre.callId} came from ${formatIp(ip.src)}, not the call's peer ${
            formatIp(call.peer)
          }`,
        );
      }
      call.receive(packet, gre.seq, gre.payload);
    });
  }

  /** A Call ID no call of ours uses, drawn from `random16`. */
  freeId(random16: () => number): number {
    let id = random16() & 0xffff;
    while (id === 0 || this.#calls.has(id)) id = (id + 1) & 0xffff;
    return id;
  }

  add(call: GreCall): void {
    this.#calls.set(call.localCallId, call);
  }

  remove(call: GreCall): void {
    if (this.#calls.get(call.localCallId) === call) this.#calls.delete(call.localCallId);
  }
}

const tables = new WeakMap<L2tpHost, GreCalls>();

/** The call table of `host`, created (and protocol 47 registered) on first use. */
export function greCalls(host: L2tpHost): GreCalls {
  let table = tables.get(host);
  if (!table) {
    table = new GreCalls(host);
    tables.set(host, table);
  }
  return table;
}
