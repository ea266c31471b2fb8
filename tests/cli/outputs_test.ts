/**
 * The CLI never loses a file the user wrote: `--pcap` and `--keys` replace only files Tunnel Lab wrote
 * and nobody changed, never follow a symbolic link, and are checked before anything runs. Also the
 * other checks made before the run (`--show` tables) and the outputs after it (`--check`, JSON
 * expectation lines, the lesson block).
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";
import { MANIFEST } from "../../src/cli/owned_files.ts";
import { KNOWN_TABLES } from "../../src/cli/show.ts";
import { simulate } from "../../src/sim.ts";
import { loadTopology } from "../../src/topology/load.ts";

const root = new URL("../../", import.meta.url).pathname;
const lesson = `${root}topologies/basics-ping.yaml`;
const compulsory = `${root}topologies/l2tp-compulsory.yaml`;

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(...l.split("\n")), err: (l) => err.push(l), color: false };
  const code = await runCli(args, io);
  return { code, out, err: err.join("\n") };
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tunnel-lab-out-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("--pcap keeps a foreign capture, an empty file and a symlink's target; says why; runs nothing", async () => {
  await withDir(async (dir) => {
    const pcaps = `${dir}/pcaps`;
    assert.equal((await cli("run", lesson, "--pcap", pcaps)).code, 0);
    // Someone else's real capture, under a link's name: a pcap, but not ours.
    const foreign = await Deno.readFile(`${pcaps}/home-lan.pcap`);
    foreign[foreign.length - 1] ^= 0xff;
    await Deno.writeFile(`${pcaps}/home-lan.pcap`, foreign);
    await Deno.writeFile(`${pcaps}/backbone.pcap`, new Uint8Array(0));
    const outside = `${dir}/outside.txt`;
    await Deno.writeTextFile(outside, "keep me");
    await Deno.remove(`${pcaps}/office-lan.pcap`);
    await Deno.symlink(outside, `${pcaps}/office-lan.pcap`);
    const r = await cli("run", lesson, "--pcap", pcaps);
    assert.equal(r.code, 2);
    assert.equal(r.out.length, 0, "nothing is run");
    assert.match(r.err, /refusing to overwrite .*home-lan\.pcap: it was changed since Tunnel Lab wrote it/);
    assert.match(r.err, /refusing to overwrite .*backbone\.pcap: it was changed since Tunnel Lab wrote it/);
    assert.match(r.err, /refusing to overwrite .*office-lan\.pcap: it is a symbolic link \(never followed\)/);
    assert.deepEqual(await Deno.readFile(`${pcaps}/home-lan.pcap`), foreign);
    assert.equal((await Deno.stat(`${pcaps}/backbone.pcap`)).size, 0);
    assert.equal(await Deno.readTextFile(outside), "keep me");
    // A folder that was never ours: its pcaps are refused too, even real ones.
    const theirs = `${dir}/theirs`;
    await Deno.mkdir(theirs);
    await Deno.writeFile(`${theirs}/home-lan.pcap`, foreign);
    const t = await cli("run", lesson, "--pcap", theirs);
    assert.equal(t.code, 2);
    assert.match(t.err, /home-lan\.pcap: it was not written by Tunnel Lab/);
    // A manifest someone else wrote does not make their files ours.
    await Deno.writeTextFile(`${theirs}/${MANIFEST}`, '{"files":{"home-lan.pcap":{"size":1,"sha256":"x"}}}');
    assert.equal((await cli("run", lesson, "--pcap", theirs)).code, 2);
  });
});

Deno.test("--pcap replaces its own unchanged captures and records them in the folder's manifest", async () => {
  await withDir(async (dir) => {
    const first = await cli("run", lesson, "--pcap", dir);
    assert.equal(first.code, 0, first.err);
    const before = await Deno.readFile(`${dir}/home-lan.pcap`);
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/${MANIFEST}`));
    assert.equal(manifest.files["home-lan.pcap"].size, before.length);
    const again = await cli("run", lesson, "--pcap", dir, "--seed", "9");
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /pcap: wrote .*home-lan\.pcap/);
  });
});

Deno.test("a dial-up line's capture is checked before the run, and a link may not take its name", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bob-pc_isp.pcap`, "notes");
    const r = await cli("run", compulsory, "--pcap", dir);
    assert.equal(r.code, 2);
    assert.equal(r.out.length, 0);
    assert.match(r.err, /bob-pc_isp\.pcap: it was not written by Tunnel Lab/);
    assert.equal(await Deno.readTextFile(`${dir}/bob-pc_isp.pcap`), "notes");
  });
  // The CLI predicts the line's name the way the dial-up module names it.
  const text = Deno.readTextFileSync(compulsory);
  const loaded = loadTopology(text, "c.yaml");
  assert.ok(loaded.ok);
  const lines = new Set(
    simulate(loaded.model).records.filter((r) => r.linktype === "ppp").map((r) => r.link),
  );
  assert.deepEqual([...lines], ["bob-pc_isp"]);
  const clash = loadTopology(text.replace("name: office-lan,", "name: bob-pc_isp,"), "c.yaml");
  assert.ok(!clash.ok);
  assert.equal(clash.errors.length, 1);
  assert.match(clash.errors[0].message, /link "bob-pc_isp" has the name of bob-pc's dial-up line to isp/);
  const line = text.split("\n").findIndex((l) => l.includes("name: office-lan,")) + 1;
  assert.equal(clash.errors[0].line, line);
});

Deno.test("--keys is checked before the run: a look-alike file is kept and nothing is printed or written", async () => {
  await withDir(async (dir) => {
    const keys = `${dir}/keys.txt`;
    const lookalike = "# Tunnel Lab IPsec keys\nmy own notes\n";
    await Deno.writeTextFile(keys, lookalike);
    const r = await cli("run", lesson, "--keys", keys, "--pcap", `${dir}/pcaps`);
    assert.equal(r.code, 2);
    assert.equal(r.out.length, 0);
    assert.match(r.err, /--keys: refusing to overwrite .*keys\.txt: it was not written by Tunnel Lab/);
    assert.equal(await Deno.readTextFile(keys), lookalike);
    await assert.rejects(Deno.stat(`${dir}/pcaps`), Deno.errors.NotFound);
    // A folder that does not exist yet is made, as --pcap makes its own.
    const newFolder = await cli("run", lesson, "--keys", `${dir}/missing/keys.txt`);
    assert.equal(newFolder.code, 0);
    assert.match(await Deno.readTextFile(`${dir}/missing/keys.txt`), /^# Tunnel Lab/);
    await Deno.writeTextFile(`${dir}/afile`, "");
    const notFolder = await cli("run", lesson, "--keys", `${dir}/afile/keys.txt`);
    assert.equal(notFolder.code, 2);
    assert.match(notFolder.err, /afile is not a folder/);
    // Its own keys file it replaces.
    const own = `${dir}/own.txt`;
    assert.equal((await cli("run", lesson, "--keys", own)).code, 0);
    assert.equal((await cli("run", lesson, "--keys", own)).code, 0);
  });
});

Deno.test("--show names an unknown table before the run; --help lists the tables", async () => {
  const r = await cli("run", lesson, "--show", "foo@r1");
  assert.equal(r.code, 2);
  assert.equal(r.out.length, 0);
  assert.match(r.err, /--show foo@r1: no table "foo"; tables: interfaces, routes,/);
  const typo = await cli("run", lesson, "--show", "route@r1");
  assert.match(typo.err, /no table "route" \(did you mean "routes"\?\)/);
  const help = await cli("--help");
  for (const table of KNOWN_TABLES) assert.ok(help.out.join("\n").includes(table), table);
});

Deno.test("every table the lessons publish is one --show knows", () => {
  const seen = new Set<string>();
  for (const entry of Deno.readDirSync(`${root}topologies`)) {
    if (!entry.name.endsWith(".yaml")) continue;
    const loaded = loadTopology(Deno.readTextFileSync(`${root}topologies/${entry.name}`), entry.name);
    assert.ok(loaded.ok, entry.name);
    for (const r of simulate(loaded.model).records) if (r.kind === "state" && r.table) seen.add(r.table);
  }
  assert.ok(seen.size >= 10);
  for (const table of seen) assert.ok((KNOWN_TABLES as readonly string[]).includes(table), table);
});

Deno.test("--check exits 1 on an unmet expectation; JSON expectation lines come before the summary", async () => {
  await withDir(async (dir) => {
    const text = Deno.readTextFileSync(lesson);
    assert.equal((await cli("run", lesson, "--check")).code, 0);
    const unmet = `${dir}/unmet.yaml`;
    await Deno.writeTextFile(
      unmet,
      text.replace(
        /^expect:\n/m,
        'expect:\n  - { say: "nobody says this", node: laptop, log: "no such line" }\n',
      ),
    );
    assert.equal((await cli("run", unmet)).code, 0, "without --check an unmet expectation is reported only");
    const checked = await cli("run", unmet, "--check");
    assert.equal(checked.code, 1);
    assert.match(checked.err, /check: 1 of \d+ expectations unmet/);
    assert.match(checked.out.join("\n"), /✗ nobody says this/);
    const json = (await cli("run", unmet, "--format", "json")).out.map((l) => JSON.parse(l));
    assert.equal(json.at(-1).type, "summary");
    const verdicts = json.filter((o) => o.type === "expectation");
    assert.ok(verdicts.length >= 2);
    const miss = verdicts.find((v) => v.say === "nobody says this");
    assert.deepEqual([miss.met, miss.seq, miss.t], [false, null, null]);
    const hit = verdicts.find((v) => v.met);
    const record = json.find((o) => o.type === "record" && o.seq === hit.seq);
    assert.equal(record.t, hit.t);
  });
});

Deno.test("text mode prints the lesson block: title, story, look-for and questions", async () => {
  const r = await cli("run", lesson);
  assert.equal(r.code, 0);
  const text = r.out.join("\n");
  const loaded = loadTopology(Deno.readTextFileSync(lesson), "l.yaml");
  assert.ok(loaded.ok && loaded.model.lesson);
  const l = loaded.model.lesson;
  const flat = text.replace(/\s+/g, " ");
  assert.ok(text.includes(`lesson: ${l.title}`));
  assert.ok(flat.includes(l.story.trim().replace(/\s+/g, " ")), "the whole story");
  for (const q of l.questions) assert.ok(flat.includes(q.replace(/\s+/g, " ")), q);
  assert.ok(text.indexOf("look for:") < text.indexOf("questions:"));
  assert.ok(text.indexOf(`lesson: ${l.title}`) > text.indexOf("results:") || !text.includes("results:"));
  const block = r.out.slice(r.out.indexOf(`lesson: ${l.title}`));
  for (const line of block) assert.ok(line.length <= 110, `long line: ${line}`);
});
