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
  return row;
}
