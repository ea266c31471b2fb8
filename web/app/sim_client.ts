/**
 * The page's side of the simulation worker: one run at a time (a newer request ends the older one,
 * so flipping a what-if switch twice never shows the first result last), progress callbacks, and the
 * same work done in the page when no worker can start.
 */
import type { Micros } from "../../src/engine/time.ts";
import type { TopologyError } from "../../src/topology/model.ts";
import type { RunResult, SimReply, SimRequest } from "./sim_protocol.ts";
import { runRequest } from "./sim_worker.ts";

/** The result of one request: a run, its errors, or `superseded` by a newer request. */
export type SimOutcome =
  | { ok: true; result: RunResult; millis: number }
  | { ok: false; errors: TopologyError[] }
  | { ok: "superseded" };

/** Progress of the run in flight: simulated time reached of the time to simulate. */
export type Progress = (now: Micros, until: Micros) => void;

export class SimClient {
  #worker: Worker | null = null;
  #broken = false;
  #next = 1;
  #pending: { request: SimRequest; resolve: (o: SimOutcome) => void; progress: Progress } | null = null;

  constructor(private scriptUrl: string) {}

  /** Simulates `text`; the promise settles with the outcome, never rejects. */
  run(text: string, file: string, progress: Progress): Promise<SimOutcome> {
    const request: SimRequest = { id: this.#next++, text, file };
    if (this.#pending) {
      // The older run is no longer wanted; a busy worker cannot be interrupted, only replaced.
      this.#pending.resolve({ ok: "superseded" });
      this.#pending = null;
      this.#worker?.terminate();
      this.#worker = null;
    }
    const worker = this.#ensureWorker();
    return new Promise((resolve) => {
      if (!worker) {
        // No worker: simulate here, after the browser has painted the "running" state.
        setTimeout(() => {
          runRequest(request, (reply) => this.#settle(reply, resolve, progress), () => performance.now());
        }, 0);
        return;
      }
      this.#pending = { request, resolve, progress };
      worker.postMessage(request);
    });
  }

  #settle(reply: SimReply, resolve: (o: SimOutcome) => void, progress: Progress): void {
    if (reply.type === "progress") progress(reply.now, reply.until);
    else if (reply.type === "done") resolve({ ok: true, result: reply.result, millis: reply.millis });
    else resolve({ ok: false, errors: reply.errors });
  }

  #ensureWorker(): Worker | null {
    if (this.#worker || this.#broken) return this.#worker;
    try {
      const worker = new Worker(this.scriptUrl, { type: "module" });
      worker.onmessage = (e: MessageEvent<SimReply>) => {
        const pending = this.#pending;
        if (!pending || e.data.id !== pending.request.id) return;
        if (e.data.type !== "progress") this.#pending = null;
        this.#settle(e.data, pending.resolve, pending.progress);
      };
      worker.onerror = (e) => {
        // A worker that cannot load (file://, a strict proxy) means: simulate in the page from now on.
        e.preventDefault();
        this.#broken = true;
        this.#worker = null;
        const pending = this.#pending;
        this.#pending = null;
        worker.terminate();
        if (pending) {
          setTimeout(() => {
            runRequest(
              pending.request,
              (reply) => this.#settle(reply, pending.resolve, pending.progress),
              () => performance.now(),
            );
          }, 0);
        }
      };
      this.#worker = worker;
    } catch {
      this.#broken = true;
    }
    return this.#worker;
  }
}
