/**
 * Draws "in and out at a device": the packet as it came in and as it left, side by side, each layer
 * with its fields, rewritten fields and added (or removed) layers marked, under the sentence that
 * says why.
 */
import type { Field } from "../../src/wire/field.ts";
import { describeFrame } from "../../src/wire/frame.ts";
import { h } from "./dom.ts";
import { compareDissections, type FieldMark, type InOut } from "./in_out.ts";

const TITLES: Record<InOut["action"], [string, string]> = {
  nat: ["As it came in", "As it left (after NAT)"],
  encap: ["As it came in", "As it left (wrapped)"],
  decap: ["As it came in", "After unwrapping"],
  send: ["As its own stack handed it down", "As it was sent on the wire"],
};

/** The two-column comparison for one device's work on a packet. */
export function inOutBlock(io: InOut): HTMLElement {
  const before = describeFrame(io.before);
  const after = describeFrame(io.after);
  const marks = compareDissections(before, after, io.action);
  const [left, right] = TITLES[io.action];
  return h(
    "details",
    { class: "in-out", "data-action": io.action, open: true },
    h("summary", {}, io.action === "send" ? `Made and wrapped at ${io.node}` : `In and out at ${io.node}`),
    h("p", { class: "in-out-why" }, io.why.charAt(0).toUpperCase() + io.why.slice(1)),
    h(
      "div",
      { class: "in-out-columns" },
      column(
        left,
        io.before.length,
        before,
        marks.before,
        marks.encrypted ? "encrypted" : io.action === "decap" ? "removed" : "added",
      ),
      column(right, io.after.length, after, marks.after, "added"),
    ),
  );
}

function column(title: string, length: number, layers: Field[], marks: FieldMark, word: string): HTMLElement {
  const box = h("div", { class: "in-out-column" }, h("h4", {}, `${title} · ${length} bytes`));
  for (const layer of layers) {
    const added = marks.added.has(layer);
    const list = h("ul", {});
    for (const f of layer.children ?? []) {
      const changed = marks.changed.has(f) || (f.children ?? []).some((c) => marks.changed.has(c));
      list.append(h(
        "li",
        { class: changed ? "changed" : marks.added.has(f) ? word : "" },
        h("span", { class: "name" }, `${f.name}: `),
        f.value,
      ));
    }
    box.append(h(
      "div",
      { class: added ? `in-out-layer ${word}` : "in-out-layer", title: added ? `layer ${word} here` : "" },
      h("div", { class: "in-out-layer-name" }, added ? `${layer.name} (${word})` : layer.name),
      list,
    ));
  }
  return box;
}
