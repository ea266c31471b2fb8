import type { Micros } from "../engine/time.ts";
import type { LinkParams } from "../engine/link.ts";
import type { InterfaceSettings, ParsedCommand, RouteSettings } from "../devices/spec.ts";

export type { ParsedCommand };

/** Where something was written in the topology file (1-based), so errors can point at it. */
export interface SourcePos {
  line: number;
  col: number;
}

/** One validation mistake, printed as `file:line:col: message`. */
export interface TopologyError extends SourcePos {
  file: string;
  message: string;
}

/**
 * A validated topology. Every value is already parsed (durations in microseconds, addresses as
 * dotted strings with prefix lengths), so the builder never has to report input mistakes.
 */
export interface TopologyModel {
  file: string;
  name: string;
  description: string;
  seed: number;
  duration: Micros;
  nodes: NodeSpec[];
  links: LinkSpec[];
  script: ScriptAction[];
  /** Lesson text for the view and the CLI; absent for plain topologies. */
  lesson?: LessonSpec;
  /** What should happen, checked after every run (lessons are self-checking). */
  expectations?: Expectation[];
}

/**
 * One `expect:` item: something the trace must show (or, with `never`, must not), optionally within a
 * time window. Texts match case-insensitively as substrings, or as `/regex/`.
 */
export interface Expectation {
  /** The sentence the view and the CLI show, e.g. "the tunnel is up by 10 s". */
  say: string;
  what:
    | { kind: "log"; node: string; text: string }
    | { kind: "event"; node: string; text: string }
    | { kind: "drop"; node: string; reason?: string }
    | { kind: "carries"; link: string; text: string }
    | { kind: "state"; node: string; table: string; text: string };
  by?: Micros;
  after?: Micros;
  never: boolean;
  pos: SourcePos;
}

export interface NodeSpec {
  name: string;
  /** `host`, `router`, and kinds added by later modules (`nat-router`, `isp`, `lns`, `tap`, ...). */
  kind: string;
  interfaces: InterfaceSpec[];
  routes: RouteSpec[];
  /** Kind-specific settings, already validated by the kind's schema. */
  config: Record<string, unknown>;
  /** Optional fixed drawing position for the view. */
  position?: { x: number; y: number };
  pos: SourcePos;
}

/** An interface as written: the device's interface settings and where they were written. */
export interface InterfaceSpec extends InterfaceSettings {
  pos: SourcePos;
}

/** A static route as written (`0.0.0.0/0` for default; no `via` for a route straight out of `iface`). */
export interface RouteSpec extends RouteSettings {
  pos: SourcePos;
}

export interface LinkEndpoint {
  node: string;
  iface: string;
}

/** A link as written: the engine's link parameters (name defaults to `nodeA_nodeB`) plus its endpoints. */
export interface LinkSpec extends LinkParams {
  endpoints: LinkEndpoint[];
  pos: SourcePos;
}

/** A timed action from the `script` list. */
export interface ScriptAction {
  at: Micros;
  /** Target node, for node commands (`ping 10.0.0.5 count 3`). */
  node?: string;
  /** Target link, for link commands (`down`, `up`). */
  link?: string;
  /** The command as written. */
  do: string;
  /** The command parsed by its command's parser. */
  command: ParsedCommand;
  pos: SourcePos;
}

export interface LessonSpec {
  title: string;
  story: string;
  lookFor: LookFor[];
  questions: string[];
}

/**
 * One thing to watch in the trace. `check` is the condition that shows it in the run (its `say` is the
 * text); `unchecked` says why nothing in a run can show it; a plain string in the file has neither.
 */
export interface LookFor {
  text: string;
  check?: Expectation;
  unchecked?: string;
}
