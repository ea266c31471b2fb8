/**
 * `run --wg-keylog FILE`: the run's WireGuard key log for tshark's `wg.keylog_file`. Checked before
 * the run and written after it like `--keys`, through the same owned-files rules (a file the user
 * wrote is never replaced).
 */
import type { TraceRecord } from "../trace/record.ts";
import { formatWireguardKeyLog, wireguardKeysFromTrace } from "../stack/wireguard/keylog.ts";
import { whyNotFolder, whyNotWritable, type WriteOutcome } from "./owned_files.ts";
import { writeKeysFile } from "./pcap_files.ts";

function folderOf(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0
    ? { dir: ".", name: path }
    : { dir: path.slice(0, slash) || "/", name: path.slice(slash + 1) };
}

/** Why the key log cannot go to `path`, or undefined when it can. */
export async function checkWireguardKeyLogTarget(path: string): Promise<string | undefined> {
  const { dir, name } = folderOf(path);
  if (name === "") return `--wg-keylog ${path}: give a file name, not a folder`;
  const folder = await whyNotFolder(dir);
  if (folder) return `--wg-keylog ${path}: ${dir} ${folder}`;
  const reason = await whyNotWritable(path);
  return reason
    ? `--wg-keylog: refusing to overwrite ${path}: ${reason}; move it away or choose another name`
    : undefined;
}

/** Writes the key log (skipped, with the reason, if the file became unwritable during the run). */
export function writeWireguardKeyLog(path: string, records: readonly TraceRecord[]): Promise<WriteOutcome> {
  return writeKeysFile(path, formatWireguardKeyLog(wireguardKeysFromTrace(records)));
}
