/**
 * The CLI as a user runs it: its own deno process on src/cli/main.ts from the repository root, so the
 * exit code, stderr and the files it writes are the real ones, not runCli's in-process view.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;

export function cliProcess(args: string[]): { code: number; stderr: string } {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}src/cli/main.ts`, ...args],
    stdout: "null",
    stderr: "piped",
    cwd: root,
  }).outputSync();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** Runs `body` in a fresh temporary directory and removes it afterwards, whatever happens. */
export function inTempDir(prefix: string, body: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix });
  try {
    body(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Asserts that `run`, given a file the user wrote, exits 2 saying `refusal` and leaves the file be. */
export function assertRefusesToOverwrite(
  run: (file: string) => { code: number; stderr: string },
  refusal: RegExp,
): void {
  inTempDir("tunnel-lab-mine-", (dir) => {
    const mine = `${dir}/notes.txt`;
    Deno.writeTextFileSync(mine, "my notes\n");
    const result = run(mine);
    assert.equal(result.code, 2);
    assert.match(result.stderr, refusal);
    assert.equal(Deno.readTextFileSync(mine), "my notes\n");
  });
}
