/**
 * A student's unsaved edits per file, kept in localStorage so a reload or a lesson switch never
 * costs them their work. A draft equal to the file as written is not a draft and is dropped.
 */
import { remember, remembered } from "./storage.ts";

const DRAFTS_KEY = "tunnel-lab:drafts";

/** Edited texts by file name. */
export class Drafts {
  #texts = new Map<string, string>();

  constructor() {
    try {
      const saved = JSON.parse(remembered(DRAFTS_KEY) ?? "{}") as Record<string, string>;
      for (const [file, text] of Object.entries(saved)) {
        if (typeof text === "string") this.#texts.set(file, text);
      }
    } catch {
      // a broken or missing store just means no drafts
    }
  }

  /** The edited text of `file`, if there is one. */
  get(file: string): string | undefined {
    return this.#texts.get(file);
  }

  /** Records `text` as the state of `file`: a draft when it differs from `original`, none otherwise. */
  note(file: string, text: string, original: string): void {
    if (text !== original) this.#texts.set(file, text);
    else this.#texts.delete(file);
    this.#store();
  }

  /** Forgets the draft of `file`. */
  discard(file: string): void {
    this.#texts.delete(file);
    this.#store();
  }

  #store(): void {
    remember(DRAFTS_KEY, JSON.stringify(Object.fromEntries(this.#texts)));
  }
}
