/**
 * The CLI run through runCli in this process, as most CLI tests want it: quicker than a child process,
 * and with every output line on its own, since one `out` call may carry several lines.
 */
import { type CliIo, runCli } from "../../src/cli/cli.ts";

export interface CliOutcome {
  code: number;
  out: string[];
  err: string[];
}

export async function cliInProcess(args: string[]): Promise<CliOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(...l.split("\n")),
    err: (l) => err.push(...l.split("\n")),
    color: false,
  };
  return { code: await runCli(args, io), out, err };
}
