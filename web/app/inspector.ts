/**
 * The inspector (Wireshark's details and bytes panes): the current record in words, the drop reason,
 * the packet's lineage (what carries it, what it carries), its layers as a tree and its bytes as hex.
 * Hovering a field lights its bytes; hovering a byte lights the innermost field that covers it.
 */
import { formatTime } from "../../src/engine/time.ts";
import type { TraceRecord } from "../../src/trace/record.ts";
import type { Field } from "../../src/wire/field.ts";
import { describeFrame } from "../../src/wire/frame.ts";
import { byId, clear, h } from "./dom.ts";
import { KIND_WORDS, protoColour, protoInk } from "./palette.ts";
import { anatomyOf, espSizes, proposalOf } from "./anatomy.ts";
import { anatomyBar } from "./anatomy_view.ts";
import { inOutsOf } from "./in_out.ts";
import { inOutBlock } from "./in_out_view.ts";
import { messageFirst } from "./message.ts";
import type { Run } from "./run.ts";
import { actionSentence, stateSentence, valueText } from "./sentences.ts";
import type { StepMode } from "./step_list.ts";
import { HexDump } from "./hex_view.ts";
import { bytesFor, recordOfPacket } from "./trace_index.ts";
import { openedEspOf } from "./esp_opened.ts";

/** Where `inner` first appears inside `outer`, or -1. */
function indexOfBytes(outer: Uint8Array, inner: Uint8Array): number {
  if (inner.length === 0) return -1;
  outer: for (let i = 0; i + inner.length <= outer.length; i++) {
    for (let j = 0; j < inner.length; j++) if (outer[i + j] !== inner[j]) continue outer;
    return i;
  }
  return -1;
}

export interface InspectorHost {
  setCursor(seq: number): void;
  mode: StepMode;
}

interface Block {
  bytes: Uint8Array;
  fields: Field[];
  hex: HexDump | null;
  /** The tree rows built so far (a closed layer builds its rows when first opened). */
  rows: { field: Field; el: HTMLElement }[];
}

/** Formats a `detail` value for the key/value list: words, never JSON. */
const detailText = valueText;

export class Inspector {
  #root = byId("inspector");
  #run: Run | null = null;
  #seq = -1;
  #showInner = true;

  constructor(private host: InspectorHost) {}

