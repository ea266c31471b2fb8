/**
 * Grading: an exercise's goals against a run ("score 3/4"), and students' answers to a lesson's checkable
 * questions against the same run. Pure, so `sim check` and the view's "Check my answer" agree.
 */
import type { ExerciseSpec, Expectation, LessonSpec } from "../topology/model.ts";
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

/** Escapes an answer for use inside a `/regex/` condition. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The condition with the student's answer in place of `{answer}`. */
export function withAnswer(check: Expectation, answer: string): Expectation {
  const what = check.what;
  const text = what.kind === "drop" ? what.reason ?? "" : what.text;
  const literal = /^\/.+\/[a-z]*$/.test(text) ? escapeRegex(answer) : answer;
  const filled = text.split("{answer}").join(literal);
  return {
    ...check,
    what: what.kind === "drop" ? { ...what, reason: filled } : { ...what, text: filled },
  };
}

/**
 * Grades answers (question number → text) to the lesson's checkable questions; one result per question
 * that has a check, in order. An empty answer is never correct.
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
    const given = answers.get(question)?.trim();
    const text = lesson.questions[i];
    if (!given) {
      out.push({ question, text, correct: false, detail: "no answer given" });
      return;
    }
    const [verdict] = checkExpectations([withAnswer(answer.check, given)], records);
    out.push({
      question,
      text,
      given,
      correct: verdict.met,
      detail: verdict.met ? `the run agrees (event ${verdict.seq})` : "the run does not show that",
    });
  });
  return out;
}
