/**
 * The view's conductor: holds the open text, the current run, the cursor and the filters, and tells
 * each pane when they change. Panes never talk to each other, only to this. Where lessons come from
 * (lessons.ts), unsaved edits (drafts.ts) and the page's fixed controls (controls.ts) live apart.
 */
import { parseDuration } from "../../src/engine/time.ts";
import { CompareView } from "./compare_view.ts";
import { wireControls } from "./controls.ts";
import { fillPicker } from "./course_path.ts";
import { readProgress } from "./course_progress.ts";
import { byId } from "./dom.ts";
import { Drafts } from "./drafts.ts";
import { EventList } from "./event_list.ts";
import { ExportMenu } from "./export_menu.ts";
import { Inspector } from "./inspector.ts";
import { LadderView } from "./ladder_view.ts";
import type { Point } from "./layout.ts";
import { fetchLesson, fetchLessonIndex, hashParam, type LessonIndex, withHashParam } from "./lessons.ts";
import { renderLesson } from "./lesson_view.ts";
import { resetTypeMetrics } from "./metrics.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { makeRun, type Run } from "./run.ts";
import { SimClient } from "./sim_client.ts";
import { SourceView } from "./source_view.ts";
import { addSplitter } from "./splitter.ts";
import { remember, remembered } from "./storage.ts";
import { TablesView } from "./tables_view.ts";
import { TopologyView } from "./topology_view.ts";
import { defaultFilter, type EventFilter, filterRecords, positionAtOrBefore } from "./trace_index.ts";
import { stepList, type StepMode } from "./step_list.ts";
import { applySetting, compareRuns, type Setting } from "./whatif.ts";
import { WhatIfView } from "./whatif_view.ts";

