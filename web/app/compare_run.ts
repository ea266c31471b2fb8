/**
 * The comparison off the page's thread: the Compare tab sends the protocols' lesson texts, a worker of
 * its own runs `compareProtocols` (55 simulations, some seconds) and reports each finished run, then the
 * table. Its own worker, so that stepping through a lesson meanwhile never waits behind it or cancels
 * it; without a worker (a page opened from file://) the same work runs in the page.
 */
import { COMPARE_RUNS, compareProtocols, type CompareTable } from "../../src/compare/measure.ts";

/** Page → worker: compare with these lesson texts (by file name). */
export interface CompareRequest {
  type: "compare";
  id: number;
  texts: Record<string, string>;
}

/** Worker → page. */
export type CompareReply =
  | { id: number; type: "compare-progress"; done: number; total: number; run: string }
  | { id: number; type: "compared"; table: CompareTable; millis: number }
  | { id: number; type: "compare-error"; message: string };

export function isCompareRequest(data: unknown): data is CompareRequest {
  return typeof data === "object" && data !== null && (data as { type?: unknown }).type === "compare";
}

/** Runs one request, reporting through `post`; never throws. */
export function runCompare(
  request: CompareRequest,
  post: (reply: CompareReply) => void,
  now: () => number,
): void {
  const { id, texts } = request;
  const started = now();
  try {
    const table = compareProtocols(
      (file) => {
        const text = texts[file];
        if (text === undefined) throw new Error(`no text for ${file}`);
        return text;
      },
      undefined,
      (done, total, run) => post({ id, type: "compare-progress", done, total, run }),
    );
    post({ id, type: "compared", table, millis: now() - started });
  } catch (e) {
    post({ id, type: "compare-error", message: e instanceof Error ? e.message : String(e) });
  }
}

/** What the tab hears while the comparison runs. */
export interface CompareListener {
  progress(done: number, total: number, run: string): void;
}

/** Starts comparisons in a worker of their own (one at a time; a second waits for the first). */
export class CompareClient {
  #next = 1;
  #busy: Promise<CompareTable> | null = null;

  constructor(private scriptUrl: string) {}

  /** The table for these texts; rejects with the reason when a run fails. */
  compare(texts: Record<string, string>, listener: CompareListener): Promise<CompareTable> {
    if (this.#busy) return this.#busy;
    const request: CompareRequest = { type: "compare", id: this.#next++, texts };
    this.#busy = new Promise<CompareTable>((resolve, reject) => {
      const settle = (reply: CompareReply) => {
        if (reply.type === "compare-progress") return listener.progress(reply.done, reply.total, reply.run);
        this.#busy = null;
        if (reply.type === "compared") resolve(reply.table);
        else reject(new Error(reply.message));
      };
      const inPage = () => setTimeout(() => runCompare(request, settle, () => performance.now()), 0);
      let worker: Worker;
      try {
        worker = new Worker(this.scriptUrl, { type: "module" });
      } catch {
        inPage();
        return;
      }
      worker.onmessage = (e: MessageEvent<CompareReply>) => {
        if (e.data.id !== request.id) return;
        if (e.data.type !== "compare-progress") worker.terminate();
        settle(e.data);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        worker.terminate();
        inPage();
      };
      listener.progress(0, COMPARE_RUNS, "");
      worker.postMessage(request);
    });
    return this.#busy;
  }
}
