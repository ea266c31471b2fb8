/**
 * The packet anatomy bar in the inspector: the selected packet's layers as blocks whose widths are
 * their bytes, coloured by protocol; for ESP a second bar shows what a tap on the wire sees (one
 * hatched block of noise) against what the endpoints see (the layers inside). Hovering a block lights
 * its bytes and fields in the dissection below.
 */
import { h } from "./dom.ts";
import type { Anatomy, Segment } from "./anatomy.ts";
import { PROTO_COLOURS, PROTO_INK } from "./palette.ts";

/** Draws the anatomy; `light(start, end)` is called on hover (-1, -1 when the pointer leaves). */
export function anatomyBar(anatomy: Anatomy, light: (start: number, end: number) => void): HTMLElement {
  const encrypted = anatomy.segments.filter((s) => s.encrypted);
  const box = h("figure", { class: "anatomy", id: "anatomy", "aria-label": "Packet anatomy" });
  if (encrypted.length > 0) {
    const start = encrypted[0].start;
    const end = encrypted[encrypted.length - 1].end;
    const tap = anatomy.segments.filter((s) => !s.encrypted);
    const noise: Segment = { label: "encrypted", category: "ESP", start, end, encrypted: true };
    const asTapSees = [...tap.filter((s) => s.end <= start), noise, ...tap.filter((s) => s.start >= end)];
    box.append(
      h("figcaption", {}, "What a tap on the wire sees"),
      bar(asTapSees, anatomy.total, light, "tap"),
      h("figcaption", {}, "What the endpoints see (after decryption)"),
      bar(anatomy.segments, anatomy.total, light, "endpoints"),
    );
  } else box.append(bar(anatomy.segments, anatomy.total, light, "layers"));
  const words = [`${anatomy.total} bytes on the wire`];
  if (anatomy.innerLength !== undefined && anatomy.innerLength < anatomy.total) {
    const overhead = anatomy.total - anatomy.innerLength;
    words.push(
      `the packet inside is ${anatomy.innerLength} bytes`,
      `overhead ${overhead} bytes (${
        Math.round((100 * overhead) / anatomy.innerLength)
      }% of the inner packet)`,
    );
  }
  box.append(h("p", { class: "anatomy-sum" }, words.join("; ")));
  return box;
}

function bar(
  segments: Segment[],
  total: number,
  light: (s: number, e: number) => void,
  id: string,
): HTMLElement {
  const row = h("div", { class: "anatomy-bar", "data-bar": id });
  for (const s of segments) {
    const bytes = s.end - s.start;
    const block = h(
      "div",
      {
        class: s.encrypted ? "anatomy-block encrypted" : "anatomy-block",
        "data-label": s.label,
        "data-bytes": bytes,
        title: `${s.label}: ${bytes} bytes (${s.start}–${s.end - 1})${s.encrypted ? ", encrypted" : ""}`,
        style: `flex: ${bytes} 1 0; background-color: ${PROTO_COLOURS[s.category]}; color: ${
          PROTO_INK[s.category]
        }`,
      },
      h("span", { class: "anatomy-label" }, s.label),
      h("span", { class: "anatomy-bytes" }, String(bytes)),
    );
    block.addEventListener("mouseenter", () => light(s.start, s.end));
    block.addEventListener("mouseleave", () => light(-1, -1));
    row.append(block);
  }
  // A block narrower than its words keeps its colour and its tooltip; the scale says what 100% is.
  row.setAttribute("aria-label", segments.map((s) => `${s.label} ${s.end - s.start} bytes`).join(", "));
  row.dataset.total = String(total);
  // Widths follow the bytes, so whether a block's words fit is known only after layout, and changes
  // when the pane or the type size does; the observer also runs once when the bar is first laid out.
  const note = h("p", { class: "anatomy-narrow", hidden: true });
  // A bar taken off the page (the next step's inspector) reports size 0 once more, and lets go then.
  const observer = new ResizeObserver(() => row.isConnected ? fitLabels(row, note) : observer.disconnect());
  observer.observe(row);
  return h("div", { class: "anatomy-row" }, row, note);
}

/**
 * Shortens the words of every block that is too narrow for them: "UDP 1701" becomes "UDP", then the
 * byte count goes, then the name; a block never shows a clipped piece of a word, which read as "P 17"
 * on a projector. The blocks left without words are named in `note` under the bar (and, as all are, in
 * the tooltip and the bar's aria-label).
 */
function fitLabels(row: HTMLElement, note: HTMLElement): void {
  const blocks = (Array.from(row.children) as HTMLElement[]).map((block) => {
    const full = block.dataset.label ?? "";
    const short = full.split(" ")[0];
    return {
      block,
      label: block.querySelector<HTMLElement>(".anatomy-label")!,
      bytes: block.querySelector<HTMLElement>(".anatomy-bytes")!,
      tries: [[full, true], [short, true], [short, false], ["", false]] as [string, boolean][],
    };
  });
  // One try for every unfitted block per pass, all written before any is read: a block's width comes
  // from its bytes, not its words, so a pass costs one layout instead of one per block and try.
  let left = blocks;
  for (let pass = 0; left.length > 0; pass++) {
    for (const { label, bytes, tries } of left) {
      const [words, withBytes] = tries[pass];
      label.textContent = words;
      bytes.hidden = !withBytes;
    }
    left = left.filter(({ block, label, bytes, tries }) =>
      pass + 1 < tries.length && !(fits(block, label) && (bytes.hidden || fits(block, bytes)))
    );
  }
  const unnamed = blocks.filter(({ label }) => label.textContent === "")
    .map(({ block }) => `${block.dataset.label} (${block.dataset.bytes} bytes)`);
  note.textContent = unnamed.length > 0 ? `Too narrow to name above: ${unnamed.join(", ")}` : "";
  note.hidden = unnamed.length === 0;
}

/** Whether `text`'s words lie inside `block`, with a pixel to spare each side (the block clips the rest). */
function fits(block: HTMLElement, text: HTMLElement): boolean {
  return text.scrollWidth + 2 <= block.clientWidth;
}
