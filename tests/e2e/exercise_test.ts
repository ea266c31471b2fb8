/**
 * The Exercise tab in Chromium, on topologies/exercise-passthrough.yaml: the file as written scores below
 * full, the student's what-if fix scores full (the same grading as `sim check`, computed here
 * independently), hints come one at a time, the exported answer is a changes file `sim check --apply`
 * accepts, and teacher mode shows the solution. Screenshots of the panel at three classroom sizes.
 */
import assert from "node:assert/strict";
import { simulate } from "../../src/sim.ts";
import { applyChanges, parseChanges } from "../../src/topology/changes.ts";
import { loadTopology } from "../../src/topology/load.ts";
import { gradeExercise } from "../../src/trace/grade.ts";
import { ROOT, screenshot, viewTest, waitReady } from "./browser.ts";
import { formatIpv4 } from "../../src/topology/values.ts";

const LESSON = "exercise-passthrough.yaml";

viewTest("browser exercise: check my answer, hints, export, teacher mode", async (page, url, t) => {
  const text = await Deno.readTextFile(`${ROOT}/topologies/${LESSON}`);
  const loaded = loadTopology(text, LESSON);
  assert.ok(loaded.ok && loaded.model.lesson?.exercise);
  const model = loaded.model;
  const exercise = model.lesson!.exercise!;
  // What the grade must be, from the engine alone: the file as written is not solved.
  const unsolved = gradeExercise(exercise, simulate(model).records);
  assert.ok(unsolved.score < unsolved.total);
  await page.goto(`${url}#lesson=${LESSON}`);
  await waitReady(page);

  await t.step("the tab shows the task and the knobs", async () => {
    await page.click("#tab-exercise");
    assert.equal((await page.locator("#exercise-task").textContent())?.trim(), exercise.task.trim());
    assert.equal(await page.locator("#exercise-knobs li").count(), exercise.knobs.length);
    // Goals stay hidden until checked (teacher mode off).
    assert.equal(await page.locator("#exercise-goals").count(), 0);
    assert.equal(await page.locator("#exercise-solution").count(), 0);
  });

  await t.step("the file as written scores below full", async () => {
    await page.click("#exercise-check");
    const score = page.locator("#exercise-score");
    await score.waitFor();
    assert.equal(await score.getAttribute("data-score"), String(unsolved.score));
    assert.equal(await score.getAttribute("data-total"), String(unsolved.total));
    assert.match(
      await score.textContent() ?? "",
      new RegExp(`^score ${unsolved.score}/${unsolved.total}`),
    );
    const marks = await page.locator("#exercise-goals li").evaluateAll((els) => els.map((e) => e.className));
    assert.deepEqual(marks, unsolved.goals.map((g) => (g.met ? "met" : "unmet")));
  });

  await t.step("hints come one at a time and stay after a reload", async () => {
    await page.click("#exercise-hint");
    assert.equal(await page.locator("#exercise-hints li").count(), 1);
    assert.equal(await page.locator("#exercise-hints li").first().textContent(), exercise.hints[0]);
    await page.click("#exercise-hint");
    assert.equal(await page.locator("#exercise-hints li").count(), 2);
    await screenshot(page, "exercise-unsolved-1400x900");
    await page.reload();
    await waitReady(page);
    await page.click("#tab-exercise");
    assert.equal(await page.locator("#exercise-hints li").count(), 2);
  });

  await t.step("the student's what-if fix scores full", async () => {
    await page.click("#tab-whatif");
    await page.click('#panel-whatif input[data-path="nodes.home-router.l2tp-passthrough"]');
    await waitReady(page);
    await page.click("#tab-exercise");
    assert.match(
      await page.locator("#exercise-knobs li.changed").textContent() ?? "",
      /l2tp-passthrough = on/,
    );
    await page.click("#exercise-check");
    await page.waitForFunction(() =>
      document.querySelector("#exercise-score")?.textContent?.includes("solved")
    );
    const score = page.locator("#exercise-score");
    assert.equal(await score.getAttribute("data-score"), String(exercise.goal.length));
    assert.equal(await page.locator("#exercise-goals li.met").count(), exercise.goal.length);
  });

  await t.step("the picker shows the course path, with this exercise solved", async () => {
    const groups = await page.locator("#lesson-picker optgroup").evaluateAll((els) =>
      els.map((e) => (e as HTMLOptGroupElement).label)
    );
    assert.deepEqual(groups.slice(0, 2), ["Basics", "NAT"]);
    assert.ok(groups.includes("Exercises"));
    const label = await page.locator(`#lesson-picker option[value="${LESSON}"]`).textContent();
    assert.match(label ?? "", /^✓ Exercise: the tunnel will not come up/);
    assert.equal(await page.locator("#lesson-picker").inputValue(), LESSON);
  });

  await t.step("the exported answer is a changes file sim check --apply accepts", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#exercise-export")]);
    assert.equal(download.suggestedFilename(), "exercise-passthrough-CHANGES.yaml");
    const answer = await Deno.readTextFile(await download.path());
    const parsed = parseChanges(answer, "CHANGES.yaml");
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.changes.map((c) => [c.path, c.value]), [[
      "nodes.home-router.l2tp-passthrough",
      "on",
    ]]);
    const applied = applyChanges(text, model, parsed.changes, "CHANGES.yaml", exercise.knobs);
    assert.ok(applied.ok);
    assert.ok(gradeExercise(exercise, simulate(applied.model).records).solved);
  });

  await t.step("teacher mode shows the goals and the solution", async () => {
    await page.check("#exercise-teacher");
    await page.locator("#exercise-solution").waitFor();
    assert.match(
      await page.locator("#exercise-solution pre").textContent() ?? "",
      /l2tp-passthrough: "?on"?/,
    );
    for (const [w, hgt] of [[1024, 768], [1400, 900], [1920, 1080]] as const) {
      await page.setViewportSize({ width: w, height: hgt });
      await page.waitForTimeout(150);
      await screenshot(page, `exercise-${w}x${hgt}`);
    }
  });

  await t.step(
    "the handout prints the lesson, and in teacher mode its answers and solution",
    async () => {
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.evaluate(() => {
        // The dialog itself is the browser's; the page only has to be ready when it opens.
        globalThis.print = () => document.body.setAttribute("data-printed", "1");
      });
      await page.click("#print-handout");
      assert.equal(await page.locator("body").getAttribute("data-printed"), "1");
      const handout = page.locator("#handout");
      assert.equal(await handout.locator("h1").textContent(), model.lesson!.title);
      assert.equal(
        await handout.locator(".handout-questions > li").count(),
        model.lesson!.questions.length,
      );
      assert.equal(
        await handout.locator(".handout-answer").count(),
        model.lesson!.answers!.filter((a) => a?.text).length,
      );
      assert.match(await handout.locator("pre").textContent() ?? "", /l2tp-passthrough/);
      assert.equal(await handout.locator("svg.handout-diagram g.node").count(), model.nodes.length);
      // The live view marks the node of the current step; the handout draws the network, not the step.
      assert.ok(await page.locator("#topology g.node.current").count() > 0, "the live view marks a node");
      assert.equal(await handout.locator(".current, .picked, g.packet").count(), 0);
      const rings = await handout.locator("circle.ring").evaluateAll((els) =>
        els.map((e) => e.getAttribute("stroke") ?? "none")
      );
      assert.deepEqual(rings.filter((r) => r !== "none"), [], "no ring drawn on the handout");
      await page.emulateMedia({ media: "print" });
      assert.equal(await page.locator("main.layout").isVisible(), false);
      assert.equal(await handout.isVisible(), true);
      await page.pdf({ path: `${ROOT}/test-output/e2e/handout-teacher.pdf`, format: "A4" });
      await screenshot(page, "handout-print-1400x900");
      await page.emulateMedia({ media: "screen" });
      await page.uncheck("#exercise-teacher");
      await page.click("#print-handout");
      assert.equal(
        await page.locator("#handout .handout-answer").count(),
        0,
        "no answers on a student's copy",
      );
      assert.equal(await page.locator("#handout pre").count(), 0, "no solution on a student's copy");
    },
  );
});

