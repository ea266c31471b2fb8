/**
 * `sim compare`: reads each protocol's lesson, runs the comparison (src/compare/measure.ts) and
 * prints it as an aligned table, or as JSON; `--runs DIR` writes each run's topology there, seed
 * included, so `sim run DIR/FILE` reproduces the cell.
 */
import { parseArgs } from "node:util";
import { CASES } from "../compare/cases.ts";
import { compareProtocols, type CompareTable, NOT_MEASURED } from "../compare/measure.ts";
import { BadInput } from "./run.ts";

/** The table as aligned text, then the run behind each column's cells and what is not measured. */
export function formatCompareTable(table: CompareTable, runsDir?: string): string[] {
  const header = ["", ...table.protocols];
  const body = table.rows.map((row) => [row.label, ...row.cells.map((c) => c.text)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => (line[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const links = table.rows.map((row) =>
    `  ${row.label}: ${row.cells.map((c, i) => `${table.protocols[i]} ${c.run || "(design)"}`).join("; ")}`
  );
  return [
    line(header),
    ...body.map(line),
    "",
    `Runs, seed ${table.seed}: each lesson with its script replaced by the measuring one${
      runsDir
        ? `, written to ${runsDir}/ (sim run ${runsDir}/FILE reproduces a cell)`
        : " (--runs DIR writes them)"
    }; the attacker row is from each protocol's design, not a run:`,
    ...links,
    "Not measured:",
    ...NOT_MEASURED.map((m) => `  ${m}`),
  ];
}

/** `compare [--dir DIR] [--runs DIR] [--seed N] [--format text|json]`. Returns the exit code; throws `BadInput` on bad arguments. */
export async function compareCommand(
  args: string[],
  io: { out(line: string): void; err(line: string): void },
): Promise<number> {
  let values: { dir?: string; runs?: string; seed?: string; format?: string };
  try {
    values = parseArgs({
      args,
      options: {
        dir: { type: "string" },
        runs: { type: "string" },
        seed: { type: "string" },
        format: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new BadInput(`${e instanceof Error ? e.message.split(". To specify")[0] : String(e)}; see --help`);
  }
  if (values.seed !== undefined && (!/^\d+$/.test(values.seed) || Number(values.seed) > 0xffffffff)) {
    throw new BadInput(`--seed ${values.seed}: expected a whole number from 0 to 4294967295`);
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  const format = values.format ?? "text";
  if (format !== "text" && format !== "json") throw new BadInput(`--format ${format}: expected text or json`);
  const dir = values.dir ?? "topologies";
  const texts = new Map<string, string>();
  for (const c of CASES) {
    try {
      texts.set(c.file, await Deno.readTextFile(`${dir}/${c.file}`));
    } catch {
      io.err(`error: compare needs ${dir}/${c.file} (the ${c.name} lesson); give --dir with the lessons`);
      return 2;
    }
  }
  const table = compareProtocols((file) => texts.get(file)!, seed);
  if (values.runs !== undefined) {
    await Deno.mkdir(values.runs, { recursive: true });
    for (const [name, text] of Object.entries(table.runs)) {
      await Deno.writeTextFile(`${values.runs}/${name}`, text);
    }
  }
  if (format === "json") io.out(JSON.stringify(table));
  else for (const l of formatCompareTable(table, values.runs)) io.out(l);
  return 0;
}
