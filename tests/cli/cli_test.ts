/**
 * The CLI as a user meets it: spawned with `deno run` for exit codes and streams, and in-process
 * (runCli with captured output) for the rest.
 */
import assert from "node:assert/strict";
import { readPcap } from "../../src/trace/pcap.ts";
import { cliInProcess } from "../helpers/cli_in_process.ts";

const inProcess = (...args: string[]) => cliInProcess(args);

const root = new URL("../../", import.meta.url);
const main = new URL("src/cli/main.ts", root).pathname;
const good = new URL("tests/topology/good/two-lans.yaml", root).pathname;
const badRoutes = new URL("tests/topology/bad/routes.yaml", root).pathname;

async function spawn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", main, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at /m, `stack trace in:\n${text}`);

Deno.test("bad topology: exit 2, every error as file:line:col on stderr, nothing run", async () => {
  const r = await spawn("run", badRoutes);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 8);
  for (const line of lines) assert.match(line, new RegExp(`^${badRoutes}:\\d+:\\d+: `));
  assert.ok(
    lines.includes(`${badRoutes}:16:33: next hop 10.0.1.1 is r's own address; use the neighbour's address`),
  );
  noStackTrace(r.stderr);
  const v = await spawn("validate", badRoutes);
  assert.equal(v.code, 2);
  assert.equal(v.stderr, r.stderr);
});

Deno.test("missing file, unknown option, unknown command: clear one-line errors, exit 2", async () => {
  const missing = await spawn("run", "no/such/file.yaml");
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim(), "no/such/file.yaml: no such file");
  const option = await spawn("run", good, "--sed", "3");
  assert.equal(option.code, 2);
  assert.match(option.stderr, /Unknown option '--sed'/);
  const command = await spawn("rnu", good);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command "rnu" \(did you mean "run"\?\)/);
  for (const r of [missing, option, command]) noStackTrace(r.stderr);
  const none = await spawn();
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage:/);
});

Deno.test("help and validate succeed", async () => {
  const help = await spawn("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /run FILE/);
  assert.match(help.stdout, /--pcap DIR/);
  assert.match(help.stdout, /ping DST \[count N\]/);
  const v = await spawn("validate", good);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /ok: "two-lans", 4 nodes, 2 links, 5 script actions, runs 30s/);
});

Deno.test("run prints the trace and the summary; same input, same bytes", async () => {
  const a = await spawn("run", good);
  assert.equal(a.code, 0, a.stderr);
  assert.match(
    a.stdout,
    /^\s+2\.000000 laptop\s+tx\s+eth0 → lan\s+10\.0\.0\.2 > 10\.0\.1\.5: ICMP echo request/m,
  );
  assert.match(a.stdout, /» 3 packets transmitted, 3 received, 0% packet loss/);
  assert.match(a.stdout, /--- summary ---/);
  const b = await spawn("run", good);
  assert.equal(b.stdout, a.stdout);
});

Deno.test("--format json: one record per line, then the summary line", async () => {
  const r = await inProcess("run", good, "--format", "json");
  assert.equal(r.code, 0, r.err.join("\n"));
  const objects = r.out.map((line) => JSON.parse(line));
  const summary = objects.at(-1);
  assert.equal(summary.type, "summary");
  const records = objects.slice(0, -1);
  assert.ok(records.every((o) => o.type === "record"));
  assert.equal(records.length, summary.records);
  assert.deepEqual(records.map((o) => o.seq), records.map((_, i) => i));
  const txs = records.filter((o) => o.kind === "tx");
  assert.ok(txs.length > 0 && txs.every((o) => /^45[0-9a-f]+$/.test(o.bytes)));
  assert.equal(summary.packets.sent, txs.length);
});

Deno.test("--until stops early and --seed is reported", async () => {
  const r = await inProcess("run", good, "--format", "json", "--until", "2100ms", "--seed", "99");
  assert.equal(r.code, 0);
  const objects = r.out.map((line) => JSON.parse(line));
  assert.ok(objects.slice(0, -1).every((o) => o.t <= 2_100_000));
  assert.equal(objects.at(-1).seed, 99);
  for (const bad of [["--until", "soon"], ["--seed", "-1"], ["--format", "xml"]]) {
    const e = await inProcess("run", good, ...bad);
    assert.equal(e.code, 2, bad.join(" "));
    assert.equal(e.out.length, 0);
  }
});

Deno.test("--pcap writes one capture per link holding exactly that link's tx records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pcapDir = `${dir}/captures/new`;
    const r = await inProcess("run", good, "--format", "json", "--pcap", pcapDir);
    assert.equal(r.code, 0, r.err.join("\n"));
    const records = r.out.slice(0, -1).map((l) => JSON.parse(l));
    for (const link of ["lan", "r1_server"]) {
      const file = readPcap(await Deno.readFile(`${pcapDir}/${link}.pcap`));
      assert.ok(file.ok);
      const expected = records.filter((o) => o.kind === "tx" && o.link === link);
      assert.equal(file.value.linktype, 101);
      assert.deepEqual(
        file.value.packets.map((
          p,
        ) => [p.t, [...p.bytes].map((b) => b.toString(16).padStart(2, "0")).join("")]),
        expected.map((o) => [o.t, o.bytes]),
      );
    }
    // Our own captures may be overwritten; anything else may not.
    assert.equal((await inProcess("run", good, "--pcap", pcapDir)).code, 0);
    await Deno.writeTextFile(`${pcapDir}/lan.pcap`, "my notes");
    const refused = await inProcess("run", good, "--pcap", pcapDir);
    assert.equal(refused.code, 2);
    assert.match(
      refused.err.join("\n"),
      /refusing to overwrite .*lan\.pcap: it was changed since Tunnel Lab wrote it/,
    );
    assert.equal(refused.out.length, 0);
    assert.equal(await Deno.readTextFile(`${pcapDir}/lan.pcap`), "my notes");
    await Deno.writeTextFile(`${dir}/plain`, "x");
    assert.equal((await inProcess("run", good, "--pcap", `${dir}/plain`)).code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--show prints device tables at the end or at a time", async () => {
  const r = await inProcess("run", good, "--show", "routes@r1", "--show", "interfaces@server@0s");
  assert.equal(r.code, 0, r.err.join("\n"));
  const at = r.out.indexOf("routes@r1 at the end:");
  assert.ok(at > 0);
  assert.match(r.out[at + 1], /^ {2}key\s+route$/);
  assert.match(r.out.slice(at).join("\n"), /10\.2\.0\.0\/16 via 10\.0\.1\.5/);
  const i = r.out.indexOf("interfaces@server at 0.000000s:");
  assert.match(r.out[i + 2], /^ {2}eth0\s+10\.0\.1\.5\/24\s+1400$/);
  const badNode = await inProcess("run", good, "--show", "routes@r2");
  assert.equal(badNode.code, 2);
  assert.equal(badNode.out.length, 0);
  assert.match(badNode.err.join("\n"), /no node "r2" \(did you mean "r1"\?\)/);
  const badTable = await inProcess("run", good, "--show", "nat@r1");
  assert.equal(badTable.code, 2);
  assert.match(badTable.err.join("\n"), /r1 has no table "nat" \(it has: interfaces, routes\)/);
  assert.equal((await inProcess("run", good, "--show", "routes")).code, 2);
});
