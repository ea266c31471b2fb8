/**
 * `deno task start`: builds the browser bundle, then serves `web/` and `topologies/` (and nothing else)
 * on 127.0.0.1, printing the address. The page runs the engine itself; the server only hands out files
 * and the lesson list, so `web/` plus the bundle also works as a static site.
 */
import { buildBundle } from "./bundle.ts";
import { type LessonIndex, listLessons } from "./lessons.ts";
import { contentType, isInside, resolveRequestPath } from "./paths.ts";

export interface ServerOptions {
  /** The repository root (holds web/). */
  root: string;
  /** The lesson folder served under /topologies/. */
  topologies: string;
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Lesson (path inside topologies/) to open first. */
  lesson?: string;
  /** Build web/dist/engine.js before serving. */
  build: boolean;
}

const USAGE = `usage: deno task start [--port N] [--host ADDR] [--lesson FILE] [--topologies DIR] [--no-build]
  --port N          port to listen on (default 8000, or a free one if 8000 is taken; 0 = any free port)
  --host ADDR       address to bind (default 127.0.0.1; anything else exposes the view to the network)
  --lesson FILE     lesson (inside the topologies folder) opened first
  --topologies DIR  serve lessons from DIR instead of topologies/
  --no-build        serve the existing web/dist/engine.js without rebuilding it
  --open-default    open the default lesson (what the page does anyway; kept for the start task)
  --print-index     print the lesson list as JSON and exit
  --write-index     write the lesson list to the topologies folder's index.json (deno task index) and exit`;

const DEFAULT_PORT = 8000;
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * The host name of a Host header, lowercased and without its port; null when the header is not a
 * host name with an optional port (such a request is refused before anything parses its URL).
 */
export function hostOf(header: string | null): string | null {
  if (header === null) return null;
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!match || (match[2] !== undefined && Number(match[2]) > 65535)) return null;
  return match[1].toLowerCase();
}

/** The repository root, found from this file so the server works from any directory. */
export function repoRoot(): string {
  return new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
}

type Parsed =
  | {
    ok: true;
    options: ServerOptions;
    explicitPort: boolean;
    printIndex: boolean;
    writeIndex: boolean;
    help: boolean;
  }
  | { ok: false; error: string };

/** Reads the command line. */
export function parseArgs(args: string[], root = repoRoot()): Parsed {
  const options: ServerOptions = {
    root,
    topologies: `${root}/topologies`,
    hostname: "127.0.0.1",
    port: DEFAULT_PORT,
    build: true,
  };
  let explicitPort = false;
  let printIndex = false;
  let writeIndex = false;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === "--port") {
        const v = value();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) {
          return { ok: false, error: `--port: "${v}" is not a port number` };
        }
        options.port = Number(v);
        explicitPort = true;
      } else if (arg === "--host") options.hostname = value();
      else if (arg === "--lesson") options.lesson = value();
      else if (arg === "--topologies") options.topologies = value().replace(/\/$/, "");
      else if (arg === "--no-build") options.build = false;
      else if (arg === "--open-default") { /* the page opens the default lesson by itself */ }
      else if (arg === "--print-index") printIndex = true;
      else if (arg === "--write-index") writeIndex = true;
      else if (arg === "--help" || arg === "-h") help = true;
      else return { ok: false, error: `unknown option "${arg}"` };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }
  return { ok: true, options, explicitPort, printIndex, writeIndex, help };
}

const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

// The page builds no HTML from strings and loads only its own script; keep it that way.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function plain(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { ...COMMON_HEADERS, "content-type": "text/plain; charset=utf-8" },
  });
}

/**
 * The request handler: static files from the two folders, and the lesson list at /api/lessons and at
 * /topologies/index.json (the path a static site serves as a file, so the page asks only for that).
 */
export function makeHandler(options: ServerOptions): (request: Request) => Promise<Response> {
  const loopback = LOOPBACK_NAMES.has(options.hostname.toLowerCase());
  const roots = { web: `${options.root}/web`, topologies: options.topologies };
  const realRoots = new Map<string, string>();
  const realRoot = async (name: "web" | "topologies") => {
    let real = realRoots.get(name);
    if (real === undefined) {
      real = await Deno.realPath(roots[name]);
      realRoots.set(name, real);
    }
    return real;
  };

  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return plain(405, "method not allowed");
    // The Host header is checked before anything parses the URL built from it.
    const host = hostOf(request.headers.get("host"));
    if (host === null) return plain(400, "bad Host header");
    // Refuse other host names on a loopback server, so a web page elsewhere cannot rebind its DNS to us.
    if (loopback && !LOOPBACK_NAMES.has(host)) return plain(403, "forbidden host");
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, "bad request URL");
    }
    if (url.pathname === "/api/lessons" || url.pathname === "/topologies/index.json") {
      const index = await listLessons(options.topologies, options.lesson);
      return new Response(request.method === "HEAD" ? null : JSON.stringify(index), {
        headers: { ...COMMON_HEADERS, "content-type": "application/json; charset=utf-8" },
      });
    }
    const target = resolveRequestPath(url.pathname);
    if (!target) return plain(404, "not found");
    let real: string;
    try {
      const base = await realRoot(target.root);
      real = await Deno.realPath(`${roots[target.root]}/${target.rel}`);
      if (!isInside(base, real)) return plain(404, "not found");
      const info = await Deno.stat(real);
      if (!info.isFile) return plain(404, "not found");
    } catch {
      return plain(404, "not found");
    }
    const type = contentType(real);
    const headers: Record<string, string> = { ...COMMON_HEADERS, "content-type": type };
    if (type.startsWith("text/html")) headers["content-security-policy"] = CSP;
    if (request.method === "HEAD") return new Response(null, { headers });
    return new Response(await Deno.readFile(real), { headers });
  };
}

