/**
 * The Export menu's actions: a link's capture (or all links merged, or a dial-up line) as pcap, the
 * diagram on screen as SVG or PNG, the topology as edited, and the run's IPsec keys in the CLI's
 * `--keys` format so a downloaded pcap decrypts in Wireshark. Everything is made in the page.
 */
import { formatKeysFile, ipsecKeysFromTrace } from "../../src/trace/keys_file.ts";
import { dialupLines } from "../../src/trace/pcap.ts";
import { byId, h } from "./dom.ts";
import { diagramCss, download, pcapBytes, stem, svgText, svgToPng } from "./export.ts";
import type { Run } from "./run.ts";

/** What the exports need from the app. */
export interface ExportHost {
  run(): Run | null;
  /** The open file's name, for the downloads' names. */
  fileName(): string;
  edited(): boolean;
  sourceText(): string;
  /** The diagram on screen as a standalone SVG, and which one it is. */
  diagram(css: string): { svg: SVGSVGElement | null; name: "ladder" | "topology" };
  say(text: string, bad?: boolean): void;
}

export class ExportMenu {
  constructor(private host: ExportHost) {}

  /** Lists the run's links and dial-up lines in the capture menu. */
  setRun(run: Run | null): void {
    byId<HTMLSelectElement>("pcap-link").replaceChildren(
      h("option", { value: "" }, "all links (merged)"),
      ...(run?.result.links ?? []).map((l) => h("option", { value: l.name }, l.name)),
      ...dialupLines(run?.result.records ?? []).map((line) =>
        h("option", { value: line }, `${line} (dial-up, PPP)`)
      ),
    );
  }

  #stem(): string {
    return stem(this.host.fileName());
  }

  pcap(link: string): void {
    const run = this.host.run();
    if (!run) return;
    download(
      `${this.#stem()}${link ? `-${link}` : ""}.pcap`,
      pcapBytes(run.result.records, link) as Uint8Array<ArrayBuffer>,
      "application/vnd.tcpdump.pcap",
    );
  }

  async diagram(format: "svg" | "png"): Promise<void> {
    if (!this.host.run()) return;
    const { svg, name: which } = this.host.diagram(diagramCss());
    if (!svg) return;
    const name = `${this.#stem()}-${which}`;
    if (format === "svg") return download(`${name}.svg`, svgText(svg), "image/svg+xml");
    try {
      download(`${name}.png`, await svgToPng(svg), "image/png");
    } catch (e) {
      this.host.say(`PNG export failed: ${(e as Error).message}`, true);
    }
  }

  yaml(): void {
    const text = this.host.run()?.text ?? this.host.sourceText();
    download(`${this.#stem()}${this.host.edited() ? "-edited" : ""}.yaml`, text, "text/yaml");
  }

  keys(): void {
    const run = this.host.run();
    if (!run) return;
    download(
      `${this.#stem()}-keys.txt`,
      formatKeysFile(ipsecKeysFromTrace(run.result.records)),
      "text/plain",
    );
  }
}