const LARGE_KEY = "tunnel-lab:large";
const PRESENTER_KEY = "tunnel-lab:presenter";
const MODE_KEY = "tunnel-lab:steps";

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
  #drafts = new Drafts();
  #exports = new ExportMenu({
    run: () => this.run,
    fileName: () => this.#file ?? "topology",
    edited: () => this.edited(),
    sourceText: () => this.#source.text,
    diagram: (css) =>
      this.#visible("panel-ladder")
        ? { svg: this.#ladder.exportSvg(css), name: "ladder" }
        : { svg: this.#topology.exportSvg(css), name: "topology" },
    say: (text, bad) => this.#say(text, bad),
  });
  #sim: SimClient;
  /** `hops`: one step per hop (the default); `events`: every record, as the trace has them. */
  mode: StepMode = remembered(MODE_KEY) === "events" ? "events" : "hops";

  #topology: TopologyView;
  #events: EventList;
  #inspector: Inspector;
  #ladder: LadderView;
  #tables: TablesView;
  #whatIf: WhatIfView;
  #source: SourceView;
  #compare: CompareView;

  #status = byId("run-status");
  #picker = byId<HTMLSelectElement>("lesson-picker");
  #timeline = byId<HTMLInputElement>("timeline");
  #clock = byId("clock");
  #play = byId<HTMLButtonElement>("btn-play");
  #speed = byId<HTMLSelectElement>("speed");

  constructor(bundleUrl: string) {
    this.#sim = new SimClient(bundleUrl);
    this.#topology = new TopologyView(
      byId("topology") as unknown as SVGSVGElement,
      byId("topology-caption"),
      this,
    );
    this.#events = new EventList(this);
    this.#inspector = new Inspector(this);
    this.#ladder = new LadderView(this);
    this.#tables = new TablesView(this);
    this.#whatIf = new WhatIfView(this);
    this.#source = new SourceView(this);
    this.#compare = new CompareView(this, bundleUrl);
    wireControls(this);
    this.#wireTypeSwitches();
    addSplitter(
      document.querySelector<HTMLElement>(".pane.left")!,
      document.querySelector<HTMLElement>(".layout")!,
    );
    this.#setState("empty");
    renderLesson(null, null);
    this.#inspector.setRun(null);
  }

  // ---- opening files -------------------------------------------------------------------------

  /** Loads the lesson list and opens the lesson named in the URL, else the default one. */
  async start(): Promise<void> {
    this.#lessons = await fetchLessonIndex();
    this.refreshPicker();
    if (this.#lessons.problem) this.#picker.title = `No lessons: ${this.#lessons.problem}`;
    const wanted = hashParam(location.hash, "lesson") ?? this.#lessons.default;
    if (wanted) await this.openLesson(wanted);
    else if (this.#lessons.problem) {
      this.#say(`No lessons found: ${this.#lessons.problem}. Open or drop a topology YAML file.`, true);
    } else this.#say("Pick a lesson, or open or drop a topology YAML file.");
    // `#compare=1` opens on the Compare tab (a link a teacher can hand out).
    if (hashParam(location.hash, "compare") === "1") this.selectTab("tab-compare");
  }

  /** Redraws the lesson picker: the course path in groups, with the student's progress marks. */
  refreshPicker(): void {
    fillPicker(this.#picker, this.#lessons, readProgress());
  }

  async openLesson(file: string): Promise<void> {
    this.#setState("loading");
    this.#say(`Loading ${file}…`);
    let text: string;
    try {
      text = await fetchLesson(file);
    } catch (e) {
      this.#say(`Could not load ${file}: ${(e as Error).message}`, true);
      this.#setState("error");
      return;
    }
    if (this.#picker.querySelector(`option[value="${CSS.escape(file)}"]`)) this.#picker.value = file;
    history.replaceState(null, "", withHashParam(location.hash, "lesson", file) || location.pathname);
    await this.openText(text, file);
  }

  /** Opens text as a topology (a lesson, or a file the user picked or dropped); settles once it ran. */
  openText(text: string, file: string): Promise<void> {
    if (this.#file && this.run) this.#drafts.note(this.#file, this.run.text, this.#original);
    this.#file = file;
    this.#original = text;
    this.positions.clear();
    this.#whatIf.showChanges(null, null);
    const draft = this.#drafts.get(file);
    if (draft !== undefined && draft !== text) {
      return this.runSource(draft, { fresh: true }).then(() => {
        if (this.run?.text === draft) {
          this.#say(`${file}: your earlier edits were kept (Undo all changes or Revert to discard them).`);
        }
      });
    }
    return this.runSource(text, { fresh: true });
  }

  /** A Compare cell was clicked: open the run behind it (no lesson file) at the event that shows it. */
  async openRun(text: string, file: string, at?: number): Promise<void> {
    this.#picker.value = "";
    history.replaceState(null, "", withHashParam(location.hash, "lesson", null) || location.pathname);
    await this.openText(text, file);
    if (at !== undefined && this.run?.file === file) this.setCursor(at);
  }

  async openUserFile(file: File): Promise<void> {
    const text = await file.text();
    this.#picker.value = "";
    history.replaceState(null, "", withHashParam(location.hash, "lesson", null) || location.pathname);
    this.openText(text, file.name);
  }

  hashChanged(): void {
    this.#topology.hashChanged();
    const lesson = hashParam(location.hash, "lesson");
    if (lesson && lesson !== this.#file) this.openLesson(lesson);
  }

  /**
   * Runs `text` (the source as it now stands): loaded here so errors show at once, simulated in the
   * worker while the status line shows progress. Errors go to the Source tab; the text stays.
   */
  async runSource(
    text: string,
    options: { fresh?: boolean; description?: string; setting?: Setting } = {},
  ): Promise<void> {
    const file = this.#file ?? "untitled.yaml";
    this.#source.setText(text);
    this.#stop();
    this.#setState("running");
    this.#drafts.note(file, text, this.#original);
    const loaded = loadTopology(text, file);
    const outcome = loaded.ok
      ? await this.#sim.run(text, file, (now, until) => this.#progress(file, now, until))
      : { ok: false as const, errors: loaded.errors };
    if (outcome.ok === "superseded") return;
    if (!outcome.ok || !loaded.ok) {
      const errors = outcome.ok ? [] : outcome.errors;
      this.#source.setErrors(errors);
      const first = errors[0];
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
      this.#say(
        first ? `${file}:${first.line}:${first.col}: ${first.message}${more}` : `${file}: failed`,
        true,
      );
      this.selectTab("tab-source");
      this.#setRun(null);
      renderLesson(null, file);
      this.#setState("error");
      for (const f of this.afterRun) f();
      return;
    }
    this.#source.setErrors([]);
    const previous = this.run;
    const run = makeRun(text, file, loaded.model, outcome.result, outcome.millis);
    const keepCursor = !options.fresh && previous !== null;
    const comparison = options.description && previous
      ? compareRuns(previous.result.records, run.result.records)
      : null;
    this.#setRun(run, keepCursor);
    renderLesson(run.model, file, run.result.records, (seq) => this.setCursor(seq), this.edited());
    if (options.description) this.#whatIf.showChanges(options.description, comparison);
    const n = run.result.records.length;
    this.#say(
      `${file}: ${n.toLocaleString("en")} events, ${(run.result.end / 1e6).toFixed(1)} s simulated in ${
        Math.round(run.millis)
      } ms`,
    );
    if (options.fresh) {
      this.selectTab("tab-topology");
      this.selectTab("tab-lesson");
    }
    this.#setState("ready");
    for (const f of this.afterRun) f();
  }

  #progress(file: string, now: number, until: number): void {
    const percent = until > 0 ? Math.round((100 * now) / until) : 100;
    this.#say(
      `${file}: simulating… ${(now / 1e6).toFixed(1)} of ${(until / 1e6).toFixed(1)} s (${percent}%)`,
    );
    byId<HTMLProgressElement>("run-progress").value = percent;
  }

  revert(): void {
    this.#drafts.discard(this.#file ?? "");
    this.runSource(this.#original, { description: "Back to the file as written." });
  }

  /**
   * The text the view shows (as edited), the file as written and its name, for the editor and the
   * exercise tab; null before anything opened.
   */
  current(): { text: string; file: string; original: string } | null {
    if (this.#file === null) return null;
    return { text: this.#source.text || this.run?.text || "", file: this.#file, original: this.#original };
  }

  /** Called after every run (and every failed one): the class tools redraw from `current()`. */
  readonly afterRun: (() => void)[] = [];

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
    this.#filtered = run
      ? stepList(run, this.mode, filterRecords(run.index, this.filter))
      : new Int32Array(0);
    this.#topology.setRun(run);
    this.#events.setList(run, this.#filtered, this.mode);
    this.#inspector.setRun(run);
    this.#ladder.setRun(run);
    this.#tables.setRun(run);
    this.#whatIf.setRun(run);
    this.#exports.setRun(run);
    if (!run) {
      this.cursor = -1;
      this.#updateTransport();
      return;
    }
    const n = run.index.records.length;
    let start = keepCursor ? Math.min(Math.max(oldCursor, 0), n - 1) : -1;
    if (start < 0) {
      // Start just before the first thing that happens (the t=0 tables are one step) and say how to go.
      const first = run.index.records.find((r) => r.kind !== "state");
      start = first ? Math.max(0, first.seq - 1) : 0;
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
    // On a step, the tables show the device after what it did in that step.
    const step = run.steps.list[run.steps.stepOf[seq]];
    const tablesAt = this.mode === "hops" && step && step.at === seq
      ? step.members[step.members.length - 1]
      : seq;
    this.#tables.setCursor(Math.max(seq, tablesAt));
    this.#updateTransport();
    document.body.classList.toggle("at-start", seq <= (this.#filtered[0] ?? 0));
  }

  /** Switches between one step per hop and every event. */
  setMode(mode: StepMode): void {
    this.mode = mode;
    remember(MODE_KEY, mode);
    this.setFilter(this.filter);
  }

  setFilter(filter: EventFilter): void {
    this.filter = filter;
    if (!this.run) return;
    this.#filtered = stepList(this.run, this.mode, filterRecords(this.run.index, filter));
    this.#events.setList(this.run, this.#filtered, this.mode);
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

  toEnd(last: boolean): void {
    if (this.#filtered.length > 0) this.setCursor(this.#filtered[last ? this.#filtered.length - 1 : 0]);
  }

  timelineTo(position: number): void {
    const seq = this.#filtered[position];
    if (seq !== undefined) this.setCursor(seq);
  }

  /** Milliseconds between steps when playing. */
  stepDuration(): number {
    return this.#playing ? 1000 / Number(this.#speed.value) : 450;
  }

  togglePlay(): void {
    if (this.#playing) return this.#stop();
    if (!this.run) return;
    const last = this.#filtered[this.#filtered.length - 1];
    if (this.cursor >= last) this.toEnd(false);
    const tick = () => {
      if (!this.step(1)) this.#stop();
    };
    this.#playing = setInterval(tick, 1000 / Number(this.#speed.value));
    this.#play.textContent = "⏸ Pause";
    this.#play.setAttribute("aria-label", "Pause");
  }

  speedChanged(): void {
    if (!this.#playing) return;
    this.#stop();
    this.togglePlay();
  }

  #stop(): void {
    if (this.#playing) clearInterval(this.#playing);
    this.#playing = 0;
    this.#play.textContent = "▶ Play";
    this.#play.setAttribute("aria-label", "Play");
  }

  jump(text: string): void {
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
    this.selectTab("tab-tables");
  }

  #pick(name: string): void {
    this.#tables.setNode(name);
    this.#topology.setPicked(name);
  }

  zoomBy(k: number): void {
    this.#topology.zoomBy(k);
  }

  fit(): void {
    this.#topology.fit();
  }

  focusSearch(): void {
    this.#events.focusSearch();
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

  selectTab(tabId: string): void {
    const tab = byId(tabId);
    const list = tab.parentElement!;
    for (const other of Array.from(list.querySelectorAll<HTMLElement>("[role=tab]"))) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      byId(other.getAttribute("aria-controls")!).hidden = !selected;
    }
    if (tabId === "tab-ladder") this.#ladder.shown();
    if (tabId === "tab-tables") this.#tables.shown();
    if (tabId === "tab-compare") this.#compare.shown();
    byId("topology-tools").hidden = tabId === "tab-ladder" || tabId === "tab-source" ||
      tabId === "tab-compare";
    if (tabId === "tab-topology") byId("topology-tools").hidden = false;
  }

  /**
   * Presenter mode (the diagram across the top, every word large; `#presenter=1` in the address turns
   * it on) and Large type: both remembered, both re-measure the panes.
   */
  #wireTypeSwitches(): void {
    const large = byId<HTMLInputElement>("large-type");
    const presenter = byId<HTMLInputElement>("presenter");
    const flag = hashParam(location.hash, "presenter");
    large.checked = remembered(LARGE_KEY) === "1";
    presenter.checked = flag !== null ? flag === "1" : remembered(PRESENTER_KEY) === "1";
    const apply = () => {
      document.body.classList.toggle("large", large.checked);
      document.body.classList.toggle("presenter", presenter.checked);
      resetTypeMetrics();
      this.#topology.restyle(presenter.checked, large.checked);
    };
    apply();
    const changed = () => {
      apply();
      remember(LARGE_KEY, large.checked ? "1" : "0");
      remember(PRESENTER_KEY, presenter.checked ? "1" : "0");
      history.replaceState(
        null,
        "",
        withHashParam(location.hash, "presenter", presenter.checked ? "1" : null) || location.pathname,
      );
      this.#events.relayout();
      this.#ladder.shown();
      if (this.cursor >= 0) this.#topology.setCursor(this.cursor);
    };
    large.addEventListener("change", changed);
    presenter.addEventListener("change", changed);
  }

  /** An envelope was clicked: go to where that transmission arrives (its hop) and inspect it. */
  openPacket(txSeq: number): void {
    const run = this.run;
    if (!run) return;
    const arrival = run.index.arrival[txSeq];
    this.setCursor(this.mode === "hops" && arrival >= 0 ? arrival : txSeq);
  }

  // ---- exports --------------------------------------------------------------------------------

  exportPcap(link: string): void {
    this.#exports.pcap(link);
  }

  exportDiagram(format: "svg" | "png"): void {
    this.#exports.diagram(format);
  }

  exportYaml(): void {
    this.#exports.yaml();
  }

  exportKeys(): void {
    this.#exports.keys();
  }
}
