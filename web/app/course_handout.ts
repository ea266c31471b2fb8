/**
 * The print view: a handout of the open lesson (title, story, the network as drawn, what to look for,
 * the questions with room to answer, the exercise's task) made as a page of its own and printed with the
 * browser's print dialog (or saved as PDF from it); the print style sheet shows nothing else. In teacher
 * mode the answers, the goals, every hint and the solution are added.
 */
import { formatChanges } from "../../src/topology/changes.ts";
import type { TopologyModel } from "../../src/topology/model.ts";
import { answerKey } from "../../src/trace/grade.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import { append, byId, h } from "./dom.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Takes the live view's moment out of a copy of its drawing: the current node's ring, the marked link,
 * the picked node and the packets in flight belong to the step the class is on, not to the network.
 */
export function clean(copy: SVGSVGElement): void {
  copy.querySelectorAll("g.packets, g.ghosts").forEach((layer) => layer.replaceChildren());
  copy.querySelectorAll(".current, .picked").forEach((el) => el.classList.remove("current", "picked"));
  copy.querySelectorAll("circle.ring").forEach((ring) => ring.setAttribute("stroke", "none"));
}

/** A copy of the topology drawing, cropped to what is drawn, for the page. */
function diagram(): SVGSVGElement | null {
  const source = document.getElementById("topology") as SVGSVGElement | null;
  if (!source || source.getBBox === undefined) return null;
  const copy = source.cloneNode(true) as SVGSVGElement;
  copy.removeAttribute("id");
  copy.setAttribute("class", "handout-diagram");
  clean(copy);
  let box: DOMRect;
  try {
    box = source.getBBox();
  } catch {
    return null;
  }
  if (box.width === 0) return null;
  const pad = 20;
  copy.setAttribute(
    "viewBox",
    `${box.x - pad} ${box.y - pad} ${box.width + 2 * pad} ${box.height + 2 * pad}`,
  );
  copy.removeAttribute("width");
  copy.removeAttribute("height");
  copy.setAttribute("xmlns", SVG_NS);
  return copy;
}

/** Builds the handout of `model` into `#handout` (replacing any earlier one). */
export function buildHandout(
  model: TopologyModel,
  file: string,
  teacher: boolean,
  records: readonly TraceRecord[] = [],
): HTMLElement {
  document.getElementById("handout")?.remove();
  const lesson = model.lesson;
  const exercise = lesson?.exercise;
  const page = h("article", { id: "handout", class: "handout", "aria-hidden": "true" });
  append(
    page,
    h("h1", {}, lesson?.title ?? model.name),
    model.description ? h("p", { class: "handout-sub" }, model.description) : null,
    teacher ? h("p", { class: "handout-teacher" }, "Teacher's copy: answers and solution included.") : null,
  );
  if (lesson?.story) append(page, h("p", { class: "handout-story" }, lesson.story));
  const picture = diagram();
  if (picture) append(page, h("h2", {}, "The network"), picture);
  if (lesson && lesson.lookFor.length > 0) {
    append(
      page,
      h("h2", {}, "What to look for"),
      h("ul", {}, ...lesson.lookFor.map((l) => h("li", {}, l.text))),
    );
  }
  if (exercise) {
    append(
      page,
      h("h2", {}, "Exercise"),
      h("p", {}, exercise.task),
      h(
        "p",
        {},
        "You may change: ",
        ...exercise.knobs.flatMap((k, i) => [i > 0 ? ", " : "", h("code", {}, k.path)]),
      ),
    );
    if (teacher) {
      append(
        page,
        h("h3", {}, "Goals"),
        h("ul", {}, ...exercise.goal.map((g) => h("li", {}, g.say))),
        h("h3", {}, "Hints"),
        h("ol", {}, ...exercise.hints.map((x) => h("li", {}, x))),
        h("h3", {}, "Solution"),
        h("pre", {}, formatChanges(exercise.solution)),
      );
    }
  }
  if (lesson && lesson.questions.length > 0) {
    append(
      page,
      h("h2", {}, "Questions"),
      h(
        "ol",
        { class: "handout-questions" },
        ...lesson.questions.map((q, i) => {
          const answer = lesson.answers?.[i]?.text;
          const check = lesson.answers?.[i]?.check;
          // A checked answer is read from the run being shown, as the Check button grades it.
          const key = check ? answerKey(check, records) : [];
          return h(
            "li",
            {},
            h("p", {}, q),
            teacher && answer ? h("p", { class: "handout-answer" }, `Answer: ${answer}`) : null,
            teacher && key.length > 0
              ? h("p", { class: "handout-answer" }, `From the run: ${key.join(" or ")}`)
              : null,
            teacher ? null : h("div", { class: "handout-space" }),
          );
        }),
      ),
    );
  }
  append(page, h("p", { class: "handout-foot" }, `Tunnel Lab · ${file}`));
  document.body.append(page);
  return page;
}

/** Wires the Handout button: builds the page for what the view shows and opens the print dialog. */
export function wireHandout(
  current: () => { model: TopologyModel; file: string; records: readonly TraceRecord[] } | null,
  teacher: () => boolean,
): void {
  byId("print-handout").addEventListener("click", () => {
    const c = current();
    if (!c) return;
    buildHandout(c.model, c.file, teacher(), c.records);
    globalThis.print();
  });
}
