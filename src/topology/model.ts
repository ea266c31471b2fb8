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
  /** The questions for the class, as text (answers, when given, are in `answers` at the same index). */
  questions: string[];
  /** One per question when any question has an answer; undefined for a question without one. */
  answers?: (QuestionAnswer | undefined)[];
  /** Course path: the lesson's group in the picker, its level (1 first) and the lessons to do before. */
  group?: LessonGroup;
  level?: number;
  /** Names (`name:`) of the lessons to do first; checked against the library by `sim validate`. */
  after?: string[];
  /** Where each `after:` name was written, for `sim validate`'s check against the library. */
  afterPos?: SourcePos[];
  /** A task for the student, graded by `sim check` and the view's "Check my answer". */
  exercise?: ExerciseSpec;
}

/** The picker's groups, in the order it shows them. */
export const LESSON_GROUPS = ["basics", "nat", "l2tp", "ipsec", "other-vpns", "exercises"] as const;
export type LessonGroup = typeof LESSON_GROUPS[number];

/** Each group's heading: the picker and the printed handout name a group the same way. */
export const LESSON_GROUP_TITLES: Readonly<Record<LessonGroup, string>> = {
  basics: "Basics",
  nat: "NAT",
  l2tp: "L2TP",
  ipsec: "IPsec",
  "other-vpns": "Other VPNs",
  exercises: "Exercises",
};

/**
 * Where a checkable question's answer is read from: a field of a device table as the run publishes it
 * (`check: {table: nat@home-router, where: {inside: "192.168.2.10:4500"}, field: outside, part: port}`),
 * so the right answer is whatever this run shows, never a value copied into the lesson.
 */
export interface AnswerCheck {
  node: string;
  table: string;
  /** Fields (or `key`) a row must have, as text, to be the row asked about; empty: any row. */
  where: Record<string, string>;
  /** The field the answer is; `key` is the row's key (a tunnel id, an SPI). */
  field: string;
  /** For `address:port` and `address[port]` values, the half the question asks for. */
  part?: "address" | "port";
  pos: SourcePos;
}

/** A question's answer: the teacher's text, and optionally a check against the run. */
export interface QuestionAnswer {
  text?: string;
  check?: AnswerCheck;
}

/**
 * An exercise: the task in words, the settings the student may change (`knobs`, dotted paths such as
 * `nodes.home-router.l2tp-passthrough` or `links.access.mtu`; a change may be at or under a knob), the
 * goals that define success (expectations, hidden until checked), hints shown one at a time, and the
 * changes that solve it.
 */
export interface ExerciseSpec {
  task: string;
  knobs: Knob[];
  goal: Expectation[];
  hints: string[];
  solution: Change[];
}

export interface Knob {
  path: string;
  pos: SourcePos;
}

/** One change to a topology: a knob path (or a path under one) and the value to write there. */
export interface Change {
  path: string;
  value: unknown;
  pos: SourcePos;
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
