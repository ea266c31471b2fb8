/**
 * Starts the editor beside the view: the view opens what the editor runs (as a file of its own, so
 * the lesson picker and the address no longer name a lesson) and hands over what it shows.
 */
import type { App } from "../app/app.ts";
import { byId } from "../app/dom.ts";
import { withHashParam } from "../app/lessons.ts";
import { Editor } from "./editor.ts";

/** The editor, wired to `app`. */
export function startEditor(app: App): Editor {
  return new Editor({
    openText: (text, file) => {
      byId<HTMLSelectElement>("lesson-picker").value = "";
      history.replaceState(null, "", withHashParam(location.hash, "lesson", null) || location.pathname);
      app.openText(text, file);
    },
    current: () => app.current(),
  });
}
