/**
 * Undo and redo over whole texts: each change the editor makes is one text, so undo is exact (the
 * comments and layout come back too) and needs no inverse operations. The stacks are kept in
 * localStorage with the text, so a reload keeps both the work and its undo; they are trimmed to a
 * size a browser store holds comfortably.
 */

/** The editor's state as stored. */
export interface Saved {
  text: string;
  file: string;
  past: string[];
  future: string[];
}

/** Most undo steps kept. */
export const MAX_STEPS = 200;
/** Most characters kept across the stacks (localStorage allows about 5 MB per site). */
export const MAX_CHARS = 2_000_000;

export class History {
  text: string;
  file: string;
  #past: string[];
  #future: string[];

  constructor(saved: Saved) {
    this.text = saved.text;
    this.file = saved.file;
    this.#past = [...saved.past];
    this.#future = [...saved.future];
  }

  /** Records a change; a change to the same text is none. Returns whether the text changed. */
  push(text: string): boolean {
    if (text === this.text) return false;
    this.#past.push(this.text);
    this.#future = [];
    this.text = text;
    this.#trim();
    return true;
  }

  canUndo(): boolean {
    return this.#past.length > 0;
  }

  canRedo(): boolean {
    return this.#future.length > 0;
  }

  undo(): boolean {
    const before = this.#past.pop();
    if (before === undefined) return false;
    this.#future.push(this.text);
    this.text = before;
    return true;
  }

  redo(): boolean {
    const after = this.#future.pop();
    if (after === undefined) return false;
    this.#past.push(this.text);
    this.text = after;
    return true;
  }

  saved(): Saved {
    return { text: this.text, file: this.file, past: [...this.#past], future: [...this.#future] };
  }

  /** Drops the oldest undo steps beyond the limits (the current text always stays). */
  #trim(): void {
    let chars = this.text.length + this.#future.reduce((n, t) => n + t.length, 0);
    let keep = this.#past.length;
    for (let i = this.#past.length - 1; i >= 0; i--) {
      chars += this.#past[i].length;
      if (chars > MAX_CHARS || this.#past.length - i > MAX_STEPS) {
        keep = this.#past.length - i - 1;
        break;
      }
    }
    if (keep < this.#past.length) this.#past = this.#past.slice(this.#past.length - keep);
  }
}

/** Reads a stored state; anything unreadable gives `fallback`. */
export function parseSaved(json: string | null, fallback: Saved): Saved {
  if (!json) return fallback;
  try {
    const s = JSON.parse(json) as Partial<Saved>;
    const texts = (a: unknown) => Array.isArray(a) && a.every((t) => typeof t === "string");
    if (typeof s.text !== "string" || typeof s.file !== "string" || !texts(s.past) || !texts(s.future)) {
      return fallback;
    }
    return { text: s.text, file: s.file, past: s.past as string[], future: s.future as string[] };
  } catch {
    return fallback;
  }
}