viewTest(
  "browser questions: a checkable answer is graded by this run, and again after a what-if change",
  async (
    page,
    url,
    t,
  ) => {
    const file = "l2tp-voluntary.yaml";
    const loaded = loadTopology(await Deno.readTextFile(`${ROOT}/topologies/${file}`), file);
    assert.ok(loaded.ok);
    // The LNS hands out the first address of its pool: the right answer, from the topology, not the run.
    const pool = loaded.model.nodes.find((n) => n.kind === "lns")!.config.pool as {
      first: number;
      last: number;
    };
    const first = formatIpv4(pool.first);
    await page.goto(`${url}#lesson=${file}`);
    await waitReady(page);
    const box = page.locator("#answer-4");
    const verdict = page.locator("#answer-verdict-4");

    await t.step("a wrong answer is wrong, the pool's first address is right", async () => {
      await box.fill(formatIpv4(pool.first + 1));
      await page.click("#panel-lesson li:nth-child(4) .answer-check-button");
      assert.equal(await verdict.getAttribute("class"), "answer-verdict wrong");
      await box.fill(first);
      await box.press("Enter");
      assert.equal(await verdict.getAttribute("class"), "answer-verdict right");
      assert.match(await verdict.textContent() ?? "", /^✓ Right/);
      const reveal = page.locator("#panel-lesson li:nth-child(4) details.answer");
      await reveal.locator("summary").click();
      assert.equal(await reveal.locator(".answer-from-run").textContent(), `This run shows: ${first}`);
      for (const [w, hgt] of [[1024, 768], [1400, 900], [1920, 1080]] as const) {
        await page.setViewportSize({ width: w, height: hgt });
        await page.locator("#lesson-questions").scrollIntoViewIfNeeded();
        await screenshot(page, `questions-${w}x${hgt}`);
      }
      await page.setViewportSize({ width: 1400, height: 900 });
    });

    await t.step("after moving the pool, the same answer is graded again and is wrong", async () => {
      await page.click("#tab-whatif");
      const later = formatIpv4(pool.first + 50);
      await page.fill('#panel-whatif input[data-path="nodes.lns.pool"]', `${later}-${formatIpv4(pool.last)}`);
      await page.press('#panel-whatif input[data-path="nodes.lns.pool"]', "Enter");
      await page.waitForFunction(() =>
        document.body.dataset.state === "ready" && !!document.querySelector("#lesson-modified")
      );
      await page.click("#tab-lesson");
      assert.equal(await box.inputValue(), first, "what the student typed stays");
      assert.equal(await verdict.getAttribute("class"), "answer-verdict wrong");
      await box.fill(later);
      await box.press("Enter");
      assert.equal(await verdict.getAttribute("class"), "answer-verdict right");
      const reveal = page.locator("#panel-lesson li:nth-child(4) details.answer");
      await reveal.locator("summary").click();
      assert.equal(
        await reveal.locator(".answer-from-run").textContent(),
        `This run shows: ${later}`,
        "the revealed answer is the changed run's",
      );
    });
  },
);

