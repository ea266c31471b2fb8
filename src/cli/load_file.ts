import { formatTopologyError, loadTopology } from "../topology/load.ts";
import type { TopologyModel } from "../topology/model.ts";

/** A loaded topology, or the lines to print (`file:line:col: message`, or why the file is unreadable). */
export type FileLoadResult = { ok: true; model: TopologyModel } | { ok: false; messages: string[] };

/** Reads and validates a topology file; never throws. `path` is echoed in messages as given. */
export async function loadTopologyFile(path: string): Promise<FileLoadResult> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    return { ok: false, messages: [`${path}: ${describeIoError(e)}`] };
  }
  const result = loadTopology(text, path);
  return result.ok ? result : { ok: false, messages: result.errors.map(formatTopologyError) };
}

/** A file-system error in a student's words. */
export function describeIoError(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "is a directory, not a file";
  if (e instanceof TypeError || e instanceof Deno.errors.InvalidData) return "not a UTF-8 text file";
  return e instanceof Error ? e.message : String(e);
}
