import assert from "node:assert/strict";
import { coursePath, groupOf, optionLabel, optionTitle } from "../../web/app/course_path.ts";

const entry = (file: string, title: string, extra: Record<string, unknown> = {}) => ({
  file,
  title,
  description: "",
  ...extra,
});

Deno.test("lessons are grouped in the picker's order and sorted by level, then title", () => {
  const path = coursePath([
    entry("ipsec-b.yaml", "B"),
    entry("nat-x.yaml", "NAT late", { level: 3 }),
    entry("nat-y.yaml", "NAT first", { level: 1 }),
    entry("basics-ping.yaml", "Ping"),
    entry("exercise-q.yaml", "Q", { group: "exercises", level: 1 }),
    entry("mystery.yaml", "M"),
    entry("wireguard-w.yaml", "W"),
  ]);
  assert.deepEqual(path.map((g) => [g.group, g.lessons.map((l) => l.title)]), [
    ["basics", ["Ping"]],
    ["nat", ["NAT first", "NAT late"]],
    ["ipsec", ["B"]],
    ["other-vpns", ["W"]],
    ["exercises", ["Q"]],
    ["other", ["M"]],
  ]);
});

Deno.test("a lesson comes after the lessons its after: names, whatever the titles say", () => {
  const path = coursePath([
    entry("l2tp-a.yaml", "A: needs C", { name: "a", after: ["c"] }),
    entry("l2tp-b.yaml", "B", { name: "b" }),
    entry("l2tp-c.yaml", "C", { name: "c", after: ["b"] }),
  ]);
  assert.deepEqual(path[0].lessons.map((l) => l.name), ["b", "c", "a"]);
});

Deno.test("an explicit group wins over the file name; progress marks the option", () => {
  assert.equal(groupOf(entry("basics-x.yaml", "x", { group: "exercises" })), "exercises");
  const all = [
    entry("a.yaml", "A", { name: "a" }),
    entry("b.yaml", "B", { name: "b", after: ["a"], exercise: true }),
  ];
  assert.equal(optionLabel(all[1], {}, all), "B (exercise) (after 1)");
  assert.equal(optionTitle(all[1], {}, all), "Do first: A.");
  assert.equal(optionLabel(all[1], { "a.yaml": { opened: true } }, all), "B (exercise)");
  assert.equal(
    optionLabel(all[1], { "b.yaml": { opened: true, solved: true } }, all),
    "✓ B (exercise) (after 1)",
  );
  assert.equal(optionLabel(all[0], { "a.yaml": { opened: true } }, all), "• A");
  assert.equal(optionTitle(all[1], { "a.yaml": { opened: true } }, all), "", "nothing left to do first");
});
