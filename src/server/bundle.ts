/**
 * Builds the browser bundle (engine + view) with `deno bundle`, the same command as the `bundle` task.
 * It writes to a temporary file and renames it into place, so a page never loads half a bundle and
 * two servers starting at once (parallel tests) do not trip over each other.
 */

/** Bundles `entry` into `output`; resolves with the bundler's message on failure. */
export async function buildBundle(
  root: string,
  entry: string,
  output: string,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const dir = output.slice(0, output.lastIndexOf("/"));
  await Deno.mkdir(`${root}/${dir}`, { recursive: true });
  const temp = `${output}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp.js`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "-o", temp, entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    await Deno.remove(`${root}/${temp}`).catch(() => {});
    const error = new TextDecoder().decode(result.stderr).trim() || `deno bundle exited with ${result.code}`;
    return { ok: false, error };
  }
  await Deno.rename(`${root}/${temp}`, `${root}/${output}`);
  return { ok: true };
}
