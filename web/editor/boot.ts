/**
 * Starts the class tools beside the view: the editor (the view opens what the editor runs, as a file of
 * its own, so the lesson picker and the address no longer name a lesson), the Exercise tab, which
 * redraws after every run, and the picker's progress marks (a lesson opened, an exercise solved).
 */
import type { App } from "../app/app.ts";
import { byId } from "../app/dom.ts";
import { wireHandout } from "../app/course_handout.ts";
import { markProgress } from "../app/course_progress.ts";
import { ExerciseView } from "../app/exercise_view.ts";
import { withHashParam } from "../app/lessons.ts";
import { Editor } from "./editor.ts";

/** The editor and the exercise tab, wired to `app`; `bundleUrl` starts the grading worker. */
export function startClassTools(app: App, bundleUrl: string): void {
  new Editor({
    openText: (text, file) => {
      byId<HTMLSelectElement>("lesson-picker").value = "";
      history.replaceState(null, "", withHashParam(location.hash, "lesson", null) || location.pathname);
      app.openText(text, file);
    },
    current: () => app.current(),
  });
  const exercise = new ExerciseView({
    texts: () => {
      const c = app.current();
      return c && { original: c.original, current: c.text, file: c.file };
    },
    runText: (text, description) => app.runSource(text, { description }),
    solved: () => app.refreshPicker(),
  }, bundleUrl);
  wireHandout(
    () => app.run && { model: app.run.model, file: app.run.file, records: app.run.result.records },
    () => exercise.teacher,
  );
  app.afterRun.push(() => {
    const c = app.current();
    if (c) markProgress(c.file, "opened");
    exercise.update();
    app.refreshPicker();
  });
}
