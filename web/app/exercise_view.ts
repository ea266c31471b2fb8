/**
 * The Exercise tab: the task, the settings the student may change with what they are now, "Check my
 * answer" (the student's changes applied to the file as written, simulated in a worker and graded by
 * `gradeExercise`, exactly what `sim check --apply` does), hints one at a time, the answer as a changes
 * file to hand in, and in teacher mode (`#teacher=1`) the goals and the solution.
 */
import { parse } from "yaml";
import { applyChanges, formatChanges } from "../../src/topology/changes.ts";
import { loadTopology } from "../../src/topology/load.ts";
import type { ExerciseSpec, TopologyModel } from "../../src/topology/model.ts";
import { gradeExercise, scoreLine } from "../../src/trace/grade.ts";
import { markProgress } from "./course_progress.ts";
import { byId, clear, h } from "./dom.ts";
import { download, stem } from "./export.ts";
import { knobDocPath, studentChanges } from "./exercise_changes.ts";
import { hashParam, withHashParam } from "./lessons.ts";
import { SimClient } from "./sim_client.ts";
import { remember, remembered } from "./storage.ts";

const TEACHER_KEY = "tunnel-lab:teacher";

/** What the tab needs of the view. */
export interface ExerciseHost {
  /** The file as written, the text as the student has it now, and the file's name. */
  texts(): { original: string; current: string; file: string } | null;
  /** Runs text in the view as a what-if change. */
  runText(text: string, description: string): void;
  /** The exercise was just solved (the picker shows it). */
  solved(): void;
}

export class ExerciseView {
  #tab = byId("tab-exercise");
  #panel = byId("panel-exercise");
  #sim: SimClient;
  #checkedText: string | null = null;

  constructor(private host: ExerciseHost, bundleUrl: string) {
    this.#sim = new SimClient(bundleUrl);
    this.#tab.hidden = true;
  }

  get teacher(): boolean {
    const flag = hashParam(location.hash, "teacher");
    return flag !== null ? flag === "1" : remembered(TEACHER_KEY) === "1";
  }

  /** Shows the tab for a lesson with an exercise (graded against its file as written). */
  update(): void {
    const texts = this.host.texts();
    const loaded = texts ? loadTopology(texts.original, texts.file) : null;
    const exercise = loaded?.ok ? loaded.model.lesson?.exercise : undefined;
    this.#tab.hidden = !exercise;
    if (!texts || !loaded?.ok || !exercise) {
      if (this.#tab.getAttribute("aria-selected") === "true") byId("tab-lesson").click();
      clear(this.#panel);
      return;
    }
    this.#render(texts, loaded.model, exercise);
  }

  #render(
    texts: { original: string; current: string; file: string },
    model: TopologyModel,
    exercise: ExerciseSpec,
  ): void {
    const mine = studentChanges(texts.original, texts.current, model, exercise.knobs);
    const now = parse(texts.current) as unknown;
    const valueText = (path: string) => {
      const doc = knobDocPath(path, model);
      let v: unknown = now;
      for (const p of doc ?? []) {
        v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
      }
      return v === undefined
        ? "(as the preset has it)"
        : typeof v === "object"
        ? JSON.stringify(v)
        : String(v);
    };
    const changed = new Set(mine.changes.map((c) => c.path));
    const result = h("div", { id: "exercise-result", "aria-live": "polite" });
    const hints = this.#hints(texts.file, exercise.hints);
    const teacher = h("input", { type: "checkbox", id: "exercise-teacher" });
    teacher.checked = this.teacher;
    teacher.addEventListener("change", () => {
      remember(TEACHER_KEY, teacher.checked ? "1" : "0");
      history.replaceState(
        null,
        "",
        withHashParam(location.hash, "teacher", teacher.checked ? "1" : null) || location.pathname,
      );
      this.update();
    });
    clear(this.#panel);
    this.#panel.append(h(
      "div",
      { class: "exercise" },
      h("h2", {}, "Exercise"),
      h("p", { class: "exercise-task", id: "exercise-task" }, exercise.task),
      h("h3", {}, "You may change"),
      h(
        "ul",
        { class: "exercise-knobs", id: "exercise-knobs" },
        ...exercise.knobs.map((k) =>
          h(
            "li",
            { class: changed.has(k.path) ? "changed" : undefined },
            h("code", {}, k.path),
            " = ",
            valueText(k.path),
            changed.has(k.path) ? " (changed)" : "",
          )
        ),
      ),
      h("p", { class: "muted" }, "Change them in What if… (or in Source), then check."),
      mine.outside.length > 0
        ? h(
          "p",
          { class: "modified-note", id: "exercise-outside", role: "note" },
          `Not counted: you also changed ${
            mine.outside.join(", ")
          }, which this exercise does not let you change.`,
        )
        : null,
      h(
        "div",
        { class: "exercise-actions" },
        h("button", {
          type: "button",
          id: "exercise-check",
          class: "primary",
          onclick: () => this.#check(texts, model, exercise, mine.changes, result),
        }, "Check my answer"),
        h("button", {
          type: "button",
          id: "exercise-export",
          title: "Your changes as a changes file: sim check --apply reads it",
          onclick: () =>
            download(`${stem(texts.file)}-CHANGES.yaml`, formatChanges(mine.changes), "text/yaml"),
        }, "Export my answer"),
        h(
          "label",
          { class: "toggle", title: "Show the goals and the solution (or #teacher=1 in the address)" },
          teacher,
          " Teacher mode",
        ),
      ),
      result,
      hints,
      teacher.checked ? this.#teacherPart(texts, model, exercise) : null,
    ));
    if (this.#checkedText !== null && this.#checkedText !== texts.current) {
      result.append(h("p", { class: "muted" }, "Your changes moved on since the last check: check again."));
    }
  }

