/**
 * The lesson panel's questions: a question written with `answer:` carries that text for the "Show
 * answer" toggle; a plain string question carries none. myths-on-screen answers all four of its
 * questions (the first names UDP port 1701); pptp-nat-passthrough's are plain strings.
 */
import assert from "node:assert/strict";
import { loadTopology } from "../../src/topology/load.ts";
import { questionItems } from "../../web/app/lesson_questions.ts";

function lessonOf(file: string) {
  const text = Deno.readTextFileSync(new URL(`../../topologies/${file}`, import.meta.url));
  const loaded = loadTopology(text, file);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return loaded.model.lesson!;
}

Deno.test("myths-on-screen: each question carries its answer text, in order", () => {
  const items = questionItems(lessonOf("myths-on-screen.yaml"));
  assert.equal(items.length, 4);
  assert.equal(items[0].text, "Which transport and port does L2TP use?");
  assert.match(items[0].answer ?? "", /^UDP, .*1701/);
  assert.match(items[3].answer ?? "", /168 bits/);
  assert.ok(items.every((q) => q.answer !== undefined));
});

Deno.test("pptp-nat-passthrough: plain string questions have no answer to show", () => {
  const items = questionItems(lessonOf("pptp-nat-passthrough.yaml"));
  assert.equal(items.length, 3);
  assert.ok(items.every((q) => q.answer === undefined));
});
