/**
 * Grading: an exercise's goals against a run ("score 3/4"), and students' answers to a lesson's checkable
 * questions against the same run. Pure, so `sim check` and the view's "Check my answer" agree.
 */
import type { AnswerCheck, ExerciseSpec, LessonSpec } from "../topology/model.ts";
import { checkExpectations, type ExpectationResult } from "./expect.ts";
import type { TraceRecord } from "./record.ts";

export interface Grade {
  score: number;
  total: number;
  /** One per goal, in the exercise's order. */
  goals: ExpectationResult[];
  solved: boolean;
}

/** Grades a finished run of the (changed) exercise topology. */
export function gradeExercise(exercise: Pick<ExerciseSpec, "goal">, records: readonly TraceRecord[]): Grade {
  const goals = checkExpectations(exercise.goal, records);
  const score = goals.filter((g) => g.met).length;
  return { score, total: goals.length, goals, solved: score === goals.length };
}

/** The score line both shells print. */
export function scoreLine(grade: Grade): string {
  return `score ${grade.score}/${grade.total}`;
}

/** The verdict on one checkable question. */
export interface AnswerResult {
  /** 1-based question number. */
  question: number;
  text: string;
  /** The student's answer, or undefined when none was given. */
  given?: string;
  correct: boolean;
  detail: string;
}

/** `192.168.1.1:4500` and `203.0.113.10[500]` split into address and port. */
function partOf(value: string, part: "address" | "port"): string | undefined {
  const m = /^(.*?)(?::|\[)(\d+)\]?$/.exec(value);
  if (!m) return undefined;
  return part === "port" ? m[2] : m[1];
}

/** Whether a row (its key and fields) is the one `check.where` asks about. */
function rowMatches(check: AnswerCheck, key: string, value: Record<string, unknown>): boolean {
  return Object.entries(check.where).every(([field, want]) =>
    (field === "key" ? key : value[field] === undefined ? undefined : String(value[field])) === want
  );
}

/**
 * The right answers to a checkable question, read from the run: the field of every matching row the
 * table held at any moment (a NAT mapping may expire before the end), each once, in order of appearance.
 */
export function answerKey(check: AnswerCheck, records: readonly TraceRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) {
    if (r.kind !== "state" || r.node !== check.node || r.table !== check.table || r.key === undefined) {
      continue;
    }
    const value = r.value as Record<string, unknown> | null | undefined;
    if (!value || !rowMatches(check, r.key, value)) continue;
    const raw = check.field === "key" ? r.key : value[check.field];
    if (raw === undefined || raw === null || raw === "") continue;
    const text = check.part ? partOf(String(raw), check.part) : String(raw);
    if (text !== undefined && !out.includes(text)) out.push(text);
  }
  return out;
}

/** An integer written in decimal or as 0x hex, or undefined. */
function asInteger(text: string): bigint | undefined {
  if (/^0x[0-9a-f]+$/.test(text) || /^\d+$/.test(text)) return BigInt(text);
  return undefined;
}

/**
 * Whether a student's answer says the same as a value from the run: case and surrounding space aside,
 * and numbers equal however written (an SPI shown as 0x0c1e5481 may be typed c1e5481 or in decimal, as
 * Wireshark prints it beside the hex).
 */
export function sameAnswer(given: string, expected: string): boolean {
  const g = given.trim().toLowerCase().replace(/^["']|["']$/g, "");
  const e = expected.trim().toLowerCase();
  if (g === e) return true;
  const want = asInteger(e);
  if (want === undefined) return false;
  const got = asInteger(g);
  if (got === want) return true;
  // Hex typed without its 0x, when the run writes the value in hex.
  return e.startsWith("0x") && /^[0-9a-f]+$/.test(g) && BigInt(`0x${g}`) === want;
}

/** The row a check reads, in words, for a verdict that found none. */
export function describeCheck(check: AnswerCheck): string {
  const where = Object.entries(check.where).map(([k, v]) => `${k} ${v}`).join(", ");
  return `${check.table}@${check.node}${where ? ` (row with ${where})` : ""}, field ${check.field}`;
}

/**
 * Grades answers (question number → text) to the lesson's checkable questions against the run; one result
 * per question that has a check, in order. An empty answer is never correct.
 */
export function gradeAnswers(
  lesson: Pick<LessonSpec, "questions" | "answers">,
  answers: ReadonlyMap<number, string>,
  records: readonly TraceRecord[],
): AnswerResult[] {
  const out: AnswerResult[] = [];
  (lesson.answers ?? []).forEach((answer, i) => {
    if (!answer?.check) return;
    const question = i + 1;
    out.push({
      question,
      text: lesson.questions[i],
      ...gradeAnswer(answer.check, answers.get(question), records),
    });
  });
  return out;
}

/** One answer against the run: right when it says what the table held. */
export function gradeAnswer(
  check: AnswerCheck,
  given: string | undefined,
  records: readonly TraceRecord[],
): { given?: string; correct: boolean; detail: string } {
  const text = given?.trim();
  if (!text) return { correct: false, detail: "no answer given" };
  const key = answerKey(check, records);
  if (key.length === 0) {
    return { given: text, correct: false, detail: `this run never shows ${describeCheck(check)}` };
  }
  const correct = key.some((k) => sameAnswer(text, k));
  return {
    given: text,
    correct,
    detail: correct ? `the run shows it in ${check.table}@${check.node}` : "not what the run shows",
  };
}
