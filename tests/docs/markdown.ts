/**
 * Reads the fenced blocks and inline commands of the project's Markdown files, for the tests that keep
 * the docs true: what a block says it is (its language and the `<!-- fragment of ... -->` comment just
 * above it) and where it was written, so a failure names file and line.
 */

/** The Markdown files the doc tests cover, relative to the repository root. */
export function docFiles(root: string): string[] {
  const docs = [...Deno.readDirSync(`${root}docs`)].filter((e) => e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`).sort();
  return ["README.md", ...docs];
}

/** One fenced block: its language tag, its text and the fragment comment before it, if any. */
export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  /** `<!-- fragment of BASE[, node NODE] -->` above the fence (a blank line between is allowed): the topology that completes it. */
  fragment?: { base: string; node?: string };
}

const FRAGMENT = /^<!--\s*fragment of (\S+?)(?:,\s*node (\S+))?\s*-->$/;

/** Every fenced block of a Markdown text, in order. */
export function fencedBlocks(file: string, text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed fence`);
    const before = lines[i - 1]?.trim() === "" ? lines[i - 2] : lines[i - 1];
    const comment = FRAGMENT.exec(before?.trim() ?? "");
    blocks.push({
      file,
      line: i + 1,
      lang: open[1],
      text: lines.slice(i + 1, end).join("\n"),
      fragment: comment ? { base: comment[1], node: comment[2] } : undefined,
    });
    i = end;
  }
  return blocks;
}
