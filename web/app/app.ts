/**
 * The view's conductor: holds the open text, the current run, the cursor and the filters, and tells
 * each pane when they change. Panes never talk to each other, only to this.
 */
import { parseDuration } from "../../src/engine/time.ts";
import { byId, h, typingTarget } from "./dom.ts";
import { EventList } from "./event_list.ts";
import { diagramCss, download, pcapBytes, stem, svgText, svgToPng } from "./export.ts";
import { Inspector } from "./inspector.ts";
import { LadderView } from "./ladder_view.ts";
import type { Point } from "./layout.ts";
import { resetTypeMetrics } from "./metrics.ts";
import { renderLesson } from "./lesson_view.ts";
import { dialupLines } from "../../src/trace/pcap.ts";
import { type Run, runText } from "./run.ts";
import { SourceView } from "./source_view.ts";
import { TablesView } from "./tables_view.ts";
import { TopologyView } from "./topology_view.ts";
import { defaultFilter, type EventFilter, filterRecords, positionAtOrBefore } from "./trace_index.ts";
import { applySetting, compareRuns, type Setting } from "./whatif.ts";
import { WhatIfView } from "./whatif_view.ts";

interface LessonIndex {
  default: string | null;
  lessons: { file: string; title: string; description?: string }[];
}

const DRAFTS_KEY = "tunnel-lab:drafts";
const LARGE_KEY = "tunnel-lab:large";

