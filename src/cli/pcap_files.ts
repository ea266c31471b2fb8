/**
 * `--pcap DIR` and `--keys FILE`: checked before the run (so nothing is run when an output cannot be
 * written) and written after it through `owned_files.ts`, which never replaces a file the user wrote.
 */
import { writePcap } from "../trace/pcap.ts";
import type { TraceRecord } from "../trace/record.ts";
import { whyNotFolder, whyNotWritable, type WriteOutcome, writeOwnedFiles } from "./owned_files.ts";

const ADVICE = "move it away or choose another folder";

/**
 * Checks before the run that every `DIR/<name>.pcap` may be written. `names` are the links and the
 * dial-up lines. Returns one message per problem (empty when all is well).
 */
export async function checkPcapTargets(dir: string, names: readonly string[]): Promise<string[]> {
  const folder = await whyNotFolder(dir);
  if (folder) return [`--pcap ${dir}: ${folder}`];
  const problems: string[] = [];
  for (const name of names) {
    const path = `${dir}/${name}.pcap`;
    const reason = await whyNotWritable(path);
    if (reason) problems.push(`--pcap: refusing to overwrite ${path}: ${reason}; ${ADVICE}`);
  }
  return problems;
}

/** Writes `<dir>/<name>.pcap` for every link and line; files that became unwritable are skipped. */
export async function writePcaps(
  dir: string,
  records: readonly TraceRecord[],
  names: readonly string[],
): Promise<(WriteOutcome & { packets: number })[]> {
  const outcomes = await writeOwnedFiles(
    dir,
    names.map((name) => ({ name: `${name}.pcap`, bytes: writePcap(records, name) })),
  );
  return outcomes.map((o, i) => ({
    ...o,
    packets: records.filter((r) => r.kind === "tx" && r.link === names[i] && r.bytes).length,
  }));
}

function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0
    ? { dir: ".", name: path }
    : { dir: path.slice(0, slash) || "/", name: path.slice(slash + 1) };
}

/**
 * Checks before the run that the keys file may be written: the file is ours or absent. A missing
 * folder is created when the file is written, as `--pcap` creates its own, so `--pcap out --keys
 * out/keys.txt` works in a fresh checkout.
 */
export async function checkKeysTarget(path: string): Promise<string | undefined> {
  const { dir, name } = splitPath(path);
  if (name === "") return `--keys ${path}: give a file name, not a folder`;
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) return `--keys ${path}: ${dir} is not a folder`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return `--keys ${path}: cannot read the folder ${dir}: ${(error as Error).message}`;
  }
  const reason = await whyNotWritable(path);
  return reason
    ? `--keys: refusing to overwrite ${path}: ${reason}; move it away or choose another name`
    : undefined;
}

/** Writes the keys file (skipped, with the reason, if it became unwritable during the run). */
export async function writeKeysFile(path: string, text: string): Promise<WriteOutcome> {
  const { dir, name } = splitPath(path);
  const [outcome] = await writeOwnedFiles(dir, [{ name, bytes: new TextEncoder().encode(text) }]);
  return outcome;
}
