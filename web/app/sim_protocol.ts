/**
 * The messages between the page and the simulation worker. The page sends the YAML text; the worker
 * answers with progress (simulated time reached) and then the records and links, or an error.
 */
import type { Micros } from "../../src/engine/time.ts";
import type { LinkInfo } from "../../src/sim.ts";
import type { TopologyError } from "../../src/topology/model.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

/** Page → worker: simulate this text. */
export interface SimRequest {
  id: number;
  text: string;
  file: string;
}

/** What the panes need of a simulation: everything in `SimResult` that survives a postMessage. */
export interface RunResult {
  records: TraceRecord[];
  links: LinkInfo[];
  /** Simulated time when the run stopped. */
  end: Micros;
  /** Scheduler events executed. */
  events: number;
}

/** Worker → page. */
export type SimReply =
  | { id: number; type: "progress"; now: Micros; until: Micros }
  | { id: number; type: "done"; result: RunResult; millis: number }
  | { id: number; type: "error"; errors: TopologyError[] };
