/**
 * `handout FILE --out PAGE.html [--teacher]`: runs the lesson and writes its handout page (see
 * src/trace/handout.ts), for printing or for Chromium's print-to-PDF.
 */
import { simulate } from "../sim.ts";
import { renderHandout } from "../trace/handout.ts";
import type { CliIo } from "./cli.ts";
import { describeIoError, loadTopologyFile } from "./load_file.ts";
import { folderOf } from "./library.ts";
import { BadInput } from "./run.ts";

export async function handoutCommand(
  options: { file: string; out?: string; teacher: boolean },
  io: CliIo,
): Promise<number> {
  if (options.out === undefined) {
    throw new BadInput("handout needs --out FILE.html (where to write the page)");
  }
  if (!/\.html?$/.test(options.out)) {
    throw new BadInput(`--out ${options.out}: expected a file name ending in .html`);
  }
  const loaded = await loadTopologyFile(options.file);
  if (!loaded.ok) {
    for (const m of loaded.messages) io.err(m);
    return 2;
  }
  const result = simulate(loaded.model);
  const page = renderHandout(loaded.model, result.records, { teacher: options.teacher });
  try {
    // Like --pcap and --keys, the page's folder is made when missing, so `--out out/sheet.html` just works.
    const folder = folderOf(options.out);
    if (folder !== ".") await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(options.out, page);
  } catch (e) {
    io.err(`error: ${options.out}: ${describeIoError(e)}`);
    return 2;
  }
  io.err(`handout: wrote ${options.out} (${options.teacher ? "teacher's copy" : "student's copy"})`);
  return 0;
}
