/** What every device and link of one run shares: the clock, the trace, randomness and packet ids. */
import type { Prng } from "./prng.ts";
import type { Scheduler } from "./scheduler.ts";
import type { ProtoLabel } from "../trace/record.ts";
import type { Tracer } from "../trace/tracer.ts";

/**
 * How the trace names a frame (the protocol it is about, a one-line summary). The engine knows no
 * protocol, so the simulation hands in the dissector's answers (src/wire/dissect.ts).
 */
export interface FrameNamer {
  label(bytes: Uint8Array): ProtoLabel;
  summarize(bytes: Uint8Array): string;
  /**
   * A copy of the datagram `bytes` with its TTL lowered `times` times, exactly as routers lower it
   * (checksum included). With it, a datagram that routers only forwarded is stored once for all hops.
   */
  lowered?(bytes: Uint8Array, times: number): Uint8Array;
}

/** What every device and link gets from the simulation: the clock, the trace and randomness. */
export interface SimContext {
  sched: Scheduler;
  trace: Tracer;
  /** The run's root PRNG; devices take `rng.fork(name)` so their draws are independent. */
  rng: Prng;
  nextPacketId(): number;
  /** Names the frames links put in the trace. */
  frames: FrameNamer;
}