  setRun(run: Run | null): void {
    this.#run = run;
    this.#seq = -1;
    clear(this.#root);
    if (!run) this.#root.append(h("p", { class: "muted" }, "Open a lesson to inspect its packets."));
  }

  setCursor(seq: number): void {
    if (seq === this.#seq) return;
    this.#seq = seq;
    this.#render();
  }

  #render(): void {
    const run = this.#run;
    clear(this.#root);
    if (!run || this.#seq < 0 || this.#seq >= run.index.records.length) return;
    const r = run.index.records[this.#seq];
    const proto = r.proto ?? "";
    this.#root.append(
      h(
        "div",
        { class: "insp-head" },
        h("h2", { id: "insp-title" }, `Event ${r.seq}: ${r.node} ${KIND_WORDS[r.kind]}`),
        h(
          "div",
          { class: "muted" },
          `t = ${formatTime(r.t)} s`,
          r.iface ? ` · ${r.node}:${r.iface}` : "",
          r.link ? ` · link ${r.link}` : "",
          r.pkt !== undefined ? ` · packet #${r.pkt}` : "",
          " ",
          proto
            ? h("span", {
              class: "badge-proto",
              style: `background:${protoColour(proto)};color:${protoInk(proto)}`,
            }, proto)
            : "",
        ),
        h(
          "div",
          { class: "summary" },
          r.kind === "state" ? stateSentence(r, run.steps.before.get(r.seq)) : messageFirst(r.summary),
        ),
      ),
    );
    if (this.host.mode === "hops") {
      // What the device did to the packet, before the list of every record of the step.
      const step = run.steps.list[run.steps.stepOf[this.#seq]];
      if (step && step.at === this.#seq) {
        for (const io of inOutsOf(run, step)) this.#root.append(inOutBlock(io));
      }
    }
    this.#root.append(...this.#stepBlock(run));
    if (r.kind === "drop") {
      this.#root.append(
        h(
          "div",
          { class: "reason", role: "note" },
          h("strong", {}, `Dropped at ${r.node}: `),
          r.reason ?? "no reason recorded",
        ),
      );
    }
    if (r.kind === "state") this.#root.append(this.#stateBlock(r));
    if (r.detail && Object.keys(r.detail).length > 0) {
      const kv = h("dl", { class: "kv" });
      for (const [k, v] of Object.entries(r.detail)) kv.append(h("dt", {}, k), h("dd", {}, detailText(v)));
      this.#root.append(kv);
    }
    if (r.pkt !== undefined) this.#root.append(this.#lineage(run, r));

    const bytes = bytesFor(run.index, this.#seq);
    if (!bytes) return;
    const inner = r.pkt !== undefined ? run.index.contents.get(r.pkt) ?? [] : [];
    const innerBytes = inner
      .map((pkt) => ({ pkt, seq: run.index.byPacket.get(pkt)?.find((s) => run.index.bytesOf[s] >= 0) }))
      .filter((x): x is { pkt: number; seq: number } => x.seq !== undefined);
    const innerBlocks: Block[] = [];
    if (innerBytes.length > 0) {
      // At the top, where a student looks first: what the endpoints see inside the tunnel.
      const toggle = h("input", { type: "checkbox", id: "show-inner" }) as HTMLInputElement;
      toggle.checked = this.#showInner;
      toggle.addEventListener("change", () => {
        this.#showInner = toggle.checked;
        this.#render();
      });
      const encrypted = r.proto === "ESP";
      this.#root.insertBefore(
        h(
          "label",
          { class: "block-title show-inner" },
          toggle,
          encrypted ? " Show decrypted (what the endpoints see inside ESP)" : " Show the inner packet",
        ),
        this.#root.children[1] ?? null,
      );
      if (this.#showInner) {
        for (const { pkt, seq } of innerBytes) {
          const b = bytesFor(run.index, seq)!;
          const built = this.#packetBlock(b, `inner-${pkt}`);
          innerBlocks.push(built.block);
          this.#root.append(
            h(
              "div",
              { class: "block-title" },
              `Inner packet #${pkt} (as the receiver sees it after ${
                encrypted ? "decryption" : "decapsulation"
              })`,
            ),
            built.element,
          );
        }
      }
    }
    if (r.kind !== "tx" && r.kind !== "drop") {
      const from = run.index.records[run.index.bytesOf[this.#seq]];
      this.#root.append(h("p", { class: "muted" }, `Bytes as sent by ${from.node} (event ${from.seq}).`));
    }
    const carrier = run.index.records[run.index.bytesOf[this.#seq]];
    if (innerBytes.length > 0 && this.#showInner) {
      this.#root.append(h("div", { class: "block-title" }, `Packet #${r.pkt} as on the wire`));
    }
    // Decrypted, the ESP layer also shows what its ciphertext hides: IV, payload, trailer and ICV.
    const opened = r.proto === "ESP" && this.#showInner && carrier?.linktype === undefined
      ? openedEspOf(run.index.records, bytes)
      : undefined;
    const block = this.#packetBlock(bytes, "packet", carrier?.linktype, opened?.ok ? opened.value : []);
    if (opened && !opened.ok) {
      this.#root.append(h("p", { class: "muted" }, `The ESP layer does not open: ${opened.error}.`));
    }
    this.#root.append(block.element);
    if (carrier?.linktype === undefined) {
      // The anatomy goes above the dissection it explains, under the summary.
      const sealed = r.proto === "ESP" && innerBytes.length > 0
        ? bytesFor(run.index, innerBytes[0].seq)
        : undefined;
      const spi = /spi=(0x[0-9a-f]+)/.exec(r.summary)?.[1];
      const proposal = spi ? proposalOf(run.index.records, spi) : undefined;
      // The anatomy reckons from the wire's layers, not from the opened ESP layer added after them.
      const extra = opened?.ok ? opened.value.length : 0;
      const anatomy = anatomyOf(
        block.block.fields.slice(0, block.block.fields.length - extra),
        bytes.length,
        sealed ? { fields: describeFrame(sealed), length: sealed.length } : undefined,
        proposal ? espSizes(proposal) : undefined,
      );
      // Where each inner packet's byte 0 sits in this frame: found in clear for a plain tunnel, and
      // after ESP's header and IV (the anatomy's reckoning) inside the ciphertext.
      const offsets = innerBlocks.map((b) =>
        sealed && b.bytes === sealed && anatomy.innerOffset !== undefined
          ? anatomy.innerOffset
          : indexOfBytes(bytes, b.bytes)
      );
      const light = (start: number, end: number) => {
        this.#light(block.block, start < 0 ? null : { name: "", value: "", start, end });
        innerBlocks.forEach((b, i) => {
          const off = offsets[i];
          const [a, z] = [Math.max(0, start - off), Math.min(b.bytes.length, end - off)];
          const inside = start >= 0 && off >= 0 && z > a;
          this.#light(b, inside ? { name: "", value: "", start: a, end: z } : null);
        });
      };
      this.#root.insertBefore(
        anatomyBar(anatomy, light),
        this.#root.querySelector(".show-inner")?.nextSibling ?? this.#root.children[1] ?? null,
      );
    }
  }

  /** In one-step-per-hop mode: every record the step folds, as sentences that jump to the record. */
  #stepBlock(run: Run): HTMLElement[] {
    if (this.host.mode !== "hops") return [];
    const { list, stepOf, before } = run.steps;
    const step = list[stepOf[this.#seq]];
    if (!step || step.members.length < 2) return [];
    const records = run.index.records;
    const items = step.members.map((s) => {
      const r = records[s];
      const text = actionSentence(r, before.get(s));
      return h(
        "li",
        { class: s === this.#seq ? "current" : r.kind === "drop" ? "drop" : "" },
        h("button", {
          type: "button",
          class: "link",
          "data-seq": s,
          title: `Event ${s}: ${r.node} ${KIND_WORDS[r.kind]}`,
          onclick: () => this.host.setCursor(s),
        }, `#${s}`),
        " ",
        text,
      );
    });
    const title = step.kind === "setup"
      ? `The start: ${step.members.length} table rows`
      : `In this step (${step.members.length} events)`;
    const details = h(
      "details",
      { class: "step-detail", id: "step-detail" },
      h("summary", {}, title),
      h("ol", {}, ...items),
    );
    // Hops are short and worth reading; the start's dozens of table rows stay folded.
    details.open = step.kind !== "setup";
    return [details];
  }

  #stateBlock(r: TraceRecord): HTMLElement {
    const kv = h(
      "dl",
      { class: "kv" },
      h("dt", {}, "table"),
      h("dd", {}, r.table ?? ""),
      h("dt", {}, "row"),
      h("dd", {}, r.key ?? ""),
    );
    if (r.value === null) kv.append(h("dt", {}, "change"), h("dd", {}, "removed"));
    else {for (const [k, v] of Object.entries(r.value ?? {})) {
        kv.append(h("dt", {}, k), h("dd", {}, detailText(v)));
      }}
    return kv;
  }

  #lineage(run: Run, r: TraceRecord): HTMLElement {
    const pkt = r.pkt!;
    const box = h("div", { class: "lineage" });
    const jump = (target: number, text: string, title: string) => {
      const seq = recordOfPacket(run.index, target, this.#seq);
      if (seq === undefined) return;
      box.append(h("button", {
        type: "button",
        class: "lineage-jump",
        "data-pkt": target,
        title,
        onclick: () => this.host.setCursor(seq),
      }, text));
    };
    for (const outer of run.index.carriers.get(pkt) ?? []) {
      jump(outer, `⇡ carried in #${outer}`, `Jump to packet #${outer}, which carries this one`);
    }
    for (const inner of run.index.contents.get(pkt) ?? []) {
      jump(inner, `⇣ carries #${inner}`, `Jump to packet #${inner}, carried inside this one`);
    }
    const seqs = run.index.byPacket.get(pkt) ?? [];
    const at = seqs.indexOf(this.#seq);
    if (at > 0) {
      box.append(
        h("button", {
          type: "button",
          title: "Previous event of this packet",
          onclick: () => this.host.setCursor(seqs[at - 1]),
        }, "◁ this packet"),
      );
    }
    if (at >= 0 && at < seqs.length - 1) {
      box.append(
        h("button", {
          type: "button",
          title: "Next event of this packet",
          onclick: () => this.host.setCursor(seqs[at + 1]),
        }, "this packet ▷"),
      );
    }
    return box;
  }

  #packetBlock(
    bytes: Uint8Array,
    id: string,
    linktype?: "ppp",
    extra: Field[] = [],
  ): { element: HTMLElement; block: Block } {
    const fields = [...describeFrame(bytes, linktype), ...extra];
    const block: Block = { bytes, fields, hex: null, rows: [] };
    const wrap = h("div", { class: "packet-block", "data-block": id });
    const tree = h("ul", { class: "tree", role: "tree", "aria-label": "Packet layers" });
    for (const f of block.fields) tree.append(this.#fieldItem(block, f, 0));
    block.hex = new HexDump(bytes, (i) => this.#light(block, i === null ? null : this.#fieldAt(block, i)));
    wrap.append(tree, block.hex.element);
    return { element: wrap, block };
  }

  #fieldItem(block: Block, field: Field, depth: number): HTMLElement {
    const children = field.children ?? [];
    const open = depth === 0;
    const twist = h(
      "span",
      { class: "twist", "aria-hidden": "true" },
      children.length > 0 ? (open ? "▾" : "▸") : "",
    );
    const row = h(
      "div",
      {
        class: "row",
        tabindex: 0,
        role: "treeitem",
        "aria-expanded": children.length > 0 ? String(open) : undefined,
        "data-field": field.name,
        title: `bytes ${field.start}–${field.end - 1}`,
      },
      twist,
      h("span", { class: "name" }, `${field.name}:`),
      h("span", { class: "value" }, field.value),
    );
    block.rows.push({ field, el: row });
    const item = h("li", {}, row);
    let sub: HTMLElement | null = null;
    // A closed layer's rows are built when it is first opened: most are never opened at all.
    const build = () => {
      sub = h("ul", { role: "group" });
      for (const c of children) sub.append(this.#fieldItem(block, c, depth + 1));
      item.append(sub);
      return sub;
    };
    if (children.length > 0 && open) build();
    const toggle = () => {
      if (children.length === 0) return;
      if (!sub) {
        build().hidden = false;
        twist.textContent = "▾";
        row.setAttribute("aria-expanded", "true");
        return;
      }
      sub.hidden = !sub.hidden;
      twist.textContent = sub.hidden ? "▸" : "▾";
      row.setAttribute("aria-expanded", String(!sub.hidden));
    };
    twist.addEventListener("click", toggle);
    row.addEventListener("dblclick", toggle);
    row.addEventListener("keydown", (e) => {
      if (
        e.key === "Enter" || (e.key === "ArrowRight" && (!sub || sub.hidden) && children.length > 0) ||
        (e.key === "ArrowLeft" && sub && !sub.hidden)
      ) {
        e.preventDefault();
        e.stopPropagation();
        toggle();
      }
    });
    row.addEventListener("mouseenter", () => this.#light(block, field));
    row.addEventListener("focus", () => this.#light(block, field));
    row.addEventListener("mouseleave", () => this.#light(block, null));
    return item;
  }

  #light(block: Block, field: Field | null): void {
    const [start, end] = field ? [field.start, field.end] : [-1, -1];
    block.hex?.light(start, end);
    // A field lights its own row; a range (an anatomy block) lights every row inside it.
    for (const row of block.rows) {
      const inside = field !== null && field.name === "" && row.field.start >= start && row.field.end <= end;
      row.el.classList.toggle("lit", row.field === field || inside);
    }
  }

  /** The innermost field covering byte `i` whose tree row is visible (its parents are open). */
  #fieldAt(block: Block, i: number): Field | null {
    const visible = new Set(block.rows.filter((r) => r.el.offsetParent !== null).map((r) => r.field));
    let best: Field | null = null;
    const visit = (fields: Field[]) => {
      for (const f of fields) {
        if (i < f.start || i >= f.end || !visible.has(f)) continue;
        if (!best || f.end - f.start <= best.end - best.start) best = f;
        if (f.children) visit(f.children);
      }
    };
    visit(block.fields);
    return best;
  }
}