/** localStorage when the browser allows it (a file:// page or a locked-down profile may not). */
function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export class App {
  run: Run | null = null;
  cursor = -1;
  filter: EventFilter = defaultFilter();
  positions = new Map<string, Point>();
  #filtered: Int32Array = new Int32Array(0);
  #file: string | null = null;
  #original = "";
  #lessons: LessonIndex = { default: null, lessons: [] };
  #playing: ReturnType<typeof setInterval> | 0 = 0;
  #drafts = new Map<string, string>();

  #topology: TopologyView;
  #events: EventList;
  #inspector: Inspector;
  #ladder: LadderView;
  #tables: TablesView;
  #whatIf: WhatIfView;
  #source: SourceView;

  #status = byId("run-status");
  #picker = byId<HTMLSelectElement>("lesson-picker");
  #timeline = byId<HTMLInputElement>("timeline");
  #clock = byId("clock");
  #play = byId<HTMLButtonElement>("btn-play");
  #speed = byId<HTMLSelectElement>("speed");

  constructor() {
    this.#topology = new TopologyView(byId("topology") as unknown as SVGSVGElement, this);
    this.#events = new EventList(this);
    this.#inspector = new Inspector(this);
    this.#ladder = new LadderView(this);
    this.#tables = new TablesView(this);
    this.#whatIf = new WhatIfView(this);
    this.#source = new SourceView(this);
    this.#loadDrafts();
    this.#wireControls();
    this.#setState("empty");
    renderLesson(null, null);
    this.#inspector.setRun(null);
  }

  // ---- opening files -------------------------------------------------------------------------

  /** Loads the lesson list and opens the lesson named in the URL, else the default one. */
  async start(): Promise<void> {
    this.#lessons = await this.#fetchLessons();
    this.#picker.replaceChildren(
      h(
        "option",
        { value: "" },
        this.#lessons.lessons.length > 0 ? "(choose a lesson)" : "(no lessons found)",
      ),
      ...this.#lessons.lessons.map((l) =>
        h("option", { value: l.file, title: l.description ?? "" }, l.title)
      ),
    );
    const wanted = this.#hashLesson() ?? this.#lessons.default;
    if (wanted) await this.openLesson(wanted);
    else this.#say("Pick a lesson, or open or drop a topology YAML file.");
  }

  async #fetchLessons(): Promise<LessonIndex> {
    // The server lists topologies/; a static site ships the same list as topologies/index.json.
    for (const url of ["api/lessons", "topologies/index.json"]) {
      try {
        const response = await fetch(url, { cache: "no-store" });
        if (!response.ok) continue;
        const index = await response.json() as LessonIndex;
        if (Array.isArray(index.lessons)) return index;
      } catch {
        // try the next source
      }
    }
    return { default: null, lessons: [] };
  }

  #hashLesson(): string | null {
    const match = /(?:^#|&)lesson=([^&]+)/.exec(location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  }

  async openLesson(file: string): Promise<void> {
    this.#setState("loading");
    this.#say(`Loading ${file}…`);
    let text: string;
    try {
      const response = await fetch(`topologies/${file.split("/").map(encodeURIComponent).join("/")}`, {
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      text = await response.text();
    } catch (e) {
      this.#say(`Could not load ${file}: ${(e as Error).message}`, true);
      this.#setState("error");
      return;
    }
    if (this.#picker.querySelector(`option[value="${CSS.escape(file)}"]`)) this.#picker.value = file;
    history.replaceState(null, "", `#lesson=${encodeURIComponent(file)}`);
    this.openText(text, file);
  }

  /** Opens text as a topology (a lesson, or a file the user picked or dropped). */
  openText(text: string, file: string): void {
    this.#saveDraft();
    this.#file = file;
    this.#original = text;
    this.positions.clear();
    this.#whatIf.showChanges(null, null);
    const draft = this.#drafts.get(file);
    if (draft !== undefined && draft !== text) {
      this.runSource(draft, { fresh: true });
      this.#say(`${file}: your earlier edits were kept (Undo all changes or Revert to discard them).`);
    } else this.runSource(text, { fresh: true });
  }

  async #openUserFile(file: File): Promise<void> {
    const text = await file.text();
    this.#picker.value = "";
    history.replaceState(null, "", location.pathname);
    this.openText(text, file.name);
  }

  /** Runs `text` (the source as it now stands); errors go to the Source tab, the text stays. */
  runSource(text: string, options: { fresh?: boolean; description?: string; setting?: Setting } = {}): void {
    const file = this.#file ?? "untitled.yaml";
    this.#source.setText(text);
    this.#stop();
    this.#setState("running");
    const previous = this.run;
    const outcome = runText(text, file);
    if (text !== this.#original) this.#drafts.set(file, text);
    else this.#drafts.delete(file);
    this.#storeDrafts();
    if (!outcome.ok) {
      this.#source.setErrors(outcome.errors);
      const first = outcome.errors[0];
      const more = outcome.errors.length > 1 ? ` (and ${outcome.errors.length - 1} more)` : "";
      this.#say(`${file}:${first.line}:${first.col}: ${first.message}${more}`, true);
      this.#selectTab("tab-source");
      this.#setRun(null);
      renderLesson(null, file);
      this.#setState("error");
      return;
    }
    this.#source.setErrors([]);
    const run = outcome.run;
    const keepCursor = !options.fresh && previous !== null;
    const comparison = options.description && previous
      ? compareRuns(previous.result.records, run.result.records)
      : null;
    this.#setRun(run, keepCursor);
    renderLesson(run.model, file, run.result.records, (seq) => this.setCursor(seq));
    if (options.description) this.#whatIf.showChanges(options.description, comparison);
    const n = run.result.records.length;
    this.#say(
      `${file}: ${n.toLocaleString("en")} events, ${(run.result.end / 1e6).toFixed(1)} s simulated in ${
        Math.round(run.millis)
      } ms`,
    );
    if (options.fresh) {
      this.#selectTab("tab-topology");
      this.#selectTab("tab-lesson");
    }
    this.#setState("ready");
  }

  revert(): void {
    this.#drafts.delete(this.#file ?? "");
    this.runSource(this.#original, { description: "Back to the file as written." });
  }

  edited(): boolean {
    return this.run !== null && this.run.text !== this.#original;
  }

  applySetting(setting: Setting, value: boolean | number | string): void {
    if (!this.run) return;
    const text = applySetting(this.run.text, setting, value);
    const shown = setting.type === "percent" ? `${Math.round(Number(value) * 1000) / 10}%` : String(value);
    this.runSource(text, { description: `${setting.owner} ${setting.label} → ${shown}`, setting });
  }

  // ---- run and cursor ------------------------------------------------------------------------

  #setRun(run: Run | null, keepCursor = false): void {
    const oldCursor = this.cursor;
    this.run = run;
    this.#filtered = run ? filterRecords(run.index, this.filter) : new Int32Array(0);
    this.#topology.setRun(run);
    this.#events.setList(run, this.#filtered);
    this.#inspector.setRun(run);
    this.#ladder.setRun(run);
    this.#tables.setRun(run);
    this.#whatIf.setRun(run);
    this.#fillPcapLinks(run);
    if (!run) {
      this.cursor = -1;
      this.#updateTransport();
      return;
    }
    const n = run.index.records.length;
    let start = keepCursor ? Math.min(Math.max(oldCursor, 0), n - 1) : -1;
    if (start < 0) {
      // Start on the first thing that happens, not on the tables every node publishes at t=0.
      const first = run.index.records.find((r) => r.kind !== "state");
      start = first?.seq ?? 0;
    }
    this.cursor = -1;
    this.setCursor(start);
  }

  /** Moves the cursor to record `seq` and brings every pane along. */
  setCursor(seq: number): void {
    const run = this.run;
    if (!run || run.index.records.length === 0) return;
    seq = Math.max(0, Math.min(run.index.records.length - 1, seq));
    this.cursor = seq;
    this.#topology.setCursor(seq);
    this.#events.setCursor(seq);
    this.#inspector.setCursor(seq);
    this.#ladder.setCursor(seq);
    const r = run.index.records[seq];
    const node = r.node.split(",")[0];
    if (this.#tables.following && run.model.nodes.some((n) => n.name === node)) this.#pick(node);
    this.#tables.setCursor(seq);
    this.#updateTransport();
  }

  setFilter(filter: EventFilter): void {
    this.filter = filter;
    if (!this.run) return;
    this.#filtered = filterRecords(this.run.index, filter);
    this.#events.setList(this.run, this.#filtered);
    this.#events.setCursor(this.cursor);
    this.#updateTransport();
  }

  /** One event forward or back through the filtered list. */
  step(direction: 1 | -1): boolean {
    const list = this.#filtered;
    if (list.length === 0) return false;
    const at = positionAtOrBefore(list, this.cursor);
    let next: number;
    if (direction > 0) next = at + 1;
    else next = at >= 0 && list[at] === this.cursor ? at - 1 : at;
    if (next < 0 || next >= list.length) return false;
    this.setCursor(list[next]);
    return true;
  }

  #toEnd(last: boolean): void {
    if (this.#filtered.length > 0) this.setCursor(this.#filtered[last ? this.#filtered.length - 1 : 0]);
  }

  /** Milliseconds between steps when playing. */
  stepDuration(): number {
    return this.#playing ? 1000 / Number(this.#speed.value) : 450;
  }

  #togglePlay(): void {
    if (this.#playing) return this.#stop();
    if (!this.run) return;
    const last = this.#filtered[this.#filtered.length - 1];
    if (this.cursor >= last) this.#toEnd(false);
    const tick = () => {
      if (!this.step(1)) this.#stop();
    };
    this.#playing = setInterval(tick, 1000 / Number(this.#speed.value));
    this.#play.textContent = "⏸ Pause";
    this.#play.setAttribute("aria-label", "Pause");
  }

  #stop(): void {
    if (this.#playing) clearInterval(this.#playing);
    this.#playing = 0;
    this.#play.textContent = "▶ Play";
    this.#play.setAttribute("aria-label", "Play");
  }

  #jump(text: string): void {
    const run = this.run;
    if (!run) return;
    const trimmed = text.trim();
    const event = /^#?(\d+)$/.exec(trimmed);
    if (event && (trimmed.startsWith("#") || !/s$/.test(trimmed))) {
      this.setCursor(Number(event[1]));
      return;
    }
    const t = parseDuration(trimmed);
    if (t === null) {
      this.#say(`Jump: write a time like 2.5s or 300ms, or an event number like #120`, true);
      return;
    }
    const records = run.index.records;
    let lo = 0;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (records[mid].t < t) lo = mid + 1;
      else hi = mid;
    }
    const at = positionAtOrBefore(this.#filtered, lo - 1) + 1;
    this.setCursor(at < this.#filtered.length ? this.#filtered[at] : Math.min(lo, records.length - 1));
  }

  #updateTransport(): void {
    const run = this.run;
    const list = this.#filtered;
    this.#timeline.max = String(Math.max(0, list.length - 1));
    if (!run || this.cursor < 0) {
      this.#clock.textContent = "t = –";
      this.#timeline.value = "0";
      return;
    }
    const r = run.index.records[this.cursor];
    const at = positionAtOrBefore(list, this.cursor);
    this.#timeline.value = String(Math.max(0, at));
    this.#clock.textContent = `t = ${(r.t / 1e6).toFixed(6)} s · event ${this.cursor} of ${
      run.index.records.length - 1
    }`;
    document.body.dataset.cursor = String(this.cursor);
  }

  // ---- nodes, tabs, status --------------------------------------------------------------------

  pickNode(name: string): void {
    this.#pick(name);
    this.#selectTab("tab-tables");
  }

  #pick(name: string): void {
    this.#tables.setNode(name);
    this.#topology.setPicked(name);
  }

  #say(text: string, bad = false): void {
    this.#status.textContent = text;
    this.#status.title = text;
    this.#status.classList.toggle("bad", bad);
  }

  #setState(state: string): void {
    document.body.dataset.state = state;
  }

  #visible(id: string): boolean {
    return !byId(id).hidden;
  }

  #selectTab(tabId: string): void {
    const tab = byId(tabId);
    const list = tab.parentElement!;
    for (const other of Array.from(list.querySelectorAll<HTMLElement>("[role=tab]"))) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      byId(other.getAttribute("aria-controls")!).hidden = !selected;
    }
    if (tabId === "tab-ladder") this.#ladder.shown();
    byId("topology-tools").hidden = tabId === "tab-ladder" || tabId === "tab-source";
    if (tabId === "tab-topology") byId("topology-tools").hidden = false;
  }

  #fillPcapLinks(run: Run | null): void {
    const select = byId<HTMLSelectElement>("pcap-link");
    select.replaceChildren(
      h("option", { value: "" }, "all links (merged)"),
      ...(run?.result.links ?? []).map((l) => h("option", { value: l.name }, l.name)),
      ...dialupLines(run?.result.records ?? []).map((line) =>
        h("option", { value: line }, `${line} (dial-up, PPP)`)
      ),
    );
  }

  // ---- drafts -------------------------------------------------------------------------------

  #saveDraft(): void {
    if (this.#file && this.run && this.run.text !== this.#original) {
      this.#drafts.set(this.#file, this.run.text);
    }
  }

  #loadDrafts(): void {
    try {
      const saved = JSON.parse(storage()?.getItem(DRAFTS_KEY) ?? "{}") as Record<string, string>;
      for (const [file, text] of Object.entries(saved)) {
        if (typeof text === "string") this.#drafts.set(file, text);
      }
    } catch {
      // a broken or missing store just means no drafts
    }
  }

  #storeDrafts(): void {
    try {
      storage()?.setItem(DRAFTS_KEY, JSON.stringify(Object.fromEntries(this.#drafts)));
    } catch {
      // storage full or refused: the edits still live in the page
    }
  }

  // ---- controls --------------------------------------------------------------------------------

  #wireControls(): void {
    const click = (id: string, fn: () => void) => byId(id).addEventListener("click", fn);
    click("btn-first", () => this.#toEnd(false));
    click("btn-back", () => this.step(-1));
    click("btn-play", () => this.#togglePlay());
    click("btn-forward", () => this.step(1));
    click("btn-last", () => this.#toEnd(true));
    this.#speed.addEventListener("change", () => {
      if (this.#playing) {
        this.#stop();
        this.#togglePlay();
      }
    });
    this.#timeline.addEventListener("input", () => {
      const seq = this.#filtered[Number(this.#timeline.value)];
      if (seq !== undefined) this.setCursor(seq);
    });
    byId("jump-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.#jump(byId<HTMLInputElement>("jump-input").value);
    });
    click("zoom-in", () => this.#topology.zoomBy(1.25));
    click("zoom-out", () => this.#topology.zoomBy(0.8));
    click("zoom-fit", () => this.#topology.fit());

    for (const tab of Array.from(document.querySelectorAll<HTMLElement>("[role=tab]"))) {
      tab.addEventListener("click", () => this.#selectTab(tab.id));
    }

    this.#picker.addEventListener("change", () => {
      if (this.#picker.value) this.openLesson(this.#picker.value);
    });
    globalThis.addEventListener("hashchange", () => {
      const lesson = this.#hashLesson();
      if (lesson && lesson !== this.#file) this.openLesson(lesson);
    });
    const input = byId<HTMLInputElement>("file-input");
    click("open-file", () => input.click());
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      if (file) this.#openUserFile(file);
      input.value = "";
    });
    this.#wireDrop();

    const large = byId<HTMLInputElement>("large-type");
    large.checked = storage()?.getItem(LARGE_KEY) === "1";
    document.body.classList.toggle("large", large.checked);
    large.addEventListener("change", () => {
      document.body.classList.toggle("large", large.checked);
      resetTypeMetrics();
      storage()?.setItem(LARGE_KEY, large.checked ? "1" : "0");
      this.#events.relayout();
      this.#ladder.shown();
      if (this.cursor >= 0) this.#topology.setCursor(this.cursor);
    });

    click("export-pcap", () => {
      if (!this.run) return;
      const link = byId<HTMLSelectElement>("pcap-link").value;
      const bytes = pcapBytes(this.run.result.records, link);
      download(
        `${stem(this.#file ?? "topology")}${link ? `-${link}` : ""}.pcap`,
        bytes as Uint8Array<ArrayBuffer>,
        "application/vnd.tcpdump.pcap",
      );
    });
    click("export-svg", () => {
      const svg = this.#diagramSvg();
      if (svg) {
        download(
          `${stem(this.#file ?? "topology")}-${this.#diagramName()}.svg`,
          svgText(svg),
          "image/svg+xml",
        );
      }
    });
    click("export-png", async () => {
      const svg = this.#diagramSvg();
      if (!svg) return;
      try {
        const png = await svgToPng(svg);
        download(`${stem(this.#file ?? "topology")}-${this.#diagramName()}.png`, png, "image/png");
      } catch (e) {
        this.#say(`PNG export failed: ${(e as Error).message}`, true);
      }
    });
    click("export-yaml", () => {
      const text = this.run?.text ?? this.#source.text;
      download(`${stem(this.#file ?? "topology")}${this.edited() ? "-edited" : ""}.yaml`, text, "text/yaml");
    });

    document.addEventListener("keydown", (e) => this.#onKey(e));
  }

  #diagramName(): string {
    return this.#visible("panel-ladder") ? "ladder" : "topology";
  }

  #diagramSvg(): SVGSVGElement | null {
    if (!this.run) return null;
    const css = diagramCss();
    return this.#visible("panel-ladder") ? this.#ladder.exportSvg(css) : this.#topology.exportSvg(css);
  }

  #wireDrop(): void {
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
      this.#openUserFile(file);
    });
  }

  #onKey(e: KeyboardEvent): void {
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
        this.step(e.key === "ArrowRight" ? 1 : -1);
        break;
      case " ":
        if (onControl) return;
        e.preventDefault();
        this.#togglePlay();
        break;
      case "Home":
      case "End":
        e.preventDefault();
        this.#toEnd(e.key === "End");
        break;
      case "/":
        e.preventDefault();
        this.#events.focusSearch();
        break;
    }
  }
}
