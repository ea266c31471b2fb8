/**
 * Reading a topology file from disk for the CLI: only a regular file (a FIFO would block forever,
 * /dev/zero never ends), never more than the size limit, strictly UTF-8; then the pure loader.
 */
import { INPUT_LIMITS } from "../engine/limits.ts";
import { formatTopologyError, loadTopology } from "../topology/load.ts";
import type { TopologyModel } from "../topology/model.ts";
import { decodeSource, tooLarge } from "../topology/source.ts";

/** A loaded topology, or the lines to print (`file:line:col: message`, or why the file is unreadable). */
export type FileLoadResult = { ok: true; model: TopologyModel; text: string } | {
  ok: false;
  messages: string[];
};

/** Reads at most `limit + 1` bytes, so a file that grows while it is read cannot exhaust memory. */
async function readCapped(path: string, limit: number): Promise<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(limit + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const n = await file.read(buffer.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return buffer.subarray(0, filled);
}

/** Reads a small text file (a changes or answers file) under the same rules: the text or why not. */
export async function readTextFileSafely(
  path: string,
): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return { ok: false, message: `${path}: not a regular file` };
    if (info.size > INPUT_LIMITS.fileBytes) {
      return { ok: false, message: formatTopologyError(tooLarge(path, info.size)) };
    }
    const source = decodeSource(await readCapped(path, INPUT_LIMITS.fileBytes), path);
    return source.ok
      ? { ok: true, text: source.text }
      : { ok: false, message: formatTopologyError(source.error) };
  } catch (e) {
    return { ok: false, message: `${path}: ${describeIoError(e)}` };
  }
}

/** Reads and validates a topology file; never throws. `path` is echoed in messages as given. */
export async function loadTopologyFile(path: string): Promise<FileLoadResult> {
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) return { ok: false, messages: [`${path}: is a folder, not a topology file`] };
    if (!info.isFile) {
      return {
        ok: false,
        messages: [`${path}: not a regular file (a pipe, socket or device); save the topology to a file`],
      };
    }
    if (info.size > INPUT_LIMITS.fileBytes) {
      return { ok: false, messages: [formatTopologyError(tooLarge(path, info.size))] };
    }
    bytes = await readCapped(path, INPUT_LIMITS.fileBytes);
  } catch (e) {
    return { ok: false, messages: [`${path}: ${describeIoError(e)}`] };
  }
  const source = decodeSource(bytes, path);
  if (!source.ok) return { ok: false, messages: [formatTopologyError(source.error)] };
  const result = loadTopology(source.text, path);
  return result.ok
    ? { ok: true, model: result.model, text: source.text }
    : { ok: false, messages: result.errors.map(formatTopologyError) };
}

/** A file-system error in a student's words. */
export function describeIoError(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "is a folder, not a file";
  return e instanceof Error ? e.message : String(e);
}
