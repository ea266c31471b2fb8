import assert from "node:assert/strict";
import { describeLesson, listLessons } from "../../src/server/lessons.ts";
import { makeHandler, parseArgs, type ServerOptions } from "../../src/server/main.ts";

/** A fake repository: web/, topologies/, a secret beside them and a symlink pointing at it. */
async function fixture(): Promise<{ options: ServerOptions; cleanup: () => Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix: "tunnel-lab-server-" });
  await Deno.mkdir(`${root}/web/dist`, { recursive: true });
  await Deno.mkdir(`${root}/topologies/more`, { recursive: true });
  await Deno.writeTextFile(`${root}/web/index.html`, "<!doctype html><title>t</title>");
  await Deno.writeTextFile(`${root}/web/dist/engine.js`, "console.log(1)");
  await Deno.writeTextFile(`${root}/secret.txt`, "do not serve");
  await Deno.writeTextFile(
    `${root}/topologies/b.yaml`,
    "name: bee\nlesson: {title: The B lesson, group: nat, level: 2, after: [ay]}\n",
  );
  await Deno.writeTextFile(`${root}/topologies/a.yaml`, "name: ay\ndescription: first\n");
  await Deno.writeTextFile(`${root}/topologies/more/c.yml`, "not: [valid");
  await Deno.writeTextFile(`${root}/topologies/notes.txt`, "not a lesson");
  await Deno.symlink(`${root}/secret.txt`, `${root}/web/leak.txt`);
  await Deno.symlink(root, `${root}/topologies/up`);
  const options: ServerOptions = {
    root,
    topologies: `${root}/topologies`,
    hostname: "127.0.0.1",
    port: 0,
    build: false,
  };
  return { options, cleanup: () => Deno.remove(root, { recursive: true }) };
}

function get(
  handler: (r: Request) => Promise<Response>,
  path: string,
  init: RequestInit = {},
  host = "127.0.0.1:8000",
) {
  const headers = new Headers(init.headers);
  headers.set("host", host);
  return handler(new Request(`http://127.0.0.1:8000${path}`, { ...init, headers }));
}

Deno.test("serves web/ and topologies/ files with types and a content security policy", async () => {
  const { options, cleanup } = await fixture();
  try {
    const handler = makeHandler(options);
    const index = await get(handler, "/");
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(index.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(await index.text(), "<!doctype html><title>t</title>");
    const js = await get(handler, "/dist/engine.js");
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    await js.body?.cancel();
    const lesson = await get(handler, "/topologies/b.yaml");
    assert.equal(
      await lesson.text(),
      "name: bee\nlesson: {title: The B lesson, group: nat, level: 2, after: [ay]}\n",
    );
    const head = await get(handler, "/topologies/a.yaml", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
  } finally {
    await cleanup();
  }
});

Deno.test("never serves a path outside the two folders, not even through a symlink", async () => {
  const { options, cleanup } = await fixture();
  try {
    const handler = makeHandler(options);
    for (
      const path of [
        "/../secret.txt",
        "/topologies/..%2fsecret.txt",
        "/leak.txt",
        "/topologies/up/secret.txt",
        "/secret.txt",
        "/topologies/more",
      ]
    ) {
      const response = await get(handler, path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(await response.text(), /do not serve/);
    }
    const post = await get(handler, "/", { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await cleanup();
  }
});

Deno.test("a loopback server refuses requests for other host names (DNS rebinding)", async () => {
  const { options, cleanup } = await fixture();
  try {
    const handler = makeHandler(options);
    const evil = await get(handler, "/", {}, "evil.example:8000");
    assert.equal(evil.status, 403);
    await evil.body?.cancel();
    const local = await get(handler, "/", {}, "localhost:8000");
    assert.equal(local.status, 200);
    await local.body?.cancel();
  } finally {
    await cleanup();
  }
});

Deno.test("the lesson list: YAML files under topologies/, titles from lesson or name, a default", async () => {
  const { options, cleanup } = await fixture();
  try {
    const response = await get(makeHandler(options), "/api/lessons");
    const index = await response.json();
    assert.deepEqual(index, {
      default: "a.yaml",
      lessons: [
        { file: "a.yaml", title: "ay", description: "first", name: "ay" },
        {
          file: "b.yaml",
          title: "The B lesson",
          description: "",
          name: "bee",
          group: "nat",
          level: 2,
          after: ["ay"],
        },
        { file: "more/c.yml", title: "more/c", description: "" },
      ],
    });
    assert.equal((await listLessons(options.topologies, "b.yaml")).default, "b.yaml");
    assert.equal((await listLessons(options.topologies, "missing.yaml")).default, "a.yaml");
    await Deno.writeTextFile(`${options.topologies}/index.json`, JSON.stringify({ default: "more/c.yml" }));
    assert.equal((await listLessons(options.topologies)).default, "more/c.yml");
    assert.deepEqual(await listLessons(`${options.root}/nowhere`), { default: null, lessons: [] });
  } finally {
    await cleanup();
  }
});

Deno.test("describeLesson falls back to the file name for text that is not YAML", () => {
  assert.deepEqual(describeLesson("x/broken.yaml", "a: [b"), {
    file: "x/broken.yaml",
    title: "x/broken",
    description: "",
  });
});

Deno.test("command line: port, host, lesson, folders; mistakes are reported", () => {
  const ok = parseArgs(["--port", "9000", "--lesson", "a.yaml", "--no-build", "--open-default"], "/repo");
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.equal(ok.options.port, 9000);
    assert.equal(ok.explicitPort, true);
    assert.equal(ok.options.lesson, "a.yaml");
    assert.equal(ok.options.build, false);
    assert.equal(ok.options.topologies, "/repo/topologies");
    assert.equal(ok.options.hostname, "127.0.0.1");
  }
  const bad = parseArgs(["--port", "99999"], "/repo");
  assert.ok(!bad.ok && /not a port/.test(bad.error));
  const unknown = parseArgs(["--bogus"], "/repo");
  assert.ok(!unknown.ok && /unknown option "--bogus"/.test(unknown.error));
  const missing = parseArgs(["--lesson"], "/repo");
  assert.ok(!missing.ok && /needs a value/.test(missing.error));
});
