/**
 * The page's fixed controls wired to the app: transport buttons, the timeline, the jump box, zoom,
 * tabs, the lesson picker, opening and dropping files, the export menu and the keyboard. This file
 * only listens; every decision is the host's.
 */
import { byId, typingTarget } from "./dom.ts";

/** What the controls ask of the app. */
export interface ControlsHost {
  step(direction: 1 | -1): boolean;
  toEnd(last: boolean): void;
  togglePlay(): void;
  speedChanged(): void;
  timelineTo(position: number): void;
  jump(text: string): void;
  zoomBy(k: number): void;
  fit(): void;
  selectTab(tabId: string): void;
  openLesson(file: string): void;
  openUserFile(file: File): void;
  hashChanged(): void;
  exportPcap(link: string): void;
  exportDiagram(format: "svg" | "png"): void;
  exportYaml(): void;
  exportKeys(): void;
  focusSearch(): void;
}

/** Wires every fixed control of index.html to `host`. */
export function wireControls(host: ControlsHost): void {
  const click = (id: string, fn: () => void) => byId(id).addEventListener("click", fn);
  click("btn-first", () => host.toEnd(false));
  click("btn-back", () => host.step(-1));
  click("btn-play", () => host.togglePlay());
  click("btn-forward", () => host.step(1));
  click("btn-last", () => host.toEnd(true));
  byId("speed").addEventListener("change", () => host.speedChanged());
  const timeline = byId<HTMLInputElement>("timeline");
  timeline.addEventListener("input", () => host.timelineTo(Number(timeline.value)));
  byId("jump-form").addEventListener("submit", (e) => {
    e.preventDefault();
    host.jump(byId<HTMLInputElement>("jump-input").value);
  });
  click("zoom-in", () => host.zoomBy(1.25));
  click("zoom-out", () => host.zoomBy(0.8));
  click("zoom-fit", () => host.fit());

  for (const tab of Array.from(document.querySelectorAll<HTMLElement>("[role=tab]"))) {
    tab.addEventListener("click", () => host.selectTab(tab.id));
  }

  const picker = byId<HTMLSelectElement>("lesson-picker");
  picker.addEventListener("change", () => {
    if (picker.value) host.openLesson(picker.value);
  });
  globalThis.addEventListener("hashchange", () => host.hashChanged());
  const input = byId<HTMLInputElement>("file-input");
  click("open-file", () => input.click());
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) host.openUserFile(file);
    input.value = "";
  });
  wireDrop(host);

  click("export-pcap", () => host.exportPcap(byId<HTMLSelectElement>("pcap-link").value));
  click("export-svg", () => host.exportDiagram("svg"));
  click("export-png", () => host.exportDiagram("png"));
  click("export-yaml", () => host.exportYaml());
  click("export-keys", () => host.exportKeys());
  for (const menu of Array.from(document.querySelectorAll<HTMLDetailsElement>("details.menu"))) {
    menu.addEventListener("toggle", () => keepMenuOnScreen(menu));
  }

  document.addEventListener("keydown", (e) => onKey(host, e));
}

/**
 * A menu's body hangs from the right edge of its button; when the top bar wraps and the button lands
 * near the left edge (a narrow window), that would put the body off screen, so it hangs from the left.
 */
function keepMenuOnScreen(menu: HTMLDetailsElement): void {
  const body = menu.querySelector<HTMLElement>(".menu-body");
  if (!body || !menu.open) return;
  body.classList.remove("from-left");
  if (body.getBoundingClientRect().left < 0) body.classList.add("from-left");
}

function wireDrop(host: ControlsHost): void {
  const overlay = byId("drop-overlay");
  let depth = 0;
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  document.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener("drop", (e) => {
    depth = 0;
    overlay.hidden = true;
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    host.openUserFile(file);
  });
}

function onKey(host: ControlsHost, e: KeyboardEvent): void {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "Escape") {
    for (const menu of Array.from(document.querySelectorAll("details.menu[open]"))) {
      menu.removeAttribute("open");
    }
    return;
  }
  if (typingTarget(e.target)) return;
  const target = e.target as HTMLElement;
  const onControl = target.matches?.("button, summary, a, [role=treeitem], [role=button]") ?? false;
  switch (e.key) {
    case "ArrowRight":
    case "ArrowLeft":
      if (target.matches?.("[role=treeitem]")) return;
      e.preventDefault();
      host.step(e.key === "ArrowRight" ? 1 : -1);
      break;
    case " ":
      if (onControl) return;
      e.preventDefault();
      host.togglePlay();
      break;
    case "Home":
    case "End":
      e.preventDefault();
      host.toEnd(e.key === "End");
      break;
    case "/":
      e.preventDefault();
      host.focusSearch();
      break;
  }
}
