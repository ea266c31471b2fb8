import assert from "node:assert/strict";
import { contentType, isInside, resolveRequestPath } from "../../src/server/paths.ts";

Deno.test("plain paths map into web/ or topologies/", () => {
  assert.deepEqual(resolveRequestPath("/"), { root: "web", rel: "index.html" });
  assert.deepEqual(resolveRequestPath("/dist/engine.js"), { root: "web", rel: "dist/engine.js" });
  assert.deepEqual(resolveRequestPath("/topologies/basics-ping.yaml"), {
    root: "topologies",
    rel: "basics-ping.yaml",
  });
  assert.deepEqual(resolveRequestPath("/topologies/sub/x%20y.yaml"), {
    root: "topologies",
    rel: "sub/x y.yaml",
  });
});

Deno.test("traversal, encoded separators, hidden files and odd bytes are refused", () => {
  for (
    const bad of [
      "/../deno.json",
      "/topologies/../deno.json",
      "/topologies/..%2fdeno.json",
      "/%2e%2e/deno.json",
      "/topologies/%2e%2e%2f%2e%2e%2fetc/passwd",
      "/dist/..\\..\\deno.json",
      "/a%5c..%5cb",
      "/.git/config",
      "/topologies/.hidden.yaml",
      "/x%00.html",
      "/%E0%A4%A",
      "//etc/passwd",
      "/topologies",
      "/topologies/",
      "/web/./index.html",
    ]
  ) {
    assert.equal(resolveRequestPath(bad), null, bad);
  }
});

Deno.test("isInside compares whole path segments", () => {
  assert.ok(isInside("/srv/web", "/srv/web/index.html"));
  assert.ok(isInside("/srv/web", "/srv/web"));
  assert.ok(!isInside("/srv/web", "/srv/website/index.html"));
  assert.ok(!isInside("/srv/web", "/srv/deno.json"));
});

Deno.test("content types by extension", () => {
  assert.equal(contentType("a/index.html"), "text/html; charset=utf-8");
  assert.equal(contentType("engine.js"), "text/javascript; charset=utf-8");
  assert.equal(contentType("x.YAML"), "text/yaml; charset=utf-8");
  assert.equal(contentType("blob.bin"), "application/octet-stream");
});
