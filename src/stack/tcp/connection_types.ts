/**
 * The shapes and constants a TCP connection shares with its endpoint and its applications: states,
 * the events an application hears, per-connection settings, the sink it sends through, and the
 * RFC and Linux defaults it runs with.
 */
import type { Scheduler } from "../../engine/scheduler.ts";
import { type Micros, SECOND } from "../../engine/time.ts";
import type { TcpSegment } from "../../wire/tcp.ts";
import type { TcpConnection } from "./connection.ts";

/** RFC 9293 §3.3.2 connection states, named as the RFC writes them. */
export type TcpState =
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT"
  | "CLOSED";

/** What an application hears from its connection. */
export interface TcpEvents {
  onConnected?(): void;
  onData?(data: Uint8Array): void;
  /** The peer sent FIN: it will send nothing more. */
  onPeerClosed?(): void;
  /** An ACK freed room in the send queue (a streaming writer tops it up; see `unacknowledged`). */
  onWritable?(): void;
  /** The connection is over: `error` is null after an orderly close, else why it was aborted. */
  onClosed?(error: string | null): void;
}

/** Per-connection settings. */
export interface TcpOptions {
  /** Receive buffer in bytes; the advertised window (no window scaling) is at most 65535. */
  receiveBuffer?: number;
}

/** What a connection needs from the endpoint that owns it. */
export interface SegmentSink {
  readonly sched: Scheduler;
  /** Encodes and sends a segment of `connection`. */
  output(connection: TcpConnection, segment: TcpSegment): void;
  /** The connection's row in the `tcp` table changed; `event` is worth a line of its own. */
  publish(connection: TcpConnection, event?: string): void;
  /** The connection reached CLOSED (`event` says from where and why) and can be forgotten. */
  remove(connection: TcpConnection, event: string): void;
}

/** RFC 9293 §3.7.1: the send MSS when the peer's SYN has no MSS option. */
export const DEFAULT_MSS = 536;
/** Linux's TIME-WAIT lasts 60 s, i.e. an MSL of 30 s. */
export const MSL: Micros = 30 * SECOND;
/** Linux tcp_syn_retries and tcp_retries2. */
export const SYN_RETRIES = 6;
export const DATA_RETRIES = 15;
/** The largest window a segment can advertise without window scaling (RFC 7323 is not implemented). */
export const MAX_WINDOW = 65535;

/** A segment that arrived ahead of a hole, held until the hole fills. */
export interface OutOfOrder {
  seq: number;
  data: Uint8Array;
  fin: boolean;
}
