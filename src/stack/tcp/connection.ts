/**
 * One TCP connection (RFC 9293): the state machine from SYN-SENT or SYN-RECEIVED to TIME-WAIT, a send
 * queue of unacknowledged bytes, a receive window with out-of-order segments held until the hole fills,
 * the retransmission timer (RFC 6298, see rtt.ts), congestion control (RFC 5681 and NewReno, see
 * congestion.ts) and the reaction to ICMP fragmentation-needed (RFC 1191). Timers run on the
 * simulation's scheduler, so a run is reproducible to the microsecond. It sends through a
 * `SegmentSink` and knows nothing of IP or devices.
 */
import type { Timer } from "../../engine/scheduler.ts";
import type { Micros } from "../../engine/time.ts";
import type { Ip4 } from "../../wire/addr.ts";
import {
  OPT_MSS,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type TcpOption,
  type TcpSegment,
} from "../../wire/tcp.ts";
import { ByteQueue } from "./buffer.ts";
import { type AckAction, Congestion, initialWindow } from "./congestion.ts";
import { formatDuration, RttEstimator } from "./rtt.ts";
import { pathMtuFromError } from "./pmtud.ts";
import { segmentLength, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from "./seq.ts";
import {
  DATA_RETRIES,
  DEFAULT_MSS,
  MAX_WINDOW,
  MSL,
  type OutOfOrder,
  type SegmentSink,
  SYN_RETRIES,
  type TcpEvents,
  type TcpOptions,
  type TcpState,
} from "./connection_types.ts";

/** A TCP connection's control block and behaviour. */
export class TcpConnection {
  state: TcpState;
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  /** One past the highest sequence number ever sent (sndNxt moves back on a timeout, this does not). */
  sndMax: number;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  irs = 0;
  rcvNxt = 0;
  /** Send MSS (RFC 9293 §3.7.1): the peer's MSS option bounded by the path MTU minus 40. */
  mss: number;
  peerMss = DEFAULT_MSS;
  pmtu: number;
  readonly congestion: Congestion;
  readonly rtt = new RttEstimator();
  /** Counters for the table and the apps. */
  retransmittedSegments = 0;
  bytesAcked = 0;
  bytesReceived = 0;
  /** Set when the connection ended by error (refused, reset, timed out). */
  error: string | null = null;
  events: TcpEvents = {};

  readonly #sink: SegmentSink;
  readonly #queue = new ByteQueue();
  /** Sequence number of the first byte in the send queue. */
  #sendBase: number;
  #finQueued = false;
  #receiveBuffer: number;
  #unread = 0;
  #outOfOrder: OutOfOrder[] = [];
  #timing: { end: number; at: Micros } | undefined;
  #retransmitTimer: Timer | undefined;
  #timeWaitTimer: Timer | undefined;
  #retries = 0;
  #partialAckSeen = false;
  #closedReported = false;

  constructor(
    sink: SegmentSink,
    readonly localIp: Ip4,
    readonly localPort: number,
    readonly remoteIp: Ip4,
    readonly remotePort: number,
    iss: number,
    pathMtu: number,
    options: TcpOptions,
    state: "SYN-SENT" | "SYN-RECEIVED",
  ) {
    this.#sink = sink;
    this.state = state;
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.sndMax = iss;
    this.#sendBase = seqAdd(iss, 1);
    this.pmtu = pathMtu;
    this.mss = Math.min(DEFAULT_MSS, this.advertisedMss);
    this.congestion = new Congestion(this.mss, iss);
    this.#receiveBuffer = Math.max(1, options.receiveBuffer ?? MAX_WINDOW);
  }

  /** The MSS this side announces: what fits its own path MTU (RFC 9293 §3.7.1, 879 §6). */
  get advertisedMss(): number {
    return this.pmtu - 40;
  }

  /** Bytes sent and not yet acknowledged. */
  get inFlight(): number {
    return seqDiff(this.sndNxt, this.sndUna);
  }

  /** Bytes written by the application and not yet acknowledged. */
  get unacknowledged(): number {
    return this.#queue.length;
  }

  get receiveWindow(): number {
    return Math.min(MAX_WINDOW, Math.max(0, this.#receiveBuffer - this.#unread));
  }

  // ---- application side ----

  /** Queues bytes to send (RFC 9293 SEND); they leave as the windows allow. */
  write(data: Uint8Array): void {
    if (this.#finQueued || this.state === "CLOSED") return;
    this.#queue.push(data);
    this.#pump();
  }

  /** Half-closes: a FIN follows the queued data (RFC 9293 CLOSE). */
  close(): void {
    if (this.#finQueued) return;
    if (this.state === "SYN-SENT") return this.#finish("closed before it was established");
    this.#finQueued = true;
    if (this.state === "ESTABLISHED" || this.state === "SYN-RECEIVED") this.#setState("FIN-WAIT-1");
    else if (this.state === "CLOSE-WAIT") this.#setState("LAST-ACK");
    this.#pump();
  }

  /** Aborts with a reset (RFC 9293 ABORT). */
  abort(reason: string): void {
    if (this.state !== "CLOSED" && this.state !== "SYN-SENT" && this.state !== "TIME-WAIT") {
      this.#send(this.sndNxt, TCP_RST | TCP_ACK);
    }
    this.#finish(reason);
  }

  /** The application consumed `count` buffered bytes (only when it does not take them in onData). */
  consumed(count: number): void {
    const before = this.receiveWindow;
    this.#unread = Math.max(0, this.#unread - count);
    // Receiver-side silly window avoidance (RFC 9293 §3.8.6.2.2): announce only a worthwhile opening.
    const opened = this.receiveWindow - before;
    if (opened >= Math.min(this.#receiveBuffer / 2, this.mss) || (before === 0 && opened > 0)) {
      this.#sendAck();
    }
  }

  // ---- opening ----

  /** Active open: sends the SYN with our MSS. */
  open(): void {
    this.#sendSyn();
  }

  /** Passive open from a listener: `syn` is the peer's SYN; answers SYN-ACK. */
  acceptSyn(syn: TcpSegment, peerMss: number | undefined): void {
    this.irs = syn.seq;
    this.rcvNxt = seqAdd(syn.seq, 1);
    this.sndWnd = syn.window;
    this.#setPeerMss(peerMss);
    this.#sendSyn();
  }

  #sendSyn(): void {
    const flags = this.state === "SYN-SENT" ? TCP_SYN : TCP_SYN | TCP_ACK;
    const first = this.sndMax === this.iss;
    this.#send(this.iss, flags, new Uint8Array(0), [{ kind: OPT_MSS, mss: this.advertisedMss }]);
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = this.sndNxt;
    if (first) this.#timing = { end: this.sndNxt, at: this.#sink.sched.now };
    this.#armRetransmit(true);
  }

  #setPeerMss(peerMss: number | undefined): void {
    this.peerMss = peerMss ?? DEFAULT_MSS;
    this.mss = Math.max(1, Math.min(this.peerMss, this.advertisedMss));
    // Nothing has been sent yet: the initial window follows the segment size just agreed.
    this.congestion.mss = this.mss;
    this.congestion.cwnd = initialWindow(this.mss);
  }

  // ---- segment arrival (RFC 9293 §3.10.7) ----

  /** Processes one arriving segment addressed to this connection. */
  receive(segment: TcpSegment, peerMss: number | undefined): void {
    if (this.state === "CLOSED") return;
    if (this.state === "SYN-SENT") return this.#receiveInSynSent(segment, peerMss);
    const flags = segment.flags;
    if (this.state === "SYN-RECEIVED" && flags & TCP_SYN && !(flags & TCP_ACK) && segment.seq === this.irs) {
      return this.#sendSyn(); // our SYN-ACK was lost: the peer repeats its SYN
    }
    if (!this.#acceptable(segment)) {
      if (!(flags & TCP_RST)) this.#sendAck();
      return;
    }
    if (flags & TCP_RST) {
      // RFC 5961 §3.2: only an exact match resets; any other in-window RST gets a challenge ACK.
      if (segment.seq === this.rcvNxt) return this.#finish("connection reset by peer");
      return this.#sendAck();
    }
    if (flags & TCP_SYN) return this.#sendAck(); // RFC 5961 §4: challenge ACK for a SYN in a synchronised state
    if (!(flags & TCP_ACK)) return;
    if (this.state === "SYN-RECEIVED") {
      if (!seqGt(segment.ack, this.sndUna) || seqGt(segment.ack, this.sndMax)) {
        return this.#send(segment.ack, TCP_RST);
      }
      this.#setState("ESTABLISHED");
      this.#establishWindow(segment);
      this.#onAck(segment);
      this.events.onConnected?.();
    } else if (!this.#onAck(segment)) return;
    if ((this.state as TcpState) === "CLOSED") return; // the ACK completed LAST-ACK
    if (this.state === "TIME-WAIT") {
      if (flags & TCP_FIN) this.#enterTimeWait(); // a repeated FIN: our ACK was lost, acknowledge again
      this.#sendAck();
      return;
    }
    this.#receiveData(segment);
  }

  #receiveInSynSent(segment: TcpSegment, peerMss: number | undefined): void {
    const flags = segment.flags;
    const ackOk = seqGt(segment.ack, this.iss) && seqLe(segment.ack, this.sndMax);
    if (flags & TCP_ACK && !ackOk) {
      if (!(flags & TCP_RST)) this.#send(segment.ack, TCP_RST);
      return;
    }
    if (flags & TCP_RST) {
      if (flags & TCP_ACK) this.#finish("connection refused");
      return;
    }
    if (!(flags & TCP_SYN)) return;
    this.irs = segment.seq;
    this.rcvNxt = seqAdd(segment.seq, 1);
    this.#setPeerMss(peerMss);
    if (!(flags & TCP_ACK)) {
      // Simultaneous open (RFC 9293 Figure 8): both sent SYNs; answer SYN-ACK and wait for its ACK.
      this.#setState("SYN-RECEIVED");
      this.sndWnd = segment.window;
      return this.#sendSyn();
    }
    this.#setState("ESTABLISHED");
    this.#establishWindow(segment);
    this.#onAck(segment);
    this.#sendAck();
    this.events.onConnected?.();
    this.#pump();
  }

  /** RFC 9293 §3.10.7.4's four cases: segment length zero or not, receive window zero or not. */
  #acceptable(segment: TcpSegment): boolean {
    const length = segmentLength(segment);
    const window = this.receiveWindow;
    const inWindow = (seq: number) => seqGe(seq, this.rcvNxt) && seqLt(seq, seqAdd(this.rcvNxt, window));
    if (length === 0) return window === 0 ? segment.seq === this.rcvNxt : inWindow(segment.seq);
    if (window === 0) return false;
    return inWindow(segment.seq) || inWindow(seqAdd(segment.seq, length - 1));
  }

  /** RFC 9293 §3.10.7.3: at establishment the window comes from the segment that completes it. */
  #establishWindow(segment: TcpSegment): void {
    this.sndWnd = segment.window;
    this.sndWl1 = segment.seq;
    this.sndWl2 = segment.ack;
  }

  /** Takes the window from segments newer than the last update (RFC 9293 §3.10.7.4, SND.WL1/WL2). */
  #updateWindow(segment: TcpSegment): void {
    if (seqLt(this.sndWl1, segment.seq) || (this.sndWl1 === segment.seq && seqLe(this.sndWl2, segment.ack))) {
      this.sndWnd = segment.window;
      this.sndWl1 = segment.seq;
      this.sndWl2 = segment.ack;
    }
  }

  /** The ACK field of a segment. Returns false when the segment must not be processed further. */
  #onAck(segment: TcpSegment): boolean {
    const ack = segment.ack;
    if (seqGt(ack, this.sndMax)) {
      this.#sendAck(); // acknowledges something never sent
      return false;
    }
    if (seqLt(ack, this.sndUna)) return true; // an old duplicate: ignore its ACK, keep its data
    const windowBefore = this.sndWnd;
    this.#updateWindow(segment);
    this.#retries = 0;
    if (ack === this.sndUna) {
      const duplicate = segment.payload.length === 0 && !(segment.flags & (TCP_SYN | TCP_FIN)) &&
        segment.window === windowBefore && this.#flight() > 0;
      if (duplicate) {
        const action = this.congestion.onDuplicateAck(ack, this.#flight(), this.sndMax);
        if (action === "fast-retransmit") {
          this.#partialAckSeen = false;
          this.#retransmitHead("fast retransmit after 3 duplicate ACKs");
        }
      }
      this.#pump();
      return true;
    }
    const flight = this.#flight();
    const acked = seqDiff(ack, this.sndUna);
    const handshake = this.sndUna === this.iss; // this ACK covers our SYN
    if (this.#timing && seqGe(ack, this.#timing.end)) {
      this.rtt.sample(this.#sink.sched.now - this.#timing.at);
      this.#timing = undefined;
    }
    const dataAcked = Math.max(0, Math.min(seqDiff(ack, this.#sendBase), this.#queue.length));
    this.#queue.consume(dataAcked);
    this.#sendBase = seqAdd(this.#sendBase, dataAcked);
    this.bytesAcked += dataAcked;
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
    const action: AckAction = handshake ? "none" : this.congestion.onNewAck(ack, acked, flight);
    if (action === "partial-retransmit") {
      this.#retransmitHead(null);
      if (!this.#partialAckSeen) this.#armRetransmit(true); // RFC 6582 "Impatient": first partial ACK only
      this.#partialAckSeen = true;
    } else if (this.inFlight === 0) {
      this.#retransmitTimer?.cancel(); // RFC 6298 §5.2
      this.#retransmitTimer = undefined;
    } else this.#armRetransmit(true); // §5.3
    const finAcked = this.#finQueued && ack === this.#finEnd();
    if (finAcked) {
      if (this.state === "FIN-WAIT-1") this.#setState("FIN-WAIT-2");
      else if (this.state === "CLOSING") this.#enterTimeWait();
      else if (this.state === "LAST-ACK") {
        this.#finish(null);
        return false;
      }
    }
    if (dataAcked > 0) this.events.onWritable?.();
    this.#pump();
    this.#sink.publish(this);
    return true;
  }

  #receiveData(segment: TcpSegment): void {
    const receiving = this.state === "ESTABLISHED" || this.state === "FIN-WAIT-1" ||
      this.state === "FIN-WAIT-2";
    const fin = (segment.flags & TCP_FIN) !== 0;
    if (!receiving || (segment.payload.length === 0 && !fin)) return;
    let seq = segment.seq;
    let data = segment.payload;
    if (seqLt(seq, this.rcvNxt)) {
      const cut = Math.min(data.length, seqDiff(this.rcvNxt, seq));
      data = data.subarray(cut);
      seq = seqAdd(seq, cut);
      if (seqLt(seq, this.rcvNxt)) return this.#sendAck(); // only old bytes (and an old FIN)
    }
    const room = this.receiveWindow - seqDiff(seq, this.rcvNxt);
    const trimmed = data.length > room;
    if (trimmed) data = data.subarray(0, Math.max(0, room));
    const finHere = fin && !trimmed;
    if (seq !== this.rcvNxt) {
      // Above a hole: keep it and say at once what is missing (RFC 5681 §4.2), which feeds fast retransmit.
      if (!this.#outOfOrder.some((piece) => piece.seq === seq && piece.data.length >= data.length)) {
        this.#outOfOrder.push({ seq, data: data.slice(), fin: finHere });
      }
      return this.#sendAck();
    }
    const pieceEnd = (piece: OutOfOrder) => seqAdd(piece.seq, piece.data.length + (piece.fin ? 1 : 0));
    let peerFinished = this.#accept(data, finHere);
    while (!peerFinished) {
      // The hole may now be filled: take held pieces that start at or before the new edge.
      const next = this.#outOfOrder.find((piece) =>
        seqLe(piece.seq, this.rcvNxt) && seqGt(pieceEnd(piece), this.rcvNxt)
      );
      if (!next) break;
      peerFinished = this.#accept(next.data.subarray(seqDiff(this.rcvNxt, next.seq)), next.fin);
    }
    this.#outOfOrder = this.#outOfOrder.filter((piece) => seqGt(pieceEnd(piece), this.rcvNxt));
    this.#sendAck();
    if (peerFinished) this.#onPeerFin();
  }

  /** In-order bytes (and maybe the FIN after them) reach the application. Returns whether FIN came. */
  #accept(data: Uint8Array, fin: boolean): boolean {
    if (data.length > 0) {
      this.rcvNxt = seqAdd(this.rcvNxt, data.length);
      this.bytesReceived += data.length;
      if (this.events.onData) this.events.onData(data);
      else this.#unread += data.length;
    }
    if (!fin) return false;
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    return true;
  }

  #onPeerFin(): void {
    if (this.state === "ESTABLISHED") this.#setState("CLOSE-WAIT");
    else if (this.state === "FIN-WAIT-1") this.#setState("CLOSING");
    else if (this.state === "FIN-WAIT-2") this.#enterTimeWait();
    this.events.onPeerClosed?.();
  }

  // ---- sending ----

  #finEnd(): number {
    return seqAdd(this.#sendBase, this.#queue.length + 1);
  }

  #flight(): number {
    return seqDiff(this.sndMax, this.sndUna);
  }

  /** Sends what the congestion and receive windows allow (with Nagle's rule for a short last piece). */
  #pump(): void {
    const sending = this.state === "ESTABLISHED" || this.state === "CLOSE-WAIT" ||
      this.state === "FIN-WAIT-1" || this.state === "CLOSING" || this.state === "LAST-ACK";
    if (!sending) return;
    for (;;) {
      const dataEnd = seqAdd(this.#sendBase, this.#queue.length);
      const end = this.#finQueued ? seqAdd(dataEnd, 1) : dataEnd;
      if (!seqLt(this.sndNxt, end)) break;
      const remaining = Math.max(0, seqDiff(dataEnd, this.sndNxt));
      const room = Math.min(this.congestion.cwnd, this.sndWnd) - this.inFlight;
      let length = 0;
      if (remaining > 0) {
        if (room <= 0) break;
        length = Math.min(this.mss, remaining, room);
        const nagle = length < this.mss && this.inFlight > 0 && !this.#finQueued;
        const windowLimited = length < remaining && length < this.mss && this.inFlight > 0;
        if (nagle || windowLimited) break;
      }
      const resend = seqLt(this.sndNxt, this.sndMax);
      const used = this.#transmit(this.sndNxt, length);
      if (resend) {
        this.retransmittedSegments++;
        this.#timing = undefined;
      } else if (!this.#timing) this.#timing = { end: seqAdd(this.sndNxt, used), at: this.#sink.sched.now };
      this.sndNxt = seqAdd(this.sndNxt, used);
      if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      if (!this.#retransmitTimer) this.#armRetransmit(false);
    }
    if (this.sndWnd === 0 && this.inFlight === 0 && this.#queue.length > 0 && !this.#retransmitTimer) {
      this.#armRetransmit(false); // the persist timer: its expiry sends a window probe
    }
  }

  /** Sends the segment starting at `seq` with up to `length` data bytes; returns the sequence space used. */
  #transmit(seq: number, length: number): number {
    const offset = seqDiff(seq, this.#sendBase);
    const data = this.#queue.read(offset, length);
    const last = offset + data.length === this.#queue.length;
    let flags = TCP_ACK;
    if (data.length > 0 && last) flags |= TCP_PSH;
    const fin = this.#finQueued && last;
    if (fin) flags |= TCP_FIN;
    this.#send(seq, flags, data);
    return data.length + (fin ? 1 : 0);
  }

  #retransmitHead(event: string | null): void {
    if (!seqLt(this.sndUna, this.sndMax)) return;
    this.#timing = undefined; // Karn: no sample from a retransmitted segment
    this.retransmittedSegments++;
    this.#transmit(this.sndUna, Math.min(this.mss, this.#queue.length));
    if (event) this.#sink.publish(this, event);
  }

  #sendAck(): void {
    this.#send(this.sndNxt, TCP_ACK);
  }

  #send(
    seq: number,
    flags: number,
    payload: Uint8Array = new Uint8Array(0),
    options: TcpOption[] = [],
  ): void {
    this.#sink.output(this, {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq,
      ack: flags & TCP_ACK ? this.rcvNxt : 0,
      flags,
      window: this.receiveWindow,
      urgent: 0,
      options,
      payload,
    });
  }

  // ---- timers ----

  #armRetransmit(restart: boolean): void {
    if (this.#retransmitTimer && !restart) return;
    this.#retransmitTimer?.cancel();
    this.#retransmitTimer = this.#sink.sched.after(this.rtt.rto, () => this.#onRetransmitTimeout());
  }

  #onRetransmitTimeout(): void {
    this.#retransmitTimer = undefined;
    if (this.state === "CLOSED" || this.state === "TIME-WAIT") return;
    this.#retries++;
    const opening = this.state === "SYN-SENT" || this.state === "SYN-RECEIVED";
    if (this.#retries > (opening ? SYN_RETRIES : DATA_RETRIES)) {
      return this.#finish(`connection timed out (${this.#retries - 1} retransmissions unanswered)`);
    }
    const probe = this.sndWnd === 0 && !opening;
    if (!probe) this.congestion.onTimeout(this.#flight(), this.sndMax, this.rtt.backoffs === 0);
    this.rtt.backOff();
    this.#timing = undefined;
    this.#partialAckSeen = false;
    if (opening) {
      this.retransmittedSegments++;
      this.#sendSyn();
    } else if (probe) {
      // Zero window: one byte past the window asks whether it opened (RFC 9293 §3.8.6.1).
      const used = this.#transmit(this.sndNxt, 1);
      if (seqLt(this.sndNxt, this.sndMax)) this.retransmittedSegments++;
      this.sndNxt = seqAdd(this.sndNxt, used);
      if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      this.#armRetransmit(true);
    } else {
      this.sndNxt = this.sndUna; // go back: resend from the first unacknowledged byte
      this.#armRetransmit(true);
      this.#pump();
    }
    this.#sink.publish(
      this,
      probe
        ? `zero-window probe, next in ${formatDuration(this.rtt.rto)}`
        : `retransmission timeout: cwnd ${this.congestion.cwnd}, ssthresh ${this.congestion.ssthresh}, ` +
          `RTO backed off to ${formatDuration(this.rtt.rto)}`,
    );
  }

  #enterTimeWait(): void {
    this.#setState("TIME-WAIT");
    this.#retransmitTimer?.cancel();
    this.#retransmitTimer = undefined;
    this.#timeWaitTimer?.cancel();
    this.#timeWaitTimer = this.#sink.sched.after(2 * MSL, () => this.#finish(null));
    this.#reportClosed(null);
  }

  // ---- path MTU discovery (RFC 1191) ----

  /**
   * An ICMP fragmentation-needed quoting our segment `quotedSeq` arrived; `nextHopMtu` 0 means an old
   * router that does not say, so the next plateau below `quotedLength` is tried.
   */
  packetTooBig(nextHopMtu: number, quotedSeq: number, quotedLength: number): void {
    // RFC 5927 §4.1: believe only errors about data in flight.
    if (seqLt(quotedSeq, this.sndUna) || !seqLt(quotedSeq, this.sndMax)) return;
    const mtu = pathMtuFromError(nextHopMtu, quotedLength);
    if (mtu >= this.pmtu) return;
    this.pmtu = mtu;
    const mss = Math.max(1, Math.min(this.peerMss, mtu - 40));
    if (mss >= this.mss) return;
    this.mss = mss;
    this.congestion.setMss(mss);
    // Linux's tcp_simple_retransmit: resend at once in the smaller size, without a congestion response.
    this.#timing = undefined;
    this.sndNxt = this.sndUna;
    this.#pump();
    this.#sink.publish(this, `path MTU ${mtu} (ICMP fragmentation needed): segment size now ${mss}`);
  }

  // ---- ending ----

  #setState(state: TcpState): void {
    if (this.state === state) return;
    const from = this.state;
    this.state = state;
    this.#sink.publish(this, `${from} → ${state}`);
  }

  #reportClosed(error: string | null): void {
    if (this.#closedReported) return;
    this.#closedReported = true;
    this.events.onClosed?.(error);
  }

  #finish(error: string | null): void {
    this.#retransmitTimer?.cancel();
    this.#timeWaitTimer?.cancel();
    this.error = error;
    const from = this.state;
    this.state = "CLOSED";
    if (from !== "CLOSED") this.#sink.remove(this, `${from} → CLOSED${error ? `: ${error}` : ""}`);
    this.#reportClosed(error);
  }
}
