/**
 * From YAML text to everything the panes show: load and validate, simulate, index. Runs in the page;
 * nothing here touches the DOM, so tests call it directly.
 */
import { type SimResult, simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";
import type { TopologyError, TopologyModel } from "../../src/topology/model.ts";
import { TableFolder } from "./tables.ts";
import { indexTrace, type TraceIndex } from "./trace_index.ts";

/** One simulated run of one version of the text. */
export interface Run {
  text: string;
  file: string;
  model: TopologyModel;
  result: SimResult;
  index: TraceIndex;
  tables: TableFolder;
  /** Wall-clock milliseconds the simulation took, for the status line. */
  millis: number;
}

export type RunOutcome = { ok: true; run: Run } | { ok: false; errors: TopologyError[] };

/** Loads, simulates and indexes; every failure comes back as errors with positions, never a throw. */
export function runText(text: string, file: string, now: () => number = () => performance.now()): RunOutcome {
  const loaded = loadTopology(text, file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const started = now();
  let result: SimResult;
  try {
    result = simulate(loaded.model);
  } catch (e) {
    const message = `the simulator failed: ${
      e instanceof Error ? e.message : String(e)
    } (please report this)`;
    return { ok: false, errors: [{ file, line: 1, col: 1, message }] };
  }
  const index = indexTrace(result.records);
  return {
    ok: true,
    run: {
      text,
      file,
      model: loaded.model,
      result,
      index,
      tables: new TableFolder(result.records),
      millis: now() - started,
    },
  };
}
