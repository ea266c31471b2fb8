/**
 * What the loader refuses before any YAML is read, and how it reports it: only regular files, at most
 * the documented size, strictly UTF-8 (the bad byte's line:col), no absurd nesting; messages stay on
 * one line whatever the file contains; the topology name follows the documented characters.
 */
import assert from "node:assert/strict";
import { INPUT_LIMITS } from "../../src/engine/limits.ts";
import { loadTopologyFile } from "../../src/cli/load_file.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { decodeSource, MAX_FLOW_DEPTH } from "../../src/topology/source.ts";

const root = new URL("../../", import.meta.url).pathname;
const lesson = Deno.readTextFileSync(`${root}topologies/basics-ping.yaml`);

Deno.test("a FIFO, a device and a folder are refused without being read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/pipe.yaml`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.equal(made.code, 0);
    const r = await loadTopologyFile(fifo);
    assert.ok(!r.ok);
    assert.match(r.messages[0], /pipe\.yaml: not a regular file/);
    const zero = await loadTopologyFile("/dev/zero");
    assert.ok(!zero.ok && /not a regular file/.test(zero.messages[0]));
    const folder = await loadTopologyFile(dir);
    assert.ok(!folder.ok && /is a folder/.test(folder.messages[0]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file over the size limit is refused with both sizes named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = `${dir}/big.yaml`;
    await Deno.writeTextFile(big, lesson + "#".repeat(INPUT_LIMITS.fileBytes));
    const r = await loadTopologyFile(big);
    assert.ok(!r.ok);
    assert.equal(r.messages.length, 1);
    assert.match(
      r.messages[0],
      /big\.yaml:1:1: the file is too large for a topology \(\d+ KiB; at most 1 MiB\)/,
    );
    const text = loadTopology("#".repeat(INPUT_LIMITS.fileBytes + 1), "t.yaml");
    assert.ok(!text.ok && /too large/.test(text.errors[0].message), "the library refuses it too");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bytes that are not UTF-8 are reported at their line and column", () => {
  const text = new TextEncoder().encode("name: café\nnodes:\n  a\xff: {}\n".replace("\xff", "@"));
  const at = text.indexOf("@".charCodeAt(0));
  for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x28, 0xa1]]) {
    const bytes = new Uint8Array([...text.subarray(0, at), ...bad, ...text.subarray(at + 1)]);
    const r = decodeSource(bytes, "f.yaml");
    assert.ok(!r.ok, `${bad}`);
    assert.equal(r.error.line, 3);
    assert.equal(r.error.col, 4);
    assert.match(r.error.message, new RegExp(`not UTF-8 text: byte 0x${bad[0].toString(16)}`));
  }
  // A multi-byte character before the bad byte counts as one column.
  const r = decodeSource(new Uint8Array([...new TextEncoder().encode("é"), 0x80]), "g.yaml");
  assert.ok(!r.ok && r.error.line === 1 && r.error.col === 2);
  const ok = decodeSource(
    new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("name: é")]),
    "h.yaml",
  );
  assert.ok(ok.ok && ok.text === "name: é", "a byte-order mark is dropped");
});

Deno.test("CR, U+2028 and other controls quoted from the file never split a message", () => {
  for (const sep of ["\r", "\u2028", "\u0085", "\u001b[31m"]) {
    const r = loadTopology(lesson.replace("kind: host", `kind: "ho${sep}st"`), "s.yaml");
    assert.ok(!r.ok);
    // deno-lint-ignore no-control-regex
    for (const e of r.errors) assert.doesNotMatch(e.message, /[\r\n\u2028\u2029\u0085\u001b]/);
    assert.ok(r.errors.some((e) => e.message.includes('unknown kind "ho\\')), r.errors[0].message);
  }
});

Deno.test("the topology name is checked against the documented characters", () => {
  const r = loadTopology(lesson.replace("name: basics-ping", 'name: "my lab/1"'), "n.yaml");
  assert.ok(!r.ok);
  assert.equal(r.errors.length, 1);
  assert.match(
    r.errors[0].message,
    /name: "my lab\/1" is not valid \(expected a name of letters/,
  );
  assert.deepEqual([r.errors[0].line, r.errors[0].col], [1, 7]);
});

Deno.test("deep nesting is refused at the bracket that goes too deep; shallow brackets in quotes are fine", () => {
  const depth = MAX_FLOW_DEPTH + 1;
  const r = loadTopology(`name: x\nnodes: ${"[".repeat(depth)}${"]".repeat(depth)}\n`, "d.yaml");
  assert.ok(!r.ok);
  assert.equal(r.errors.length, 1);
  assert.deepEqual([r.errors[0].line, r.errors[0].col], [2, 8 + MAX_FLOW_DEPTH]);
  const quoted = loadTopology(
    lesson.replace("name: basics-ping", `name: basics-ping # ${"[".repeat(depth)}`),
    "q",
  );
  assert.ok(quoted.ok);
});

Deno.test("a key written twice is found in a map of thousands of keys", () => {
  const nodes = Array.from({ length: 5000 }, (_, i) => `  h${i}: { kind: host }`);
  nodes.push("  h17: { kind: host }");
  const r = loadTopology(`name: many\nnodes:\n${nodes.join("\n")}\n`, "m.yaml");
  assert.ok(!r.ok);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0].message, /Map keys must be unique/);
  assert.deepEqual([r.errors[0].line, r.errors[0].col], [5003, 3]);
});
