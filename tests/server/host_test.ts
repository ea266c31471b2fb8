/**
 * The server's edges: malformed Host headers get a 400 (never a 500 with a stack trace), loopback names
 * match in any case, `--lesson` must name a lesson, and `--write-index` replaces index.json whole.
 */
import assert from "node:assert/strict";
import { listLessons } from "../../src/server/lessons.ts";
import { hostOf, resolveLesson, startServer } from "../../src/server/main.ts";

const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

async function rawRequest(port: number, host: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(`GET /api/lessons HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    let text = "";
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
      if (text.includes("\r\n\r\n")) break;
    }
    return text.split("\r\n")[0];
  } finally {
    conn.close();
  }
}

Deno.test("hostOf: a host name and an optional port, lowercased; anything else is null", () => {
  assert.equal(hostOf("LOCALHOST:8000"), "localhost");
  assert.equal(hostOf("[::1]:8000"), "[::1]");
  assert.equal(hostOf("127.0.0.1"), "127.0.0.1");
  for (const bad of ["localhost:abc", "localhost:99999", "a b", "", "x@y", "localhost:"]) {
    assert.equal(hostOf(bad), null, bad);
  }
  assert.equal(hostOf(null), null);
});

Deno.test("a real server answers malformed Host headers with 400 and accepts LOCALHOST", async () => {
  const server = startServer({
    root,
    topologies: `${root}/topologies`,
    hostname: "127.0.0.1",
    port: 0,
    build: false,
  }, false);
  try {
    for (const bad of ["localhost:abc", "localhost:99999", "[::1"]) {
      assert.match(await rawRequest(server.port, bad), /^HTTP\/1\.1 400/, bad);
    }
    assert.match(await rawRequest(server.port, `LOCALHOST:${server.port}`), /^HTTP\/1\.1 200/);
    assert.match(await rawRequest(server.port, "evil.example"), /^HTTP\/1\.1 403/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("--lesson names a lesson of the folder, by its own path or from here; otherwise it is an error", async () => {
  const topologies = `${root}/topologies`;
  const index = await listLessons(topologies);
  assert.equal(resolveLesson("basics-ping.yaml", index, topologies), "basics-ping.yaml");
  assert.equal(resolveLesson(`${topologies}/basics-ping.yaml`, index, topologies), "basics-ping.yaml");
  assert.throws(
    () => resolveLesson("no-such.yaml", index, topologies),
    /--lesson no-such\.yaml: no such lesson/,
  );
  const cli = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/src/server/main.ts`, "--lesson", "nope.yaml", "--no-build"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(cli.code, 2);
  assert.match(new TextDecoder().decode(cli.stderr), /no such lesson/);
});

Deno.test("--write-index writes index.json with the folder's default kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.yaml`, "name: a\n");
    await Deno.writeTextFile(`${dir}/b.yaml`, "name: b\n");
    await Deno.writeTextFile(`${dir}/index.json`, '{"default": "b.yaml"}');
    const cli = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        `--allow-write=${dir}`,
        `${root}/src/server/main.ts`,
        "--topologies",
        dir,
        "--write-index",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(cli.code, 0, new TextDecoder().decode(cli.stderr));
    const index = JSON.parse(await Deno.readTextFile(`${dir}/index.json`));
    assert.equal(index.default, "b.yaml", "the default is read before the file is replaced");
    assert.deepEqual(index.lessons.map((l: { file: string }) => l.file), ["a.yaml", "b.yaml"]);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "a.yaml",
      "b.yaml",
      "index.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
