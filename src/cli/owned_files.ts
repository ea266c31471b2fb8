/**
 * Writing output files (pcaps, keys) without ever losing a file the user wrote. A file may be replaced
 * only if this tool wrote it and nobody changed it since: each folder we write into gets a small
 * manifest, `.tunnel-lab-files.json`, with the size and SHA-256 of every file we put there. A look-alike
 * (another capture under a link's name, a file that starts like ours, an empty file) is not ours.
 * Symbolic links are never followed: a file is written under a temporary name and renamed into place,
 * which replaces a link itself, never its target (and a link is never ours to replace anyway).
 */
import { describeIoError } from "./load_file.ts";

/** The manifest's file name, in every folder the CLI writes into. */
export const MANIFEST = ".tunnel-lab-files.json";
const MANIFEST_NOTE = "files written by Tunnel Lab; it replaces only these, and only while unchanged";

interface ManifestEntry {
  size: number;
  sha256: string;
}

type Manifest = Record<string, ManifestEntry>;

function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0
    ? { dir: ".", name: path }
    : { dir: path.slice(0, slash) || "/", name: path.slice(slash + 1) };
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The folder's manifest; a missing, foreign or unreadable one counts as empty (nothing is ours). */
async function readManifest(dir: string): Promise<Manifest> {
  try {
    const info = await Deno.lstat(`${dir}/${MANIFEST}`);
    if (!info.isFile || info.size > 1 << 20) return {};
    const parsed = JSON.parse(await Deno.readTextFile(`${dir}/${MANIFEST}`));
    if (parsed?.note !== MANIFEST_NOTE || typeof parsed.files !== "object" || parsed.files === null) {
      return {};
    }
    const files: Manifest = {};
    for (const [name, e] of Object.entries(parsed.files as Record<string, ManifestEntry>)) {
      if (typeof e?.size === "number" && typeof e?.sha256 === "string") files[name] = e;
    }
    return files;
  } catch {
    return {};
  }
}

/** Whether the manifest file itself may be written: absent, or a regular file holding our manifest. */
async function manifestWritable(dir: string): Promise<boolean> {
  try {
    const info = await Deno.lstat(`${dir}/${MANIFEST}`);
    if (!info.isFile) return false;
    const parsed = JSON.parse(await Deno.readTextFile(`${dir}/${MANIFEST}`));
    return parsed?.note === MANIFEST_NOTE;
  } catch (e) {
    return e instanceof Deno.errors.NotFound;
  }
}

/**
 * Why `path` must not be written, or undefined when it may: it is absent, or it is a regular file this
 * tool wrote and nobody has changed since. Never follows a symbolic link.
 */
export async function whyNotWritable(path: string): Promise<string | undefined> {
  const { dir, name } = splitPath(path);
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    return describeIoError(e);
  }
  if (info.isSymlink) return "it is a symbolic link (never followed)";
  if (!info.isFile) return "it is not a regular file";
  const entry = (await readManifest(dir))[name];
  if (!entry) return "it was not written by Tunnel Lab";
  if (entry.size !== info.size) return "it was changed since Tunnel Lab wrote it";
  try {
    if (await sha256(await Deno.readFile(path)) !== entry.sha256) {
      return "it was changed since Tunnel Lab wrote it";
    }
  } catch (e) {
    return describeIoError(e);
  }
  return undefined;
}

/** Why `dir` cannot take output files, or undefined: it is a folder, or absent (it will be created). */
export async function whyNotFolder(dir: string): Promise<string | undefined> {
  try {
    const info = await Deno.stat(dir);
    return info.isDirectory ? undefined : "exists and is not a folder";
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? undefined : describeIoError(e);
  }
}

/** What happened to one file: written, or skipped with the reason. */
export type WriteOutcome = { path: string; written: true } | { path: string; written: false; reason: string };

/**
 * Writes each file (all in the same folder `dir`, created if missing), skipping any that `whyNotWritable`
 * refuses at the moment of writing, and records what it wrote in the folder's manifest.
 */
export async function writeOwnedFiles(
  dir: string,
  files: readonly { name: string; bytes: Uint8Array }[],
): Promise<WriteOutcome[]> {
  await Deno.mkdir(dir, { recursive: true });
  const manifest = await readManifest(dir);
  const keepManifest = await manifestWritable(dir);
  const outcomes: WriteOutcome[] = [];
  for (const { name, bytes } of files) {
    const path = `${dir}/${name}`;
    const reason = await whyNotWritable(path);
    if (reason) {
      outcomes.push({ path, written: false, reason });
      continue;
    }
    await replaceFile(dir, name, bytes);
    manifest[name] = { size: bytes.length, sha256: await sha256(bytes) };
    outcomes.push({ path, written: true });
  }
  if (keepManifest && outcomes.some((o) => o.written)) {
    const text = JSON.stringify({ note: MANIFEST_NOTE, files: manifest }, null, 2) + "\n";
    await replaceFile(dir, MANIFEST, new TextEncoder().encode(text));
  }
  return outcomes;
}

/** Writes `bytes` under a fresh temporary name, then renames it over `name` (a link is replaced, not followed). */
async function replaceFile(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  for (let attempt = 0;; attempt++) {
    const temp = `${dir}/.${name}.${attempt}.tmp`;
    try {
      await Deno.writeFile(temp, bytes, { createNew: true });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists && attempt < 100) continue;
      throw e;
    }
    await Deno.rename(temp, `${dir}/${name}`);
    return;
  }
}
