import { isPcap, writePcap } from "../trace/pcap.ts";
import type { TraceRecord } from "../trace/record.ts";
import { describeIoError } from "./load_file.ts";

/**
 * Checks before the run that `--pcap DIR` can be written without clobbering anything: DIR is a
 * directory or absent, and each `<link>.pcap` is absent or already a pcap (ours from an earlier run).
 * Returns what is wrong, or undefined.
 */
export async function checkPcapTargets(dir: string, links: readonly string[]): Promise<string | undefined> {
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) return `--pcap ${dir}: exists and is not a directory`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    return `--pcap ${dir}: ${describeIoError(e)}`;
  }
  for (const link of links) {
    const path = `${dir}/${link}.pcap`;
    let head: Uint8Array;
    try {
      const info = await Deno.stat(path);
      if (!info.isFile) return `--pcap: refusing to overwrite ${path}: it is not a file`;
      using f = await Deno.open(path, { read: true });
      head = new Uint8Array(4);
      const n = await f.read(head);
      if (info.size === 0) continue;
      if (n !== 4) head = new Uint8Array(0);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      return `--pcap: cannot check ${path}: ${describeIoError(e)}`;
    }
    if (!isPcap(head)) return `--pcap: refusing to overwrite ${path}: it is not a pcap file`;
  }
  return undefined;
}

/** Writes `<dir>/<link>.pcap` for every link, creating `dir` if needed. */
export async function writePcaps(
  dir: string,
  records: readonly TraceRecord[],
  links: readonly string[],
): Promise<{ file: string; packets: number }[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: { file: string; packets: number }[] = [];
  for (const link of links) {
    const file = `${dir}/${link}.pcap`;
    await Deno.writeFile(file, writePcap(records, link));
    written.push({
      file,
      packets: records.filter((r) => r.kind === "tx" && r.link === link && r.bytes).length,
    });
  }
  return written;
}
