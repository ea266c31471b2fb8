/**
 * Where lessons come from: the server's list at `api/lessons`, or on a static host the same list as
 * `topologies/index.json`; the lesson text itself from `topologies/`; and the lesson named in the URL.
 */

/** The lesson list as the server (or index.json) gives it. */
export interface LessonIndex {
  default: string | null;
  lessons: { file: string; title: string; description?: string }[];
  /** Why the list is empty, in words, when it is. */
  problem?: string;
}

/**
 * Fetches the lesson list from `topologies/index.json`: a static host serves the file, and the Deno
 * server answers the same path with the folder's current list, so neither logs a 404. An empty list
 * says why in `problem`.
 */
export async function fetchLessonIndex(fetcher: typeof fetch = fetch): Promise<LessonIndex> {
  const url = "topologies/index.json";
  try {
    const response = await fetcher(url, { cache: "no-store" });
    if (!response.ok) {
      await response.body?.cancel();
      return empty(`${url} answered ${response.status} ${response.statusText}`.trim());
    }
    const index = await response.json() as LessonIndex;
    if (!Array.isArray(index?.lessons)) return empty(`${url} is not a lesson list`);
    if (index.lessons.length === 0) return { ...index, problem: `${url} lists no lessons` };
    return index;
  } catch (e) {
    return empty(`${url} could not be read (${(e as Error).message})`);
  }
}

function empty(problem: string): LessonIndex {
  return { default: null, lessons: [], problem };
}

/** Fetches one lesson's YAML text from `topologies/`. */
export async function fetchLesson(file: string, fetcher: typeof fetch = fetch): Promise<string> {
  const response = await fetcher(`topologies/${file.split("/").map(encodeURIComponent).join("/")}`, {
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return await response.text();
}

/** The value of `name` in the URL's hash (`#lesson=x&presenter=1`), or null. */
export function hashParam(hash: string, name: string): string | null {
  const match = new RegExp(`(?:^#|&)${name}=([^&]*)`).exec(hash);
  return match ? decodeURIComponent(match[1]) : null;
}

/** The hash with `name` set to `value` (or removed when null), keeping the other parameters. */
export function withHashParam(hash: string, name: string, value: string | null): string {
  const parts = hash.replace(/^#/, "").split("&").filter((p) => p !== "" && !p.startsWith(`${name}=`));
  if (value !== null) parts.push(`${name}=${encodeURIComponent(value)}`);
  return parts.length > 0 ? `#${parts.join("&")}` : "";
}
