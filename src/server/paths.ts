/**
 * Maps a request path onto the two folders the server may read: `web/` (the view) and `topologies/`
 * (the lessons). Anything else — `..`, encoded slashes or dots, backslashes, NUL, hidden files, other
 * folders — is refused before the file system is touched; `main.ts` then re-checks the real path so a
 * symbolic link cannot lead outside either.
 */

/** Which served folder a request maps to, and the path inside it (forward slashes, never empty). */
export interface StaticTarget {
  root: "web" | "topologies";
  rel: string;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+\-@ ]*$/;

/** The target of a URL path, or null when it must not be served. */
export function resolveRequestPath(pathname: string): StaticTarget | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (!decoded.startsWith("/") || decoded.includes("\\") || decoded.includes("\0")) return null;
  const segments = decoded.split("/").slice(1);
  // A folder URL in web/ means its index page; the lesson folder has none.
  if (segments[segments.length - 1] === "" && segments[0] !== "topologies") {
    segments[segments.length - 1] = "index.html";
  }
  // Each segment must be a plain name: this rejects "", ".", "..", hidden files and odd characters.
  if (!segments.every((s) => SEGMENT.test(s) && !/^\.+$/.test(s))) return null;
  if (segments[0] === "topologies") {
    return segments.length > 1 ? { root: "topologies", rel: segments.slice(1).join("/") } : null;
  }
  return { root: "web", rel: segments.join("/") };
}

/** Whether `path` is `root` itself or inside it (both absolute, already resolved). */
export function isInside(root: string, path: string): boolean {
  const r = root.endsWith("/") ? root : root + "/";
  return path === root || path.startsWith(r);
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  yaml: "text/yaml; charset=utf-8",
  yml: "text/yaml; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  map: "application/json; charset=utf-8",
};

/** Content type by extension; unknown files are served as opaque bytes. */
export function contentType(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}
