/**
 * The lesson's questions as the panel lists them: each with the teacher's answer text when the lesson
 * gives one, so the panel can keep it behind a "Show answer" toggle. A question whose answer is only a
 * check against the run has no text to reveal.
 */
import type { LessonSpec } from "../../src/topology/model.ts";

export interface QuestionItem {
  text: string;
  answer?: string;
}

export function questionItems(lesson: LessonSpec): QuestionItem[] {
  return lesson.questions.map((text, i) => {
    const answer = lesson.answers?.[i]?.text;
    return answer === undefined ? { text } : { text, answer };
  });
}
