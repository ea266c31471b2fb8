/**
 * `run --wg-keylog FILE`: writes the run's WireGuard key log for tshark's `wg.keylog_file`. Like
 * `--keys`, it never replaces a file that it did not write itself.
 */
import type { TraceRecord } from "../trace/record.ts";
import {
  formatWireguardKeyLog,
  WG_KEYLOG_HEADER,
  wireguardKeysFromTrace,
} from "../stack/wireguard/keylog.ts";
import { describeIoError } from "./load_file.ts";

/** Writes the key log; returns a problem in words, or undefined when it was written. */
export async function writeWireguardKeyLog(
  path: string,
  records: readonly TraceRecord[],
): Promise<string | undefined> {
  try {
    const existing = await Deno.readTextFile(path);
    if (!existing.startsWith(WG_KEYLOG_HEADER)) {
      return "the file exists and is not a Tunnel Lab WireGuard key log; not overwriting it";
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return describeIoError(e);
  }
  try {
    await Deno.writeTextFile(path, formatWireguardKeyLog(wireguardKeysFromTrace(records)));
    return undefined;
  } catch (e) {
    return describeIoError(e);
  }
}
