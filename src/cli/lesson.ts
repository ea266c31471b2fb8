/**
 * The lesson block the CLI prints after a run in text mode: title, story, what to look for and the
 * questions for the class, as docs/topology.md promises; the expectations follow it.
 */
import type { LessonSpec } from "../topology/model.ts";

/** A look-for item's text: a plain string, or the `text` of an item that carries its own check. */
function lookForText(item: unknown): string {
  if (typeof item === "string") return item;
  const text = (item as { text?: unknown } | null)?.text;
  return typeof text === "string" ? text : String(item);
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number, indent: string, first = indent): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}

const WIDTH = 100;

/** The lines of the lesson block, starting with a blank line that sets it off from the summary. */
export function lessonLines(lesson: LessonSpec): string[] {
  const lines = ["", `lesson: ${lesson.title}`];
  const story = lesson.story.trim();
  for (const paragraph of story.split(/\n\s*\n/)) {
    if (paragraph.trim()) lines.push(...wrap(paragraph, WIDTH, "  "));
  }
  const lookFor = lesson.lookFor as readonly unknown[];
  if (lookFor.length > 0) {
    lines.push("look for:");
    for (const item of lookFor) lines.push(...wrap(lookForText(item), WIDTH, "    ", "  - "));
  }
  if (lesson.questions.length > 0) {
    lines.push("questions:");
    lesson.questions.forEach((q, i) => lines.push(...wrap(q, WIDTH, "     ", `  ${i + 1}. `)));
  }
  return lines;
}
