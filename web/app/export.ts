/**
 * Downloads: the capture of a link (or all links) as pcap, the diagram on screen as SVG or PNG, and
 * the topology as edited, as YAML. Everything is made in the page; nothing is uploaded.
 */
import { writeMergedPcap, writePcap } from "../../src/trace/pcap.ts";
import type { TraceRecord } from "../../src/trace/record.ts";

/** Offers `data` as a file download. */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file-name-safe stem. */
export function stem(name: string): string {
  return name.replace(/\.ya?ml$/i, "").replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "") ||
    "topology";
}

/** The pcap bytes for one link, or for every link merged when `link` is empty. */
export function pcapBytes(records: readonly TraceRecord[], link: string): Uint8Array {
  return link === "" ? writeMergedPcap(records) : writePcap(records, link);
}

/** Serialises an SVG element to text. */
export function svgText(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}`;
}

/** Renders an SVG to a PNG at `scale` (2 gives a sharp image for slides). */
export function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const width = Number(svg.getAttribute("width")) || 800;
  const height = Number(svg.getAttribute("height")) || 600;
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: "image/svg+xml" }));
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.ceil(width * scale);
      canvas.height = Math.ceil(height * scale);
      const ctx = canvas.getContext("2d")!;
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0, width, height);
      URL.revokeObjectURL(url);
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error("the browser could not make a PNG"))),
        "image/png",
      );
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error("the browser could not draw the SVG"));
    };
    img.src = url;
  });
}

/** The stylesheet rules an exported SVG needs, copied from the page's own sheet. */
export function diagramCss(): string {
  const wanted = /^(\.node|\.link|\.labels|\.packet|\.callout|\.drop-mark|\.ladder-body|\.empty-note)/;
  const rules: string[] = [];
  for (const sheet of Array.from(document.styleSheets)) {
    let list: CSSRuleList;
    try {
      list = sheet.cssRules;
    } catch {
      continue;
    }
    for (const rule of Array.from(list)) {
      if (rule instanceof CSSStyleRule && wanted.test(rule.selectorText)) rules.push(rule.cssText);
    }
  }
  // Custom properties live on :root in the page; give the SVG its own copy.
  const root = getComputedStyle(document.body);
  const vars = [
    "--fs",
    "--mono",
    "--sans",
    "--ink",
    "--muted",
    "--focus",
    "--bad",
    "--bad-bg",
    "--select",
    "--hover",
  ]
    .map((v) => `${v}: ${root.getPropertyValue(v)};`).join(" ");
  return `svg { ${vars} font-family: ${root.getPropertyValue("--sans")}; }\n${rules.join("\n")}`;
}
