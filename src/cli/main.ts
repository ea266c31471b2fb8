/**
 * Entry point of `deno task sim`: wires the CLI to the terminal. Output is buffered (a trace can be
 * millions of lines) and flushed after every slice of a run, so it streams; Ctrl+C is caught so the
 * run can say where it stopped; a closed pipe (`| head`) ends the program quietly; anything unexpected
 * is one line on stderr and exit code 1, never a stack trace.
 */
import { type CliIo, EXIT_INTERNAL, runCli } from "./cli.ts";

const encoder = new TextEncoder();

/** Collects lines and writes them in large chunks. */
class BufferedOut {
  #parts: string[] = [];
  #size = 0;
  constructor(readonly fd: { writeSync(p: Uint8Array): number }) {}

  line(text: string): void {
    this.#parts.push(text, "\n");
    this.#size += text.length + 1;
    if (this.#size >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    const bytes = encoder.encode(this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
    let written = 0;
    while (written < bytes.length) written += this.fd.writeSync(bytes.subarray(written));
  }
}

/** Runs the CLI on the process's own arguments and streams; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const out = new BufferedOut(Deno.stdout);
  const err = new BufferedOut(Deno.stderr);
  let interrupted = false;
  const onInterrupt = () => {
    // A second Ctrl+C means "now": the run may be stuck in a slice.
    if (interrupted) Deno.exit(130);
    interrupted = true;
  };
  const io: CliIo = {
    out: (line) => out.line(line),
    err: (line) => {
      out.flush(); // keep stdout and stderr in order on a terminal
      err.line(line);
      err.flush();
    },
    color: Deno.stdout.isTerminal() && !Deno.noColor,
    flush: () => out.flush(),
    interrupted: () => interrupted,
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const code = await runCli(args, io);
    out.flush();
    return code;
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    try {
      out.flush();
    } catch { /* the error below matters more */ }
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    err.line(`tunnel-lab: internal error: ${message.split("\n")[0]}`);
    err.flush();
    return EXIT_INTERNAL;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
