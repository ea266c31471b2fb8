/**
 * The Compare tab: `sim compare`'s table, computed in a worker from the same lessons, with every
 * measured cell a link that opens the run behind it in the view, at the event that shows the value
 * (the reply, the packet, iperf's report). The tab keeps the table, so a student can open one cell,
 * look, and come back for the next.
 */
import { CASES } from "../../src/compare/cases.ts";
import { type CompareCell, type CompareTable, NOT_MEASURED } from "../../src/compare/measure.ts";
import { CompareClient } from "./compare_run.ts";
import { byId, clear, h } from "./dom.ts";
import { fetchLesson } from "./lessons.ts";

export interface CompareHost {
  /** Opens a run's topology as a file of that name, then moves the cursor to `at` if given. */
  openRun(text: string, file: string, at?: number): void;
}

export class CompareView {
  #panel = byId("panel-compare");
  #client: CompareClient;
  #table: CompareTable | null = null;
  #status: HTMLParagraphElement;
  #progress: HTMLProgressElement;
  #body: HTMLDivElement;
  #started = false;

  constructor(private host: CompareHost, bundleUrl: string) {
    this.#client = new CompareClient(bundleUrl);
    this.#status = h("p", { class: "muted", id: "compare-status", role: "status" });
    this.#progress = h("progress", { id: "compare-progress", max: 1, value: 0, hidden: true });
    this.#body = h("div", { class: "compare-body" });
    this.#panel.append(
      h("h2", {}, "The VPN protocols side by side"),
      h(
        "p",
        { class: "compare-intro" },
        "The same home-to-office network, run once per protocol: each protocol's lesson with the same " +
          "measuring script, as ",
        h("code", {}, "sim compare"),
        " prints it. Every measured cell is a run: click it to open that run at the event that shows " +
          "the value, then come back to this tab for the next.",
      ),
      h("div", { class: "compare-bar" }, this.#progress, this.#status),
      this.#body,
    );
  }

  /** The tab was opened: the first time, compute the table. */
  shown(): void {
    if (this.#started) return;
    this.#started = true;
    this.#compute();
  }

  async #compute(): Promise<void> {
    this.#status.textContent = "Loading the lessons…";
    const texts: Record<string, string> = {};
    try {
      for (const c of CASES) texts[c.file] = await fetchLesson(c.file);
    } catch (e) {
      this.#fail(`Could not load the lessons: ${(e as Error).message}`);
      return;
    }
    this.#progress.hidden = false;
    try {
      const table = await this.#client.compare(texts, {
        progress: (done, total, run) => {
          this.#progress.max = total;
          this.#progress.value = done;
          this.#status.textContent = done === 0
            ? `Running ${total} simulations…`
            : `Ran ${done} of ${total} simulations (last: ${run})…`;
        },
      });
      this.#table = table;
      this.#progress.hidden = true;
      this.#status.textContent = `Seed ${table.seed}; ${
        Object.keys(table.runs).length
      } runs. The last row comes from each protocol's design, not from a run.`;
      this.#render(table);
    } catch (e) {
      this.#fail(`The comparison failed: ${(e as Error).message}`);
    }
  }

  #fail(text: string): void {
    this.#progress.hidden = true;
    this.#status.textContent = text;
    this.#status.classList.add("bad");
    this.#started = false;
  }

  #render(table: CompareTable): void {
    clear(this.#body);
    const head = h("tr", {}, h("th", { scope: "col" }, ""));
    for (const p of table.protocols) head.append(h("th", { scope: "col" }, p));
    const rows = table.rows.map((row) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, row.label),
        ...row.cells.map((cell, i) => h("td", {}, this.#cell(cell, `${row.label}, ${table.protocols[i]}`))),
      )
    );
    this.#body.append(
      h(
        "table",
        { class: "device-table compare-table", id: "compare-table" },
        h("thead", {}, head),
        h(
          "tbody",
          {},
          ...rows,
        ),
      ),
      h("h3", {}, "Not measured"),
      h("ul", {}, ...NOT_MEASURED.map((m) => h("li", {}, m))),
    );
  }

  #cell(cell: CompareCell, what: string): Node {
    if (!cell.run) return document.createTextNode(cell.text);
    return h("button", {
      type: "button",
      class: "link",
      "data-run": cell.run,
      title: `${what}: open ${cell.run}${cell.at !== undefined ? ` at event ${cell.at}` : ""}`,
      onclick: () => this.#open(cell),
    }, cell.text);
  }

  #open(cell: CompareCell): void {
    const table = this.#table;
    if (!table) return;
    for (const b of Array.from(this.#body.querySelectorAll(".opened"))) b.classList.remove("opened");
    for (const b of Array.from(this.#body.querySelectorAll<HTMLElement>("button[data-run]"))) {
      if (b.dataset.run === cell.run) b.classList.add("opened");
    }
    this.host.openRun(table.runs[cell.run], cell.run, cell.at);
  }
}
