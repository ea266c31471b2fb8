/**
 * The course path in the lesson picker: lessons grouped (basics, NAT, L2TP, IPsec, other VPNs,
 * exercises), each group in order of `level`, with a lesson after the ones its `after:` names, and the
 * student's progress on each (opened •, solved ✓) from the browser's store. The order is pure
 * (`coursePath`); `fillPicker` draws it into the `<select>`.
 */
import { LESSON_GROUP_TITLES, LESSON_GROUPS } from "../../src/topology/model.ts";
import type { Progress } from "./course_progress.ts";
import { h } from "./dom.ts";
import type { LessonIndex } from "./lessons.ts";

/** One lesson as the index lists it, with the course keys the server adds. */
export type CourseEntry = LessonIndex["lessons"][number] & {
  name?: string;
  group?: string;
  level?: number;
  after?: string[];
  exercise?: boolean;
};

/** The groups' headings, in picker order; `other` gathers lessons that fit none. */
export const GROUP_TITLES: Record<string, string> = { ...LESSON_GROUP_TITLES, other: "Other" };

/** The group of a lesson: its own `group:`, else the one its file name starts with, else `other`. */
export function groupOf(entry: CourseEntry): string {
  if (entry.group && entry.group in GROUP_TITLES) return entry.group;
  const prefix = entry.file.replace(/^.*\//, "").split(/[-_.]/)[0];
  if (prefix === "exercise") return "exercises";
  if (prefix === "wireguard" || prefix === "openvpn" || prefix === "pptp") return "other-vpns";
  if (prefix === "tcp") return "basics";
  if (prefix === "firewall") return "ipsec";
  return (LESSON_GROUPS as readonly string[]).includes(prefix) ? prefix : "other";
}

/**
 * The lessons by group, in course order: by level (a lesson without one after those with one), then
 * title; then each lesson moved after the lessons of its group that its `after:` names.
 */
export function coursePath(lessons: readonly CourseEntry[]): { group: string; lessons: CourseEntry[] }[] {
  const groups = [...LESSON_GROUPS, "other"];
  return groups.map((group) => {
    const mine = lessons.filter((l) => groupOf(l) === group)
      .sort((a, b) => (a.level ?? Infinity) - (b.level ?? Infinity) || a.title.localeCompare(b.title));
    const placed: CourseEntry[] = [];
    const names = new Set(mine.map((l) => l.name).filter((n) => n !== undefined));
    const done = new Set<string>();
    const pending = [...mine];
    while (pending.length > 0) {
      // The first lesson whose prerequisites in this group are all placed (a cycle just keeps order).
      let i = pending.findIndex((l) => (l.after ?? []).every((n) => !names.has(n) || done.has(n)));
      if (i < 0) i = 0;
      const [next] = pending.splice(i, 1);
      placed.push(next);
      if (next.name) done.add(next.name);
    }
    return { group, lessons: placed };
  }).filter((g) => g.lessons.length > 0);
}

/** The lessons `entry` comes after that the student has not opened yet. */
export function notYetOpened(
  entry: CourseEntry,
  progress: Progress,
  all: readonly CourseEntry[],
): CourseEntry[] {
  return (entry.after ?? []).flatMap((name) => {
    const before = all.find((l) => l.name === name);
    return before !== undefined && !progress[before.file]?.opened ? [before] : [];
  });
}

/**
 * An option's words: a progress mark, the title, and a short "(after N)" when N lessons to do first are
 * not opened yet; their titles go in the tooltip (`optionTitle`), so the picker stays as narrow as its
 * titles however long the prerequisites' names are.
 */
export function optionLabel(entry: CourseEntry, progress: Progress, all: readonly CourseEntry[]): string {
  const p = progress[entry.file];
  const mark = p?.solved ? "✓ " : p?.opened ? "• " : "";
  const open = notYetOpened(entry, progress, all);
  return `${mark}${entry.title}${entry.exercise ? " (exercise)" : ""}${
    open.length > 0 ? ` (after ${open.length})` : ""
  }`;
}

/** An option's tooltip: the lessons to do first, by title, then the lesson's description. */
export function optionTitle(entry: CourseEntry, progress: Progress, all: readonly CourseEntry[]): string {
  const open = notYetOpened(entry, progress, all);
  const first = open.length > 0 ? `Do first: ${open.map((l) => l.title).join("; ")}.` : "";
  return [first, entry.description ?? ""].filter((t) => t !== "").join(" ");
}

/** Fills the picker with the course path, keeping its selection. */
export function fillPicker(select: HTMLSelectElement, index: LessonIndex, progress: Progress): void {
  const value = select.value;
  const lessons = index.lessons as CourseEntry[];
  select.replaceChildren(
    h("option", { value: "" }, lessons.length > 0 ? "(choose a lesson)" : "(no lessons found)"),
    ...coursePath(lessons).map(({ group, lessons: list }) => {
      const og = h("optgroup", { label: GROUP_TITLES[group] ?? group });
      og.append(
        ...list.map((l) =>
          h(
            "option",
            { value: l.file, title: optionTitle(l, progress, lessons) },
            optionLabel(l, progress, lessons),
          )
        ),
      );
      return og;
    }),
  );
  select.value = value;
}
