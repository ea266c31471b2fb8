/**
 * From YAML text to everything the panes show: load and validate, simulate, index. The page loads
 * the text itself (errors with positions at once) and lets the worker simulate; `runText` does all of
 * it in one call for tests. Nothing here touches the DOM.
 */
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { plainRecords } from "../../src/trace/lazy_record.ts";
import type { TopologyError, TopologyModel } from "../../src/topology/model.ts";
import { ikeNumbers } from "./message.ts";
import type { RunResult } from "./sim_protocol.ts";
import { buildSteps, type Steps } from "./steps.ts";
import { TableFolder } from "./tables.ts";
import { indexTrace, type TraceIndex } from "./trace_index.ts";

/** One simulated run of one version of the text. */
export interface Run {
  text: string;
  file: string;
  model: TopologyModel;
  result: RunResult;
  index: TraceIndex;
  /** The records grouped into one step per hop. */
  steps: Steps;
  /** "IKE MM 3" and the like for each IKE packet id. */
  ikeNames: Map<number, string>;
  tables: TableFolder;
  /** Wall-clock milliseconds the simulation took, for the status line. */
  millis: number;
}

export type RunOutcome = { ok: true; run: Run } | { ok: false; errors: TopologyError[] };

/** Everything the panes derive from a finished simulation. */
export function makeRun(
  text: string,
  file: string,
  model: TopologyModel,
  result: RunResult,
  millis: number,
): Run {
  const index = indexTrace(result.records);
  return {
    text,
    file,
    model,
    result,
    index,
    steps: buildSteps(index),
    ikeNames: ikeNumbers(result.records),
    tables: new TableFolder(result.records),
    millis,
  };
}

/** Loads, simulates and indexes; every failure comes back as errors with positions, never a throw. */
export function runText(text: string, file: string, now: () => number = () => performance.now()): RunOutcome {
  const loaded = loadTopology(text, file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const started = now();
  try {
    const run = simulate(loaded.model);
    const millis = now() - started;
    // Plain objects, as the worker posts them: the panes read each record many times.
    const result = { records: plainRecords(run.records), links: run.links, end: run.end, events: run.events };
    return { ok: true, run: makeRun(text, file, loaded.model, result, millis) };
  } catch (e) {
    const message = `the simulator failed: ${
      e instanceof Error ? e.message : String(e)
    } (please report this)`;
    return { ok: false, errors: [{ file, line: 1, col: 1, message }] };
  }
}
