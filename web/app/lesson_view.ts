/** The lesson panel: title, story, what to look for and questions for the class, from `lesson:`. */
import type { TraceRecord } from "../../src/trace/record.ts";
import { checkExpectations, checkLookFor } from "../../src/trace/expect.ts";
import { byId, clear, h } from "./dom.ts";
import type { AnswerCheck, TopologyModel } from "../../src/topology/model.ts";
import { questionItems, rememberAnswer, typedAnswer, verdictFor } from "./lesson_questions.ts";
import { answerKey } from "../../src/trace/grade.ts";

/** Fills the lesson panel for a model (or says how to get one). */
export function renderLesson(
  model: TopologyModel | null,
  file: string | null,
  records: readonly TraceRecord[] = [],
  jump: (seq: number) => void = () => {},
  modified = false,
): void {
  const panel = byId("panel-lesson");
  clear(panel);
  if (!model) {
    panel.append(
      h("h2", {}, file ? `Cannot run ${file}` : "No lesson open"),
      h(
        "p",
        { class: "muted" },
        file
          ? "The Source tab lists what needs fixing."
          : "Pick a lesson above, or open or drop a YAML file.",
      ),
    );
    return;
  }
  const lesson = model.lesson;
  const wrap = h("div", { class: "lesson" });
  wrap.append(h("h2", { id: "lesson-title" }, lesson?.title || model.name));
  if (model.description) wrap.append(h("p", { class: "muted" }, model.description));
  if (lesson?.story) wrap.append(h("p", { class: "lesson-story" }, lesson.story));
  if (lesson && lesson.lookFor.length > 0) {
    // Each thing to look for is checked against this run, so the class sees it happened and can
    // jump to the event that shows it; an item no record can show is listed without a mark.
    const seen = checkLookFor(lesson.lookFor, records);
    wrap.append(
      h("h3", {}, "Look for"),
      h(
        "ul",
        { class: "expectations look-for", id: "lesson-look-for" },
        ...lesson.lookFor.map((item, i) => {
          const v = seen[i];
          if (!v) return h("li", { class: "unchecked" }, item.text);
          return h(
            "li",
            { class: v.met ? "met" : "unmet", title: v.detail },
            h(
              "span",
              { class: "mark", "aria-label": v.met ? "seen in this run" : "not in this run" },
              v.met ? "✓ " : modified ? "≠ " : "✗ ",
            ),
            item.text,
            ...(v.seq !== undefined
              ? [" ", h("button", { class: "link", onclick: () => jump(v.seq!) }, `#${v.seq}`)]
              : []),
          );
        }),
      ),
    );
  }
  const expectations = model.expectations ?? [];
  if (expectations.length > 0) {
    // The lesson's promises, checked against this very run: after a what-if edit the teacher sees
    // at once which of them no longer hold.
    const verdicts = checkExpectations(expectations, records);
    const met = verdicts.filter((v) => v.met).length;
    wrap.append(h("h3", {}, `What should happen (${met} of ${verdicts.length} in this run)`));
    if (modified) {
      // After a what-if change the lesson's promises describe the file as written, not this run.
      wrap.append(h(
        "p",
        { class: "modified-note", id: "lesson-modified", role: "note" },
        "This run is modified (What if… or Source): the lesson expects the file as written, so a ✗ here " +
          "shows what your change did, not a fault.",
      ));
    }
    wrap.append(
      h(
        "ul",
        { class: modified ? "expectations modified" : "expectations", id: "lesson-expectations" },
        ...verdicts.map((v) =>
          h(
            "li",
            { class: v.met ? "met" : modified ? "unmet changed" : "unmet", title: v.detail },
            h(
              "span",
              {
                class: "mark",
                "aria-label": v.met ? "met" : modified ? "not met after your change" : "not met",
              },
              v.met ? "✓ " : modified ? "≠ " : "✗ ",
            ),
            v.say,
            ...(v.seq !== undefined
              ? [" ", h("button", { class: "link", onclick: () => jump(v.seq!) }, `#${v.seq}`)]
              : []),
          )
        ),
      ),
    );
  }
  if (lesson && lesson.questions.length > 0) {
    // An answer stays folded until asked for, so the class can think first.
    const where = file ?? model.file;
    const items = questionItems(lesson).map((q, i) =>
      h(
        "li",
        {},
        q.text,
        q.check ? answerBox(q.check, where, i, records) : null,
        answerFold(q.answer, q.check ? answerKey(q.check, records) : []),
      )
    );
    wrap.append(h("h3", {}, "Questions"), h("ol", { id: "lesson-questions" }, ...items));
  }
  if (!lesson) {
    wrap.append(
      h("p", { class: "muted" }, "This topology has no lesson text. Step through its events with → and ←."),
    );
  }
  wrap.append(h("p", { class: "muted" }, `File: ${file ?? model.file}`));
  panel.append(wrap);
}

/**
 * The folded answer: the lesson's own words, and for a checkable question the value this run shows, read
 * as the Check button grades it, so after a what-if change the teacher reveals the new run's answer.
 */
function answerFold(text: string | undefined, fromRun: string[]): HTMLElement | null {
  if (text === undefined && fromRun.length === 0) return null;
  return h(
    "details",
    { class: "answer" },
    h("summary", {}, "Show answer"),
    text !== undefined ? h("p", {}, text) : null,
    fromRun.length > 0
      ? h("p", { class: "answer-from-run" }, `This run shows: ${fromRun.join(" or ")}`)
      : null,
  );
}

/**
 * The input box and Check button of a question whose answer the run holds; the verdict is this run's,
 * so after a what-if change the same answer is graded again against the new run.
 */
function answerBox(
  check: AnswerCheck,
  file: string,
  i: number,
  records: readonly TraceRecord[],
): HTMLElement {
  const saved = typedAnswer(file, i);
  const input = h("input", {
    type: "text",
    class: "answer-input",
    id: `answer-${i + 1}`,
    "aria-label": `Your answer to question ${i + 1}`,
    placeholder: "your answer",
    autocomplete: "off",
    spellcheck: "false",
  });
  input.value = saved.value;
  const verdict = h("span", { class: "answer-verdict", role: "status", id: `answer-verdict-${i + 1}` });
  const show = () => {
    const v = verdictFor(check, input.value, records);
    verdict.textContent = v.text;
    verdict.className = `answer-verdict ${v.correct ? "right" : "wrong"}`;
    rememberAnswer(file, i, input.value, true);
  };
  const button = h("button", { type: "button", class: "answer-check-button", onclick: show }, "Check");
  input.addEventListener("input", () => {
    rememberAnswer(file, i, input.value, false);
    verdict.textContent = "";
    verdict.className = "answer-verdict";
  });
  input.addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Enter") show();
  });
  if (saved.checked) show();
  return h("div", { class: "answer-check" }, input, button, verdict);
}
