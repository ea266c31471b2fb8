/**
 * Tunnel Lab as a library: load a topology, simulate it, read the trace, write captures.
 *
 * ```ts
 * import { loadTopology, simulate, writePcap } from "./mod.ts";
 * const loaded = loadTopology(yamlText, "lesson.yaml");
 * if (loaded.ok) {
 *   const run = simulate(loaded.model, { seed: 7 });
 *   const capture = writePcap(run.records, "isp-link");
 * }
 * ```
 *
 * Everything here is pure and synchronous (no Deno or DOM API), so it runs unchanged in the browser.
 * Nothing needs a permission (`deno.json` maps `yaml` to the package's browser build, which reads no
 * environment variables); from outside this repository pass `--config path/to/deno.json` so `yaml`
 * and the crypto packages resolve from its node_modules.
 * `startSimulation` runs the same simulation in slices; `RUN_LIMITS` holds the run ceilings.
 *
 * `run.records` reads as an array of records but is read-only, and holds the per-hop records (`tx`,
 * `rx`, `forward`) as rows of numbers that become objects when read: the same record read twice is two
 * equal objects, not one. `plainRecords` gives real objects in a real array, for `postMessage`.
 */

export { formatTopologyError, type LoadResult, loadTopology } from "./src/topology/load.ts";
export type {
  Expectation,
  LessonSpec,
  LinkSpec,
  LookFor,
  NodeSpec,
  TopologyError,
  TopologyModel,
} from "./src/topology/model.ts";
export { checkExpectations, checkLookFor, type ExpectationResult } from "./src/trace/expect.ts";
export {
  type LinkInfo,
  type RunStop,
  type SimOptions,
  type SimResult,
  simulate,
  type Simulation,
  startSimulation,
} from "./src/sim.ts";
export { INPUT_LIMITS, RUN_LIMITS } from "./src/engine/limits.ts";
export { COMMANDS, KINDS, type NodeKind, type SettingChoices, settingChoices } from "./src/kinds/index.ts";
export type { ProtoLabel, TraceKind, TraceRecord } from "./src/trace/record.ts";
export { plainRecord, plainRecords } from "./src/trace/lazy_record.ts";
export { readPcap, writeMergedPcap, writePcap } from "./src/trace/pcap.ts";
export { tableAt, tablesAt } from "./src/trace/tables.ts";
export { type RunSummary, summarize as summarizeRun } from "./src/trace/summary.ts";
export { formatJsonRecord, formatRecord, formatSummary } from "./src/trace/format.ts";
export { describe as describePacket, protoLabel, summarize as summarizePacket } from "./src/wire/dissect.ts";
export type { Field } from "./src/wire/field.ts";
export { formatDuration, formatTime, type Micros, parseDuration } from "./src/engine/time.ts";