/** A running server. */
export interface RunningServer {
  url: string;
  port: number;
  shutdown(): Promise<void>;
}

/** Starts serving; with the default port, falls back to a free one when 8000 is taken. */
export function startServer(options: ServerOptions, fallback = true): RunningServer {
  const handler = makeHandler(options);
  const serve = (port: number) =>
    Deno.serve({ hostname: options.hostname, port, onListen: () => {} }, handler);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = serve(options.port);
  } catch (e) {
    if (!(fallback && e instanceof Deno.errors.AddrInUse)) throw e;
    server = serve(0);
  }
  const port = server.addr.port;
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  return { url: `http://${host}:${port}/`, port, shutdown: () => server.shutdown() };
}

/**
 * `--lesson` as a file inside the topologies folder: given as that folder's relative path or as a path
 * from here (`topologies/x.yaml`). Returns the relative path, or the message saying what is wrong.
 */
export function resolveLesson(lesson: string, index: LessonIndex, topologies: string): string {
  const files = index.lessons.map((l) => l.file);
  if (files.includes(lesson)) return lesson;
  for (const prefix of [`${topologies}/`, `${relativeToHere(topologies)}/`]) {
    if (lesson.startsWith(prefix) && files.includes(lesson.slice(prefix.length))) {
      return lesson.slice(prefix.length);
    }
  }
  throw new Error(
    `--lesson ${lesson}: no such lesson in ${relativeToHere(topologies)}/` +
      (files.length ? ` (lessons: ${files.slice(0, 8).join(", ")}${files.length > 8 ? ", ..." : ""})` : ""),
  );
}

/** `path` relative to the working directory when it lies under it (as a user would type it). */
function relativeToHere(path: string): string {
  const here = Deno.cwd();
  return path.startsWith(`${here}/`) ? path.slice(here.length + 1) : path;
}

/** Writes `dir/index.json` under a temporary name and renames it, so a reader never sees it half-written. */
async function writeIndexFile(dir: string, index: LessonIndex): Promise<string> {
  const target = `${dir}/index.json`;
  const temp = `${dir}/.index.json.${Date.now()}.tmp`;
  await Deno.writeTextFile(temp, JSON.stringify(index, null, 2) + "\n", { createNew: true });
  await Deno.rename(temp, target);
  return target;
}

async function main(): Promise<number> {
  const parsed = parseArgs(Deno.args);
  if (!parsed.ok) {
    console.error(`error: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  const { options } = parsed;
  if (options.lesson !== undefined) {
    try {
      options.lesson = resolveLesson(
        options.lesson,
        await listLessons(options.topologies),
        options.topologies,
      );
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) throw e;
      console.error(`error: ${(e as Error).message}`);
      return 2;
    }
  }
  if (parsed.printIndex || parsed.writeIndex) {
    let index: LessonIndex;
    try {
      index = await listLessons(options.topologies, options.lesson);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) throw e;
      console.error(
        `error: the lesson list needs --allow-read --allow-env (the YAML reader asks for the environment): ${
          (e as Error).message
        }`,
      );
      return 2;
    }
    if (parsed.printIndex) console.log(JSON.stringify(index, null, 2));
    else {
      try {
        const file = await writeIndexFile(options.topologies, index);
        console.log(`wrote ${file} (${index.lessons.length} lessons, default ${index.default})`);
      } catch (e) {
        console.error(`error: cannot write ${options.topologies}/index.json: ${(e as Error).message}`);
        return 1;
      }
    }
    return 0;
  }
  if (options.build) {
    const built = await buildBundle(options.root, "web/engine-entry.ts", "web/dist/engine.js");
    if (!built.ok) {
      console.error(`error: could not build the browser bundle:\n${built.error}`);
      return 1;
    }
  }
  if (!LOOPBACK_NAMES.has(options.hostname.toLowerCase())) {
    const permission = await Deno.permissions.query({ name: "net", host: options.hostname });
    if (permission.state !== "granted") {
      console.error(
        `error: --host ${options.hostname}: this run may listen only on ${"127.0.0.1"} and 0.0.0.0 ` +
          `(deno task start); for another address run ./node_modules/.bin/deno run --allow-net ` +
          `--allow-read --allow-env --allow-run --allow-write=web/dist src/server/main.ts --host ${options.hostname}`,
      );
      return 2;
    }
    console.warn(
      `warning: listening on ${options.hostname}: anyone who can reach this address can open the view`,
    );
  }
  let server: RunningServer;
  try {
    server = startServer(options, !parsed.explicitPort);
  } catch (e) {
    console.error(`error: cannot listen on ${options.hostname}:${options.port}: ${(e as Error).message}`);
    return 1;
  }
  const index = await listLessons(options.topologies, options.lesson);
  const lesson = index.default ? `#lesson=${encodeURIComponent(index.default)}` : "";
  console.log(`Tunnel Lab view: ${server.url}${lesson}`);
  console.log(`(${index.lessons.length} lessons from ${options.topologies}; press Ctrl+C to stop)`);
  if (index.default) {
    // The same lesson from the command line, for a terminal beside the browser.
    console.log(
      `The same run in the terminal: npm run sim -- run ${
        relativeToHere(options.topologies)
      }/${index.default} --pcap out/`,
    );
  }
  return await new Promise<number>(() => {});
}

if (import.meta.main) Deno.exit(await main());
