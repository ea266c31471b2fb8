/**
 * The lesson block the CLI prints after a run in text mode: title, story, what to look for and the
 * questions for the class, as docs/topology.md promises; the expectations follow it.
 */
import type { LessonSpec } from "../topology/model.ts";
import { checkLookFor } from "../trace/expect.ts";
import type { TraceRecord } from "../trace/record.ts";

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

/**
 * The lines of the lesson block, starting with a blank line that sets it off from the summary. A look-for
 * item that carries a check is marked ✓ or ✗ by the run; one no run can show gets "·".
 */
export function lessonLines(lesson: LessonSpec, records: readonly TraceRecord[]): string[] {
  const lines = ["", `lesson: ${lesson.title}`];
  const story = lesson.story.trim();
  for (const paragraph of story.split(/\n\s*\n/)) {
    if (paragraph.trim()) lines.push(...wrap(paragraph, WIDTH, "  "));
  }
  if (lesson.lookFor.length > 0) {
    lines.push("look for:");
    const verdicts = checkLookFor(lesson.lookFor, records);
    lesson.lookFor.forEach((item, i) => {
      const verdict = verdicts[i];
      const mark = verdict === undefined ? "·" : verdict.met ? "✓" : "✗";
      const seen = verdict?.met && verdict.seq !== undefined ? ` (event ${verdict.seq})` : "";
      lines.push(...wrap(item.text + seen, WIDTH, "    ", `  ${mark} `));
    });
  }
  if (lesson.questions.length > 0) {
    lines.push("questions:");
    lesson.questions.forEach((q, i) => lines.push(...wrap(q, WIDTH, "     ", `  ${i + 1}. `)));
  }
  return lines;
}
