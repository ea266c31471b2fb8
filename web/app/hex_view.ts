/**
 * The bytes pane (Wireshark's hex dump): 16 bytes a line, offset, hex and printable characters. Each
 * line is one run of text, not a box per byte: a 1500-byte TCP segment as 3,000 spans took the
 * browser longer to lay out than a key press may take, while 94 lines of text cost almost nothing.
 * Lighting a range rebuilds only the lines it touches, and the byte under the pointer is found from
 * the column the pointer is in (the font is monospaced).
 */
import { h } from "./dom.ts";

const PER_LINE = 16;
/** Where the hex digits start in a line: four offset digits and two spaces. */
const HEX_COLUMN = 6;
/** Width of the hex part: 16 bytes of two digits, single spaces, an extra one after the eighth. */
const HEX_WIDTH = PER_LINE * 3;
/** Where the printable characters start: after the hex part and two spaces. */
const CHAR_COLUMN = HEX_COLUMN + HEX_WIDTH + 2;

/** Column of byte `j` (0–15) of a line inside its hex part. */
function hexColumn(j: number): number {
  return j * 3 + (j >= 8 ? 1 : 0);
}

function hexPart(bytes: Uint8Array, off: number): string {
  let s = "";
  for (let j = 0; j < PER_LINE; j++) {
    const i = off + j;
    const gap = j === 0 ? "" : j === 8 ? "  " : " ";
    s += gap + (i < bytes.length ? bytes[i].toString(16).padStart(2, "0") : "  ");
  }
  return s;
}

function charPart(bytes: Uint8Array, off: number): string {
  let s = "";
  for (let i = off; i < Math.min(bytes.length, off + PER_LINE); i++) {
    s += bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : "·";
  }
  return s;
}

/** One packet's bytes as a dump whose ranges can be lit. */
export class HexDump {
  readonly element: HTMLElement;
  #bytes: Uint8Array;
  #lines: HTMLElement[] = [];
  #texts: string[] = [];
  #lit: [number, number] = [-1, -1];
  #charWidth = 0;

  constructor(bytes: Uint8Array, onHover: (byte: number | null) => void) {
    this.#bytes = bytes;
    this.element = h("div", { class: "hex", "aria-label": "Packet bytes in hexadecimal" });
    for (let off = 0; off < bytes.length; off += PER_LINE) {
      const text = `${off.toString(16).padStart(4, "0")}  ${hexPart(bytes, off)}  ${charPart(bytes, off)}`;
      const line = h("div", { class: "line", "data-off": off }, text);
      this.#texts.push(text);
      this.#lines.push(line);
    }
    this.element.append(...this.#lines);
    let hovered: number | null = null;
    const hover = (i: number | null) => {
      if (i !== hovered) onHover(hovered = i);
    };
    this.element.addEventListener("mousemove", (e) => hover(this.byteAt(e.clientX, e.clientY)));
    this.element.addEventListener("mouseleave", () => hover(null));
  }

  /** The byte under a screen point, or null between the columns. */
  byteAt(x: number, y: number): number | null {
    const line = this.#lines.find((l) => {
      const r = l.getBoundingClientRect();
      return y >= r.top && y < r.bottom;
    });
    if (!line) return null;
    if (this.#charWidth === 0) {
      const range = document.createRange();
      range.selectNodeContents(line);
      this.#charWidth = range.getBoundingClientRect().width / (line.textContent ?? " ").length;
    }
    const col = Math.floor((x - line.getBoundingClientRect().left) / this.#charWidth);
    const off = Number(line.dataset.off);
    let j = -1;
    if (col >= HEX_COLUMN && col < HEX_COLUMN + HEX_WIDTH) {
      const c = col - HEX_COLUMN;
      j = Math.floor((c >= 24 ? c - 1 : c) / 3);
    } else if (col >= CHAR_COLUMN && col < CHAR_COLUMN + PER_LINE) j = col - CHAR_COLUMN;
    const i = off + j;
    return j >= 0 && j < PER_LINE && i < this.#bytes.length ? i : null;
  }

  /** Lights bytes [start, end); (-1, -1) turns the light off. */
  light(start: number, end: number): void {
    const [oldStart, oldEnd] = this.#lit;
    if (oldStart === start && oldEnd === end) return;
    this.#lit = [start, end];
    const touched = new Set<number>();
    for (const [a, b] of [[oldStart, oldEnd], [start, end]]) {
      if (a < 0 || b <= a) continue;
      for (let line = Math.floor(a / PER_LINE); line <= Math.floor((b - 1) / PER_LINE); line++) {
        touched.add(line);
      }
    }
    for (const n of touched) this.#draw(n);
  }

  #draw(n: number): void {
    const line = this.#lines[n];
    const text = this.#texts[n];
    if (!line) return;
    const off = n * PER_LINE;
    const [start, end] = this.#lit;
    const a = Math.max(start, off) - off;
    const b = Math.min(end, off + PER_LINE, this.#bytes.length) - off;
    if (start < 0 || b <= a) {
      line.replaceChildren(text);
      return;
    }
    const [h1, h2] = [HEX_COLUMN + hexColumn(a), HEX_COLUMN + hexColumn(b - 1) + 2];
    const [c1, c2] = [CHAR_COLUMN + a, CHAR_COLUMN + b];
    line.replaceChildren(
      text.slice(0, h1),
      h("span", { class: "lit", "data-first": off + a, "data-last": off + b - 1 }, text.slice(h1, h2)),
      text.slice(h2, c1),
      h("span", { class: "lit chars" }, text.slice(c1, c2)),
      text.slice(c2),
    );
  }
}
