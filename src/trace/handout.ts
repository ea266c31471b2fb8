/**
 * A lesson's handout: one self-contained HTML page (no script, no external file) with the story, the
 * network, the ladder of the key exchange, what to look for and the questions; the exercise's task and the
 * settings it lets a student change; and for the teacher, the answers, the goals, the hints and the
 * solution. Styled for A4 print, so Chromium's print-to-PDF gives a clean sheet.
 */
import { formatChanges } from "../topology/changes.ts";
import { LESSON_GROUP_TITLES, type TopologyModel } from "../topology/model.ts";
import { answerKey } from "./grade.ts";
import { diagramSvg, esc, keyExchange, ladderSvg } from "./handout_svg.ts";
import type { TraceRecord } from "./record.ts";

export interface HandoutOptions {
  /** Adds the answers, the exercise's goals, hints and solution. */
  teacher: boolean;
}

const STYLE = `
@page { size: A4; margin: 16mm 15mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 180mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 0.4mm solid #888; padding-bottom: 1mm; break-after: avoid; }
.meta { color: #444; font-size: 9pt; margin: 0 0 3mm; }
figure { margin: 2mm 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; }
figcaption { font-size: 8.5pt; color: #444; }
ol li, ul li { margin: 0 0 1.5mm; break-inside: avoid; }
.write { border-bottom: 0.3mm dotted #999; height: 7mm; }
.answer, .teacher { background: #eef5ee; border-left: 1mm solid #4a8a4a; padding: 1mm 2mm; margin: 1mm 0; }
.teacher-note { color: #2d6a2d; font-weight: bold; }
pre { font: 9pt/1.35 "DejaVu Sans Mono", monospace; background: #f4f4f4; padding: 2mm; white-space: pre-wrap; }
code { font: 9pt "DejaVu Sans Mono", monospace; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; }
.node rect { fill: #f7f7ff; stroke: #335; stroke-width: 1.2; }
.node .name { font-size: 11px; font-weight: bold; text-anchor: middle; }
.node .kind { font-size: 9px; fill: #555; text-anchor: middle; }
.link { stroke: #557; stroke-width: 2; }
.tap { stroke: #a33; stroke-width: 1.2; stroke-dasharray: 4 3; }
.link-label { font-size: 9px; fill: #333; text-anchor: middle; }
.lifeline { stroke: #999; stroke-dasharray: 3 3; }
.lifeline-name { font-size: 10px; font-weight: bold; text-anchor: middle; }
.hop { stroke: #224; stroke-width: 1.1; }
marker path { fill: #224; }
.hop-label { font-size: 8px; fill: #111; }
.hop-time { font-size: 7px; fill: #666; }
`;

function paragraphs(text: string): string {
  return text.trim().split(/\n\s*\n/).filter((p) => p.trim()).map((p) => `<p>${esc(p.trim())}</p>`).join("");
}

/** The handout page for a lesson run. */
export function renderHandout(
  model: TopologyModel,
  records: readonly TraceRecord[],
  options: HandoutOptions,
): string {
  const lesson = model.lesson;
  const title = lesson?.title ?? model.name;
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  const meta = [
    lesson?.group
      ? `${LESSON_GROUP_TITLES[lesson.group]}${lesson.level ? `, level ${lesson.level}` : ""}`
      : "",
    lesson?.after?.length ? `do first: ${lesson.after.join(", ")}` : "",
    `lesson file: ${model.name}`,
    options.teacher ? "teacher's copy" : "",
  ].filter(Boolean);
  body.push(`<p class="meta">${esc(meta.join(" · "))}</p>`);
  if (model.description) body.push(`<p><em>${esc(model.description)}</em></p>`);
  if (lesson?.story) body.push(paragraphs(lesson.story));
  body.push(
    `<figure>${
      diagramSvg(model)
    }<figcaption>The network: ${model.nodes.length} nodes, ${model.links.length} ` +
      `links.</figcaption></figure>`,
  );
  const exercise = lesson?.exercise;
  if (exercise) {
    body.push(`<h2>Your task</h2>`, paragraphs(exercise.task));
    body.push(
      `<p>You may change only these settings:</p><ul>${
        exercise.knobs.map((k) => `<li><code>${esc(k.path)}</code></li>`).join("")
      }</ul>`,
    );
    body.push(
      `<p>Write your changes as a changes file and check them with <code>deno task sim check ${
        esc(model.name)
      }.yaml --apply answer.yaml</code>.</p>`,
    );
  }
  const hops = keyExchange(model, records);
  if (hops.length > 0) {
    body.push(
      `<h2>The exchange, message by message</h2><figure>${
        ladderSvg(model, hops)
      }<figcaption>The first ${hops.length} ` +
        `messages of the run (time in seconds on the left), from the simulation's trace.</figcaption></figure>`,
    );
  }
  if (lesson && lesson.lookFor.length > 0) {
    body.push(`<h2>Look for</h2><ul>${lesson.lookFor.map((i) => `<li>${esc(i.text)}</li>`).join("")}</ul>`);
  }
  if (lesson && lesson.questions.length > 0) {
    const items = lesson.questions.map((q, i) => {
      const answer = lesson.answers?.[i];
      // The checked answer is read from this run's tables, so the teacher's copy agrees with the view.
      const key = answer?.check ? answerKey(answer.check, records) : [];
      const checked = key.length > 0
        ? `<div class="answer">From the run: ${esc(key.join(" or "))}</div>`
        : "";
      const after = options.teacher
        ? (answer?.text ? `<div class="answer">${esc(answer.text)}</div>` : "") + checked
        : `<div class="write"></div><div class="write"></div>`;
      return `<li>${esc(q)}${after}</li>`;
    });
    body.push(`<h2>Questions</h2><ol>${items.join("")}</ol>`);
  }
  if (exercise && options.teacher) {
    body.push(`<h2>For the teacher</h2>`);
    body.push(
      `<p class="teacher-note">Goals (hidden from students until they check):</p><ul>${
        exercise.goal.map((g) => `<li>${esc(g.say)}</li>`).join("")
      }</ul>`,
    );
    if (exercise.hints.length > 0) {
      body.push(
        `<p class="teacher-note">Hints, one at a time:</p><ol>${
          exercise.hints.map((h) => `<li>${esc(h)}</li>`).join("")
        }</ol>`,
      );
    }
    body.push(
      `<p class="teacher-note">Solution (a changes file):</p><pre>${
        esc(formatChanges(exercise.solution))
      }</pre>`,
    );
  }
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>` +
    `<style>${STYLE}</style></head><body>${body.join("\n")}</body></html>\n`;
}
