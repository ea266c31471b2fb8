/**
 * The dial-up line between a subscriber's modem and its ISP's access server. Links in this simulator
 * carry IPv4 datagrams only, and a modem line carries PPP frames, so the line is modelled here: two
 * ends that hand each other frames after a fixed delay, each arrival recorded in the trace (with the
 * inner packet's id when the frame holds an IPv4 datagram). The ISP side registers itself as the
 * answerer for its node name; a subscriber dials it by name.
 */
import type { SimContext } from "../engine/context.ts";
import type { Packet } from "../engine/packet.ts";
import { type Micros, MS } from "../engine/time.ts";
import { summarizePpp } from "../wire/ppp.ts";

/** Modem-to-access-server latency. */
export const LINE_DELAY: Micros = 20 * MS;

/** One end of a connected line. */
export class LineEnd {
  /** A frame arrived; `inner` is the datagram inside, `outer` the packet that brought it to the far end. */
  onFrame?: (frame: Uint8Array, inner?: Packet, outer?: Packet) => void;
  /** The far end hung up (or the line dropped). */
  onHangup?: (reason: string) => void;
  peer!: LineEnd;
  #up = true;

  /**
   * @param line the line's name in the trace and the pcap file name (`subscriber_isp`, like a link
   *   named after its two nodes)
   */
  constructor(readonly ctx: SimContext, readonly node: string, readonly line: string) {}

  get up(): boolean {
    return this.#up;
  }

  /** Sends a frame down the line; false when the line is down. */
  send(frame: Uint8Array, inner?: Packet, outer?: Packet): boolean {
    if (!this.#up) return false;
    const copy = frame.slice();
    const peer = this.peer;
    // The frame as it goes onto the wire, for the line's capture (pcap linktype PPP). No packet id:
    // the id belongs to the IPv4 datagram inside, whose bytes the inspector shows on its own records.
    this.ctx.trace.emit({
      kind: "tx",
      node: this.node,
      iface: "line",
      link: this.line,
      proto: "PPP",
      summary: summarizePpp(copy),
      bytes: copy,
      linktype: "ppp",
    });
    this.ctx.sched.after(LINE_DELAY, () => {
      if (!peer.#up) return;
      this.ctx.trace.emit({
        kind: "deliver",
        node: peer.node,
        iface: "line",
        proto: "PPP",
        ...(inner ? { pkt: inner.id } : {}),
        summary: `PPP over the dial-up line from ${this.node}: ${summarizePpp(copy)}`,
        link: this.line,
      });
      peer.onFrame?.(copy, inner, outer);
    });
    return true;
  }

  /** Drops the line; the far end learns it after the line delay. */
  hangup(reason: string): void {
    if (!this.#up) return;
    this.#up = false;
    const peer = this.peer;
    this.ctx.sched.after(LINE_DELAY, () => {
      if (!peer.#up) return;
      peer.#up = false;
      peer.onHangup?.(reason);
    });
  }
}

/** Answers calls to one ISP node: gets the ISP's end of each new line. */
export type LineAnswerer = (subscriber: string, line: LineEnd) => void;

const exchanges = new WeakMap<SimContext, Map<string, LineAnswerer>>();

function exchange(ctx: SimContext): Map<string, LineAnswerer> {
  let map = exchanges.get(ctx);
  if (!map) {
    map = new Map();
    exchanges.set(ctx, map);
  }
  return map;
}

/** Makes calls to `isp` reach `answer` (one answerer per ISP node per simulation). */
export function answerCalls(ctx: SimContext, isp: string, answer: LineAnswerer): void {
  exchange(ctx).set(isp, answer);
}

/** Dials `isp` from `subscriber`: the subscriber's end of a new line, or undefined when nobody answers. */
export function dial(ctx: SimContext, subscriber: string, isp: string): LineEnd | undefined {
  const answer = exchange(ctx).get(isp);
  if (!answer) return undefined;
  const line = `${subscriber}_${isp}`;
  const ours = new LineEnd(ctx, subscriber, line);
  const theirs = new LineEnd(ctx, isp, line);
  ours.peer = theirs;
  theirs.peer = ours;
  answer(subscriber, theirs);
  return ours;
}
