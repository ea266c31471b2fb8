/**
 * The lesson library a file belongs to: the `name:` of every topology file in its folder, so `validate`
 * can refuse an `after:` that names no lesson. Files that do not parse are skipped: their own validate
 * reports them.
 */
import { parse } from "yaml";

/** The names of the lessons in `dir` (each `.yaml`/`.yml` file's top-level `name:`). */
export async function lessonNames(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !/\.ya?ml$/.test(entry.name)) continue;
    try {
      const doc = parse(await Deno.readTextFile(`${dir}/${entry.name}`));
      if (doc && typeof doc === "object" && typeof (doc as { name?: unknown }).name === "string") {
        names.add((doc as { name: string }).name);
      }
    } catch {
      // Not a topology this check can read; validating that file says why.
    }
  }
  return names;
}

/** The folder of a path as given (`.` for a bare file name). */
export function folderOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "." : at === 0 ? "/" : path.slice(0, at);
}
