/**
 * The lesson list the picker shows: every `.yaml`/`.yml` under `topologies/` with its title, and which
 * one opens first. The same JSON is what a static site ships as `topologies/index.json`.
 */
import { parse } from "yaml";

export interface LessonEntry {
  /** Path inside topologies/, forward slashes. */
  file: string;
  /** The lesson title, else the topology name, else the file name. */
  title: string;
  description: string;
  /** The topology's `name:`, which other lessons' `after:` lists refer to. */
  name?: string;
  /** Course path: the picker's group, the level within it (1 first), the lessons to do first. */
  group?: string;
  level?: number;
  after?: string[];
  /** Whether the lesson carries an exercise the view can grade. */
  exercise?: boolean;
}

export interface LessonIndex {
  /** The lesson opened at start, or null when there is none. */
  default: string | null;
  lessons: LessonEntry[];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Title and description of one lesson file; a file that does not parse is still listed, by name. */
export function describeLesson(file: string, source: string): LessonEntry {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (e) {
    // A missing permission is the command's fault, not the file's: never list file names for titles.
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) throw e;
    doc = undefined;
  }
  const top = doc !== null && typeof doc === "object" ? doc as Record<string, unknown> : {};
  const lesson = top.lesson !== null && typeof top.lesson === "object"
    ? top.lesson as Record<string, unknown>
    : {};
  const entry: LessonEntry = {
    file,
    title: text(lesson.title) ?? text(top.name) ?? file.replace(/\.ya?ml$/, ""),
    description: text(top.description) ?? "",
  };
  const name = text(top.name);
  if (name) entry.name = name;
  const group = text(lesson.group);
  if (group) entry.group = group;
  if (typeof lesson.level === "number") entry.level = lesson.level;
  if (Array.isArray(lesson.after)) {
    entry.after = lesson.after.filter((a): a is string => typeof a === "string");
  }
  if (lesson.exercise !== null && typeof lesson.exercise === "object") entry.exercise = true;
  return entry;
}

async function walk(dir: string, prefix: string, out: string[]): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) await walk(`${dir}/${entry.name}`, `${prefix}${entry.name}/`, out);
    else if (entry.isFile && /\.ya?ml$/.test(entry.name)) out.push(`${prefix}${entry.name}`);
  }
}

/**
 * Lists the lessons in `dir`, sorted by path. The default is `preferred` (the server's `--lesson`) when
 * listed, else `default` from `dir/index.json` when that names a listed file, else the first lesson.
 */
export async function listLessons(dir: string, preferred?: string): Promise<LessonIndex> {
  const files: string[] = [];
  try {
    await walk(dir, "", files);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  files.sort();
  const lessons: LessonEntry[] = [];
  for (const file of files) lessons.push(describeLesson(file, await Deno.readTextFile(`${dir}/${file}`)));
  let fromIndex: string | undefined;
  try {
    const index = JSON.parse(await Deno.readTextFile(`${dir}/index.json`));
    fromIndex = text(index?.default);
  } catch {
    fromIndex = undefined;
  }
  const listed = (f: string | undefined) => f !== undefined && files.includes(f);
  const def = preferred !== undefined && listed(preferred)
    ? preferred
    : listed(fromIndex)
    ? fromIndex!
    : files[0] ?? null;
  return { default: def, lessons };
}
