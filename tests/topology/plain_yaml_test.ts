/**
 * The fast reader must build what the yaml package builds, with the same positions, whenever it accepts a
 * text, and leave everything else to the package. Compared on every file of the repository that it reads,
 * on the bench's generated files, and on snippets chosen to sit on the edge of its subset.
 */
import assert from "node:assert/strict";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { readPlainYaml } from "../../src/topology/plain_yaml.ts";
import { scaleTopology } from "../../bench/scale_topology.ts";

const root = new URL("../../", import.meta.url).pathname;

/** A node as the loader sees it: kind, value, where it starts and (for scalars) ends; empty ones as such. */
function shape(node: unknown): unknown {
  if (isScalar(node)) {
    const [start, end] = node.range!;
    if (node.value === null && start === end) return "empty";
    return { value: node.value, start, end };
  }
  if (isMap(node)) {
    return {
      map: node.items.map((p) => [shape(p.key), shape(p.value)]),
      start: node.range![0],
    };
  }
  if (isSeq(node)) return { seq: node.items.map(shape), start: node.range![0] };
  return `other: ${String(node)}`;
}

/** Asserts agreement with the package; returns whether the fast reader accepted the text. */
function agrees(text: string, label: string): boolean {
  const fast = readPlainYaml(text);
  if (fast === undefined) return false;
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  assert.deepEqual(doc.errors.map((e) => e.message), [], `${label}: accepted a text the package refuses`);
  assert.deepEqual(shape(fast), shape(doc.contents), label);
  assert.deepEqual(fast.toJSON(), doc.contents!.toJSON(), label);
  return true;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${root}${dir}`)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...yamlFiles(path));
    else if (e.name.endsWith(".yaml")) out.push(path);
  }
  return out;
}

Deno.test("plain yaml: the bench's generated files are read fast, as the package reads them", () => {
  for (const ipsec of [false, true]) {
    for (const perNat of [1, 10]) {
      const text = scaleTopology({ clients: 50, perNat, ipsec });
      assert(agrees(text, `scale ${perNat} ${ipsec}`), `scale ${perNat} ${ipsec} was declined`);
    }
  }
});

Deno.test("plain yaml: every file of the repository it accepts reads as the package reads it", () => {
  let accepted = 0;
  const files = [...yamlFiles("topologies"), ...yamlFiles("tests")];
  for (const file of files) {
    if (agrees(Deno.readTextFileSync(`${root}${file}`), file)) accepted++;
  }
  // Lessons use block scalars for their stories (left to the package); fixtures and bad files mostly do not.
  assert(accepted >= 5, `only ${accepted} of ${files.length} files were read fast`);
});

Deno.test("plain yaml: edge cases agree with the package or are left to it", () => {
  const accepted = [
    "a: 1\nb: -2\nc: 1.50\nd: true\ne: null\nf: ~\ng:\nh: text, with a comma\n",
    "a: 10.0.0.1/24\nb: 250ms\nc: 3des\nd: 1.2.3.4\ne: yes\nf: on\n",
    "# head\n\nlist:\n  - one # note\n  -\n  - { a: b, c: [d, e:f] }\n  - [ ]\n  - {}\n",
    "list:\n- zero\n- indented: map\n  second: key\n  nested:\n  - x\nafter: 1\n",
    "q: 'it''s'\nr: \"plain double\"  # c\ns: a#b\nt: -x\nu: x:y\n",
    "deep:\n    four:\n        eight: 8\n    back: 4\n",
    "a: {x: [1, 2, {y: z}], w: 'q'}\n",
    "a: b   \n   \nc: d",
  ];
  for (const text of accepted) assert(agrees(text, JSON.stringify(text)), `declined ${JSON.stringify(text)}`);
  const declined = [
    "a: &x 1\nb: *x\n", // anchors and aliases
    "a: !!str 1\n", // tags
    "a: |\n  text\n", // block scalars
    "a: >\n  text\n",
    'a: "esc\\n"\n', // escapes
    "a: multi\n  line\n", // a plain scalar over two lines
    "a: [1,\n  2]\n", // a flow over two lines
    "a:\n\tb: 1\n", // a tab
    "a: 1\r\n", // CR LF
    "---\na: 1\n", // document markers
    "%YAML 1.1\n---\na: yes\n",
    "a: b: c\n", // nested map on one line
    '"q": 1\n', // quoted key
    "? a\n: b\n", // complex key
    "a: 0x10\nb: 1e3\nc: .5\nd: +1\ne: 007\nf: True\ng: .inf\n", // numbers in rarer spellings
    "- a\n- b\n", // a list at the top
    "a: 1\n b: 2\n", // indentation the package refuses
    "a: [b, c] d\n",
    "a: {b: 1,}\n",
    "a: [b: c]\n",
    "a: x]\n",
    "",
    "# only a comment\n",
  ];
  for (const text of declined) {
    assert.deepEqual(readPlainYaml(text), undefined, `accepted ${JSON.stringify(text)}`);
  }
});

Deno.test("plain yaml: damaged copies of the fixtures are read as the package reads them, or left to it", () => {
  // A fixed linear congruential sequence: the same damage on every run, so a failure can be replayed.
  let seed = 12345;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const alphabet = " \n:-#,[]{}'\"ab1.&*!|>?%@`~";
  let accepted = 0;
  for (const file of ["tests/topology/good/two-lans.yaml", "tests/e2e/fixtures/ping-lesson.yaml"]) {
    const base = Deno.readTextFileSync(`${root}${file}`);
    for (let i = 0; i < 400; i++) {
      let text = base;
      for (let k = 1 + next(4); k > 0; k--) {
        const at = next(text.length);
        const c = alphabet[next(alphabet.length)];
        const op = next(3);
        text = text.slice(0, at) + (op === 0 ? "" : c) + text.slice(op === 1 ? at : at + 1);
      }
      if (agrees(text, `${file} damaged: ${JSON.stringify(text)}`)) accepted++;
    }
  }
  assert(accepted > 100, `only ${accepted} damaged copies were read fast; the comparison proves little`);
});
