/**
 * `sim check` as a teacher and a student use it: every exercise exits 1 as written and 0 with its
 * solution, and answers to checkable questions given with --answer are graded by the run.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/cli.ts";

const dir = new URL("../../topologies/", import.meta.url).pathname;
const exercises = [...Deno.readDirSync(dir)].map((e) => e.name)
  .filter((n) => n.startsWith("exercise-") && n.endsWith(".yaml")).sort();

async function check(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(...l.split("\n")),
    err: (l) => err.push(...l.split("\n")),
    color: false,
  };
  return { code: await runCli(["check", ...args], io), out, err };
}

for (const file of exercises) {
  Deno.test(`sim check ${file}: below full and exit 1 as written, full and exit 0 with --solution`, async () => {
    const plain = await check(`${dir}${file}`);
    const score = plain.out.map((l) => /^score (\d+)\/(\d+)$/.exec(l)).find((m) => m);
    assert.ok(score, plain.out.join("\n"));
    assert.ok(Number(score[1]) < Number(score[2]));
    assert.equal(plain.code, 1);
    const solved = await check(`${dir}${file}`, "--solution");
    const full = solved.out.map((l) => /^score (\d+)\/(\d+)$/.exec(l)).find((m) => m);
    assert.ok(full && full[1] === full[2], solved.out.join("\n"));
    assert.equal(solved.code, 0, solved.err.join("\n"));
  });
}

Deno.test("sim check --answer grades a checkable question by the run; a bad one is refused", async () => {
  // The LNS hands out the first address of its pool (10.10.99.100-10.10.99.199 in the file); question 5
  // is left unanswered, which counts as not right.
  const file = `${dir}l2tp-voluntary.yaml`;
  const one = await check(file, "--answer", "4=10.10.99.100");
  assert.equal(one.code, 1);
  assert.ok(one.out.includes("answers: 1/2 right"), one.out.join("\n"));
  assert.ok(one.out.some((l) => /^ {2}✓ 4\. /.test(l)));
  assert.ok(one.out.some((l) => /^ {2}✗ 5\. .*\(none\): no answer given$/.test(l)));
  const wrong = await check(file, "--answer", "4=10.10.99.1");
  assert.ok(wrong.out.includes("answers: 0/2 right"));
  const bad = await check(file, "--answer", "forty");
  assert.equal(bad.code, 2);
  assert.match(bad.err.join("\n"), /--answer forty: expected N=TEXT/);
  // Both ends announce an MSS of 1500 - 40 on their MTU-1500 links: all answered right, exit 0.
  const mss = await check(`${dir}exercise-web-page.yaml`, "--answer", "1=1460");
  assert.equal(mss.code, 0, mss.out.join("\n"));
  assert.ok(mss.out.includes("answers: 1/1 right"));
});
