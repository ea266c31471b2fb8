/**
 * The lesson's questions as the panel lists them: each with the teacher's answer text when the lesson
 * gives one, so the panel can keep it behind a "Show answer" toggle, and with its check when the answer
 * can be graded against the run (an input box and a Check button). What a student typed is kept per
 * lesson and question while the page lives, so a re-run (a what-if change) grades it again instead of
 * wiping it.
 */
import type { AnswerCheck, LessonSpec } from "../../src/topology/model.ts";
import { gradeAnswer } from "../../src/trace/grade.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

export interface QuestionItem {
  text: string;
  answer?: string;
  check?: AnswerCheck;
}

export function questionItems(lesson: LessonSpec): QuestionItem[] {
  return lesson.questions.map((text, i) => {
    const item: QuestionItem = { text };
    const answer = lesson.answers?.[i];
    if (answer?.text !== undefined) item.answer = answer.text;
    if (answer?.check !== undefined) item.check = answer.check;
    return item;
  });
}

/** A student's typed answer and whether they asked for it to be checked. */
interface Typed {
  value: string;
  checked: boolean;
}
const typed = new Map<string, Typed>();

/** The verdict line under a checkable question. */
export interface Verdict {
  correct: boolean;
  text: string;
}

/** Grades `value` against this run, in the words the panel shows. */
export function verdictFor(check: AnswerCheck, value: string, records: readonly TraceRecord[]): Verdict {
  const r = gradeAnswer(check, value, records);
  if (r.correct) return { correct: true, text: `✓ Right: ${r.detail}` };
  return {
    correct: false,
    text: `✗ ${r.detail === "not what the run shows" ? "Not what this run shows" : r.detail}`,
  };
}

/** What the student typed for question `i` of `file` (empty when nothing yet). */
export function typedAnswer(file: string, i: number): Typed {
  return typed.get(`${file}#${i}`) ?? { value: "", checked: false };
}

export function rememberAnswer(file: string, i: number, value: string, checked: boolean): void {
  typed.set(`${file}#${i}`, { value, checked });
}
