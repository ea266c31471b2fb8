/**
 * The student's progress through the course, kept in the browser: which lessons were opened and which
 * exercises were solved (full score on "Check my answer"). Nothing leaves the page.
 */
import { remember, remembered } from "./storage.ts";

const KEY = "tunnel-lab:progress";

/** Per lesson file: opened, solved. */
export type Progress = Record<string, { opened?: boolean; solved?: boolean }>;

/** The stored progress (empty when none or unreadable). */
export function readProgress(): Progress {
  try {
    const p = JSON.parse(remembered(KEY) ?? "{}");
    return p !== null && typeof p === "object" && !Array.isArray(p) ? p as Progress : {};
  } catch {
    return {};
  }
}

/** Marks a lesson opened or solved. */
export function markProgress(file: string, what: "opened" | "solved"): void {
  const p = readProgress();
  p[file] = { ...p[file], [what]: true };
  remember(KEY, JSON.stringify(p));
}