  async #check(
    texts: { original: string; current: string; file: string },
    model: TopologyModel,
    exercise: ExerciseSpec,
    changes: { path: string; value: unknown }[],
    out: HTMLElement,
  ): Promise<void> {
    out.replaceChildren(h("p", { class: "muted" }, "Checking…"));
    const file = "CHANGES.yaml";
    const positioned = changes.map((c, i) => ({ ...c, pos: { line: i + 1, col: 1 } }));
    const applied = applyChanges(texts.original, model, positioned, file, exercise.knobs);
    if (!applied.ok) {
      out.replaceChildren(
        h("p", { class: "exercise-score bad", id: "exercise-score" }, "Your changes cannot be applied:"),
        h("ul", {}, ...applied.errors.map((e) => h("li", {}, e.message))),
      );
      return;
    }
    const run = await this.#sim.run(applied.text, texts.file, () => {});
    if (run.ok === "superseded") return;
    if (!run.ok) {
      out.replaceChildren(h("p", { class: "bad" }, run.errors.map((e) => e.message).join("; ")));
      return;
    }
    const grade = gradeExercise(exercise, run.result.records);
    this.#checkedText = texts.current;
    if (grade.solved) {
      markProgress(texts.file, "solved");
      this.host.solved();
    }
    out.replaceChildren(
      h(
        "p",
        {
          class: `exercise-score ${grade.solved ? "good" : "bad"}`,
          id: "exercise-score",
          "data-score": grade.score,
          "data-total": grade.total,
        },
        scoreLine(grade),
        grade.solved ? " — solved!" : "",
      ),
      h(
        "ul",
        { class: "expectations", id: "exercise-goals" },
        ...grade.goals.map((g) =>
          h(
            "li",
            { class: g.met ? "met" : "unmet", title: g.detail },
            h("span", { class: "mark" }, g.met ? "✓ " : "✗ "),
            g.say,
          )
        ),
      ),
    );
  }

  /** Hints, revealed one at a time; how many were shown is remembered per lesson. */
  #hints(file: string, hints: readonly string[]): HTMLElement | null {
    if (hints.length === 0) return null;
    const key = `tunnel-lab:hints:${file}`;
    const shown = Math.min(hints.length, Number(remembered(key) ?? "0") || 0);
    const list = h(
      "ol",
      { class: "exercise-hints", id: "exercise-hints" },
      ...hints.slice(0, shown).map((t) => h("li", {}, t)),
    );
    const more = hints.length - shown;
    return h(
      "div",
      {},
      h("h3", {}, "Hints"),
      list,
      more > 0
        ? h("button", {
          type: "button",
          id: "exercise-hint",
          onclick: () => {
            remember(key, String(shown + 1));
            this.update();
          },
        }, shown === 0 ? `Show a hint (${hints.length})` : `Next hint (${more} more)`)
        : h("p", { class: "muted" }, "No more hints."),
    );
  }

  #teacherPart(
    texts: { original: string; current: string; file: string },
    model: TopologyModel,
    exercise: ExerciseSpec,
  ): HTMLElement {
    const solution = formatChanges(exercise.solution);
    return h(
      "div",
      { class: "exercise-teacher", id: "exercise-solution" },
      h("h3", {}, "For the teacher: the goals"),
      h("ul", {}, ...exercise.goal.map((g) => h("li", {}, g.say))),
      h("h3", {}, "The solution"),
      h("pre", { class: "mono" }, solution),
      h("button", {
        type: "button",
        id: "exercise-apply-solution",
        onclick: () => {
          const applied = applyChanges(texts.original, model, exercise.solution, "solution", exercise.knobs);
          if (applied.ok) this.host.runText(applied.text, "the exercise's solution");
        },
      }, "Run the solution"),
    );
  }
}
