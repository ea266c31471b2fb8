import type { Micros } from "../engine/time.ts";
import type { Expectation, LookFor } from "../topology/model.ts";
import { describe } from "../wire/dissect.ts";
import type { Field } from "../wire/field.ts";
import type { TraceRecord } from "./record.ts";

/** The verdict on one expectation of a lesson. */
export interface ExpectationResult {
  say: string;
  met: boolean;
  /** The record that satisfied it (or, for `never`, the one that broke it). */
  seq?: number;
  t?: Micros;
  /** Why, in words: what was looked for and what was found. */
  detail: string;
}

/** Case-insensitive substring, or a regular expression when written as `/.../`. */
export function textMatcher(text: string): (candidate: string) => boolean {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (regex) {
    const pattern = new RegExp(regex[1], regex[2].includes("i") ? regex[2] : `${regex[2]}i`);
    return (candidate) => pattern.test(candidate);
  }
  const needle = text.toLowerCase();
  return (candidate) => candidate.toLowerCase().includes(needle);
}

function flatten(fields: Field[], out: string[] = []): string[] {
  for (const field of fields) {
    out.push(`${field.name}: ${field.value}`);
    if (field.children) flatten(field.children, out);
  }
  return out;
}

/** Does this record satisfy the expectation's condition (ignoring time)? */
function matches(expectation: Expectation, record: TraceRecord, match: (s: string) => boolean): boolean {
  const what = expectation.what;
  switch (what.kind) {
    case "log":
      return record.kind === "app" && record.node === what.node && match(record.summary);
    case "event":
      return record.node === what.node && match(`${record.kind} ${record.summary} ${record.reason ?? ""}`);
    case "drop":
      return record.kind === "drop" && record.node === what.node &&
        (what.reason === undefined || match(`${record.reason ?? ""} ${record.summary}`));
    case "carries":
      // What an eavesdropper on the link could read: the one-line summary and every decoded field.
      return record.kind === "tx" && record.link === what.link && record.bytes !== undefined &&
        (match(record.summary) || flatten(describe(record.bytes)).some(match));
    case "state":
      return record.kind === "state" && record.node === what.node && record.table === what.table &&
        record.value !== null && match(`${record.key} ${JSON.stringify(record.value)}`);
  }
}

function describeWhat(expectation: Expectation): string {
  const what = expectation.what;
  switch (what.kind) {
    case "log":
      return `${what.node} prints "${what.text}"`;
    case "event":
      return `${what.node} records "${what.text}"`;
    case "drop":
      return `${what.node} drops a packet${what.reason ? ` ("${what.reason}")` : ""}`;
    case "carries":
      return `${what.link} carries "${what.text}" readable on the wire`;
    case "state":
      return `${what.table}@${what.node} has a row with "${what.text}"`;
  }
}

/** Checks every expectation against a finished run. Pure; the CLI, the tests and the view share it. */
export function checkExpectations(
  expectations: readonly Expectation[],
  records: readonly TraceRecord[],
): ExpectationResult[] {
  return expectations.map((expectation) => {
    const what = expectation.what;
    const text = what.kind === "drop" ? what.reason ?? "" : what.text;
    const match = textMatcher(text);
    const after = expectation.after ?? 0;
    const by = expectation.by ?? Number.POSITIVE_INFINITY;
    const hit = records.find((r) => r.t >= after && r.t <= by && matches(expectation, r, match));
    const window = expectation.by !== undefined ? ` by ${expectation.by / 1_000_000}s` : "";
    if (expectation.never) {
      return hit
        ? {
          say: expectation.say,
          met: false,
          seq: hit.seq,
          t: hit.t,
          detail: `expected never: ${describeWhat(expectation)}; event ${hit.seq} does`,
        }
        : { say: expectation.say, met: true, detail: `as expected, never: ${describeWhat(expectation)}` };
    }
    return hit
      ? {
        say: expectation.say,
        met: true,
        seq: hit.seq,
        t: hit.t,
        detail: `${describeWhat(expectation)}: event ${hit.seq}`,
      }
      : {
        say: expectation.say,
        met: false,
        detail: `expected ${describeWhat(expectation)}${window}; it did not happen`,
      };
  });
}

/**
 * Checks a lesson's `look-for` items against a finished run: one result per item, in order (its `say` is
 * the item's text), or undefined for an item no run can show (`unchecked`, or a plain string).
 */
export function checkLookFor(
  lookFor: readonly LookFor[],
  records: readonly TraceRecord[],
): (ExpectationResult | undefined)[] {
  return lookFor.map((item) => item.check ? checkExpectations([item.check], records)[0] : undefined);
}
