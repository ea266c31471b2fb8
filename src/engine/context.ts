import type { Prng } from "./prng.ts";
import type { Scheduler } from "./scheduler.ts";
import type { Tracer } from "../trace/tracer.ts";

/** What every device and link gets from the simulation: the clock, the trace and randomness. */
export interface SimContext {
  sched: Scheduler;
  trace: Tracer;
  /** The run's root PRNG; devices take `rng.fork(name)` so their draws are independent. */
  rng: Prng;
  nextPacketId(): number;
}
