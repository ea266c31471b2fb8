/**
 * The simulation's side of the worker: load the text, simulate with progress, post the result. Runs
 * in a Web Worker so a long run never freezes the page; the same function runs in the page when the
 * browser cannot start a worker (a page opened from file://).
 */
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { plainRecords } from "../../src/trace/lazy_record.ts";
import type { SimReply, SimRequest } from "./sim_protocol.ts";
import { type CompareReply, type CompareRequest, isCompareRequest, runCompare } from "./compare_run.ts";

/** Runs one request, reporting through `post`; never throws. */
export function runRequest(request: SimRequest, post: (reply: SimReply) => void, now: () => number): void {
  const { id, text, file } = request;
  const loaded = loadTopology(text, file);
  if (!loaded.ok) {
    post({ id, type: "error", errors: loaded.errors });
    return;
  }
  const started = now();
  try {
    const result = simulate(loaded.model, {
      onProgress: (at, until) => post({ id, type: "progress", now: at, until }),
    });
    post({
      id,
      type: "done",
      // A structured clone copies own data only: lazy summaries are written out first.
      result: {
        records: plainRecords(result.records),
        links: result.links,
        end: result.end,
        events: result.events,
      },
      millis: now() - started,
    });
  } catch (e) {
    const message = `the simulator failed: ${
      e instanceof Error ? e.message : String(e)
    } (please report this)`;
    post({ id, type: "error", errors: [{ file, line: 1, col: 1, message }] });
  }
}

/** Installs the message handler in a worker scope (a run, or the Compare tab's many runs). */
export function serveWorker(scope: {
  onmessage: ((e: MessageEvent<SimRequest | CompareRequest>) => void) | null;
  postMessage(message: SimReply | CompareReply): void;
}): void {
  const post = (reply: SimReply | CompareReply) => scope.postMessage(reply);
  scope.onmessage = (e) =>
    isCompareRequest(e.data)
      ? runCompare(e.data, post, () => performance.now())
      : runRequest(e.data, post, () => performance.now());
}