viewTest(
  "browser proposals: the what-if panel offers proposals as menus, and picking both solves the exercise",
  async (
    page,
    url,
  ) => {
    const file = "exercise-proposals.yaml";
    const loaded = loadTopology(await Deno.readTextFile(`${ROOT}/topologies/${file}`), file);
    assert.ok(loaded.ok && loaded.model.lesson?.exercise);
    const solution = loaded.model.lesson.exercise.solution;
    await page.goto(`${url}#lesson=${file}`);
    await waitReady(page);
    await page.click("#tab-whatif");
    for (const change of solution) {
      const select = page.locator(`#panel-whatif select[data-path="${change.path}"]`);
      const options = await select.locator("option").evaluateAll((els) => els.map((e) => e.textContent));
      // The menu is the schema's whole choice, not just the two words of this exercise.
      assert.ok(options.length > 2 && options.includes(String(change.value)), options.join(", "));
      await select.selectOption(String(change.value));
      await waitReady(page);
    }
    await page.locator(`#panel-whatif select[data-path="${solution[0].path}"]`).scrollIntoViewIfNeeded();
    await screenshot(page, "proposal-menus-1400x900");
    await page.click("#tab-exercise");
    await page.click("#exercise-check");
    await page.waitForFunction(() =>
      document.querySelector("#exercise-score")?.textContent?.includes("solved")
    );
  },
);
